"""Recording a dose outcome from the worklist or a patient's page (through the one service)."""

from django.contrib import messages
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from patients.errors import InvalidInput
from patients.models import EventKind, Outcome
from patients.selectors import events_for
from patients.services import administration_record

from ..access import CLINICAL, staff_required
from ..forms import GivenForm, OutcomeTimeForm, apply_errors, local_datetime
from ..selectors.today import clinic_today, given_defaults, next_dose_after
from .common import back, is_htmx, safe_next, scoped


def _event(request, pk):
    queryset = events_for(request.user).select_related("enrollment__protocol_version__protocol", "patient")
    return scoped(queryset.filter(kind=EventKind.DOSE), pk)


def _recorded(request, event, record):
    context = {"event": event, "record": record, "next_dose": next_dose_after(event)}
    if is_htmx(request):
        return render(request, "dashboard/partials/dose_recorded.html", context)
    messages.success(request, f"{event.patient.full_name}: {event.code} recorded as {record.outcome}.")
    return back(request, reverse("dashboard:today"))


def _form_response(request, event, form, status=200):
    context = {"event": event, "form": form, "next": safe_next(request, reverse("dashboard:today"))}
    template = "dashboard/partials/given_form.html" if is_htmx(request) else "dashboard/record_dose.html"
    return render(request, template, context, status=status)


@staff_required(*CLINICAL)
@require_http_methods(["GET", "POST"])
def record_given(request, pk):
    event = _event(request, pk)
    prefix = f"e{event.pk}-"
    if request.method == "GET":
        return _form_response(request, event, GivenForm(initial=given_defaults(request.user, event), prefix_id=prefix))
    form = GivenForm(request.POST, prefix_id=prefix)
    if form.is_valid():
        data = form.cleaned_data
        try:
            record, _ = administration_record(
                actor=request.user, event=event, outcome=Outcome.GIVEN,
                occurred_at=local_datetime(clinic_today(request.user.clinic), data["given_at"], request.user.clinic.zone),
                dose_mg=data["dose_mg"], route=event.route, site=data["site"], lot_number=data["lot_number"],
                idempotency_key=request.POST.get("idempotency_key") or None,
            )
        except InvalidInput as exc:
            apply_errors(form, exc, {"occurred_at": "given_at"})
        else:
            return _recorded(request, event, record)
    return _form_response(request, event, form, status=422)


@staff_required(*CLINICAL)
@require_POST
def record_not_given(request, pk, outcome):
    event = _event(request, pk)
    form = OutcomeTimeForm(request.POST)
    zone = request.user.clinic.zone
    at = (form.cleaned_data.get("at") if form.is_valid() else None)
    occurred_at = local_datetime(clinic_today(request.user.clinic), at, zone) if at else timezone.now()
    try:
        record, _ = administration_record(actor=request.user, event=event, outcome=outcome, occurred_at=occurred_at,
                                          idempotency_key=request.POST.get("idempotency_key") or None)
    except InvalidInput as exc:
        message = "; ".join(exc.errors.values())
        if is_htmx(request):
            return render(request, "dashboard/partials/dose_error.html", {"event": event, "message": message,
                                                                            "today": clinic_today(request.user.clinic)},
                          status=422)
        messages.error(request, f"Not recorded: {message}")
        return back(request, reverse("dashboard:today"))
    return _recorded(request, event, record)

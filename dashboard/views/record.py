"""Recording a dose outcome from the worklist or a patient's page (through the one service).

From a page using htmx, a form with errors comes back (422) into the row's own form slot (#form-<id>),
never over the row; a recorded outcome replaces the row and tells the page (HX-Trigger "dose-recorded")
so that its counts and the menu's alert badge are read again.
"""

from datetime import datetime

from django.contrib import messages
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from patients.errors import InvalidInput
from patients.models import EventKind, Outcome, Source
from patients.selectors import events_for
from patients.services import administration_record

from ..access import CLINICAL, staff_required
from ..forms import GivenForm, OutcomeTimeForm, TakenForm, apply_errors, local_datetime
from ..selectors.today import clinic_today, given_defaults, next_dose_after
from .common import back, is_htmx, safe_next, scoped

RECORDED_TRIGGER = "dose-recorded"


def _event(request, pk):
    queryset = events_for(request.user).select_related("enrollment__protocol_version__protocol", "patient")
    return scoped(queryset.filter(kind=EventKind.DOSE), pk)


def _instant(request, value) -> datetime:
    """A form's date-time (or a time alone: today) in the clinic's time zone."""
    zone = request.user.clinic.zone
    if isinstance(value, datetime):
        return value.replace(tzinfo=zone)
    return local_datetime(clinic_today(request.user.clinic), value, zone)


def _recorded(request, event, record):
    context = {"event": event, "record": record, "next_dose": next_dose_after(event),
               "today": clinic_today(request.user.clinic)}
    if is_htmx(request):
        template = "dose_recorded" if event.setting == "clinic" else "taken_recorded"
        response = render(request, f"dashboard/partials/{template}.html", context)
        response["HX-Trigger"] = RECORDED_TRIGGER
        return response
    messages.success(request, f"{event.patient.full_name}: {event.code} recorded as {record.outcome}.")
    return back(request, reverse("dashboard:today"))


def _input_bounds(request, event) -> dict:
    """The datetime-local input's lower bound: the day the dose's window opens. (Not in the future is left to
    the service: a maximum fixed when the form was opened would be stale minutes later.)"""
    return {"min": f"{event.window_start:%Y-%m-%d}T00:00"}


def _focus_first_error(form):
    """The first field in error takes the focus; each one in error says so to assistive technology."""
    names = [name for name in form.fields if name in form.errors]
    for name in names:
        attrs = form.fields[name].widget.attrs
        attrs.update({"aria-invalid": "true", "aria-describedby": f"{attrs.get('id', name)}-error"})
    if names:
        form.fields[names[0]].widget.attrs["autofocus"] = True


def _form_response(request, event, form, status=200, template="given_form"):
    context = {"event": event, "form": form, "next": safe_next(request, reverse("dashboard:today")),
               "has_errors": status == 422, "today": clinic_today(request.user.clinic)}
    if is_htmx(request):
        response = render(request, f"dashboard/partials/{template}.html", context, status=status)
        # The form lives in the row's slot; its errors go back there, not over the row.
        response["HX-Retarget"] = f"#form-{event.pk}"
        response["HX-Reswap"] = "innerHTML"
        return response
    return render(request, "dashboard/record_dose.html", {**context, "form_template": template}, status=status)


@staff_required(*CLINICAL)
@require_http_methods(["GET", "POST"])
def record_given(request, pk):
    event = _event(request, pk)
    prefix = f"e{event.pk}-"
    if request.method == "GET":
        form = GivenForm(initial=given_defaults(request.user, event), prefix_id=prefix)
        form.fields["given_at"].widget.attrs.update(_input_bounds(request, event))
        return _form_response(request, event, form)
    form = GivenForm(request.POST, prefix_id=prefix)
    form.fields["given_at"].widget.attrs.update(_input_bounds(request, event))
    if form.is_valid():
        data = form.cleaned_data
        try:
            record, _ = administration_record(
                actor=request.user, event=event, outcome=Outcome.GIVEN, occurred_at=_instant(request, data["given_at"]),
                dose_mg=data["dose_mg"], route=event.route, site=data["site"], lot_number=data["lot_number"],
                idempotency_key=request.POST.get("idempotency_key") or None,
            )
        except InvalidInput as exc:
            apply_errors(form, exc, {"occurred_at": "given_at"})
        else:
            return _recorded(request, event, record)
    _focus_first_error(form)
    return _form_response(request, event, form, status=422)


@staff_required(*CLINICAL)
@require_http_methods(["GET", "POST"])
def record_taken(request, pk):
    """A home dose taken, as the patient says on the phone: recorded by staff on the patient's behalf."""
    event = _event(request, pk)
    prefix = f"t{event.pk}-"
    if event.setting != "home":
        response = _not_recorded(request, event, "only a home dose is recorded as taken on the patient's behalf")
        if is_htmx(request):
            response["HX-Retarget"], response["HX-Reswap"] = f"#form-{event.pk}", "innerHTML"
        return response
    if request.method == "GET":
        now = timezone.now().astimezone(request.user.clinic.zone).replace(second=0, microsecond=0, tzinfo=None)
        form = TakenForm(initial={"taken_at": now}, prefix_id=prefix)
        form.fields["taken_at"].widget.attrs.update(_input_bounds(request, event))
        return _form_response(request, event, form, template="taken_form")
    form = TakenForm(request.POST, prefix_id=prefix)
    form.fields["taken_at"].widget.attrs.update(_input_bounds(request, event))
    if form.is_valid():
        data = form.cleaned_data
        try:
            record, _ = administration_record(
                actor=request.user, event=event, outcome=Outcome.GIVEN, occurred_at=_instant(request, data["taken_at"]),
                dose_mg=event.dose_mg, route=event.route, note=data["note"], source=Source.PHONE,
                idempotency_key=request.POST.get("idempotency_key") or None,
            )
        except InvalidInput as exc:
            apply_errors(form, exc, {"occurred_at": "taken_at"})
        else:
            return _recorded(request, event, record)
    _focus_first_error(form)
    return _form_response(request, event, form, status=422, template="taken_form")


def _not_recorded(request, event, message):
    if is_htmx(request):
        template = "dose_error" if event.setting == "clinic" else "dose_message"
        return render(request, f"dashboard/partials/{template}.html",
                      {"event": event, "message": message, "today": clinic_today(request.user.clinic)}, status=422)
    messages.error(request, f"Not recorded: {message}")
    return back(request, reverse("dashboard:today"))


@staff_required(*CLINICAL)
@require_POST
def record_not_given(request, pk, outcome):
    event = _event(request, pk)
    if outcome not in (Outcome.MISSED, Outcome.DECLINED):
        return _not_recorded(request, event, "an outcome here is missed or declined")
    form = OutcomeTimeForm(request.POST)
    if not form.is_valid():
        return _not_recorded(request, event, "; ".join(f"{name.replace('at', 'when')}: {' '.join(errors)}"
                                                       for name, errors in form.errors.items()))
    at, reason = form.cleaned_data.get("at"), form.cleaned_data.get("reason") or ""
    if outcome == Outcome.DECLINED and not reason:
        return _not_recorded(request, event, "say why the patient declined (the reason is kept with the record)")
    occurred_at = _instant(request, at) if at else timezone.now()
    try:
        record, _ = administration_record(actor=request.user, event=event, outcome=outcome, occurred_at=occurred_at,
                                          note=reason, idempotency_key=request.POST.get("idempotency_key") or None)
    except InvalidInput as exc:
        return _not_recorded(request, event, "; ".join(exc.errors.values()))
    return _recorded(request, event, record)

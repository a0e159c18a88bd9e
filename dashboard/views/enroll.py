"""Enrolling a patient (preview the dates, then confirm), ending a phase and stopping an enrollment: clinicians
only."""

from datetime import date

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from patients.errors import InvalidInput
from patients.models import EnrollmentStatus, EventStatus
from patients.selectors import enrollments_for, patients_for
from patients.services import enrollment_create, enrollment_end_phase, enrollment_preview, enrollment_stop
from patients.services.enrollments import folate_guard, overlapping_enrollments, resolve_protocol
from protocols.models import Protocol
from reminders.models import LIVE_STATUSES, Reminder

from ..access import CLINICIAN, staff_required
from ..forms import EndPhaseForm, EnrollForm
from ..forms_guards import StopEnrollmentForm
from ..selectors.today import clinic_today

#: Dated items shown in the preview besides the daily oral doses (summarised in one line).
PREVIEW_ROWS = 40


def protocol_choices(clinic) -> list[tuple[str, str]]:
    protocols = {}
    for p in Protocol.objects.visible_to(clinic).filter(current_version__isnull=False).order_by("clinic_id", "name"):
        protocols[p.slug] = p.name  # a clinic's own protocol wins over a built-in of the same slug
    return sorted(((slug, name) for slug, name in protocols.items()), key=lambda item: item[1])


def _option_field(message: str) -> str | None:
    for name in ("maintenance_interval_months", "iron_product", "dose_time"):
        if name in message:
            return name
    return None


def _apply_service_errors(form, exc: InvalidInput) -> None:
    if "conflicting_enrollments" in exc.errors:  # the enrollments are named, with links, above the form (_guards)
        form.add_error("protocol", "The patient is already on this treatment (see above).")
        form.add_error("override_reason", "Give your reason to enroll anyway, or stop the other enrollment first.")
        return
    for field, message in exc.errors.items():
        if isinstance(message, str):
            message = message.replace("give override_reason (clinicians only)", "give an override reason below")
        if field == "options":
            target = _option_field(message)
            form.add_error(target, message)
        else:
            form.add_error(field if field in form.fields else None, message)


def _preview_context(plan, start: date) -> dict:
    titles = []
    home = [e for e in plan.events if e.kind == "dose" and e.setting == "home"]
    rows = [e for e in plan.events if not (e.kind == "dose" and e.setting == "home")][:PREVIEW_ROWS]
    home_summary = None
    if home:
        home_summary = {"code": home[0].code, "count": len(home), "first": home[0].due_date,
                        "last": home[-1].due_date, "dose_mg": home[0].dose_mg, "at": home[0].due_at}
    for span in plan.phases:
        titles.append(span)
    return {"phases": titles, "rows": rows, "home": home_summary}


OVERRIDE_HELP = ("Needed only to go past a safety guard: a second active plan on the same treatment (B12, iron, "
                 "folic acid), or folic acid without a B12 result in range (folate-without-b12). Recorded on the "
                 "enrollment with your name.")


def _guards(patient, protocol: str, start_date: date) -> dict:
    """What the safety guards would say about this enrollment, to show before it is confirmed."""
    try:
        version = resolve_protocol(patient.clinic, protocol)
    except InvalidInput:
        return {}
    overlaps = overlapping_enrollments(patient=patient, definition=version.parsed)
    folate = ("folate-without-b12" in version.parsed.requires
              and folate_guard(patient=patient, override_reason="", start_date=start_date) is not None)
    return {"overlaps": [{"enrollment": e, "arms": shared} for e, shared in overlaps], "folate": folate}


@staff_required(*CLINICIAN)
@require_http_methods(["GET", "POST"])
def enroll(request, pk):
    patient = get_object_or_404(patients_for(request.user), pk=pk)
    choices = protocol_choices(request.user.clinic)
    today = clinic_today(request.user.clinic)
    initial = {"start_date": today, "protocol": request.GET.get("protocol", "")}
    form = EnrollForm(request.POST or None, protocols=choices, initial=initial)
    form.fields["override_reason"].label = "Override reason (clinician)"
    form.fields["override_reason"].help_text = OVERRIDE_HELP
    context = {"nav": "patients", "patient": patient, "form": form, "preview": None, "guards": {}}
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            data = dict(form.cleaned_data)  # add_error() takes a field out of cleaned_data
            context["guards"] = _guards(patient, data["protocol"], data["start_date"])
            try:
                if request.POST.get("action") == "confirm":
                    enrollment = enrollment_create(
                        actor=request.user, patient=patient, protocol=data["protocol"], start_date=data["start_date"],
                        options=form.options(), override_reason=data["override_reason"],
                    )
                    messages.success(request, f"Enrolled {patient.full_name} in {dict(choices)[data['protocol']]} "
                                              f"from {data['start_date'].day} {data['start_date']:%b %Y}.")
                    return redirect(reverse("dashboard:patient", args=[pk]) + f"#enrollment-{enrollment.pk}")
                plan = enrollment_preview(patient=patient, protocol=data["protocol"], start_date=data["start_date"],
                                          options=form.options())
            except InvalidInput as exc:
                _apply_service_errors(form, exc)
                if request.POST.get("action") == "confirm":
                    # A guard refused: keep the preview, so a clinician can give a reason and confirm again.
                    try:
                        plan = enrollment_preview(patient=patient, protocol=data["protocol"],
                                                  start_date=data["start_date"], options=form.options())
                    except InvalidInput:
                        pass
                    else:
                        context["preview"] = _preview_context(plan, data["start_date"])
                        context["protocol_name"] = dict(choices)[data["protocol"]]
            else:
                status = 200
                context["preview"] = _preview_context(plan, data["start_date"])
                context["protocol_name"] = dict(choices)[data["protocol"]]
    return render(request, "dashboard/enroll.html", context, status=status)


@staff_required(*CLINICIAN)
@require_POST
def end_phase(request, pk):
    enrollment = get_object_or_404(enrollments_for(request.user), pk=pk)
    form = EndPhaseForm(request.POST)
    target = reverse("dashboard:patient", args=[enrollment.patient_id]) + f"#enrollment-{pk}"
    if not form.is_valid():
        problems = "; ".join(f"{k.replace('_', ' ')}: {' '.join(v)}" for k, v in form.errors.items())
        messages.error(request, f"Phase not ended: {problems}")
        return redirect(target)
    data = form.cleaned_data
    try:
        enrollment_end_phase(actor=request.user, enrollment=enrollment, phase=data["phase"], on=data["date"],
                             reason=data["reason"])
    except InvalidInput as exc:
        messages.error(request, "Phase not ended: " + "; ".join(exc.errors.values()))
    else:
        messages.success(request, f"Ended the {data['phase'].replace('-', ' ')} phase on {data['date'].day} {data['date']:%b %Y}; "
                                  "the plan was re-computed.")
    return redirect(target)



def _stop_counts(enrollment) -> dict:
    return {
        "events": enrollment.events.filter(status=EventStatus.PLANNED).count(),
        "reminders": Reminder.objects.filter(event__enrollment_id=enrollment.pk, status__in=LIVE_STATUSES).count(),
    }


@staff_required(*CLINICIAN)
@require_http_methods(["GET", "POST"])
def stop(request, pk):
    """Stop a whole enrollment: a reason and a date, then a confirmation saying what will be cancelled."""
    enrollment = get_object_or_404(enrollments_for(request.user).select_related("patient__clinic",
                                                                              "protocol_version__protocol"), pk=pk)
    patient = enrollment.patient
    back_to = reverse("dashboard:patient", args=[patient.pk]) + f"#enrollment-{pk}"
    today = patient.local_today()
    if enrollment.status != EnrollmentStatus.ACTIVE:
        messages.info(request, f"{enrollment.protocol_version.protocol.name} already ended on "
                               f"{enrollment.ended_on.day} {enrollment.ended_on:%b %Y}." if enrollment.ended_on else "This enrollment has ended.")
        return redirect(back_to)
    form = StopEnrollmentForm(request.POST or None, initial={"date": today})
    form.fields["date"].widget.attrs.update({"max": today.isoformat(), "min": enrollment.start_date.isoformat()})
    context = {"nav": "patients", "enrollment": enrollment, "patient": patient, "form": form, "confirming": False,
               "back_to": back_to, **_stop_counts(enrollment)}
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            data = dict(form.cleaned_data)  # add_error() takes a field out of cleaned_data
            action = request.POST.get("action")
            if data["date"] > today:
                form.add_error("date", "cannot stop an enrollment in the future")
            elif data["date"] < enrollment.start_date:
                form.add_error("date", f"the enrollment starts on {enrollment.start_date.day} {enrollment.start_date:%b %Y}")
            elif action == "confirm":
                try:
                    enrollment_stop(actor=request.user, enrollment=enrollment, on=data["date"], reason=data["reason"])
                except InvalidInput as exc:
                    _apply_service_errors(form, exc)
                else:
                    messages.success(request, f"Stopped {enrollment.protocol_version.protocol.name} for "
                                              f"{patient.full_name} on {data['date'].day} {data['date']:%b %Y}; "
                                              f"{context['events']} planned events and {context['reminders']} pending "
                                              "reminders were cancelled.")
                    return redirect(back_to)
            elif action == "edit":
                status = 200
            else:
                status, context["confirming"] = 200, True
    return render(request, "dashboard/enrollment_stop.html", context, status=status)

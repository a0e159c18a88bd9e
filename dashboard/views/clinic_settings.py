"""The clinic's settings, kept by its clinic administrator: details, open and injection days, closed
days, thresholds and reminder defaults. Changes to the calendar re-plan the active enrollments at once,
and the page says what moved. Clinicians and nurses are refused (403): their pages follow the result."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from clinics.models import Clinic
from clinics.services import (
    clinic_days_update,
    clinic_details_update,
    clinic_thresholds_update,
    closed_day_add,
    closed_day_remove,
)
from clinics.thresholds import THRESHOLDS
from dashboard.templatetags.dashboard_tags import staff_date
from patients.errors import InvalidInput
from reminders.models import ClinicReminderSettings
from reminders.services.preferences import clinic_reminder_settings_update

from ..access import ADMIN, staff_required
from ..forms import (
    ClinicDaysForm,
    ClinicDetailsForm,
    ClinicRemindersForm,
    ClosedDayForm,
    ThresholdsForm,
    apply_errors,
)

#: Closed days listed on the page (the next ones first).
UPCOMING_CLOSED_DAYS = 60


def _day(value) -> str:
    """As every staff page writes a day (`staff_date`): the year only when it is not this year or far off."""
    return staff_date(value)


def _replan_message(replanned, what: str) -> str:
    if replanned.queued:
        return (f"{what} The clinic's {replanned.queued} active enrollments are being re-planned in the background; "
                f"their plans show the new dates within a few minutes.")
    if not replanned:
        return f"{what} No planned appointment or blood test had to move."
    moves = []
    for name, key, old, new in replanned.examples:
        label = f" ({key.replace('#', ' ')})" if key else ""
        if old and new:
            moves.append(f"{name}{label} {_day(old)} → {_day(new)}")
        elif old:
            moves.append(f"{name}{label} {_day(old)} cancelled")
        else:
            moves.append(f"{name} added {_day(new)}")
    events = "1 appointment or blood test" if replanned.events == 1 else \
        f"{replanned.events} appointments and blood tests"
    enrollments = "1 enrollment" if replanned.enrollments == 1 else f"{replanned.enrollments} enrollments"
    more = f" and {replanned.events - len(moves)} more" if replanned.events > len(moves) else ""
    return f"{what} Re-planned {enrollments}: {events} moved ({'; '.join(moves)}{more})."


def _forms(clinic, bound=None):
    reminders = ClinicReminderSettings.for_clinic(clinic)
    forms = {
        "details": ClinicDetailsForm(initial={"name": clinic.name, "language": clinic.language,
                                              "reminder_details_opt_in": clinic.reminder_details_opt_in,
                                              "address": clinic.address, "phone": clinic.phone,
                                              "email": clinic.email}),
        "days": ClinicDaysForm(initial={"open_days": clinic.open_days.split(","),
                                        "injection_days": clinic.injection_days.split(",")}),
        "closed": ClosedDayForm(),
        "thresholds": ThresholdsForm(clinic=clinic),
        "reminders": ClinicRemindersForm(initial={
            "patient_channels": reminders.channels,
            **{name: getattr(reminders, name) for name in ClinicRemindersForm.base_fields if name != "patient_channels"},
        }),
    }
    if bound:
        forms.update(bound)
    return forms


def _render(request, clinic, bound=None, status=200):
    today = timezone.now().astimezone(clinic.zone).date()
    forms = _forms(clinic, bound)
    thresholds = forms["thresholds"]
    groups = {}
    for name in THRESHOLDS:
        groups.setdefault(THRESHOLDS[name].group, []).append(thresholds[name])
    closed = list(clinic.closed_days.filter(date__gte=today).order_by("date")[:UPCOMING_CLOSED_DAYS])
    return render(request, "dashboard/clinic_settings.html", {
        "nav": "clinic", "clinic": clinic, "forms": forms, "threshold_groups": groups.items(),
        "closed_days": closed, "today": today,
    }, status=status)


def _clinic(request) -> Clinic:
    return Clinic.objects.get(pk=request.user.clinic_id)


@staff_required(*ADMIN)
@require_GET
def clinic_settings(request):
    return _render(request, _clinic(request))


def _post(request, section, form, save):
    """Validate `form`, run `save(cleaned_data)` (a service: all or nothing), redirect to the section."""
    clinic = _clinic(request)
    if form.is_valid():
        try:
            message = save(clinic, form.cleaned_data)
        except InvalidInput as exc:
            apply_errors(form, exc)
        except ValueError as exc:  # the schedule engine refused the new calendar: rolled back
            form.add_error(None, f"The plans could not be re-computed with this change ({exc}).")
        else:
            messages.success(request, message)
            return redirect(f"{reverse('dashboard:clinic')}#{section}")
    if form.errors:
        messages.error(request, "Nothing was saved: correct the fields marked below.")
    return _render(request, clinic, {section: form}, status=422)


@staff_required(*ADMIN)
@require_POST
def clinic_details(request):
    def save(clinic, data):
        clinic_details_update(clinic=clinic, actor=request.user, **data)
        return "Saved the clinic's details."

    return _post(request, "details", ClinicDetailsForm(request.POST), save)


@staff_required(*ADMIN)
@require_POST
def clinic_days(request):
    def save(clinic, data):
        _clinic, replanned = clinic_days_update(clinic=clinic, actor=request.user, open_days=data["open_days"],
                                                injection_days=data["injection_days"])
        return _replan_message(replanned, "Saved the open and injection days.")

    return _post(request, "days", ClinicDaysForm(request.POST), save)


@staff_required(*ADMIN)
@require_POST
def closed_day_create(request):
    def save(clinic, data):
        closed, replanned = closed_day_add(clinic=clinic, actor=request.user, day=data["date"],
                                           reason=data["reason"])
        return _replan_message(replanned, f"The clinic is closed on {_day(closed.date)}.")

    return _post(request, "closed", ClosedDayForm(request.POST), save)


@staff_required(*ADMIN)
@require_POST
def closed_day_delete(request, pk):
    clinic = _clinic(request)
    try:
        day, replanned = closed_day_remove(clinic=clinic, actor=request.user, pk=pk)
    except InvalidInput as exc:
        messages.error(request, "; ".join(exc.errors.values()).capitalize() + ".")
    except ValueError as exc:  # the schedule engine refused the calendar: rolled back
        messages.error(request, f"Nothing was changed: the plans could not be re-computed ({exc}).")
    else:
        messages.success(request, _replan_message(replanned, f"The clinic is open again on {_day(day)}."))
    return redirect(f"{reverse('dashboard:clinic')}#closed")


@staff_required(*ADMIN)
@require_POST
def clinic_thresholds(request):
    def save(clinic, data):
        _clinic, replanned = clinic_thresholds_update(clinic=clinic, actor=request.user, values=data)
        saved = "Saved the thresholds; the clinic's alerts are checked against them within a minute."
        return _replan_message(replanned, saved) if replanned else saved

    return _post(request, "thresholds", ThresholdsForm(request.POST, clinic=_clinic(request)), save)


@staff_required(*ADMIN)
@require_POST
def clinic_reminders(request):
    def save(clinic, data):
        fields = {**data, "patient_channels": ",".join(data["patient_channels"])}
        clinic_reminder_settings_update(clinic=clinic, **fields)
        return "Saved the reminder settings; pending reminders are re-planned in the next minute."

    return _post(request, "reminders", ClinicRemindersForm(request.POST), save)

"""The patient page and what is done from it: filing a lab result and correcting records."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from patients.errors import InvalidInput
from patients.selectors import administrations_for, enrollments_for, lab_results_for, patients_for
from patients.services import (
    administration_mark_entered_in_error,
    lab_result_mark_entered_in_error,
    lab_result_record,
    patient_create,
    patient_details_update,
)
from patients.services.labs import UnusualLabValue

from ..access import CLINICAL, staff_required
from ..forms import EnteredInErrorForm, LabResultForm, PatientForm, apply_errors, lab_units, local_datetime
from ..selectors.patient import patient_page
from ..selectors.today import clinic_today


def _render(request, pk, *, lab_form=None, status=200, unusual=None):
    today = clinic_today(request.user.clinic)
    context = patient_page(request.user, pk, today)
    now = timezone.now().astimezone(request.user.clinic.zone)
    context.update({
        "nav": "patients",
        "lab_form": lab_form or LabResultForm(initial={"collected_on": now.date(), "collected_time": now.strftime("%H:%M"),
                                                       "test": "hb", "unit": "g/L"}),
        "lab_units": lab_units(),
        "is_clinician": request.user.role == "clinician",
        "unusual": unusual,
    })
    return render(request, "dashboard/patient.html", context, status=status)


@staff_required(*CLINICAL)
def patient_detail(request, pk):
    return _render(request, pk)


def _unusual_key(data) -> str:
    """What a "yes, file it as it is" answers: the same test, value and unit (a changed value is asked again)."""
    return f"{data['test']}|{str(data['value']).strip()}|{data['unit'].strip()}"


@staff_required(*CLINICAL)
@require_POST
def lab_file(request, pk):
    """File a result; a value that is far more likely a unit mistake is asked about ("did you mean …?") first."""
    patient = get_object_or_404(patients_for(request.user), pk=pk)
    post = request.POST.copy()
    use_unit = post.get("use_unit", "")
    if use_unit and use_unit in lab_units().get(post.get("test", ""), ()):
        post["unit"] = use_unit  # "did you mean g/dL?" answered by choosing that unit
    form = LabResultForm(post)
    unusual = None
    if form.is_valid():
        data = form.cleaned_data
        key = _unusual_key(data)
        confirmed = post.get("confirm_unusual") == "yes" and post.get("unusual_key") == key
        try:
            result = lab_result_record(
                actor=request.user, patient=patient, test=data["test"], value=data["value"], unit=data["unit"],
                collected_at=local_datetime(data["collected_on"], data["collected_time"], request.user.clinic.zone),
                confirm_unusual=confirmed,
            )
        except UnusualLabValue as exc:
            unusual = {"message": exc.message, "suggested_unit": exc.suggested_unit, "key": key,
                       "value": str(data["value"]).strip(), "unit": data["unit"].strip(), "test": data["test"]}
            form.add_error("value", "Needs confirming: far more likely a unit mistake (see the question below).")
        except InvalidInput as exc:
            apply_errors(form, exc, {"collected_at": "collected_on"})
        else:
            note = " (confirmed as entered)" if result.confirmed_unusual else ""
            messages.success(request, f"Filed {result.code} {result.value.normalize():f} {result.unit}{note}.")
            return redirect(reverse("dashboard:patient", args=[pk]) + "#labs")
    return _render(request, pk, lab_form=form, status=422, unusual=unusual)


def _mark_in_error(request, record, service, kwarg, anchor):
    form = EnteredInErrorForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Not changed: give a reason for marking the entry entered-in-error.")
    else:
        try:
            service(actor=request.user, reason=form.cleaned_data["reason"], **{kwarg: record})
        except InvalidInput as exc:
            messages.error(request, "Not changed: " + "; ".join(exc.errors.values()))
        else:
            messages.success(request, "Marked entered-in-error; the plan and alerts were re-evaluated.")
    return redirect(reverse("dashboard:patient", args=[record.patient_id]) + anchor)


@staff_required(*CLINICAL)
@require_POST
def administration_in_error(request, pk):
    record = get_object_or_404(administrations_for(request.user), pk=pk)
    return _mark_in_error(request, record, administration_mark_entered_in_error, "administration", "#administrations")


@staff_required(*CLINICAL)
@require_POST
def lab_result_in_error(request, pk):
    record = get_object_or_404(lab_results_for(request.user), pk=pk)
    return _mark_in_error(request, record, lab_result_mark_entered_in_error, "result", "#labs")


@staff_required(*CLINICAL)
@require_http_methods(["GET", "POST"])
def patient_new(request):
    form = PatientForm(request.POST or None, clinic=request.user.clinic)
    if request.method == "POST" and form.is_valid():
        try:
            patient = patient_create(actor=request.user, clinic=request.user.clinic, **form.cleaned_data)
        except InvalidInput as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"Added {patient.full_name}.")
            return redirect("dashboard:patient", patient.pk)
    status = 422 if request.method == "POST" else 200
    return render(request, "dashboard/patient_new.html", {"nav": "patients", "form": form}, status=status)


@staff_required(*CLINICAL)
def enrollment_plan_page(request, pk):
    enrollment = get_object_or_404(enrollments_for(request.user), pk=pk)
    events = enrollment.events.select_related("patient").order_by("due_date", "kind", "sequence", "id")
    return render(request, "dashboard/enrollment_plan.html", {
        "nav": "patients", "enrollment": enrollment, "patient": enrollment.patient, "events": list(events),
        "today": clinic_today(request.user.clinic),
    })


#: Changes to a patient's details listed on the edit page (the full history is in the audit log).
HISTORY_SHOWN = 8
EDIT_GROUPS = (
    ("Patient", ("given_name", "family_name", "date_of_birth", "sex", "pregnant")),
    ("Contact and time", ("phone", "email", "timezone", "preferred_dose_time", "language")),
    ("Reminders", ("reminders_opt_in", "channels", "end_opt_outs")),
)
HISTORY_LABELS = {"given_name": "given name", "family_name": "family name", "date_of_birth": "date of birth",
                  "preferred_dose_time": "dose time", "reminders_opt_in": "reminders", "timezone": "time zone",
                  "phone_kind": "phone kind"}


def _detail_changes(patient) -> list[dict]:
    """Who changed what in the patient's details, newest first."""
    records = list(patient.history.select_related("history_user").order_by("-history_id")
                   [:HISTORY_SHOWN + 1])
    changes = []
    for record, previous in zip(records, records[1:] + [None], strict=True):
        if len(changes) == HISTORY_SHOWN:
            break
        if previous is None:
            what = "added the patient"
        else:
            delta = record.diff_against(previous)
            what = ", ".join(HISTORY_LABELS.get(c.field, c.field.replace("_", " ")) for c in delta.changes) or "no change"
        changes.append({"at": record.history_date, "by": record.history_user, "what": what})
    return changes


@staff_required(*CLINICAL)
@require_http_methods(["GET", "POST"])
def patient_edit(request, pk):
    from reminders.models import OptOut, PatientReminderPreferences

    from ..forms import PatientEditForm

    patient = get_object_or_404(patients_for(request.user).select_related("clinic"), pk=pk)
    opt_outs = list(OptOut.objects.filter(patient=patient, ended_at__isnull=True).order_by("channel"))
    prefs = PatientReminderPreferences.objects.filter(patient=patient).values_list("channels", flat=True).first()
    initial = {name: getattr(patient, name) for name in (
        "given_name", "family_name", "date_of_birth", "sex", "pregnant", "phone", "email", "timezone",
        "preferred_dose_time", "language", "reminders_opt_in")}
    initial["channels"] = prefs or ""
    form = PatientEditForm(request.POST or None, initial=initial, clinic=request.user.clinic, opt_outs=opt_outs)
    if request.method == "POST" and form.is_valid():
        try:
            patient_details_update(actor=request.user, patient=patient, **form.service_fields())
        except InvalidInput as exc:
            apply_errors(form, exc)
            patient = get_object_or_404(patients_for(request.user).select_related("clinic"), pk=pk)
        else:
            messages.success(request, f"Saved {patient.full_name}'s details.")
            return redirect("dashboard:patient", patient.pk)
    status = 422 if request.method == "POST" else 200
    return render(request, "dashboard/patient_edit.html", {
        "nav": "patients", "form": form, "patient": patient, "changes": _detail_changes(patient),
        "groups": EDIT_GROUPS,
    }, status=status)


@staff_required(*CLINICAL)
def patient_print(request, pk):
    """The patient's plan to print and hand over: no navigation or buttons on paper."""
    from ..selectors.print_plan import print_plan

    context = print_plan(request.user, pk, clinic_today(request.user.clinic))
    context.update({"nav": "patients", "printed_at": timezone.now().astimezone(request.user.clinic.zone)})
    return render(request, "dashboard/patient_print.html", context)

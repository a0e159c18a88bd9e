"""A clinic administrator sees who read a patient's record, and when (the access log)."""

from django import forms
from django.conf import settings
from django.shortcuts import render

from audit.models import PatientAccess
from patients.models import Patient

from ..access import ADMIN, staff_required

ROWS_SHOWN = 500


class AccessLogForm(forms.Form):
    mrn = forms.CharField(label="Patient MRN", max_length=64)


@staff_required(*ADMIN)
def access_log(request):
    """Who read the patient with this MRN. The page names the patient by MRN only: administrators see who
    looked, not the record."""
    form = AccessLogForm(request.GET or None)
    context = {"nav": "access-log", "form": form, "retention_days": settings.ACCESS_LOG_RETENTION_DAYS}
    if form.is_valid():
        patient = Patient.objects.filter(clinic_id=request.user.clinic_id, mrn=form.cleaned_data["mrn"].strip()).first()
        context["patient"] = patient
        if patient is None:
            form.add_error("mrn", "No patient of this clinic has that MRN.")
        else:
            rows = (PatientAccess.objects.filter(patient=patient, clinic_id=request.user.clinic_id)
                    .select_related("user").order_by("-at", "-id"))
            context["rows"] = list(rows[:ROWS_SHOWN])
            context["total"] = rows.count()
    return render(request, "dashboard/access_log.html", context, status=404 if form.errors else 200)

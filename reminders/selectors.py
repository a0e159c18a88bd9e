"""Reads, scoped to the acting user's clinic."""

from django.db.models import QuerySet
from django.http import Http404

from patients.models import Patient

from .models import Reminder


def patient_for(user, pk) -> Patient:
    """The patient, if they belong to the user's clinic; otherwise 404 (never another clinic's)."""
    patient = Patient.objects.filter(clinic_id=user.clinic_id, pk=pk).select_related("clinic").first()
    if patient is None:
        raise Http404(f"no patient {pk} in your clinic")
    return patient


def reminders_of_patient(user, patient_pk) -> QuerySet[Reminder]:
    patient = patient_for(user, patient_pk)
    return Reminder.objects.for_patients().filter(patient=patient, clinic_id=user.clinic_id).order_by("send_at", "id")

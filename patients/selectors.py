"""Reads, always scoped to the acting user's clinic."""

from django.db.models import QuerySet

from clinics.permissions import clinic_id_of

from .models import Administration, Enrollment, LabResult, Patient, ScheduledEvent


def patients_for(user) -> QuerySet[Patient]:
    return Patient.objects.filter(clinic_id=clinic_id_of(user)).select_related("clinic")


def enrollments_for(user) -> QuerySet[Enrollment]:
    return Enrollment.objects.filter(clinic_id=clinic_id_of(user)).select_related(
        "clinic", "patient", "patient__clinic", "protocol_version__protocol"
    )


def events_for(user) -> QuerySet[ScheduledEvent]:
    return ScheduledEvent.objects.filter(clinic_id=clinic_id_of(user)).select_related("patient")


def administrations_for(user) -> QuerySet[Administration]:
    return Administration.objects.filter(clinic_id=clinic_id_of(user)).select_related("event", "recorded_by", "error_by")


def lab_results_for(user) -> QuerySet[LabResult]:
    return LabResult.objects.filter(clinic_id=clinic_id_of(user)).select_related("recorded_by", "error_by")

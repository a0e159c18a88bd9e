"""Periodic work for alerts. Tasks take ids; the database is the truth."""

import logging

from celery import shared_task
from django.db import OperationalError

from clinics.models import Clinic

from .rules import sweep_clinic

logger = logging.getLogger(__name__)


@shared_task(name="alerts.sweep")
def alerts_sweep() -> int:
    """Fan out one sweep per clinic; scheduled hourly so each clinic's new local day is caught early."""
    ids = list(Clinic.objects.order_by("pk").values_list("pk", flat=True))
    for clinic_id in ids:
        alerts_sweep_clinic.delay(clinic_id)
    return len(ids)


@shared_task(name="alerts.sweep_clinic", autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def alerts_sweep_clinic(clinic_id: int) -> dict[str, int]:
    clinic = Clinic.objects.filter(pk=clinic_id).first()
    if clinic is None:
        return {}
    counts = sweep_clinic(clinic)
    if any(counts.values()):
        logger.info("alerts sweep for clinic %s opened %s", clinic.slug, counts)
    return counts

"""Periodic work for the staff pages. Tasks take ids."""

from celery import shared_task
from django.db import OperationalError

from clinics.models import Clinic

from .selectors.overview import overview_refresh


@shared_task(name="dashboard.refresh_overviews")
def refresh_overviews() -> int:
    ids = list(Clinic.objects.order_by("pk").values_list("pk", flat=True))
    for clinic_id in ids:
        refresh_overview.delay(clinic_id)
    return len(ids)


@shared_task(name="dashboard.refresh_overview", autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def refresh_overview(clinic_id: int) -> None:
    clinic = Clinic.objects.filter(pk=clinic_id).first()
    if clinic is not None:
        overview_refresh(clinic)

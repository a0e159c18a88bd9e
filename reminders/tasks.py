"""Celery tasks. The beat schedule that runs them is in config/celery_app.py."""

import logging

from celery import shared_task
from django.db import DatabaseError, transaction
from django.db.models import F

from patients.models import Enrollment, EnrollmentStatus

from . import outbox
from .models import ClinicReminderSettings
from .services import reminders_sync_enrollment, worklists_plan, worklists_reschedule

logger = logging.getLogger(__name__)

#: Enrollments loaded at a time when a clinic's reminders are re-planned.
REPLAN_BATCH_SIZE = 200
#: A sweep that finds more than a batch due asks this many more sweeps to help (the pool's other
#: processes); helpers ask for no more help.
SWEEP_HELPERS = 1


@shared_task(bind=True, acks_late=True, autoretry_for=(DatabaseError,), retry_backoff=5, retry_backoff_max=60,
             max_retries=3)
def reminders_send_due(self, helper: bool = False) -> dict:
    """Every minute: send every reminder that is due. Safe to run twice at once."""
    queue = (self.request.delivery_info or {}).get("routing_key")

    def ask_for_help() -> None:
        for _ in range(SWEEP_HELPERS):
            try:
                reminders_send_due.apply_async(kwargs={"helper": True}, queue=queue, expires=60)
            except Exception:  # the broker is away: this sweep carries on alone
                logger.warning("could not ask for a helper sweep", exc_info=True)

    sent = outbox.send_due_reminders(on_backlog=None if helper else ask_for_help)
    counts = {str(outcome): number for outcome, number in sent.items()}
    if counts:
        logger.info("reminders sweep: %s", counts)
    return counts


@shared_task(acks_late=True, autoretry_for=(DatabaseError,), retry_backoff=True, max_retries=3)
def reminders_plan_worklists() -> int:
    """Every hour: plan today's and tomorrow's morning worklist for each nurse (idempotent)."""
    return worklists_plan()


@shared_task(acks_late=True, autoretry_for=(DatabaseError,), retry_backoff=True, max_retries=3)
def reminders_replan_clinic(clinic_id: int) -> int:
    """After a clinic changed its reminder settings: re-plan its pending reminders.

    Each enrollment is re-planned in its own transaction; the clinic is marked re-planned only at
    the end, so a task that dies half-way is run again by `reminders_replan_changed_clinics`.
    """
    clinic_settings = ClinicReminderSettings.for_clinic(clinic_id)
    version = clinic_settings.version
    worklists_reschedule(clinic_settings)
    ids = list(Enrollment.objects.filter(clinic_id=clinic_id, status=EnrollmentStatus.ACTIVE).order_by("pk")
               .values_list("pk", flat=True))
    for start in range(0, len(ids), REPLAN_BATCH_SIZE):
        enrollments = Enrollment.objects.filter(pk__in=ids[start:start + REPLAN_BATCH_SIZE]).select_related(
            "clinic", "patient", "patient__clinic").order_by("pk")
        for enrollment in enrollments:
            with transaction.atomic():
                reminders_sync_enrollment(enrollment)
    ClinicReminderSettings.objects.filter(pk=clinic_settings.pk, replanned_version__lt=version).update(
        replanned_version=version)
    return len(ids)


@shared_task(acks_late=True, autoretry_for=(DatabaseError,), retry_backoff=True, max_retries=3)
def reminders_replan_changed_clinics() -> int:
    """Every 15 minutes: re-plan any clinic whose settings changed and whose re-plan did not finish."""
    clinic_ids = list(ClinicReminderSettings.objects.filter(version__gt=F("replanned_version"))
                      .values_list("clinic_id", flat=True))
    for clinic_id in clinic_ids:
        reminders_replan_clinic.delay(clinic_id)
    return len(clinic_ids)

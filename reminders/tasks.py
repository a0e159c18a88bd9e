"""Celery tasks. The beat schedule that runs them is in config/celery_app.py."""

import logging

from celery import shared_task
from django.conf import settings
from django.db import DatabaseError, transaction
from django.db.models import F

from patients.models import Enrollment, EnrollmentStatus

from . import outbox
from .models import ClinicReminderSettings
from .services import reminders_sync_enrollment, worklists_plan, worklists_reschedule

logger = logging.getLogger(__name__)

#: Enrollments loaded at a time when a clinic's reminders are re-planned.
REPLAN_BATCH_SIZE = 200
#: The beat's sweep asks for one more sender per this many rows due (up to REMINDERS_MAX_SENDERS
#: sweeps at once, counting those already at work) ...
ROWS_PER_SENDER = 2000
#: ... and a sender left unstarted this long is dropped (the next beat tick measures again).
SENDER_EXPIRES_SECONDS = 60


def senders_wanted(backlog: int, at_work: int) -> int:
    """How many more sweeps to start for a backlog of `backlog` rows, `at_work` sweeps running."""
    wanted = min(settings.REMINDERS_MAX_SENDERS, -(-backlog // ROWS_PER_SENDER))
    return max(0, wanted - at_work)


def ask_for_senders(count: int, queue: str | None) -> int:
    asked = 0
    for _ in range(count):
        try:
            reminders_send_due.apply_async(kwargs={"helper": True}, queue=queue, expires=SENDER_EXPIRES_SECONDS)
            asked += 1
        except Exception:  # the broker is away: the sweeps at work carry on alone
            logger.warning("could not ask for another reminders sender", exc_info=True)
            break
    return asked


@shared_task(bind=True, acks_late=True, autoretry_for=(DatabaseError,), retry_backoff=5, retry_backoff_max=60,
             max_retries=3)
def reminders_send_due(self, helper: bool = False) -> dict:
    """Every minute (beat), and as a helper: send every reminder that is due. Safe to run many at once.

    The beat's sweep measures the backlog and asks for more senders (tasks on the same queue, so
    every worker process of every host consuming it can take one). A sweep that spent its time
    budget with rows still due hands over to a fresh sender, so a backlog keeps as many sweeps at
    work as it needs until it is cleared.
    """
    queue = (self.request.delivery_info or {}).get("routing_key")
    asked = 0
    if not helper:
        backlog = outbox.due_backlog()
        if backlog > ROWS_PER_SENDER:
            asked = ask_for_senders(senders_wanted(backlog, outbox.sweeps_at_work() + 1), queue)
    sent = outbox.send_due_reminders()
    if sent.get("claimed", 0) > sent.get("released", 0) and outbox.due_backlog(limit=1):
        # hand over: the task ends, the work does not (a sweep that only gave rows back waits for the beat)
        asked += ask_for_senders(1, queue)
    counts = {str(outcome): number for outcome, number in sent.items()}
    if asked:
        counts["senders_asked"] = asked
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

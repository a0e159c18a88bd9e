"""Re-planning a whole clinic after a change to its calendar or Hb limits, when it is too big for a request."""

import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def clinic_replan_all(clinic_id: int) -> int:
    """Re-plan every active enrollment of the clinic (each in its own transaction); the events moved."""
    from .models import Clinic
    from .services import clinic_replan

    clinic = Clinic.objects.get(pk=clinic_id)
    replanned = clinic_replan(clinic)
    logger.info("clinic %s re-planned: %s enrollments, %s events moved", clinic_id, replanned.enrollments,
                replanned.events)
    return replanned.events

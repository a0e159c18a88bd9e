from datetime import timedelta

from celery import shared_task
from django.db.models import Q
from django.utils import timezone

from clinics.models import Clinic
from protocols.engine import add_months

from .models import Enrollment, EnrollmentStatus
from .services.schedule import enrollment_replan

#: Enrollments queued for re-planning per run; the next run picks up the rest.
EXTEND_BATCH_SIZE = 1000
#: A plan is extended once its horizon is this much shorter than the clinic's horizon.
EXTEND_WHEN_SHORT_BY = timedelta(days=28)


@shared_task
def enrollments_extend_plans() -> int:
    """Extend open-ended plans (lifelong maintenance, daily iron) as time passes."""
    now = timezone.now()
    queued = 0
    for clinic in Clinic.objects.only("id", "timezone", "planning_horizon_months"):
        today = now.astimezone(clinic.zone).date()
        short = add_months(today, clinic.planning_horizon_months) - EXTEND_WHEN_SHORT_BY
        ids = (
            Enrollment.objects.filter(clinic=clinic, status=EnrollmentStatus.ACTIVE)
            .filter(Q(planned_until__isnull=True) | Q(planned_until__lt=short))
            .order_by("pk").values_list("pk", flat=True)[: EXTEND_BATCH_SIZE - queued]
        )
        for pk in ids:
            enrollment_extend_plan.delay(pk)
            queued += 1
    return queued


@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def enrollment_extend_plan(enrollment_id: int) -> None:
    enrollment = Enrollment.objects.select_related("clinic", "patient", "patient__clinic", "protocol_version").get(
        pk=enrollment_id
    )
    enrollment_replan(enrollment)

"""Messages to staff: clinical alerts to clinicians, the nurses' morning worklist."""

from datetime import datetime, timedelta

from django.utils import timezone

from alerts.models import Alert
from clinics.models import Clinic, Role, User

from ..models import Channel, ClinicReminderSettings, Reminder, ReminderKind
from ..timing import worklist_send_at

#: Alert codes delivered to the clinic's clinicians as soon as they open.
DELIVERED_ALERT_CODES = frozenset({"dose-missed", "maintenance-overdue"})
#: A worklist not yet planned this long after its time is not planned any more (the day moved on).
WORKLIST_STALE_AFTER = timedelta(hours=4)


def staff_with_email(clinic_id: int, role: str):
    return User.objects.filter(clinic_id=clinic_id, role=role, is_active=True).exclude(email="").order_by("pk")


def alert_deliveries_create(alert: Alert, *, now: datetime | None = None) -> list[Reminder]:
    """An alert worth a clinician's attention now: one email to each clinician of the clinic."""
    if alert.code not in DELIVERED_ALERT_CODES:
        return []
    now = now or timezone.now()
    rows = [
        Reminder(clinic_id=alert.clinic_id, kind=ReminderKind.ALERT, channel=Channel.EMAIL,
                 patient_id=alert.patient_id, recipient=user, alert=alert, send_at=now, next_attempt_at=now,
                 key=f"alert:{alert.pk}:user:{user.pk}:{Channel.EMAIL}")
        for user in staff_with_email(alert.clinic_id, Role.CLINICIAN)
    ]
    return Reminder.objects.bulk_create(rows, ignore_conflicts=True)


def worklists_plan(*, now: datetime | None = None) -> int:
    """Plan today's and tomorrow's worklist for each nurse of each clinic (idempotent)."""
    now = now or timezone.now()
    planned = 0
    settings_by_clinic = {s.clinic_id: s for s in ClinicReminderSettings.objects.all()}
    for clinic in Clinic.objects.only("id", "timezone").order_by("pk"):
        clinic_settings = settings_by_clinic.get(clinic.pk) or ClinicReminderSettings.for_clinic(clinic)
        if not clinic_settings.worklist_enabled:
            continue
        today = now.astimezone(clinic.zone).date()
        nurses = list(staff_with_email(clinic.pk, Role.NURSE))
        rows = []
        for day in (today, today + timedelta(days=1)):
            send_at = worklist_send_at(day, clinic_settings.worklist_time, clinic.zone)
            if send_at + WORKLIST_STALE_AFTER < now:
                continue
            rows += [
                Reminder(clinic_id=clinic.pk, kind=ReminderKind.WORKLIST, channel=Channel.EMAIL, recipient=nurse,
                         about_date=day, send_at=send_at, next_attempt_at=send_at,
                         key=f"worklist:{clinic.pk}:{day.isoformat()}:user:{nurse.pk}:{Channel.EMAIL}")
                for nurse in nurses
            ]
        planned += len(Reminder.objects.bulk_create(rows, ignore_conflicts=True))
    return planned

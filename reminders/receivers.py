"""Reminders follow the plan: these receivers run inside the transaction that changed it.

Also: an email provider's delivery reports (django-anymail's `tracking` signal, sent by its webhook views).
"""

from anymail.signals import tracking
from django.db.models.signals import post_save
from django.dispatch import receiver

from alerts.signals import alert_raised
from patients.models import Enrollment, EnrollmentStatus, Patient
from patients.signals import plan_changed

from .services import (
    alert_deliveries_create,
    email_delivery_report_record,
    reminders_sync_enrollment,
    reminders_sync_patient,
)


@receiver(plan_changed, dispatch_uid="reminders.plan_changed")
def on_plan_changed(sender, enrollment, **kwargs) -> None:
    reminders_sync_enrollment(enrollment)


@receiver(post_save, sender=Enrollment, dispatch_uid="reminders.enrollment_saved")
def on_enrollment_saved(sender, instance, created, raw=False, **kwargs) -> None:
    if not raw and not created and instance.status != EnrollmentStatus.ACTIVE:
        reminders_sync_enrollment(instance)


@receiver(post_save, sender=Patient, dispatch_uid="reminders.patient_saved")
def on_patient_saved(sender, instance, created, raw=False, **kwargs) -> None:
    """Contacts, zone or opt-in changed: re-plan (a patient just created has nothing to re-plan)."""
    if not raw and not created:
        reminders_sync_patient(instance)


@receiver(alert_raised, dispatch_uid="reminders.alert_raised")
def on_alert_raised(sender, alert, **kwargs) -> None:
    alert_deliveries_create(alert)


@receiver(tracking, dispatch_uid="reminders.email_tracking")
def on_email_tracking(sender, event, esp_name, **kwargs) -> None:
    email_delivery_report_record(event_type=event.event_type, recipient=event.recipient or "",
                                 message_id=event.message_id or "", provider=esp_name,
                                 description=(event.description or event.mta_response or "")[:300])

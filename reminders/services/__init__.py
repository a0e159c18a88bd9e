from .bounces import email_delivery_report_record
from .planning import reminders_cancel_for_patient, reminders_sync_enrollment, reminders_sync_patient
from .preferences import (
    clinic_reminder_settings_update,
    contact_flag_undeliverable,
    opt_out_end,
    opt_out_record,
    patient_reminder_preferences_update,
    reminder_refused,
    worklists_reschedule,
)
from .public import dose_confirm_taken, resubscribe, sms_delivery_report_record, sms_reply_handle, unsubscribe
from .staff import DELIVERED_ALERT_CODES, alert_deliveries_create, worklists_plan

__all__ = [
    "DELIVERED_ALERT_CODES",
    "alert_deliveries_create",
    "clinic_reminder_settings_update",
    "contact_flag_undeliverable",
    "dose_confirm_taken",
    "email_delivery_report_record",
    "opt_out_end",
    "opt_out_record",
    "patient_reminder_preferences_update",
    "reminder_refused",
    "reminders_cancel_for_patient",
    "reminders_sync_enrollment",
    "reminders_sync_patient",
    "resubscribe",
    "sms_delivery_report_record",
    "sms_reply_handle",
    "unsubscribe",
    "worklists_plan",
    "worklists_reschedule",
]

from django.contrib import admin

from config.admin_mixins import NoDeleteAdmin, ReadOnlyAdmin

from . import services
from .models import ClinicReminderSettings, OptOut, PatientReminderPreferences, Reminder
from .services.preferences import CLINIC_SETTING_FIELDS


@admin.register(ClinicReminderSettings)
class ClinicReminderSettingsAdmin(NoDeleteAdmin, admin.ModelAdmin):
    list_display = ["clinic", "patient_channels", "appointment_reminder_time", "lab_reminder_time", "worklist_time",
                    "quiet_hours_start", "quiet_hours_end"]

    def save_model(self, request, obj, form, change):
        services.clinic_reminder_settings_update(
            clinic=obj.clinic, **{name: getattr(obj, name) for name in CLINIC_SETTING_FIELDS})


@admin.register(Reminder)
class ReminderAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["id", "kind", "channel", "send_at", "status", "status_reason", "attempts", "clinic"]
    list_filter = ["status", "kind", "channel", "clinic"]
    date_hierarchy = "send_at"
    raw_id_fields = ["patient", "recipient", "event", "alert"]  # the outbox is written by the planner and the sweep


@admin.register(OptOut)
class OptOutAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    """Consent records: kept as history (opting back in ends one, it is never deleted)."""

    list_display = ["patient", "channel", "via", "created_at", "ended_at"]
    list_filter = ["channel", "via"]
    raw_id_fields = ["patient"]


@admin.register(PatientReminderPreferences)
class PatientReminderPreferencesAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    """A patient's choices, changed by staff through the API or the patient page."""

    list_display = ["patient", "channels", "reminder_time"]
    raw_id_fields = ["patient"]

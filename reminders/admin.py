from django.contrib import admin

from . import services
from .models import ClinicReminderSettings, OptOut, PatientReminderPreferences, Reminder
from .services.preferences import CLINIC_SETTING_FIELDS


@admin.register(ClinicReminderSettings)
class ClinicReminderSettingsAdmin(admin.ModelAdmin):
    list_display = ["clinic", "patient_channels", "appointment_reminder_time", "lab_reminder_time", "worklist_time",
                    "quiet_hours_start", "quiet_hours_end"]

    def save_model(self, request, obj, form, change):
        services.clinic_reminder_settings_update(
            clinic=obj.clinic, **{name: getattr(obj, name) for name in CLINIC_SETTING_FIELDS})


@admin.register(Reminder)
class ReminderAdmin(admin.ModelAdmin):
    list_display = ["id", "kind", "channel", "send_at", "status", "status_reason", "attempts", "clinic"]
    list_filter = ["status", "kind", "channel", "clinic"]
    date_hierarchy = "send_at"
    raw_id_fields = ["patient", "recipient", "event", "alert"]

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # the outbox is written by the planner and the sweep only

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(OptOut)
class OptOutAdmin(admin.ModelAdmin):
    list_display = ["patient", "channel", "via", "created_at", "ended_at"]
    list_filter = ["channel", "via"]
    raw_id_fields = ["patient"]

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(PatientReminderPreferences)
class PatientReminderPreferencesAdmin(admin.ModelAdmin):
    list_display = ["patient", "channels", "reminder_time"]
    raw_id_fields = ["patient"]
    readonly_fields = ["calendar_token", "undeliverable"]

from django.contrib import admin

from config.admin_mixins import ReadOnlyAdmin

from .models import PatientAccess, SecurityEvent


@admin.register(PatientAccess)
class PatientAccessAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["at", "user", "patient", "via", "what", "clinic"]
    list_filter = ["clinic", "via"]
    raw_id_fields = ["patient", "user"]
    date_hierarchy = "at"


@admin.register(SecurityEvent)
class SecurityEventAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["at", "event", "subject", "actor", "clinic"]
    list_filter = ["event", "clinic"]
    date_hierarchy = "at"

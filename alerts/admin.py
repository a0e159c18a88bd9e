from django.contrib import admin

from .models import Alert


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin):
    list_display = ["code", "patient", "severity", "status", "created_at"]
    list_filter = ["code", "status", "severity", "clinic"]
    readonly_fields = ["clinic", "patient", "enrollment", "code", "severity", "message", "facts", "fingerprint",
                       "created_at"]

from django.contrib import admin, messages

from config.admin_mixins import ReadOnlyAdmin

from .models import Alert
from .services import alert_acknowledge, alert_resolve


@admin.register(Alert)
class AlertAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    """Alerts are raised by the rules; here they are read, acknowledged or resolved (through the services, with
    who and when), never edited or deleted."""

    list_display = ["code", "patient", "severity", "status", "created_at"]
    list_filter = ["code", "status", "severity", "clinic"]
    actions = ["acknowledge", "resolve"]

    @admin.action(description="Acknowledge selected alerts")
    def acknowledge(self, request, queryset):
        for alert in queryset:
            alert_acknowledge(alert=alert, actor=request.user)
        messages.success(request, "Acknowledged.")

    @admin.action(description="Resolve selected alerts")
    def resolve(self, request, queryset):
        for alert in queryset:
            alert_resolve(alert=alert, actor=request.user, note="Resolved in the admin")
        messages.success(request, "Resolved.")

"""The admin reads clinical records and writes through the same services as the API."""

from django.contrib import admin, messages
from simple_history.admin import SimpleHistoryAdmin

from .models import Administration, Enrollment, LabResult, Patient, ScheduledEvent
from .services import administration_mark_entered_in_error, lab_result_mark_entered_in_error


@admin.register(Patient)
class PatientAdmin(SimpleHistoryAdmin):
    list_display = ["mrn", "family_name", "given_name", "clinic", "date_of_birth", "reminders_opt_in"]
    list_filter = ["clinic", "sex", "reminders_opt_in", "language"]
    search_fields = ["mrn", "family_name", "given_name"]


@admin.register(Enrollment)
class EnrollmentAdmin(SimpleHistoryAdmin):
    list_display = ["patient", "protocol_version", "start_date", "status"]
    list_filter = ["clinic", "status", "protocol_version__protocol"]
    readonly_fields = ["protocol_version", "phase_ends", "planned_until", "created_by"]


@admin.register(ScheduledEvent)
class ScheduledEventAdmin(admin.ModelAdmin):
    list_display = ["patient", "kind", "code", "phase", "sequence", "due_date", "status"]
    list_filter = ["clinic", "kind", "status", "phase"]
    date_hierarchy = "due_date"

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


class AppendOnlyAdmin(SimpleHistoryAdmin):
    """Records are added through the API or the staff pages; here they can only be marked wrong."""

    actions = ["mark_entered_in_error"]
    mark = None

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

    @admin.action(description="Mark selected entries entered-in-error")
    def mark_entered_in_error(self, request, queryset):
        for record in queryset.filter(entered_in_error=False):
            type(self).mark(actor=request.user, record=record, reason="Marked in the admin")
        messages.success(request, "Marked entered-in-error.")


@admin.register(Administration)
class AdministrationAdmin(AppendOnlyAdmin):
    list_display = ["patient", "event", "outcome", "occurred_at", "entered_in_error"]
    list_filter = ["clinic", "outcome", "entered_in_error"]

    @staticmethod
    def mark(*, actor, record, reason):
        administration_mark_entered_in_error(actor=actor, administration=record, reason=reason)


@admin.register(LabResult)
class LabResultAdmin(AppendOnlyAdmin):
    list_display = ["patient", "code", "value", "unit", "normalized_value", "collected_at", "entered_in_error"]
    list_filter = ["clinic", "code", "entered_in_error"]

    @staticmethod
    def mark(*, actor, record, reason):
        lab_result_mark_entered_in_error(actor=actor, result=record, reason=reason)

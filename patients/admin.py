"""The admin reads clinical records and writes through the same services as the API: nothing here edits or
deletes a patient, an enrollment, an event or a record (corrections are entered-in-error, with a reason)."""

from django.contrib import admin, messages
from simple_history.admin import SimpleHistoryAdmin

from config.admin_mixins import ReadOnlyAdmin

from .models import Administration, Enrollment, LabResult, Patient, ScheduledEvent
from .services import administration_mark_entered_in_error, lab_result_mark_entered_in_error


@admin.register(Patient)
class PatientAdmin(ReadOnlyAdmin, SimpleHistoryAdmin):
    list_display = ["mrn", "family_name", "given_name", "clinic", "date_of_birth", "reminders_opt_in"]
    list_filter = ["clinic", "sex", "reminders_opt_in", "language"]
    search_fields = ["mrn", "family_name", "given_name"]


@admin.register(Enrollment)
class EnrollmentAdmin(ReadOnlyAdmin, SimpleHistoryAdmin):
    list_display = ["patient", "protocol_version", "start_date", "status"]
    list_filter = ["clinic", "status", "protocol_version__protocol"]


@admin.register(ScheduledEvent)
class ScheduledEventAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["patient", "kind", "code", "phase", "sequence", "due_date", "status"]
    list_filter = ["clinic", "kind", "status", "phase"]
    date_hierarchy = "due_date"


class AppendOnlyAdmin(ReadOnlyAdmin, SimpleHistoryAdmin):
    """Records are added through the API or the staff pages; here they can only be marked wrong."""

    actions = ["mark_entered_in_error"]
    mark = None

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

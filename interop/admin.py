"""Operators' view of the interfaces. Lab code mappings are edited here or on the staff page, through
the same service; messages, links and imports are read-only records."""

from django.contrib import admin, messages

from patients.errors import InvalidInput

from .models import CsvImport, ExternalResult, Hl7Message, LocalLabCode
from .services.mappings import local_lab_code_delete, local_lab_code_save


@admin.register(LocalLabCode)
class LocalLabCodeAdmin(admin.ModelAdmin):
    list_display = ["code", "coding_system", "test", "description", "clinic"]
    list_filter = ["clinic", "test"]
    search_fields = ["code", "description"]

    def save_model(self, request, obj, form, change):
        try:
            saved = local_lab_code_save(actor=request.user, clinic=obj.clinic, code=obj.code, test=obj.test,
                                        coding_system=obj.coding_system, description=obj.description)
        except InvalidInput as exc:
            messages.error(request, "Not saved: " + "; ".join(exc.errors.values()))
            return
        if change and saved.pk != obj.pk:  # the code itself was changed: the new mapping replaces the old one
            local_lab_code_delete(actor=request.user, mapping=LocalLabCode.objects.get(pk=obj.pk))
        obj.pk = saved.pk

    def delete_model(self, request, obj):
        local_lab_code_delete(actor=request.user, mapping=obj)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Hl7Message)
class Hl7MessageAdmin(ReadOnlyAdmin):
    list_display = ["received_at", "clinic", "channel", "sender", "control_id", "ack_code", "results_filed", "reason"]
    list_filter = ["clinic", "channel", "ack_code"]
    search_fields = ["control_id", "sender"]
    date_hierarchy = "received_at"


@admin.register(ExternalResult)
class ExternalResultAdmin(ReadOnlyAdmin):
    list_display = ["key", "source", "clinic", "lab_result", "updated_at"]
    list_filter = ["clinic", "source"]
    search_fields = ["key"]
    raw_id_fields = ["lab_result"]


@admin.register(CsvImport)
class CsvImportAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "clinic", "kind", "filename", "rows", "status", "uploaded_by", "imported_at"]
    list_filter = ["clinic", "kind", "status"]
    exclude = ["content"]

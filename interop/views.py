"""Staff pages for the interfaces: CSV import with a preview before confirming, the clinic's lab code
mappings, and the HL7 messages received. For clinic administrators (data management) and clinicians."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from clinics.models import Role
from dashboard.access import staff_required
from dashboard.forms import apply_errors
from patients.errors import InvalidInput

from .csvimport.columns import LAB_COLUMNS, PATIENT_COLUMNS
from .csvimport.reader import CsvRejected, decode
from .forms import ImportForm, LocalLabCodeForm
from .models import CsvImport, Hl7Message, ImportStatus, LocalLabCode
from .services.imports import ImportReport, csv_import_confirm, csv_import_upload
from .services.mappings import local_lab_code_delete, local_lab_code_save

INTERFACE_ROLES = (Role.ADMIN, Role.CLINICIAN)


@staff_required(*INTERFACE_ROLES)
def interfaces(request):
    clinic = request.user.clinic
    return render(request, "interop/interfaces.html", {
        "nav": "interfaces",
        "hl7_messages": Hl7Message.objects.filter(clinic=clinic).only(
            "received_at", "channel", "sender", "control_id", "ack_code", "reason", "results_filed")[:30],
        "imports": CsvImport.objects.filter(clinic=clinic).select_related("uploaded_by", "imported_by").defer(
            "content", "report")[:10],
        "mapping_count": LocalLabCode.objects.filter(clinic=clinic).count(),
    })


@staff_required(*INTERFACE_ROLES)
@require_http_methods(["GET", "POST"])
def import_upload(request):
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            content = decode(upload.read())
        except CsvRejected as exc:
            form.add_error("file", str(exc))
        else:
            saved = csv_import_upload(actor=request.user, clinic=request.user.clinic,
                                      kind=form.cleaned_data["kind"], filename=upload.name, content=content)
            return redirect("interop:import-preview", pk=saved.pk)
    status = 422 if request.method == "POST" else 200
    return render(request, "interop/import_upload.html", {
        "nav": "interfaces", "form": form, "patient_columns": PATIENT_COLUMNS, "lab_columns": LAB_COLUMNS,
    }, status=status)


@staff_required(*INTERFACE_ROLES)
@require_http_methods(["GET", "POST"])
def import_preview(request, pk):
    upload = get_object_or_404(CsvImport.objects.filter(clinic=request.user.clinic).select_related(
        "uploaded_by", "imported_by"), pk=pk)
    if request.method == "POST":
        try:
            csv_import_confirm(actor=request.user, upload=upload)
        except InvalidInput as exc:
            messages.error(request, "; ".join(exc.errors.values()))
        return redirect("interop:import-preview", pk=upload.pk)
    report = ImportReport.from_json(upload.kind, upload.report) if upload.report else None
    working = upload.status in (ImportStatus.CHECKING, ImportStatus.IMPORTING)
    return render(request, "interop/import_preview.html", {
        "nav": "interfaces", "upload": upload, "report": report, "working": working,
        "columns": list(report.rows[0].values) if report and report.rows else [],
    })


@staff_required(*INTERFACE_ROLES)
@require_http_methods(["GET", "POST"])
def lab_codes(request):
    form = LocalLabCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            mapping = local_lab_code_save(actor=request.user, clinic=request.user.clinic, **form.cleaned_data)
        except InvalidInput as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"Saved: {mapping.code} means {mapping.get_test_display()}.")
            return redirect("interop:lab-codes")
    return render(request, "interop/lab_codes.html", {
        "nav": "interfaces", "form": form,
        "mappings": LocalLabCode.objects.filter(clinic=request.user.clinic),
    }, status=422 if request.method == "POST" else 200)


@staff_required(*INTERFACE_ROLES)
@require_POST
def lab_code_delete(request, pk):
    mapping = get_object_or_404(LocalLabCode.objects.filter(clinic=request.user.clinic), pk=pk)
    local_lab_code_delete(actor=request.user, mapping=mapping)
    messages.success(request, f"Removed the mapping of {mapping.code}.")
    return redirect("interop:lab-codes")

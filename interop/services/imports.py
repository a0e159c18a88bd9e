"""CSV imports of patients and lab results: every row through the same services as typed data,
the whole file in one transaction — imported whole, or (any row wrong, or a dry run) not at all."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, time

from django.db import transaction
from django.utils import timezone

from patients.errors import InvalidInput
from patients.lab_codes import TESTS
from patients.models import Patient, Sex
from patients.services import patient_create
from patients.services.labs import UnusualLabValue

from ..csvimport.columns import LAB_COLUMNS, PATIENT_COLUMNS
from ..csvimport.reader import CsvRejected, read_rows, yes_no
from ..models import CsvImport, ImportKind, ImportStatus, Source
from .results import external_result_file

logger = logging.getLogger(__name__)
SEX_LETTERS = {"f": Sex.FEMALE, "m": Sex.MALE, "o": Sex.OTHER, "u": Sex.UNKNOWN}


@dataclass
class RowOutcome:
    line: int
    values: dict[str, str]
    status: str = "ok"  # ok (would be / was filed), skipped (already there), error
    message: str = ""
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def cells(self) -> list[str]:
        return list(self.values.values())


@dataclass
class ImportReport:
    kind: str
    dry_run: bool
    rows: list[RowOutcome] = field(default_factory=list)
    file_error: str = ""
    imported: bool = False

    @property
    def error_rows(self) -> list[RowOutcome]:
        return [r for r in self.rows if r.status == "error"]

    @property
    def ok(self) -> bool:
        return not self.file_error and not self.error_rows

    def count(self, status: str) -> int:
        return sum(1 for r in self.rows if r.status == status)

    @property
    def count_ok(self) -> int:
        return self.count("ok")

    @property
    def count_skipped(self) -> int:
        return self.count("skipped")

    def as_json(self) -> dict:
        return {"file_error": self.file_error, "imported": self.imported, "dry_run": self.dry_run,
                "rows": [{"line": r.line, "status": r.status, "message": r.message, "values": r.values}
                         for r in self.rows]}

    @classmethod
    def from_json(cls, kind: str, data: dict) -> ImportReport:
        report = cls(kind=kind, dry_run=data.get("dry_run", True), file_error=data.get("file_error", ""),
                     imported=data.get("imported", False))
        report.rows = [RowOutcome(r["line"], r["values"], r["status"], r["message"]) for r in data.get("rows", [])]
        return report


class _Rollback(Exception):
    pass


def _patient_fields(values: dict[str, str]) -> dict:
    errors, fields = {}, {}
    for name in ("mrn", "given_name", "family_name"):
        if not values.get(name):
            errors[name] = "is required"
        fields[name] = values.get(name, "")
    try:
        fields["date_of_birth"] = date.fromisoformat(values.get("date_of_birth", ""))
    except ValueError:
        errors["date_of_birth"] = f"{values.get('date_of_birth')!r} is not a date as YYYY-MM-DD"
    sex = values.get("sex", "").lower()
    fields["sex"] = SEX_LETTERS.get(sex, sex)
    if fields["sex"] not in Sex.values:
        errors["sex"] = f"{values.get('sex')!r} is not one of female, male, other, unknown"
    for name in ("phone", "email", "timezone"):
        if values.get(name):
            fields[name] = values[name]
    if values.get("preferred_dose_time"):
        try:
            fields["preferred_dose_time"] = time.fromisoformat(values["preferred_dose_time"])
        except ValueError:
            errors["preferred_dose_time"] = f"{values['preferred_dose_time']!r} is not a time as HH:MM"
    for name, default in (("reminders_opt_in", True), ("pregnant", False)):
        try:
            fields[name] = yes_no(values.get(name, ""), default)
        except ValueError as exc:
            errors[name] = str(exc)
    if errors:
        raise InvalidInput(errors)
    return fields


def _patient_row(actor, clinic, row: RowOutcome, seen: set[str]) -> None:
    fields = _patient_fields(row.values)
    if fields["mrn"] in seen:
        raise InvalidInput({"mrn": f"MRN {fields['mrn']} is on an earlier line of the file too"})
    seen.add(fields["mrn"])
    existing = Patient.objects.filter(clinic=clinic, mrn=fields["mrn"]).first()
    if existing is not None:
        same = (existing.given_name, existing.family_name, existing.date_of_birth) == (
            fields["given_name"], fields["family_name"], fields["date_of_birth"])
        if not same:
            raise InvalidInput({"mrn": f"MRN {existing.mrn} already belongs to {existing.full_name}, born "
                                       f"{existing.date_of_birth:%Y-%m-%d}"})
        row.status, row.message = "skipped", "already in the clinic (unchanged)"
        return
    patient = patient_create(actor=actor, clinic=clinic, **fields)
    row.message = f"{patient.full_name}" + (f", phone {patient.phone}" if patient.phone else "")


def _collected_at(raw: str, zone) -> datetime:
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise InvalidInput({"collected_at": f"{raw!r} is not a date-time as YYYY-MM-DD HH:MM"}) from None
    if len(raw) <= 10:
        raise InvalidInput({"collected_at": f"{raw!r} needs the time of collection (YYYY-MM-DD HH:MM)"})
    return moment if timezone.is_aware(moment) else moment.replace(tzinfo=zone)


def _lab_row(actor, clinic, row: RowOutcome, patients: dict[str, Patient]) -> None:
    values = row.values
    patient = patients.get(values.get("mrn", ""))
    if patient is None:
        raise InvalidInput({"mrn": f"no patient with MRN {values.get('mrn')!r} in the clinic"})
    try:
        confirm = yes_no(values.get("confirm_unusual", ""), False)
    except ValueError as exc:
        raise InvalidInput({"confirm_unusual": str(exc)}) from None
    filed = external_result_file(
        actor=actor, patient=patient, source=Source.CSV, key=values.get("accession", ""), test=values.get("test", ""),
        value=values.get("value", ""), unit=values.get("unit", ""),
        collected_at=_collected_at(values.get("collected_at", ""), clinic.zone), confirm_unusual=confirm,
    )
    record = filed.record
    if not filed.created:
        row.status, row.message = "skipped", "already filed (same accession)"
    else:
        row.message = f"{TESTS[record.code].name} {record.normalized_value.normalize():f} {record.normalized_unit}"


def _run(actor, clinic, kind: str, rows, report: ImportReport) -> None:
    seen: set[str] = set()
    patients = {}
    if kind == ImportKind.LABS:
        mrns = {values.get("mrn", "") for _, values in rows}
        patients = {p.mrn: p for p in Patient.objects.filter(clinic=clinic, mrn__in=mrns).select_related("clinic")}
    for line, values in rows:
        row = RowOutcome(line, values)
        report.rows.append(row)
        try:
            with transaction.atomic():
                if kind == ImportKind.PATIENTS:
                    _patient_row(actor, clinic, row, seen)
                else:
                    _lab_row(actor, clinic, row, patients)
        except UnusualLabValue as exc:
            row.status = "error"
            row.errors = {"value": f"{exc.message} If the value and unit are right, put yes in the confirm_unusual "
                                   "column."}
            row.message = row.errors["value"]
        except InvalidInput as exc:
            row.status = "error"
            row.errors = {k: v for k, v in exc.errors.items() if k != "suggested_unit"}
            row.message = "; ".join(f"{k.replace('_', ' ')}: {v}" for k, v in row.errors.items())


def csv_import_run(*, actor, clinic, kind: str, content: str, dry_run: bool) -> ImportReport:
    """Check every row of a CSV file and, unless a dry run or any row is wrong, import the whole file."""
    report = ImportReport(kind=kind, dry_run=dry_run)
    try:
        rows = read_rows(content, PATIENT_COLUMNS if kind == ImportKind.PATIENTS else LAB_COLUMNS)
    except CsvRejected as exc:
        report.file_error = str(exc)
        return report
    try:
        with transaction.atomic():
            _run(actor, clinic, kind, rows, report)
            if dry_run or not report.ok:
                raise _Rollback
    except _Rollback:
        return report
    report.imported = True
    return report


def _run_safely(upload: CsvImport, actor, *, dry_run: bool) -> ImportReport:
    try:
        return csv_import_run(actor=actor, clinic=upload.clinic, kind=upload.kind, content=upload.content,
                              dry_run=dry_run)
    except Exception:
        logger.exception("CSV import %s failed", upload.pk)
        return ImportReport(kind=upload.kind, dry_run=dry_run,
                            file_error="the file could not be processed (an internal error): nothing was imported")


def csv_import_upload(*, actor, clinic, kind: str, filename: str, content: str) -> CsvImport:
    """Keep an uploaded file; a worker checks every row (a dry run) and the preview shows the result."""
    upload = CsvImport.objects.create(clinic=clinic, kind=kind, filename=filename[:255], content=content,
                                      uploaded_by=actor, status=ImportStatus.CHECKING)
    from ..tasks import csv_import_check_task

    transaction.on_commit(lambda: csv_import_check_task.delay(upload.pk))
    return upload


def csv_import_check(upload_id: int) -> CsvImport | None:
    """Check every row of an uploaded file (nothing saved) and keep the report for the preview."""
    upload = CsvImport.objects.select_related("clinic", "uploaded_by").filter(
        pk=upload_id, status=ImportStatus.CHECKING).first()
    if upload is None:
        return None
    report = _run_safely(upload, upload.uploaded_by, dry_run=True)
    CsvImport.objects.filter(pk=upload.pk, status=ImportStatus.CHECKING).update(
        status=ImportStatus.PREVIEWED, report=report.as_json(), rows=len(report.rows), checked_at=timezone.now())
    upload.refresh_from_db()
    return upload


def csv_import_confirm(*, actor, upload: CsvImport) -> CsvImport:
    """Ask for a checked file to be imported whole: a worker imports it (checked again, as data may have
    changed since the preview)."""
    with transaction.atomic():
        locked = CsvImport.objects.select_for_update().get(pk=upload.pk)
        if locked.status == ImportStatus.IMPORTED:
            raise InvalidInput({"import": f"this file was already imported on {locked.imported_at:%d %b %Y %H:%M}"})
        if locked.status != ImportStatus.PREVIEWED:
            raise InvalidInput({"import": "this file is still being checked or imported"})
        if not ImportReport.from_json(locked.kind, locked.report).ok:
            raise InvalidInput({"import": "the file has errors: correct it and upload it again"})
        locked.status, locked.imported_by = ImportStatus.IMPORTING, actor
        locked.save(update_fields=["status", "imported_by"])
        from ..tasks import csv_import_apply_task

        transaction.on_commit(lambda: csv_import_apply_task.delay(locked.pk))
    return locked


def csv_import_apply(upload_id: int) -> CsvImport | None:
    """Import a confirmed file whole; if it no longer passes its checks, nothing is imported and the
    preview shows why."""
    upload = CsvImport.objects.select_related("clinic", "imported_by").filter(
        pk=upload_id, status=ImportStatus.IMPORTING).first()
    if upload is None:
        return None
    report = _run_safely(upload, upload.imported_by, dry_run=False)
    done = {"status": ImportStatus.IMPORTED, "imported_at": timezone.now()} if report.imported else {
        "status": ImportStatus.PREVIEWED, "checked_at": timezone.now()}
    CsvImport.objects.filter(pk=upload.pk, status=ImportStatus.IMPORTING).update(report=report.as_json(), **done)
    upload.refresh_from_db()
    return upload

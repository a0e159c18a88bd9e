"""CSV files are checked and imported by a worker: a file of thousands of rows takes longer than a
web request may."""

from celery import shared_task

from .services.imports import csv_import_apply, csv_import_check


@shared_task
def csv_import_check_task(upload_id: int) -> None:
    csv_import_check(upload_id)


@shared_task
def csv_import_apply_task(upload_id: int) -> None:
    csv_import_apply(upload_id)

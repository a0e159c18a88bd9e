from celery import shared_task

from .services import access_log_purge


@shared_task(name="audit.purge_access_log")
def audit_purge_access_log() -> int:
    return access_log_purge()

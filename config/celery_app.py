import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("clinic")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def _ensure_filesystem_broker_folders() -> None:
    from django.conf import settings

    options = getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {})
    for key in ("data_folder_in", "processed_folder"):
        if key in options:
            os.makedirs(options[key], exist_ok=True)


app.on_after_configure.connect(lambda sender, **kw: _ensure_filesystem_broker_folders())


#: Every periodic task, in one place. Each runs on one beat process only.
app.conf.beat_schedule = {
    "extend-open-ended-plans": {"task": "patients.tasks.enrollments_extend_plans", "schedule": 6 * 3600},
    "alerts-sweep": {"task": "alerts.sweep", "schedule": 3600},
}

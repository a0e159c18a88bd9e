import os

from celery import Celery
from celery.signals import setup_logging

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("clinic")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@setup_logging.connect
def configure_logging(**kwargs) -> None:
    """Workers and beat log like the web (settings.LOGGING: JSON in production), not Celery's own way."""
    import logging.config

    from django.conf import settings

    logging.config.dictConfig(settings.LOGGING)


#: The reminders sweep runs every minute (tests of the real worker and beat set it shorter).
REMINDERS_SWEEP_EVERY = float(os.environ.get("REMINDERS_SWEEP_EVERY_SECONDS", "60"))

#: Every periodic task, in one place. Each runs on one beat process only.
app.conf.beat_schedule = {
    "reminders-send-due": {"task": "reminders.tasks.reminders_send_due", "schedule": REMINDERS_SWEEP_EVERY,
                           "options": {"expires": REMINDERS_SWEEP_EVERY}},
    "reminders-plan-worklists": {"task": "reminders.tasks.reminders_plan_worklists", "schedule": 3600},
    "reminders-replan-changed-clinics": {"task": "reminders.tasks.reminders_replan_changed_clinics",
                                         "schedule": 900},
    "extend-open-ended-plans": {"task": "patients.tasks.enrollments_extend_plans", "schedule": 6 * 3600},
    "alerts-sweep": {"task": "alerts.sweep", "schedule": 3600},
    "dashboard-refresh-overviews": {"task": "dashboard.refresh_overviews", "schedule": 600},
    "audit-purge-access-log": {"task": "audit.purge_access_log", "schedule": 24 * 3600},
}

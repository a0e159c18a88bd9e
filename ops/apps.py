from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "ops"
    verbose_name = "Operations (health, metrics, logs)"

    def ready(self) -> None:
        from . import receivers  # noqa: F401  (Celery signals: heartbeats, log context, metrics)

from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "alerts"
    verbose_name = "Clinical alerts"

    def ready(self):
        from . import receivers  # noqa: F401  (connects the rules to the clinical signals)

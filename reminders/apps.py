from django.apps import AppConfig


class RemindersConfig(AppConfig):
    name = "reminders"
    verbose_name = "Reminders"

    def ready(self) -> None:
        # Registers the start-up checks, connects the signal receivers and the worker's warm-up.
        from . import checks, receivers, warmup  # noqa: F401

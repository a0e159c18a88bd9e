"""What the operator's health checks read: when each periodic sweep last succeeded."""

from django.db import models


class Heartbeat(models.Model):
    """The last moment something happened, by name (see ops.heartbeats for the names)."""

    name = models.CharField(max_length=60, primary_key=True)
    at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} at {self.at:%Y-%m-%d %H:%M:%S}Z"

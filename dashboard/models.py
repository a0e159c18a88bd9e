from django.db import models


class OverviewSnapshot(models.Model):
    """A clinic's overview statistics, computed at most every few minutes (by a periodic task or on demand).

    Adherence and response figures aggregate every course in the clinic: too much to recompute on each
    page view in a large clinic, and they change slowly.
    """

    clinic = models.OneToOneField("clinics.Clinic", on_delete=models.CASCADE, related_name="+")
    computed_at = models.DateTimeField()
    data = models.JSONField(default=dict)

    def __str__(self) -> str:
        return f"overview of {self.clinic} at {self.computed_at:%Y-%m-%d %H:%M}"

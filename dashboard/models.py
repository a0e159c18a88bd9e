from django.db import models


class LoginFailure(models.Model):
    """A failed sign-in to the staff pages. Enough of them in a row lock the username for a while."""

    username = models.CharField(max_length=150, db_index=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at"]
        indexes = [models.Index(fields=["username", "at"])]

    def __str__(self) -> str:
        return f"{self.username} at {self.at:%Y-%m-%d %H:%M}"


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

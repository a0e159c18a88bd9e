from django.conf import settings
from django.db import models


class Severity(models.TextChoices):
    INFO = "info"
    WARNING = "warning"
    HIGH = "high"


class AlertStatus(models.TextChoices):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


class Alert(models.Model):
    """A clinical flag for staff, raised by a rule of PROTOCOLS.md section 4.

    `fingerprint` identifies the facts that raised it: the same rule never opens a second alert
    for the same facts (a unique constraint, not a check in Python).
    """

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.CASCADE, related_name="alerts")
    patient = models.ForeignKey("patients.Patient", on_delete=models.CASCADE, related_name="alerts")
    enrollment = models.ForeignKey("patients.Enrollment", on_delete=models.CASCADE, null=True, blank=True, related_name="alerts")
    code = models.CharField(max_length=60)
    severity = models.CharField(max_length=10, choices=Severity.choices, default=Severity.WARNING)
    message = models.TextField()
    facts = models.JSONField(default=dict)
    fingerprint = models.CharField(max_length=200)
    status = models.CharField(max_length=15, choices=AlertStatus.choices, default=AlertStatus.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["patient", "code", "fingerprint"], name="one_alert_per_rule_and_facts")
        ]
        indexes = [models.Index(fields=["clinic", "status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.code} for {self.patient}"

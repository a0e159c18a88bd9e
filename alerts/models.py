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


#: A human title for each rule code of PROTOCOLS.md section 4 (the code stays the API's name for it).
RULE_TITLES = {
    "folate-without-b12": "Folic acid started without B12 cover",
    "iron-suboptimal-response": "Slow Hb rise on oral iron (days 10–20)",
    "iron-inadequate-response": "Inadequate Hb response to oral iron (4 weeks)",
    "b12-no-reticulocyte-response": "No reticulocyte response to B12",
    "b12-hb-not-normal-8w": "Hb still low 8 weeks into B12",
    "check-b12-age-60": "Check B12: aged 60+ with iron deficiency",
    "mcv-unreliable": "MCV unreliable: iron and B12 deficiency together",
    "dose-missed": "Loading dose missed",
    "maintenance-overdue": "Maintenance dose overdue",
    "iron-low-adherence": "Low adherence to oral iron",
    "hb-fell-in-follow-up": "Hb fell during iron follow-up",
}


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

    @property
    def title(self) -> str:
        return RULE_TITLES.get(self.code) or self.code.replace("-", " ").capitalize()

    @property
    def resolution_text(self) -> str:
        """The resolution note as the pages show it after "Resolved by …" (the system's prefix not repeated)."""
        prefix = "Resolved by the system: "
        note = self.resolution_note or ""
        return note[len(prefix):] if note.startswith(prefix) else note

    @property
    def resolved_by_system(self) -> bool:
        return self.status == AlertStatus.RESOLVED and self.resolved_by_id is None

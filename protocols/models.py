from functools import cached_property

from django.db import models
from django.db.models import Q

from .engine import ProtocolDefinition


class ProtocolQuerySet(models.QuerySet):
    def visible_to(self, clinic):
        """The built-in protocols and the clinic's own."""
        return self.filter(Q(clinic__isnull=True) | Q(clinic=clinic))


class Protocol(models.Model):
    """A regimen a clinic can enroll patients in. Its content lives in versions."""

    clinic = models.ForeignKey(
        "clinics.Clinic", on_delete=models.CASCADE, null=True, blank=True, help_text="Empty for built-in protocols"
    )
    slug = models.SlugField()
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    current_version = models.ForeignKey(
        "ProtocolVersion", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = ProtocolQuerySet.as_manager()

    class Meta:
        ordering = ["slug"]
        constraints = [
            models.UniqueConstraint(fields=["slug"], condition=Q(clinic__isnull=True), name="unique_builtin_slug"),
            models.UniqueConstraint(fields=["clinic", "slug"], name="unique_clinic_protocol_slug"),
        ]

    def __str__(self) -> str:
        return self.slug


class ProtocolVersion(models.Model):
    """One immutable version of a protocol's definition. Enrollments keep the version they began on."""

    protocol = models.ForeignKey(Protocol, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField()
    definition = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["protocol", "-version"]
        constraints = [models.UniqueConstraint(fields=["protocol", "version"], name="unique_protocol_version")]

    def __str__(self) -> str:
        return f"{self.protocol.slug} v{self.version}"

    @cached_property
    def parsed(self) -> ProtocolDefinition:
        return ProtocolDefinition.parse(self.definition)

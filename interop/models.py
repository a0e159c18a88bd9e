"""What other systems sent: the identifiers they gave results, HL7 messages received, the clinic's
own lab codes and CSV files uploaded for import."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from patients.lab_codes import TESTS


class Source(models.TextChoices):
    FHIR = "fhir", "FHIR"
    HL7 = "hl7", "HL7 v2"
    CSV = "csv", "CSV import"


class ExternalResult(models.Model):
    """A lab result filed from another system under the identifier that system gave it.

    The identifier makes re-sending the same result create nothing, and a correction replace the
    result filed before (that one is marked entered-in-error; the link moves to the new result).
    """

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.CASCADE, related_name="+")
    source = models.CharField(max_length=10, choices=Source.choices)
    #: FHIR: 'system|value' of Observation.identifier; HL7: sender|order number|code|sub-id; CSV: the accession.
    key = models.CharField(max_length=255)
    lab_result = models.ForeignKey("patients.LabResult", on_delete=models.PROTECT, related_name="external_ids")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["clinic", "source", "key"], name="unique_external_result_key")]

    def __str__(self) -> str:
        return f"{self.get_source_display()} {self.key}"


class AckCode(models.TextChoices):
    ACCEPTED = "AA", "Accepted"
    ERROR = "AE", "Error"
    REJECTED = "AR", "Rejected"


class Hl7Message(models.Model):
    """An HL7 v2 message received and the ACK answered. An accepted message's control id (per sender)
    makes re-delivery answer the same ACK and file nothing again."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.CASCADE, related_name="+")
    channel = models.CharField(max_length=10, help_text="mllp or http")
    sender = models.CharField(max_length=200, blank=True, help_text="MSH-3 and MSH-4: sending application and facility")
    control_id = models.CharField(max_length=200, blank=True, help_text="MSH-10")
    message_type = models.CharField(max_length=40, blank=True)
    version = models.CharField(max_length=10, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    ack_code = models.CharField(max_length=2, choices=AckCode.choices)
    reason = models.TextField(blank=True, help_text="MSA-3: what was filed, or why not")
    results_filed = models.PositiveIntegerField(default=0)
    ack = models.TextField()
    raw = models.TextField(help_text="The message as received")

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["clinic", "sender", "control_id"], condition=Q(ack_code="AA"),
                                    name="one_accepted_hl7_message_per_control_id"),
        ]
        indexes = [models.Index(fields=["clinic", "received_at"], name="hl7_message_clinic_received")]

    def __str__(self) -> str:
        return f"{self.message_type} {self.control_id} from {self.sender}: {self.ack_code}"


LAB_TEST_CHOICES = [(code, f"{test.name} ({code}, LOINC {test.loinc})") for code, test in TESTS.items()]


class LocalLabCode(models.Model):
    """A laboratory's own test code (HL7 OBX-3) and the test it means in this clinic."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.CASCADE, related_name="local_lab_codes")
    code = models.CharField(max_length=64, help_text="The code as the laboratory sends it in OBX-3 (e.g. HGB)")
    coding_system = models.CharField(
        max_length=20, blank=True,
        help_text="The coding system the laboratory names in OBX-3.3 (e.g. L or 99LAB); empty matches any",
    )
    test = models.CharField(max_length=20, choices=LAB_TEST_CHOICES)
    description = models.CharField(max_length=200, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code", "coding_system"]
        constraints = [
            models.UniqueConstraint(fields=["clinic", "code", "coding_system"], name="unique_local_lab_code"),
        ]

    def __str__(self) -> str:
        system = f"^{self.coding_system}" if self.coding_system else ""
        return f"{self.code}{system} = {self.test}"


class ImportKind(models.TextChoices):
    PATIENTS = "patients", "Patients"
    LABS = "labs", "Lab results"


class ImportStatus(models.TextChoices):
    CHECKING = "checking", "Being checked"
    PREVIEWED = "previewed", "Checked, not imported"
    IMPORTING = "importing", "Being imported"
    IMPORTED = "imported", "Imported"


class CsvImport(models.Model):
    """A CSV file uploaded for import: checked in the background and previewed row by row (nothing saved),
    then imported whole, or not at all, once someone confirms."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=ImportKind.choices)
    filename = models.CharField(max_length=255)
    content = models.TextField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=10, choices=ImportStatus.choices, default=ImportStatus.CHECKING)
    rows = models.PositiveIntegerField(default=0)
    #: The last check of every row (or the import's own, when data had changed since): see ImportReport.as_json.
    report = models.JSONField(default=dict, blank=True)
    checked_at = models.DateTimeField(null=True, blank=True)
    imported_at = models.DateTimeField(null=True, blank=True)
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} from {self.filename}"

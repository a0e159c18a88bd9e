"""The audit trail: who changed what (history rows of every clinical, consent and configuration model), who
signed in or changed security settings (security events), and who read which patient (the access log)."""

from django.conf import settings
from django.db import models
from simple_history import register

from alerts.models import Alert
from clinics.models import Clinic, ClosedDay, User
from reminders.models import ClinicReminderSettings, OptOut, PatientReminderPreferences

# History of models whose apps predate the audit trail: their history tables live here. Patients,
# enrollments, administrations and lab results keep their own (declared on the models).
register(Alert, app="audit", table_name="audit_alert_history")
register(OptOut, app="audit", table_name="audit_optout_history")
register(PatientReminderPreferences, app="audit", table_name="audit_reminderpreferences_history")
register(ClinicReminderSettings, app="audit", table_name="audit_clinicremindersettings_history")
register(Clinic, app="audit", table_name="audit_clinic_history")
register(ClosedDay, app="audit", table_name="audit_closedday_history")
register(User, app="audit", table_name="audit_staff_history", excluded_fields=["password", "last_login"],
         user_related_name="+")


class AccessVia(models.TextChoices):
    PAGE = "page", "Staff page"
    API = "api", "API"


class PatientAccess(models.Model):
    """A member of staff read a patient's record (a page or an API answer about that patient)."""

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.CASCADE, related_name="+")
    patient = models.ForeignKey("patients.Patient", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    via = models.CharField(max_length=4, choices=AccessVia.choices)
    what = models.CharField(max_length=200, help_text="The page or API path read")

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["patient", "at"], name="access_patient_at")]
        verbose_name_plural = "patient accesses"

    def __str__(self) -> str:
        return f"{self.user_id} read patient {self.patient_id} at {self.at:%Y-%m-%d %H:%M}"


class SecurityEvent(models.Model):
    """Sign-in factors, API tokens and other security changes to a staff account, with who did it."""

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    event = models.CharField(max_length=40)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="+", help_text="Empty: done from the command line or by the system")
    subject = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.event} of {self.subject_id} at {self.at:%Y-%m-%d %H:%M}"

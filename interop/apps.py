from django.apps import AppConfig


class InteropConfig(AppConfig):
    name = "interop"
    verbose_name = "Interfaces (FHIR, HL7 v2, CSV import)"
    default_auto_field = "django.db.models.BigAutoField"

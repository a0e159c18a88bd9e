from zoneinfo import available_timezones

from rest_framework import serializers

from clinics.languages import language_choices, language_codes
from config.fields import AwareDateTimeField, StrictDateField

from ..models import Administration, Enrollment, LabResult, Patient, ScheduledEvent, Sex
from ..phones import MAX_INPUT_LENGTH as MAX_PHONE_INPUT


class PatientSerializer(serializers.ModelSerializer):
    date_of_birth = StrictDateField()
    sex = serializers.ChoiceField(choices=Sex.choices)
    timezone = serializers.CharField(required=False)
    preferred_dose_time = serializers.TimeField(format="%H:%M", input_formats=["%H:%M", "%H:%M:%S"], required=False)
    #: As staff type it ("07700 900123", "+44 7700 900123"); stored in E.164 form.
    phone = serializers.CharField(max_length=MAX_PHONE_INPUT, allow_blank=True, required=False)
    language = serializers.ChoiceField(
        choices=language_choices(), allow_blank=True, required=False,
        help_text="The language of the patient's reminders and pages; blank: the clinic's",
        error_messages={"invalid_choice": "{input!r} is not an offered language; use one of "
                                          f"{', '.join(language_codes())}, or blank for the clinic's"},
    )

    class Meta:
        model = Patient
        fields = ["id", "mrn", "given_name", "family_name", "date_of_birth", "sex", "pregnant", "timezone", "email",
                  "phone", "phone_kind", "preferred_dose_time", "reminders_opt_in", "language", "created_at"]
        read_only_fields = ["id", "created_at", "phone_kind"]

    def validate_timezone(self, value):
        if value not in available_timezones():
            raise serializers.ValidationError(f"{value!r} is not an IANA time zone (e.g. Europe/London)")
        return value


class PatientUpdateSerializer(PatientSerializer):
    class Meta(PatientSerializer.Meta):
        read_only_fields = ["id", "created_at", "mrn", "date_of_birth", "sex"]


class EventSerializer(serializers.ModelSerializer):
    status = serializers.SerializerMethodField()
    dose_mg = serializers.DecimalField(max_digits=9, decimal_places=3, coerce_to_string=False, allow_null=True)

    class Meta:
        model = ScheduledEvent
        fields = ["id", "kind", "code", "phase", "due_date", "due_at", "window_start", "window_end", "status",
                  "key", "sequence", "enrollment", "patient", "setting", "dose_mg", "route", "tests", "late",
                  "provisional"]

    def get_status(self, event) -> str:
        today = self.context.get("today")
        return event.display_status(today)


class EnrollmentSerializer(serializers.ModelSerializer):
    protocol = serializers.CharField(source="protocol_version.protocol.slug", read_only=True)
    protocol_version = serializers.IntegerField(source="protocol_version.version", read_only=True)

    class Meta:
        model = Enrollment
        fields = ["id", "patient", "protocol", "protocol_version", "start_date", "options", "status", "phase_ends",
                  "override_reason", "planned_until", "created_at", "ended_on", "end_reason"]
        read_only_fields = fields


class EnrollmentCreateSerializer(serializers.Serializer):
    patient = serializers.IntegerField()
    protocol = serializers.CharField()
    start_date = StrictDateField()
    options = serializers.JSONField(required=False, default=dict)
    override_reason = serializers.CharField(required=False, allow_blank=True, default="")


class EnrollmentPreviewSerializer(EnrollmentCreateSerializer):
    override_reason = None


class EndPhaseSerializer(serializers.Serializer):
    phase = serializers.CharField()
    date = StrictDateField()
    reason = serializers.CharField()


class StopEnrollmentSerializer(serializers.Serializer):
    date = StrictDateField()
    reason = serializers.CharField()


class AdministrationSerializer(serializers.ModelSerializer):
    dose_mg = serializers.DecimalField(max_digits=9, decimal_places=3, coerce_to_string=False, allow_null=True)
    recorded_by = serializers.CharField(source="recorded_by.username", default=None, read_only=True)
    error_by = serializers.CharField(source="error_by.username", default=None, read_only=True)

    class Meta:
        model = Administration
        fields = ["id", "event", "patient", "outcome", "occurred_at", "occurred_on", "dose_mg", "route", "site",
                  "lot_number", "performed_by", "source", "note", "recorded_by", "created_at", "entered_in_error",
                  "error_reason", "error_by", "error_at"]
        read_only_fields = fields


class AdministrationCreateSerializer(serializers.Serializer):
    event = serializers.IntegerField()
    outcome = serializers.ChoiceField(choices=["given", "missed", "declined"])
    occurred_at = AwareDateTimeField()
    dose_mg = serializers.DecimalField(max_digits=9, decimal_places=3, required=False, allow_null=True)
    route = serializers.CharField(required=False, allow_blank=True)
    site = serializers.CharField(required=False, allow_blank=True)
    lot_number = serializers.CharField(required=False, allow_blank=True)
    performed_by = serializers.CharField(required=False, allow_blank=True, default="")
    note = serializers.CharField(required=False, allow_blank=True, default="")


class EnteredInErrorSerializer(serializers.Serializer):
    reason = serializers.CharField()


class LabResultSerializer(serializers.ModelSerializer):
    test = serializers.CharField(source="code", read_only=True)
    value = serializers.DecimalField(max_digits=14, decimal_places=4, coerce_to_string=False)
    normalized_value = serializers.DecimalField(max_digits=14, decimal_places=3, coerce_to_string=False)
    recorded_by = serializers.CharField(source="recorded_by.username", default=None, read_only=True)

    class Meta:
        model = LabResult
        fields = ["id", "patient", "test", "code", "loinc", "value", "unit", "normalized_value", "normalized_unit",
                  "collected_at", "confirmed_unusual", "recorded_by", "created_at", "entered_in_error", "error_reason",
                  "error_at"]
        read_only_fields = fields


class LabResultCreateSerializer(serializers.Serializer):
    patient = serializers.IntegerField()
    test = serializers.CharField()
    value = serializers.CharField()
    unit = serializers.CharField()
    collected_at = AwareDateTimeField()
    #: File a value that looks like a unit mistake (Hb 10.2 g/L) as it is.
    confirm_unusual = serializers.BooleanField(required=False, default=False)

    def to_internal_value(self, data):
        if isinstance(data, dict) and isinstance(data.get("value"), bool):
            raise serializers.ValidationError({"value": "must be a number"})
        return super().to_internal_value(data)

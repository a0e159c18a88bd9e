from zoneinfo import available_timezones

from rest_framework import serializers

from clinics.languages import language_choices, language_codes
from config.fields import AwareDateTimeField, LocalTimeField, PlainCharField, StrictDateField, TextField

from ..models import Administration, Enrollment, InjectionSite, LabResult, Patient, ScheduledEvent, Sex
from ..phones import MAX_INPUT_LENGTH as MAX_PHONE_INPUT
from ..phones import PhoneKind


class PatientSerializer(serializers.ModelSerializer):
    date_of_birth = StrictDateField()
    sex = serializers.ChoiceField(choices=Sex.choices)
    timezone = serializers.CharField(required=False, max_length=64)
    preferred_dose_time = LocalTimeField(required=False)
    #: As staff type it ("07700 900123", "+44 7700 900123"); stored in E.164 form.
    phone = serializers.CharField(max_length=MAX_PHONE_INPUT, allow_blank=True, required=False)
    language = serializers.ChoiceField(
        choices=language_choices(), allow_blank=True, required=False,
        help_text="The language of the patient's reminders and pages; blank: the clinic's",
        error_messages={"invalid_choice": "{input!r} is not an offered language; use one of "
                                          f"{', '.join(language_codes())}, or blank for the clinic's"},
    )
    #: "" when the patient has no phone number.
    phone_kind = serializers.ChoiceField(choices=[("", "no phone"), *PhoneKind.CHOICES], read_only=True)

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


class ScheduleSerializer(serializers.Serializer):
    """GET enrollments/{id}/schedule/: the enrollment's id and its events ordered by due date (not paginated)."""

    enrollment = serializers.IntegerField()
    events = EventSerializer(many=True)


class PlannedEventSerializer(serializers.Serializer):
    key = serializers.CharField()
    kind = serializers.CharField()
    code = serializers.CharField()
    phase = serializers.CharField()
    due_date = serializers.DateField()
    due_at = serializers.DateTimeField(allow_null=True)
    window_start = serializers.DateField()
    window_end = serializers.DateField()
    status = serializers.CharField()
    dose_mg = serializers.FloatField(allow_null=True)
    route = serializers.CharField(allow_blank=True)
    tests = serializers.ListField(child=serializers.CharField())
    provisional = serializers.BooleanField()


class PhaseSpanSerializer(serializers.Serializer):
    phase = serializers.CharField()
    arm = serializers.CharField()
    start = serializers.DateField(allow_null=True)
    end = serializers.DateField(allow_null=True)
    ended = serializers.BooleanField()


class PreviewSerializer(serializers.Serializer):
    """POST enrollments/preview/: the events and phases an enrollment would have; nothing saved."""

    events = PlannedEventSerializer(many=True)
    phases = PhaseSpanSerializer(many=True)


class EnrollmentCreateSerializer(serializers.Serializer):
    patient = serializers.IntegerField()
    protocol = serializers.CharField(max_length=50, help_text="a protocol's slug, e.g. b12-im-standard")
    start_date = StrictDateField(help_text="from 5 years back to 1 year ahead of the patient's today")
    options = serializers.DictField(required=False, default=dict, help_text=(
        "maintenance_interval_months (2 or 3), dose_time (HH:MM), iron_product"))
    override_reason = TextField(required=False, allow_blank=True, default="")


class EnrollmentPreviewSerializer(EnrollmentCreateSerializer):
    override_reason = None


class EndPhaseSerializer(serializers.Serializer):
    phase = serializers.CharField(max_length=40)
    date = StrictDateField()
    reason = TextField()


class StopEnrollmentSerializer(serializers.Serializer):
    date = StrictDateField(required=False, allow_null=True, default=None,
                           help_text="the last day of the enrollment (YYYY-MM-DD); default: the patient's today")
    reason = TextField()


#: Choices of an optional field as it is answered: "" when it was not given.
BLANK_SITE_CHOICES = [("", "not recorded"), *InjectionSite.choices]


class AdministrationSerializer(serializers.ModelSerializer):
    dose_mg = serializers.DecimalField(max_digits=9, decimal_places=3, coerce_to_string=False, allow_null=True)
    site = serializers.ChoiceField(choices=BLANK_SITE_CHOICES, read_only=True)
    recorded_by = serializers.CharField(source="recorded_by.username", default=None, read_only=True, allow_null=True,
                                        help_text="null: reported by the patient from a reminder link")
    error_by = serializers.CharField(source="error_by.username", default=None, read_only=True, allow_null=True)

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
    route = PlainCharField(required=False, allow_blank=True, max_length=10)
    site = serializers.ChoiceField(choices=InjectionSite.choices, required=False, allow_blank=True)
    lot_number = PlainCharField(required=False, allow_blank=True, max_length=64)
    performed_by = PlainCharField(required=False, allow_blank=True, default="", max_length=200)
    note = TextField(required=False, allow_blank=True, default="")


class EnteredInErrorSerializer(serializers.Serializer):
    reason = TextField()


class LabResultSerializer(serializers.ModelSerializer):
    test = serializers.CharField(source="code", read_only=True)
    value = serializers.DecimalField(max_digits=14, decimal_places=4, coerce_to_string=False)
    normalized_value = serializers.DecimalField(max_digits=14, decimal_places=3, coerce_to_string=False)
    recorded_by = serializers.CharField(source="recorded_by.username", default=None, read_only=True, allow_null=True)

    class Meta:
        model = LabResult
        fields = ["id", "patient", "test", "code", "loinc", "value", "unit", "normalized_value", "normalized_unit",
                  "collected_at", "confirmed_unusual", "recorded_by", "created_at", "entered_in_error", "error_reason",
                  "error_at"]
        read_only_fields = fields


class LabResultCreateSerializer(serializers.Serializer):
    patient = serializers.IntegerField()
    test = serializers.CharField(max_length=20, help_text="a test code (hb, ferritin, b12, ...) or its LOINC code")
    value = serializers.CharField(max_length=40, help_text="a number, as text or as a JSON number")
    unit = serializers.CharField(max_length=20)
    collected_at = AwareDateTimeField()
    #: File a value that looks like a unit mistake (Hb 10.2 g/L) as it is.
    confirm_unusual = serializers.BooleanField(required=False, default=False)

    def to_internal_value(self, data):
        if isinstance(data, dict) and isinstance(data.get("value"), bool):
            raise serializers.ValidationError({"value": "must be a number"})
        return super().to_internal_value(data)

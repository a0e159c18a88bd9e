"""Staff API: a patient's reminders and choices, the clinic's reminder settings. Thin views."""

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics, serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from clinics.models import Role
from clinics.permissions import IsClinicStaff

from . import selectors, services
from .links import calendar_url
from .models import (
    PATIENT_KINDS,
    Channel,
    ClinicReminderSettings,
    OptOut,
    PatientReminderPreferences,
    Reminder,
    ReminderStatus,
)
from .services.planning import channel_blocks, open_opt_outs
from .services.preferences import CLINIC_SETTING_FIELDS


class ReminderSerializer(serializers.ModelSerializer):
    class Meta:
        model = Reminder
        fields = ["id", "kind", "channel", "send_at", "status", "status_reason", "event", "about_date", "sent_at",
                  "attempts"]
        read_only_fields = fields


@extend_schema_view(get=extend_schema(parameters=[
    OpenApiParameter("status", str, enum=ReminderStatus.values),
    OpenApiParameter("kind", str, enum=[str(k) for k in PATIENT_KINDS]),
    OpenApiParameter("channel", str, enum=Channel.values),
]))
class PatientRemindersView(generics.ListAPIView):
    """A patient's reminders, soonest first. Filter with ?status=, ?kind=, ?channel=."""

    serializer_class = ReminderSerializer
    permission_classes = [IsClinicStaff]
    filter_backends = []

    def get_queryset(self):
        rows = selectors.reminders_of_patient(self.request.user, self.kwargs["pk"])
        for name, choices in (("status", ReminderStatus.values), ("kind", [str(k) for k in PATIENT_KINDS]),
                              ("channel", Channel.values)):
            value = self.request.query_params.get(name)
            if value:
                if value not in choices:
                    raise serializers.ValidationError({name: f"must be one of {', '.join(choices)}"})
                rows = rows.filter(**{name: value})
        return rows


class PreferencesSerializer(serializers.Serializer):
    channels = serializers.ListField(child=serializers.ChoiceField(choices=Channel.values), required=False,
                                     max_length=len(Channel.values),
                                     help_text="The patient's own channels; an empty list means the clinic's")
    reminder_time = serializers.TimeField(allow_null=True, required=False, format="%H:%M",
                                          input_formats=["%H:%M", "%H:%M:%S"])
    rotate_calendar_url = serializers.BooleanField(required=False, default=False)


class ChannelSerializer(serializers.Serializer):
    channel = serializers.ChoiceField(choices=[*Channel.values, OptOut.ALL])


def _preferences_json(patient) -> dict:
    prefs = PatientReminderPreferences.for_patient(patient)
    clinic_settings = ClinicReminderSettings.for_clinic(patient.clinic_id)
    blocks = channel_blocks(patient, clinic_settings, prefs, open_opt_outs(patient.pk))
    return {
        "channels": prefs.channels.split(",") if prefs.channels else [],
        "clinic_channels": clinic_settings.channels,
        "reminder_time": prefs.reminder_time.strftime("%H:%M") if prefs.reminder_time else None,
        "channel_status": {channel: why or "in use" for channel, why in blocks.items()},
        "opt_outs": [{"channel": o.channel, "via": o.via, "at": o.created_at, "ended_at": o.ended_at}
                     for o in patient.reminder_opt_outs.all()],
        "undeliverable": prefs.undeliverable,
        "calendar_url": calendar_url(prefs.calendar_token),
    }


class PatientReminderPreferencesView(APIView):
    permission_classes = [IsClinicStaff]

    @extend_schema(responses={200: dict})
    def get(self, request, pk):
        return Response(_preferences_json(selectors.patient_for(request.user, pk)))

    @extend_schema(request=PreferencesSerializer, responses={200: dict})
    def patch(self, request, pk):
        patient = selectors.patient_for(request.user, pk)
        data = PreferencesSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        services.patient_reminder_preferences_update(
            patient=patient, channels=values.get("channels"),
            reminder_time=values["reminder_time"] if "reminder_time" in values else "unchanged",
            rotate_calendar_token=values.get("rotate_calendar_url", False),
        )
        return Response(_preferences_json(patient))


class PatientOptOutView(APIView):
    """Staff record that the patient asked (by phone, in person) to stop, or to start again."""

    permission_classes = [IsClinicStaff]
    stop = True

    @extend_schema(request=ChannelSerializer, responses={200: dict})
    def post(self, request, pk):
        patient = selectors.patient_for(request.user, pk)
        data = ChannelSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        channel = data.validated_data["channel"]
        if self.stop:
            services.opt_out_record(patient=patient, channel=channel, via="staff", detail=request.user.username)
        else:
            services.opt_out_end(patient=patient, channel=channel, via="staff")
        return Response(_preferences_json(patient))


class ClinicReminderSettingsSerializer(serializers.ModelSerializer):
    class Meta:
        model = ClinicReminderSettings
        fields = list(CLINIC_SETTING_FIELDS)


class ClinicReminderSettingsView(APIView):
    """The acting user's clinic's reminder defaults. Clinic administrators and clinicians change them."""

    permission_classes = [IsClinicStaff]
    open_to_administrators = True

    @extend_schema(responses={200: ClinicReminderSettingsSerializer})
    def get(self, request):
        return Response(ClinicReminderSettingsSerializer(ClinicReminderSettings.for_clinic(request.user.clinic_id)).data)

    @extend_schema(request=ClinicReminderSettingsSerializer, responses={200: ClinicReminderSettingsSerializer})
    def patch(self, request):
        if request.user.role not in (Role.ADMIN, Role.CLINICIAN):
            raise PermissionDenied("Only a clinic administrator or a clinician can change reminder settings.")
        current = ClinicReminderSettings.for_clinic(request.user.clinic_id)
        data = ClinicReminderSettingsSerializer(current, data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        updated = services.clinic_reminder_settings_update(clinic=request.user.clinic, **data.validated_data)
        return Response(ClinicReminderSettingsSerializer(updated).data)

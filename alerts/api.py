import django_filters
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from clinics.permissions import IsClinicianOrNurse, IsClinicStaff, clinic_id_of
from config.fields import TextField
from patients.api.filters import PatientChoice

from .models import Alert
from .services import alert_acknowledge, alert_resolve


class AlertSerializer(serializers.ModelSerializer):
    acknowledged_by = serializers.CharField(source="acknowledged_by.username", default=None, read_only=True,
                                            allow_null=True)
    resolved_by = serializers.CharField(source="resolved_by.username", default=None, read_only=True, allow_null=True)

    class Meta:
        model = Alert
        fields = ["id", "code", "severity", "message", "patient", "enrollment", "status", "created_at", "facts",
                  "acknowledged_by", "acknowledged_at", "resolved_by", "resolved_at", "resolution_note"]
        read_only_fields = fields


class ResolveSerializer(serializers.Serializer):
    note = TextField(required=False, allow_blank=True, default="")


class AlertFilter(django_filters.FilterSet):
    patient = PatientChoice()

    class Meta:
        model = Alert
        fields = ["patient", "status", "code", "severity"]


class AlertViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = AlertSerializer
    filterset_class = AlertFilter
    permission_classes = [IsClinicStaff]

    def get_queryset(self):
        return Alert.objects.filter(clinic_id=clinic_id_of(self.request.user)).select_related(
            "acknowledged_by", "resolved_by"
        )

    @action(detail=True, methods=["post"], permission_classes=[IsClinicianOrNurse])
    def acknowledge(self, request, pk=None):
        return Response(AlertSerializer(alert_acknowledge(alert=self.get_object(), actor=request.user)).data)

    @action(detail=True, methods=["post"], permission_classes=[IsClinicianOrNurse], serializer_class=ResolveSerializer)
    def resolve(self, request, pk=None):
        data = ResolveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        alert = alert_resolve(alert=self.get_object(), actor=request.user, note=data.validated_data["note"])
        return Response(AlertSerializer(alert).data)

from rest_framework import serializers, viewsets

from clinics.permissions import IsClinicStaff, clinic_id_of

from .models import Protocol


class ProtocolSerializer(serializers.ModelSerializer):
    version = serializers.IntegerField(source="current_version.version")
    phases = serializers.SerializerMethodField()
    monitoring = serializers.SerializerMethodField()
    builtin = serializers.SerializerMethodField()

    class Meta:
        model = Protocol
        fields = ["slug", "name", "version", "description", "phases", "monitoring", "builtin"]

    def get_phases(self, protocol) -> list[dict]:
        return protocol.current_version.definition["phases"]

    def get_monitoring(self, protocol) -> list[dict]:
        return protocol.current_version.definition.get("monitoring", [])

    def get_builtin(self, protocol) -> bool:
        return protocol.clinic_id is None


class ProtocolViewSet(viewsets.ReadOnlyModelViewSet):
    """The built-in protocols and the clinic's own, each at its current version."""

    serializer_class = ProtocolSerializer
    permission_classes = [IsClinicStaff]
    open_to_administrators = True  # the catalogue of regimens is the clinic's configuration, not patient data
    lookup_field = "slug"
    pagination_class = None

    def get_queryset(self):
        return (
            Protocol.objects.visible_to(clinic_id_of(self.request.user))
            .filter(current_version__isnull=False)
            .select_related("current_version")
        )

import django_filters
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from clinics.permissions import IsClinician, IsClinicianOrNurse, IsClinicStaff
from config.fields import StrictDateField
from config.filters import BoundedSearchFilter

from .. import selectors, services
from ..models import EventStatus
from . import serializers as s
from .filters import AdministrationFilter, EnrollmentFilter, EventFilter, LabResultFilter, PatientFilter


def scoped_or_404(queryset, pk, field: str):
    """A referenced object of the acting user's clinic; another clinic's answers 404."""
    try:
        return queryset.get(pk=int(pk))
    except (queryset.model.DoesNotExist, TypeError, ValueError):
        raise NotFound({field: f"no {field.replace('_', ' ')} {pk} in your clinic"}) from None


class WritePermissionMixin:
    write_permission = IsClinicianOrNurse

    def get_permissions(self):
        if self.request.method in ("GET", "HEAD", "OPTIONS"):
            return [IsClinicStaff()]
        return [self.write_permission()]


class PatientViewSet(WritePermissionMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                     mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.GenericViewSet):
    serializer_class = s.PatientSerializer
    filterset_class = PatientFilter
    filter_backends = [django_filters.rest_framework.DjangoFilterBackend, BoundedSearchFilter]
    search_fields = ["mrn", "given_name", "family_name"]

    def get_queryset(self):
        return selectors.patients_for(self.request.user)

    def get_serializer_class(self):
        if self.action in ("update", "partial_update"):
            return s.PatientUpdateSerializer
        return s.PatientSerializer

    def perform_create(self, serializer):
        serializer.instance = services.patient_create(
            actor=self.request.user, clinic=self.request.user.clinic, **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = services.patient_update(
            actor=self.request.user, patient=serializer.instance, **serializer.validated_data
        )


class EnrollmentViewSet(WritePermissionMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                        viewsets.GenericViewSet):
    serializer_class = s.EnrollmentSerializer
    filterset_class = EnrollmentFilter
    write_permission = IsClinician

    def get_queryset(self):
        return selectors.enrollments_for(self.request.user)

    @extend_schema(request=s.EnrollmentCreateSerializer, responses={201: s.EnrollmentSerializer})
    def create(self, request):
        """Enroll a patient (clinicians). Guards, answered 400 with nothing saved unless `override_reason` is given:
        an active enrollment of the patient already covers a treatment arm of the protocol (B12, iron, folic acid):
        `protocol` names it and `conflicting_enrollments` lists `id`, `protocol`, `protocol_name`, `start_date`,
        `arms`; folic acid without a B12 result in range in the 3 months before `start_date` and no active B12
        enrollment (`folate-without-b12`)."""
        data = s.EnrollmentCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        patient = scoped_or_404(selectors.patients_for(request.user), data.validated_data["patient"], "patient")
        enrollment = services.enrollment_create(
            actor=request.user, patient=patient, protocol=data.validated_data["protocol"],
            start_date=data.validated_data["start_date"], options=data.validated_data["options"],
            override_reason=data.validated_data["override_reason"],
        )
        enrollment = self.get_queryset().get(pk=enrollment.pk)
        return Response(s.EnrollmentSerializer(enrollment).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.EnrollmentPreviewSerializer, responses={200: s.PreviewSerializer})
    @action(detail=False, methods=["post"])
    def preview(self, request):
        """The dates an enrollment would have; nothing is saved."""
        data = s.EnrollmentPreviewSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        patient = scoped_or_404(selectors.patients_for(request.user), data.validated_data["patient"], "patient")
        plan = services.enrollment_preview(
            patient=patient, protocol=data.validated_data["protocol"],
            start_date=data.validated_data["start_date"], options=data.validated_data["options"],
        )
        return Response({"events": [_planned_event_json(e) for e in plan.events],
                         "phases": [_span_json(p) for p in plan.phases]})

    @extend_schema(parameters=[OpenApiParameter("until", str, description="last due date to include (YYYY-MM-DD)"),
                               OpenApiParameter("include_cancelled", bool, description="also events no longer planned")],
                   responses={200: s.ScheduleSerializer})
    @action(detail=True, methods=["get"], permission_classes=[IsClinicStaff], pagination_class=None,
            filter_backends=[])
    def schedule(self, request, pk=None):
        enrollment = self.get_object()
        events = enrollment.events.select_related("patient").order_by("due_date", "kind", "sequence", "id")
        if request.query_params.get("include_cancelled", "").lower() not in ("1", "true", "yes"):
            events = events.exclude(status=EventStatus.CANCELLED)
        until = request.query_params.get("until")
        if until:
            events = events.filter(due_date__lte=StrictDateField().run_validation(until))
        today = timezone.now().astimezone(enrollment.patient.zone).date()
        data = s.EventSerializer(events, many=True, context={"today": today}).data
        return Response({"enrollment": enrollment.pk, "events": data})

    @extend_schema(request=s.EndPhaseSerializer, responses={200: s.EnrollmentSerializer})
    @action(detail=True, methods=["post"], url_path="end-phase")
    def end_phase(self, request, pk=None):
        enrollment = self.get_object()
        data = s.EndPhaseSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        enrollment = services.enrollment_end_phase(
            actor=request.user, enrollment=enrollment, phase=data.validated_data["phase"],
            on=data.validated_data["date"], reason=data.validated_data["reason"],
        )
        return Response(s.EnrollmentSerializer(self.get_queryset().get(pk=enrollment.pk)).data)


    @extend_schema(request=s.StopEnrollmentSerializer, responses={200: s.EnrollmentSerializer})
    @action(detail=True, methods=["post"])
    def stop(self, request, pk=None):
        """A clinician ends the whole enrollment with a reason, on `date` (default the patient's today): its planned
        events and pending reminders are cancelled."""
        enrollment = self.get_object()
        data = s.StopEnrollmentSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        enrollment = services.enrollment_stop(actor=request.user, enrollment=enrollment,
                                              on=data.validated_data["date"], reason=data.validated_data["reason"])
        return Response(s.EnrollmentSerializer(self.get_queryset().get(pk=enrollment.pk)).data)


def _planned_event_json(event) -> dict:
    return {
        "key": event.key, "kind": event.kind, "code": event.code, "phase": event.phase,
        "due_date": event.due_date, "due_at": event.due_at, "window_start": event.window_start,
        "window_end": event.window_end, "status": event.status, "dose_mg": event.dose_mg, "route": event.route,
        "tests": list(event.tests), "provisional": event.provisional,
    }


def _span_json(span) -> dict:
    return {"phase": span.slug, "arm": span.arm, "start": span.start, "end": span.end, "ended": span.ended}


class EventViewSet(viewsets.ReadOnlyModelViewSet):
    """Schedule events of the clinic, e.g. `?date=2026-01-05&kind=dose&setting=clinic` for a day's injections."""

    serializer_class = s.EventSerializer
    filterset_class = EventFilter
    permission_classes = [IsClinicStaff]

    def get_queryset(self):
        return selectors.events_for(self.request.user).order_by("due_date", "id")


class AdministrationViewSet(WritePermissionMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                            viewsets.GenericViewSet):
    serializer_class = s.AdministrationSerializer
    filterset_class = AdministrationFilter

    def get_queryset(self):
        return selectors.administrations_for(self.request.user)

    @extend_schema(request=s.AdministrationCreateSerializer, responses={201: s.AdministrationSerializer},
                   parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER)])
    def create(self, request):
        data = s.AdministrationCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        event = scoped_or_404(selectors.events_for(request.user), values.pop("event"), "event")
        record, created = services.administration_record(
            actor=request.user, event=event, idempotency_key=request.headers.get("Idempotency-Key") or None,
            **values,
        )
        headers = {} if created else {"Idempotent-Replayed": "true"}
        return Response(s.AdministrationSerializer(record).data, status=status.HTTP_201_CREATED, headers=headers)

    @extend_schema(request=s.EnteredInErrorSerializer, responses={200: s.AdministrationSerializer})
    @action(detail=True, methods=["post"], url_path="entered-in-error")
    def entered_in_error(self, request, pk=None):
        data = s.EnteredInErrorSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        record = services.administration_mark_entered_in_error(
            actor=request.user, administration=self.get_object(), reason=data.validated_data["reason"]
        )
        return Response(s.AdministrationSerializer(self.get_queryset().get(pk=record.pk)).data)


class LabResultViewSet(WritePermissionMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                       viewsets.GenericViewSet):
    serializer_class = s.LabResultSerializer
    filterset_class = LabResultFilter

    def get_queryset(self):
        return selectors.lab_results_for(self.request.user)

    @extend_schema(request=s.LabResultCreateSerializer, responses={201: s.LabResultSerializer})
    def create(self, request):
        data = s.LabResultCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        patient = scoped_or_404(selectors.patients_for(request.user), values.pop("patient"), "patient")
        record = services.lab_result_record(actor=request.user, patient=patient, **values)
        return Response(s.LabResultSerializer(self.get_queryset().get(pk=record.pk)).data,
                        status=status.HTTP_201_CREATED)

    @extend_schema(request=s.EnteredInErrorSerializer, responses={200: s.LabResultSerializer})
    @action(detail=True, methods=["post"], url_path="entered-in-error")
    def entered_in_error(self, request, pk=None):
        data = s.EnteredInErrorSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        record = services.lab_result_mark_entered_in_error(
            actor=request.user, result=self.get_object(), reason=data.validated_data["reason"]
        )
        return Response(s.LabResultSerializer(self.get_queryset().get(pk=record.pk)).data)


__all__ = ["AdministrationViewSet", "EnrollmentViewSet", "EventViewSet", "LabResultViewSet", "PatientViewSet"]

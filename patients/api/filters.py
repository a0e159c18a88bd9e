"""List filters of the API. A filter naming another clinic's patient, enrollment or event answers exactly
like one naming an id that does not exist (400, "not one of the available choices"): the choices are the
acting user's clinic's, so the answer never tells which ids exist elsewhere."""

import django_filters

from .. import selectors
from ..models import Administration, Enrollment, LabResult, Patient, ScheduledEvent


def _user(request):
    return getattr(request, "user", None)


def clinic_patients(request):
    return selectors.patients_for(_user(request))


def clinic_enrollments(request):
    return selectors.enrollments_for(_user(request))


def clinic_events(request):
    return selectors.events_for(_user(request))


def PatientChoice(**kwargs):  # noqa: N802  (a filter factory, read like a class)
    return django_filters.ModelChoiceFilter(queryset=clinic_patients, **kwargs)


class PatientFilter(django_filters.FilterSet):
    class Meta:
        model = Patient
        fields = ["mrn", "sex", "reminders_opt_in"]


class EnrollmentFilter(django_filters.FilterSet):
    patient = PatientChoice()
    protocol = django_filters.CharFilter(field_name="protocol_version__protocol__slug", max_length=50)

    class Meta:
        model = Enrollment
        fields = ["patient", "status", "protocol"]


class EventFilter(django_filters.FilterSet):
    patient = PatientChoice()
    enrollment = django_filters.ModelChoiceFilter(queryset=clinic_enrollments)
    date = django_filters.DateFilter(field_name="due_date")
    due_from = django_filters.DateFilter(field_name="due_date", lookup_expr="gte")
    due_to = django_filters.DateFilter(field_name="due_date", lookup_expr="lte")

    class Meta:
        model = ScheduledEvent
        fields = ["patient", "enrollment", "kind", "code", "phase", "status", "setting", "date"]


class AdministrationFilter(django_filters.FilterSet):
    patient = PatientChoice()
    event = django_filters.ModelChoiceFilter(queryset=clinic_events)

    class Meta:
        model = Administration
        fields = ["patient", "event", "outcome", "entered_in_error"]


class LabResultFilter(django_filters.FilterSet):
    patient = PatientChoice()
    test = django_filters.CharFilter(field_name="code", max_length=20)

    class Meta:
        model = LabResult
        fields = ["patient", "code", "test", "entered_in_error"]

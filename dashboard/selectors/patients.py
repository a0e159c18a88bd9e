"""The patients list: one page of patients with what a clinic looks at first.

The page is read with a fixed number of queries, whatever its size: the patients (with their last Hb
and open alert counts as correlated subqueries), then one windowed or grouped query each for plans,
protocols and adherence. Only the values shown are read: no model instances per event.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.core.paginator import Paginator
from django.db.models import Count, Exists, F, IntegerField, OuterRef, Q, Subquery, Value, Window
from django.db.models.functions import Coalesce, RowNumber
from django.utils import timezone

from alerts.models import Alert, AlertStatus
from patients.adherence import Adherence, adherence_by
from patients.models import Enrollment, EnrollmentStatus, EventKind, EventStatus, LabResult, ScheduledEvent
from patients.selectors import patients_for

PAGE_SIZE = 25
MAX_PAGE_SIZE = 50
ADHERENCE_DAYS = 28
ARM_WORDS = {"b12": "B12", "iron": "Iron", "folate": "Folate"}
FILTERS = {
    "": "All patients",
    "active": "On a protocol",
    "overdue": "With an overdue injection",
    "alerts": "With open alerts",
}
#: What a row shows of the patient (the rest of the record is not read).
LISTED_FIELDS = ("id", "mrn", "given_name", "family_name")
OPEN_ALERT = (AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED)


@dataclass(frozen=True)
class NextEvent:
    due_date: date
    window_end: date
    kind: str
    code: str


@dataclass(frozen=True)
class LastResult:
    normalized_value: Decimal
    collected_on: date  # in the current time zone (the clinic's, for staff pages)


@dataclass
class PatientRow:
    patient: object
    protocols: list[str] = field(default_factory=list)
    phases: list[str] = field(default_factory=list)
    next_event: NextEvent | None = None
    adherence: Adherence = Adherence()
    last_hb: LastResult | None = None
    open_alerts: int = 0
    high_alerts: int = 0


def upcoming_events(today: date):
    """Planned events still to act on: clinic doses even when overdue, home doses from today."""
    return (ScheduledEvent.objects.filter(status=EventStatus.PLANNED, enrollment__status=EnrollmentStatus.ACTIVE)
            .exclude(setting="home", due_date__lt=today))


def filtered_patients(user, *, q: str = "", show: str = "", today: date):
    patients = patients_for(user)
    q = (q or "").strip()
    if q:
        words = q.split()
        for word in words:
            patients = patients.filter(Q(mrn__istartswith=word) | Q(family_name__istartswith=word)
                                       | Q(given_name__istartswith=word))
    if show == "active":
        patients = patients.filter(Exists(Enrollment.objects.filter(patient=OuterRef("pk"), status=EnrollmentStatus.ACTIVE)))
    elif show == "overdue":  # one scan of the open-window index, not a lookup per patient
        patients = patients.filter(pk__in=ScheduledEvent.objects.filter(
            clinic_id=user.clinic_id, kind=EventKind.DOSE, setting="clinic", status=EventStatus.PLANNED,
            due_date__lt=today, window_end__lt=today, enrollment__status=EnrollmentStatus.ACTIVE).values("patient_id"))
    elif show == "alerts":
        patients = patients.filter(pk__in=Alert.objects.filter(clinic_id=user.clinic_id, status=AlertStatus.OPEN)
                                   .values("patient_id"))
    return patients.order_by("family_name", "given_name", "id")


def first_per(queryset, partition: list[str], order: list):
    return queryset.annotate(rank=Window(RowNumber(), partition_by=[F(p) for p in partition], order_by=order)).filter(rank=1)


def _alert_count(alerts) -> Coalesce:
    counted = alerts.order_by().values("patient_id").annotate(n=Count("id")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def with_row_facts(patients):
    """The patients as listed: the last valid Hb and the open (or acknowledged) alerts, read with each row."""
    hb = LabResult.objects.filter(patient_id=OuterRef("pk"), code="hb", entered_in_error=False).order_by(
        "-collected_at", "-id")
    alerts = Alert.objects.filter(patient_id=OuterRef("pk"), status__in=OPEN_ALERT)
    return patients.select_related(None).only(*LISTED_FIELDS).annotate(
        hb_value=Subquery(hb.values("normalized_value")[:1]),
        hb_collected_at=Subquery(hb.values("collected_at")[:1]),
        open_alerts=_alert_count(alerts),
        high_alerts=_alert_count(alerts.filter(severity="high")),
    )


def rows_for(patients: list, *, today: date) -> list[PatientRow]:
    """Rows for patients read through `with_row_facts`, plus their plans, protocols and adherence."""
    ids = [p.pk for p in patients]
    if not ids:
        return []
    rows = {}
    for p in patients:
        rows[p.pk] = PatientRow(
            p, open_alerts=p.open_alerts, high_alerts=p.high_alerts,
            last_hb=LastResult(p.hb_value, timezone.localdate(p.hb_collected_at)) if p.hb_value is not None else None)
    nexts = first_per(upcoming_events(today).filter(patient_id__in=ids), ["enrollment_id", "arm"],
                      [F("due_date").asc(), F("id").asc()])
    fields = ("id", "patient_id", "arm", "phase", "due_date", "window_end", "kind", "code")
    for _, pid, arm, phase, *event in sorted(nexts.values_list(*fields), key=lambda e: (e[4], e[0])):
        row = rows[pid]
        row.next_event = row.next_event or NextEvent(*event)
        row.phases.append(f"{ARM_WORDS.get(arm, arm)} {phase.replace('-', ' ')}")
    protocols = defaultdict(list)
    for pid, name in (Enrollment.objects.filter(patient_id__in=ids, status=EnrollmentStatus.ACTIVE)
                      .order_by("start_date", "id").values_list("patient_id", "protocol_version__protocol__name")):
        protocols[pid].append(name)
    for pid, names in protocols.items():
        rows[pid].protocols = names
    since = today - timedelta(days=ADHERENCE_DAYS)
    for pid, adherence in adherence_by(ScheduledEvent.objects.filter(patient_id__in=ids), today=today, since=since).items():
        rows[pid].adherence = adherence
    return [rows[pk] for pk in ids]


def patients_page(user, *, q="", show="", page=1, per_page=PAGE_SIZE, today: date):
    paginator = Paginator(with_row_facts(filtered_patients(user, q=q, show=show, today=today)), per_page)
    page_obj = paginator.get_page(page)
    return page_obj, rows_for(list(page_obj.object_list), today=today)

"""The patients list: one page of patients with what a clinic looks at first.

The page is read with a fixed number of queries, whatever its size: the patients, then one
grouped or windowed query each for plans, adherence, last Hb, open alerts and protocols.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.core.paginator import Paginator
from django.db.models import Count, Exists, F, OuterRef, Q, Window
from django.db.models.functions import RowNumber

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


@dataclass
class PatientRow:
    patient: object
    protocols: list[str] = field(default_factory=list)
    phases: list[str] = field(default_factory=list)
    next_event: ScheduledEvent | None = None
    adherence: Adherence = Adherence()
    last_hb: LabResult | None = None
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


def rows_for(patients: list, *, today: date) -> list[PatientRow]:
    ids = [p.pk for p in patients]
    rows = {p.pk: PatientRow(p) for p in patients}
    if not ids:
        return []
    nexts = first_per(upcoming_events(today).filter(patient_id__in=ids), ["enrollment_id", "arm"],
                      [F("due_date").asc(), F("id").asc()])
    for event in sorted(nexts, key=lambda e: (e.due_date, e.id)):
        row = rows[event.patient_id]
        row.next_event = row.next_event or event
        row.phases.append(f"{ARM_WORDS.get(event.arm, event.arm)} {event.phase.replace('-', ' ')}")
    hbs = first_per(LabResult.objects.filter(patient_id__in=ids, code="hb", entered_in_error=False), ["patient_id"],
                    [F("collected_at").desc(), F("id").desc()])
    for hb in hbs:
        rows[hb.patient_id].last_hb = hb
    counts = (Alert.objects.filter(patient_id__in=ids, status__in=(AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED))
              .values("patient_id").annotate(n=Count("id"), high=Count("id", filter=Q(severity="high"))))
    for row in counts:
        rows[row["patient_id"]].open_alerts = row["n"]
        rows[row["patient_id"]].high_alerts = row["high"]
    protocols = defaultdict(list)
    for e in (Enrollment.objects.filter(patient_id__in=ids, status=EnrollmentStatus.ACTIVE).order_by("start_date", "id")
              .values("patient_id", "protocol_version__protocol__name")):
        protocols[e["patient_id"]].append(e["protocol_version__protocol__name"])
    for pid, names in protocols.items():
        rows[pid].protocols = names
    since = today - timedelta(days=ADHERENCE_DAYS)
    for pid, adherence in adherence_by(ScheduledEvent.objects.filter(patient_id__in=ids), today=today, since=since).items():
        rows[pid].adherence = adherence
    return [rows[pk] for pk in ids]


def patients_page(user, *, q="", show="", page=1, per_page=PAGE_SIZE, today: date):
    paginator = Paginator(filtered_patients(user, q=q, show=show, today=today), per_page)
    page_obj = paginator.get_page(page)
    return page_obj, rows_for(list(page_obj.object_list), today=today)

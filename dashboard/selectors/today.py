"""The nurse's worklist: today's injections, overdue ones, blood tests due and new alerts."""

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from alerts.models import Alert, AlertStatus
from patients.models import Administration, EnrollmentStatus, EventKind, EventStatus, InjectionSite, ScheduledEvent
from patients.selectors import events_for

#: Rows shown per worklist section (oldest first); the rest are counted, one click away.
SECTION_LIMIT = 15
NEW_ALERTS_LIMIT = 8
#: What the worklist shows of a new alert.
ALERT_FIELDS = ("id", "patient_id", "severity", "code", "message", "created_at", "patient__given_name",
                "patient__family_name")


def clinic_today(clinic) -> date:
    return timezone.now().astimezone(clinic.zone).date()


def _open_events(user) -> QuerySet[ScheduledEvent]:
    return (
        events_for(user)
        .filter(status=EventStatus.PLANNED, enrollment__status=EnrollmentStatus.ACTIVE)
        .only("id", "kind", "code", "phase", "sequence", "due_date", "window_start", "window_end", "status",
              "setting", "dose_mg", "route", "tests", "provisional", "updated_at", "enrollment_id", "patient_id",
              "patient__id", "patient__given_name", "patient__family_name", "patient__mrn", "patient__timezone")
    )


def injections_due(user) -> QuerySet[ScheduledEvent]:
    return _open_events(user).filter(kind=EventKind.DOSE, setting="clinic")


@dataclass
class Section:
    rows: list
    total: int

    @property
    def more(self) -> int:
        return self.total - len(self.rows)


def _section(queryset, limit: int | None) -> Section:
    return Section(list(queryset[:limit]), queryset.count())


@dataclass
class Worklist:
    today: date
    due_today: Section
    overdue: Section
    tests_due: Section
    new_alerts: Section
    done_today: Section | None = None


#: Rows of "Done today" shown (newest first); the rest are counted, all of them one click away (?all=1).
DONE_LIMIT = 10
DONE_FIELDS = ("id", "outcome", "occurred_at", "dose_mg", "route", "site", "lot_number", "source", "note",
               "event__id", "event__code", "event__phase", "event__sequence", "event__setting",
               "patient__id", "patient__given_name", "patient__family_name", "patient__mrn",
               "recorded_by__id", "recorded_by__username", "recorded_by__first_name", "recorded_by__last_name")


def done_today(user, today: date, limit: int | None = DONE_LIMIT) -> Section:
    """Outcomes staff recorded for doses on the clinic's today (given, declined, missed; phoned-in home doses),
    newest first: what the worklist no longer shows, so that a reload does not lose them."""
    records = (
        Administration.objects.filter(clinic_id=user.clinic_id, occurred_on=today, entered_in_error=False)
        .exclude(source="patient")
        .select_related("event", "patient", "recorded_by").only(*DONE_FIELDS).order_by("-occurred_at", "-id")
    )
    return _section(records, limit)


def _injection_sections(user, today: date, limit: int | None) -> tuple[Section, Section]:
    """Per course, only the earliest injection still open: the one to give (or record missed) now.

    The database picks them: an open injection with no earlier one open in its course (by due date,
    then id). Only the rows shown are read, oldest first, then by name; the totals count courses,
    from the open-events index alone. `backlog` counts the course's open injections due by today.
    """
    totals = injections_due(user).filter(due_date__lte=today).aggregate(
        courses=Count("enrollment_id", distinct=True),
        overdue=Count("enrollment_id", distinct=True, filter=Q(due_date__lt=today)),
    )
    same_course = ScheduledEvent.objects.filter(enrollment_id=OuterRef("enrollment_id"), kind=EventKind.DOSE,
                                                setting="clinic", status=EventStatus.PLANNED)
    earlier = same_course.filter(Q(due_date__lt=OuterRef("due_date"))
                                 | Q(due_date=OuterRef("due_date"), id__lt=OuterRef("id")))
    backlog = same_course.filter(due_date__lte=today).order_by().values("enrollment_id").annotate(n=Count("id"))
    firsts = (
        injections_due(user).filter(~Exists(earlier))
        .order_by("due_date", "patient__family_name", "patient__given_name", "id")
    )

    def section(rows, total: int) -> Section:
        return Section(list(rows[:limit]) if total else [], total)

    # Due today: a course's first open injection is one whose course has nothing open from an earlier day
    # (those courses are in the overdue section), so one set of courses, read once from the open-events
    # index, replaces a subquery per candidate (on a Monday of loading courses, hundreds of them), and
    # there is no backlog to count. Two open injections of one course on the same day: the first only.
    behind = injections_due(user).filter(due_date__lt=today).order_by().values("enrollment_id")
    due_today = (
        injections_due(user).filter(due_date=today).exclude(enrollment_id__in=behind)
        .order_by("patient__family_name", "patient__given_name", "id")
    )
    due_total = totals["courses"] - totals["overdue"]
    rows, seen = [], set()
    for event in (due_today if limit is None else due_today[:limit + 5]) if due_total and limit != 0 else ():
        if event.enrollment_id not in seen:
            seen.add(event.enrollment_id)
            rows.append(event)
    return (Section(rows[:limit] if limit is not None else rows, due_total),
            section(firsts.filter(due_date__lt=today).annotate(backlog=Subquery(backlog.values("n"))),
                    totals["overdue"]))


def worklist_for(user, today: date | None = None, limit: int | None = SECTION_LIMIT, done: bool = True) -> Worklist:
    today = today or clinic_today(user.clinic)
    tests = (
        _open_events(user).filter(kind__in=(EventKind.LAB, EventKind.REVIEW), window_start__lte=today, provisional=False)
        .order_by("due_date", "patient__family_name", "id")
    )
    alerts = (
        Alert.objects.filter(clinic_id=user.clinic_id, status=AlertStatus.OPEN)
        .select_related("patient").only(*ALERT_FIELDS).order_by("-created_at", "-id")
    )
    due_today, overdue = _injection_sections(user, today, limit)
    return Worklist(
        today=today,
        due_today=due_today,
        overdue=overdue,
        tests_due=_section(tests, limit),
        new_alerts=_section(alerts, NEW_ALERTS_LIMIT if limit != 0 else 0),
        done_today=done_today(user, today, DONE_LIMIT if limit else limit) if done else None,
    )


# -- pre-filled values for recording a dose ------------------------------------------------------

OTHER_SIDE = {
    InjectionSite.DELTOID_LEFT: InjectionSite.DELTOID_RIGHT,
    InjectionSite.DELTOID_RIGHT: InjectionSite.DELTOID_LEFT,
    InjectionSite.THIGH_LEFT: InjectionSite.THIGH_RIGHT,
    InjectionSite.THIGH_RIGHT: InjectionSite.THIGH_LEFT,
    InjectionSite.GLUTEAL_LEFT: InjectionSite.GLUTEAL_RIGHT,
    InjectionSite.GLUTEAL_RIGHT: InjectionSite.GLUTEAL_LEFT,
}


def given_defaults(user, event: ScheduledEvent) -> dict:
    """Dose as planned; the other side from the patient's last injection; the lot this nurse last used."""
    given = Administration.objects.filter(clinic_id=user.clinic_id, outcome="given", entered_in_error=False)
    last_site = (
        given.filter(patient_id=event.patient_id).exclude(site="").order_by("-occurred_at", "-id")
        .values_list("site", flat=True).first()
    )
    same_drug = given.filter(event__code=event.code).exclude(lot_number="").order_by("-occurred_at", "-id")
    lot = (
        same_drug.filter(recorded_by=user).values_list("lot_number", flat=True).first()
        or same_drug.values_list("lot_number", flat=True).first()
        or ""
    )
    return {
        "dose_mg": event.dose_mg.normalize() if event.dose_mg is not None else None,
        "site": OTHER_SIDE.get(last_site, InjectionSite.DELTOID_LEFT),
        "lot_number": lot,
        "given_at": timezone.now().astimezone(user.clinic.zone).replace(second=0, microsecond=0, tzinfo=None),
    }


def next_dose_after(event: ScheduledEvent) -> ScheduledEvent | None:
    return (
        ScheduledEvent.objects.filter(enrollment_id=event.enrollment_id, kind=EventKind.DOSE, setting=event.setting,
                                      status=EventStatus.PLANNED)
        .order_by("due_date", "id").first()
    )

"""The alert rules of PROTOCOLS.md section 4.

Two entry points:

- `evaluate_patient` runs when a lab result or a dose outcome is recorded (or marked
  entered-in-error): the rules that read lab results, and `dose-missed` for a loading dose
  recorded as missed.
- `sweep_clinic` runs from a periodic task for the rules that fire with the passing of time:
  `dose-missed` (a loading dose a day overdue), `maintenance-overdue`, `iron-low-adherence` and
  `check-b12-age-60` (a B12 result grows older than 3 months).

Every level comes from `Clinic.threshold(...)`. Each finding carries a fingerprint naming the facts
that raised it; `Alert` is unique per patient, code and fingerprint, so the same facts never open a
second alert. Rules that read lab results also stay quiet while an alert of theirs is still open
or acknowledged for the same course (a second low result in the same window adds nothing new);
once it is resolved, a new result may open a new one. When a result or outcome that raised an
alert is marked entered-in-error, the alert is resolved with a note saying so; an alert whose
condition no longer holds after new data (AUTO_RESOLVED) is resolved by the system with a note.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from patients.adherence import RECORDED
from patients.models import Administration, EnrollmentStatus, EventKind, EventStatus, LabResult, Patient, ScheduledEvent

from .facts import Course, Lab, PatientFacts
from .models import Alert, AlertStatus, Severity
from .services import alert_raise, alert_resolve

logger = logging.getLogger(__name__)

#: Days after iron start (inclusive) for the early and the 4-week Hb checks (BSG 2021).
IRON_EARLY_DAYS = (10, 20)
IRON_FOUR_WEEK_DAYS = (21, 35)
#: Days after the first B12 dose given for the reticulocyte response (Lothian; FDA labels).
B12_RETIC_DAYS = (7, 10)
#: Days after the first B12 dose given for the 8-week Hb (weeks 7 to 9).
B12_HB_8W_DAYS = (49, 63)
#: How far back the adherence rule looks.
ADHERENCE_DAYS = 28
#: Missed loading doses recorded this recently are picked up by the sweep if no alert exists yet.
MISSED_LOOKBACK_DAYS = 14
#: Rows handled per query in the sweep.
BATCH_SIZE = 500

ACTIVE = (AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED)


@dataclass(frozen=True)
class Finding:
    code: str
    severity: str
    message: str
    facts: dict
    fingerprint: str
    enrollment: object = None
    #: Stay quiet while an open or acknowledged alert with this code exists for the same course.
    once_while_active: bool = True
    lab_ids: tuple[int, ...] = field(default=())


def _fmt(value: float) -> str:
    return f"{value:g}"


def _labs_facts(*labs: Lab) -> dict:
    return {"lab_results": [lab.fact() for lab in labs], "lab_result_ids": [lab.id for lab in labs]}


# -- rules that read lab results -----------------------------------------------------------------


def iron_response(f: PatientFacts, course: Course) -> Iterator[Finding]:
    start = course.iron_start
    if start is None:
        return
    baseline = f.baseline("hb", start)
    if baseline is None:
        return
    early = f.in_days_after(("hb",), start, *IRON_EARLY_DAYS)
    if early is not None:
        rise = early.value - baseline.value
        expected = f.threshold("iron_suboptimal_rise_g_l")
        if rise < expected:
            day = (early.on - start).days
            yield Finding(
                "iron-suboptimal-response", Severity.WARNING,
                f"Hb rose {_fmt(rise)} g/L ({_fmt(baseline.value)} → {_fmt(early.value)}) {day} days after oral iron "
                f"started on {start}; expected at least {_fmt(expected)} g/L. Check adherence and tolerance.",
                {"iron_start": start.isoformat(), "day": day, "baseline_hb_g_l": baseline.value, "hb_g_l": early.value,
                 "rise_g_l": rise, "expected_rise_g_l": expected, **_labs_facts(baseline, early)},
                f"enrollment:{course.enrollment.pk}:baseline:{baseline.id}:hb:{early.id}", course.enrollment,
            )
    later = f.in_days_after(("hb",), start, *IRON_FOUR_WEEK_DAYS)
    if later is not None:
        rise = later.value - baseline.value
        expected = f.threshold("iron_inadequate_rise_g_l")
        if rise < expected and later.value < f.hb_normal:
            day = (later.on - start).days
            yield Finding(
                "iron-inadequate-response", Severity.HIGH,
                f"Hb {_fmt(later.value)} g/L {day} days after oral iron started on {start} rose only {_fmt(rise)} g/L "
                f"(expected at least {_fmt(expected)}) and is below normal ({_fmt(f.hb_normal)}). Review adherence, "
                "bleeding, malabsorption and B12/folate co-deficiency; consider IV iron.",
                {"iron_start": start.isoformat(), "day": day, "baseline_hb_g_l": baseline.value, "hb_g_l": later.value,
                 "rise_g_l": rise, "expected_rise_g_l": expected, "hb_normal_g_l": f.hb_normal,
                 **_labs_facts(baseline, later)},
                f"enrollment:{course.enrollment.pk}:baseline:{baseline.id}:hb:{later.id}", course.enrollment,
            )


def b12_response(f: PatientFacts, course: Course) -> Iterator[Finding]:
    first = course.b12_first_given
    if first is None:
        return
    retic = f.in_days_after(("retic", "retic-abs"), first, *B12_RETIC_DAYS)
    if retic is not None:
        baseline = f.baseline(retic.code, course.b12_start or first, until=first)
        if baseline is not None and retic.value <= baseline.value:
            day = (retic.on - first).days
            yield Finding(
                "b12-no-reticulocyte-response", Severity.HIGH,
                f"Reticulocytes {_fmt(retic.value)} {retic.unit} on day {day} after the first B12 dose ({first}) are "
                f"not above baseline ({_fmt(baseline.value)} {baseline.unit}). Check folate and iron; refer.",
                {"first_dose_given": first.isoformat(), "first_dose_recorded": course.b12_first_recorded, "day": day,
                 "baseline": baseline.value, "value": retic.value, "unit": retic.unit, **_labs_facts(baseline, retic)},
                f"enrollment:{course.enrollment.pk}:baseline:{baseline.id}:retic:{retic.id}", course.enrollment,
            )
    hb = f.in_days_after(("hb",), first, *B12_HB_8W_DAYS)
    if hb is not None and hb.value < f.hb_normal:
        day = (hb.on - first).days
        yield Finding(
            "b12-hb-not-normal-8w", Severity.WARNING,
            f"Hb {_fmt(hb.value)} g/L {day} days ({day // 7} weeks) after the first B12 dose is still below normal "
            f"({_fmt(f.hb_normal)}). Check ferritin: iron deficiency may be unmasked.",
            {"first_dose_given": first.isoformat(), "first_dose_recorded": course.b12_first_recorded, "day": day,
             "hb_g_l": hb.value, "hb_normal_g_l": f.hb_normal, **_labs_facts(hb)},
            f"enrollment:{course.enrollment.pk}:hb:{hb.id}", course.enrollment,
        )


def hb_fell_in_follow_up(f: PatientFacts, course: Course) -> Iterator[Finding]:
    start = course.follow_up_start
    if start is None:
        return
    hb = f.latest("hb", since=start)
    if hb is not None and hb.value < f.hb_normal:
        yield Finding(
            "hb-fell-in-follow-up", Severity.HIGH,
            f"Hb {_fmt(hb.value)} g/L on {hb.on} is below normal ({_fmt(f.hb_normal)}) during iron follow-up "
            f"(since {start}). Restart iron and re-investigate.",
            {"follow_up_start": start.isoformat(), "hb_g_l": hb.value, "hb_normal_g_l": f.hb_normal, **_labs_facts(hb)},
            f"enrollment:{course.enrollment.pk}:hb:{hb.id}", course.enrollment,
        )


def check_b12_age_60(f: PatientFacts) -> Iterator[Finding]:
    age = f.patient.age_on(f.today)
    if age < f.threshold("check_b12_age_years"):
        return
    deficiency = f.iron_deficiency()
    if not deficiency:
        return
    days = int(f.threshold("b12_recent_result_days"))
    since = f.today - timedelta(days=days)
    if f.latest("b12", since=since) is not None:
        return
    shown = ", ".join(f"{lab.code} {_fmt(lab.value)} {lab.unit} on {lab.on}" for lab in deficiency)
    yield Finding(
        "check-b12-age-60", Severity.WARNING,
        f"Aged {age} with iron deficiency ({shown}) and no B12 result since {since}. Measure B12 "
        "(at 60 and over, B12 deficiency often accompanies iron deficiency).",
        {"age": age, "no_b12_result_since": since.isoformat(), **_labs_facts(*deficiency)},
        "iron:" + ",".join(str(lab.id) for lab in deficiency),
    )


def mcv_unreliable(f: PatientFacts) -> Iterator[Finding]:
    b12 = f.b12_deficiency()
    iron = f.iron_deficiency()
    if b12 is None or not iron:
        return
    if abs((b12.on - iron[0].on).days) > int(f.threshold("deficiencies_concurrent_days")):
        return
    yield Finding(
        "mcv-unreliable", Severity.INFO,
        f"Iron deficiency ({iron[0].code} {_fmt(iron[0].value)} {iron[0].unit}) and B12 deficiency "
        f"(B12 {_fmt(b12.value)} {b12.unit}) are both present: MCV may look normal; do not rely on it.",
        _labs_facts(b12, *iron),
        f"b12:{b12.id}:iron:" + ",".join(str(lab.id) for lab in iron),
    )


PATIENT_RULES = (check_b12_age_60, mcv_unreliable)
COURSE_RULES = (iron_response, b12_response, hb_fell_in_follow_up)


def lab_findings(f: PatientFacts) -> Iterator[Finding]:
    for rule in PATIENT_RULES:
        yield from rule(f)
    if not f.labs:
        return
    for course in f.courses:
        for rule in COURSE_RULES:
            yield from rule(f, course)


# -- dose rules ----------------------------------------------------------------------------------


def _dose_missed(event: ScheduledEvent, today: date, administration: Administration | None = None) -> Finding:
    if administration is not None:
        what = f"was recorded missed on {administration.occurred_on}"
        facts = {"outcome": "missed", "administration_ids": [administration.pk]}
    else:
        days = (today - event.window_end).days
        what = f"is {days} day{'s' if days != 1 else ''} overdue with nothing recorded"
        facts = {"overdue_days": days}
    return Finding(
        "dose-missed", Severity.WARNING,
        f"Loading dose {event.sequence} ({event.code}) due {event.due_date} {what}. Contact the patient.",
        {"event": event.pk, "phase": event.phase, "dose": event.sequence, "due_date": event.due_date.isoformat(), **facts},
        f"event:{event.pk}", event.enrollment, once_while_active=False,
    )


def _maintenance_overdue(event: ScheduledEvent, today: date, limit: int) -> Finding:
    days = (today - event.due_date).days
    return Finding(
        "maintenance-overdue", Severity.WARNING,
        f"Maintenance dose ({event.code}) due {event.due_date} is {days} days overdue (more than {limit}). "
        "Contact the patient.",
        {"event": event.pk, "due_date": event.due_date.isoformat(), "overdue_days": days, "limit_days": limit},
        f"event:{event.pk}", event.enrollment, once_while_active=False,
    )


def _low_adherence(enrollment, since: date, until: date, given: int, planned: int, target: float) -> Finding:
    pct = 100 * given / planned
    return Finding(
        "iron-low-adherence", Severity.WARNING,
        f"Oral iron confirmed on {given} of {planned} planned doses ({pct:.0f}%) from {since} to {until}, "
        f"below {_fmt(target)}%. Have an adherence conversation.",
        {"from": since.isoformat(), "to": until.isoformat(), "confirmed": given, "planned": planned,
         "percent": round(pct, 1), "target_percent": target},
        f"enrollment:{enrollment.pk}:from:{since}", enrollment,
    )


# -- raising -------------------------------------------------------------------------------------


def _active_codes(patient: Patient) -> set[tuple[str, int | None]]:
    return set(Alert.objects.filter(patient=patient, status__in=ACTIVE).values_list("code", "enrollment_id"))


def raise_findings(patient: Patient, findings: list[Finding]) -> list[Alert]:
    if not findings:
        return []
    active = _active_codes(patient)
    opened = []
    for finding in findings:
        scope = (finding.code, getattr(finding.enrollment, "pk", None))
        if finding.once_while_active and scope in active:
            continue
        alert, created = alert_raise(
            patient=patient, code=finding.code, severity=finding.severity, message=finding.message,
            facts=finding.facts, fingerprint=finding.fingerprint, enrollment=finding.enrollment,
        )
        if created:
            active.add(scope)
            opened.append(alert)
    return opened


def resolve_for_record(record) -> int:
    """Resolve the unresolved alerts a record raised, now that it is marked entered-in-error."""
    key = "lab_result_ids" if isinstance(record, LabResult) else "administration_ids"
    resolved = 0
    for alert in Alert.objects.filter(patient_id=record.patient_id, status__in=ACTIVE):
        if record.pk in (alert.facts or {}).get(key, []):
            alert_resolve(alert=alert, actor=None, note=f"Resolved automatically: the {record._meta.verbose_name} "
                                                        f"that raised it was marked entered-in-error.")
            resolved += 1
    return resolved


# -- resolution when the condition no longer holds ------------------------------------------------

#: Rule codes whose condition the system re-checks on new data, resolving the alert when it no longer holds.
#: The response rules (iron-*-response, b12-*) and hb-fell-in-follow-up describe a result at a moment: a later
#: result does not make them untrue, so staff resolve them. iron-low-adherence covers 28 days already past.
AUTO_RESOLVED = ("check-b12-age-60", "mcv-unreliable", "folate-without-b12", "dose-missed", "maintenance-overdue")
SYSTEM_NOTE = "Resolved by the system: "


def _lab_words(lab: Lab) -> str:
    return f"{lab.code} {_fmt(lab.value)} {lab.unit} collected {lab.on}"


def _no_longer_holds(alert: Alert, f: PatientFacts, events: dict[int, ScheduledEvent]) -> str | None:
    """Why the alert's condition no longer holds, or None while it still does."""
    if alert.code == "check-b12-age-60":
        if list(check_b12_age_60(f)):
            return None
        days = int(f.threshold("b12_recent_result_days"))
        b12 = f.latest("b12", since=f.today - timedelta(days=days))
        if b12 is not None:
            return f"a B12 result was filed ({_lab_words(b12)})."
        if not f.iron_deficiency():
            return "the latest iron results no longer show iron deficiency."
        return None  # e.g. the age threshold was raised: staff decide
    if alert.code == "mcv-unreliable":
        if list(mcv_unreliable(f)):
            return None
        b12 = f.latest("b12")
        if f.b12_deficiency() is None and b12 is not None:
            return f"the latest B12 result is no longer deficient ({_lab_words(b12)})."
        if not f.iron_deficiency():
            return "the latest iron results no longer show iron deficiency."
        return None
    if alert.code == "folate-without-b12":
        threshold = f.threshold("b12_deficient_ng_l")
        since = f.today - timedelta(days=92)
        b12 = [lab for lab in f.of("b12") if lab.on >= since and lab.value >= threshold]
        if b12:
            return f"a B12 result in range was filed ({_lab_words(b12[-1])})."
        on_b12 = [c.enrollment for c in f.courses if "b12" in c.enrollment.definition.arms]
        if on_b12:
            return f"the patient is on B12 treatment ({on_b12[0].protocol_version.protocol.name})."
        return None
    if alert.code in ("dose-missed", "maintenance-overdue"):
        facts = alert.facts or {}
        event = events.get(facts.get("event"))
        if event is None:
            return None
        if event.status in (EventStatus.GIVEN, EventStatus.DONE):
            return f"the dose due {event.due_date} was recorded given."
        if event.status == EventStatus.CANCELLED:
            return f"the dose due {event.due_date} was cancelled (the plan changed or the enrollment was stopped)."
    return None


def resolve_no_longer_holding(f: PatientFacts) -> int:
    """Resolve the patient's open or acknowledged alerts whose condition the new data has made untrue."""
    alerts = list(Alert.objects.filter(patient=f.patient, status__in=ACTIVE, code__in=AUTO_RESOLVED))
    if not alerts:
        return 0
    event_ids = [a.facts.get("event") for a in alerts if isinstance(a.facts, dict) and isinstance(a.facts.get("event"), int)]
    events = ScheduledEvent.objects.in_bulk(event_ids) if event_ids else {}
    resolved = 0
    for alert in alerts:
        why = _no_longer_holds(alert, f, events)
        if why:
            alert_resolve(alert=alert, actor=None, note=SYSTEM_NOTE + why)
            resolved += 1
    return resolved


def evaluate_patient(patient: Patient, *, record=None, today: date | None = None) -> list[Alert]:
    """Run the rules that react to recorded facts, and resolve the alerts that no longer hold.

    Safe to run any number of times."""
    if record is not None and record.entered_in_error:
        resolve_for_record(record)
    facts = PatientFacts.load(patient, today)
    findings = list(lab_findings(facts))
    if isinstance(record, Administration) and not record.entered_in_error and record.outcome == "missed":
        event = record.event
        if event.kind == EventKind.DOSE and event.phase == "loading" and event.setting == "clinic":
            findings.append(_dose_missed(event, facts.today, record))
    resolve_no_longer_holding(facts)
    return raise_findings(patient, findings)


# -- the periodic sweep --------------------------------------------------------------------------


def _raise_new(clinic, code: str, findings: list[tuple[Patient, Finding]]) -> int:
    opened = 0
    for start in range(0, len(findings), BATCH_SIZE):
        batch = findings[start:start + BATCH_SIZE]
        seen = set(Alert.objects.filter(clinic=clinic, code=code, fingerprint__in=[f.fingerprint for _, f in batch])
                   .values_list("patient_id", "fingerprint"))
        for patient, finding in batch:
            if (patient.pk, finding.fingerprint) not in seen:
                opened += len(raise_findings(patient, [finding]))
    return opened


def _clinic_events(clinic):
    return (ScheduledEvent.objects.filter(clinic=clinic, kind=EventKind.DOSE, enrollment__status=EnrollmentStatus.ACTIVE)
            .select_related("patient__clinic", "enrollment"))


def sweep_dose_missed(clinic, today: date) -> int:
    late_by = int(clinic.threshold("dose_missed_overdue_days"))
    events = _clinic_events(clinic).filter(phase="loading", setting="clinic").filter(
        Q(status=EventStatus.PLANNED, window_end__lte=today - timedelta(days=late_by))
        | Q(status=EventStatus.MISSED, due_date__gte=today - timedelta(days=MISSED_LOOKBACK_DAYS))
    )
    findings = []
    for event in events.order_by("id"):
        record = None
        if event.status == EventStatus.MISSED:
            record = event.administrations.filter(entered_in_error=False).first()
        findings.append((event.patient, _dose_missed(event, today, record)))
    return _raise_new(clinic, "dose-missed", findings)


def sweep_maintenance_overdue(clinic, today: date) -> int:
    limit = int(clinic.threshold("maintenance_overdue_days"))
    events = _clinic_events(clinic).filter(phase="maintenance", setting="clinic", status=EventStatus.PLANNED,
                                           due_date__lt=today - timedelta(days=limit))
    findings = [(e.patient, _maintenance_overdue(e, today, limit)) for e in events.order_by("id")]
    return _raise_new(clinic, "maintenance-overdue", findings)


def sweep_iron_low_adherence(clinic, today: date) -> int:
    target = clinic.threshold("iron_low_adherence_pct")
    minimum = clinic.threshold("iron_adherence_min_planned_doses")
    since, until = today - timedelta(days=ADHERENCE_DAYS), today - timedelta(days=1)
    rows = (
        _clinic_events(clinic).filter(arm="iron", setting="home", due_date__range=(since, until),
                                      status__in=(EventStatus.PLANNED, *RECORDED))
        .order_by().values("enrollment_id")
        .annotate(planned=Count("id"), given=Count("id", filter=Q(status=EventStatus.GIVEN)))
    )
    low = {r["enrollment_id"]: r for r in rows if r["planned"] >= minimum and 100 * r["given"] < target * r["planned"]}
    if not low:
        return 0
    last = {}
    for alert in Alert.objects.filter(clinic=clinic, code="iron-low-adherence", enrollment_id__in=low).order_by("created_at"):
        last[alert.enrollment_id] = alert
    findings = []
    enrollments = clinic.enrollments.filter(pk__in=low).select_related("patient__clinic")
    for enrollment in enrollments:
        previous = last.get(enrollment.pk)
        if previous is not None and (previous.status != AlertStatus.RESOLVED or previous.resolved_at.date() >= since):
            continue  # still active, or its 28 days overlap the doses already discussed
        row = low[enrollment.pk]
        findings.append((enrollment.patient, _low_adherence(enrollment, since, until, row["given"], row["planned"], target)))
    return _raise_new(clinic, "iron-low-adherence", findings)


def sweep_check_b12(clinic, today: date) -> int:
    """`check-b12-age-60` can start to hold with time: a birthday, or the last B12 result growing old."""
    age = int(clinic.threshold("check_b12_age_years"))
    try:
        born_by = today.replace(year=today.year - age)
    except ValueError:  # 29 February
        born_by = today.replace(year=today.year - age, day=28)
    recent = timezone.now() - timedelta(days=365)
    low_iron = Q(code="ferritin", normalized_value__lt=clinic.threshold("ferritin_deficient_with_crp_ug_l")) | Q(
        code="tsat", normalized_value__lt=clinic.threshold("tsat_deficient_pct"))
    patient_ids = set(
        LabResult.objects.filter(low_iron, clinic=clinic, entered_in_error=False, collected_at__gte=recent,
                                 patient__date_of_birth__lte=born_by).values_list("patient_id", flat=True)
    )
    opened = 0
    for patient in Patient.objects.filter(pk__in=patient_ids).select_related("clinic").order_by("pk"):
        facts = PatientFacts.load(patient, today)
        opened += len(raise_findings(patient, list(check_b12_age_60(facts))))
    return opened


def sweep_clinic(clinic, today: date | None = None) -> dict[str, int]:
    """Open the alerts that time has made due in one clinic; returns how many of each opened."""
    today = today or timezone.now().astimezone(clinic.zone).date()
    counts = {}
    for code, sweep in (("dose-missed", sweep_dose_missed), ("maintenance-overdue", sweep_maintenance_overdue),
                        ("iron-low-adherence", sweep_iron_low_adherence), ("check-b12-age-60", sweep_check_b12)):
        with transaction.atomic():
            counts[code] = sweep(clinic, today)
    return counts

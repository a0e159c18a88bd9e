"""The planner: a protocol + what actually happened -> dated events. Pure Python, no Django.

The plan is a function of its inputs only. `today` decides nothing but whether an unrecorded
event whose window has closed is shown as overdue.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta

from .calendar import ClinicCalendar, add_months, add_period, local_instant, parse_weekdays
from .definition import PANELS, Monitoring, Phase, ProtocolDefinition

#: Baseline results up to this many days before the start date still count as baseline.
BASELINE_LOOKBACK_DAYS = 28
#: How long an event key may be: '<phase>#<n>' or '<monitoring key>#<n>'.
KEY_SEPARATOR = "#"


class PlanTooLong(ValueError):
    """A plan that would never stop, or runs to more doses than any course has."""


@dataclass(frozen=True)
class Outcome:
    """A recorded outcome of a dose event, on the local date it happened."""

    status: str  # given, missed, declined
    on: date


@dataclass(frozen=True)
class LabValue:
    code: str  # lab code of the clinical spec ('hb', 'ferritin', ...)
    collected_on: date
    value: float  # in the canonical unit


@dataclass(frozen=True)
class PlanOptions:
    maintenance_interval_months: int | None = None  # overrides the definition (2 or 3)
    dose_time: time = time(8, 0)  # the patient's preferred local time for home doses
    hb_normal_g_l: float = 120.0  # the patient's lower limit of normal Hb
    dose_code: str | None = None  # the iron product chosen for this enrollment
    dose_mg: float | None = None


@dataclass(frozen=True)
class PlanInput:
    protocol: ProtocolDefinition
    start_date: date
    calendar: ClinicCalendar
    patient_timezone: str
    horizon: date
    outcomes: Mapping[str, Outcome] = field(default_factory=dict)
    labs: Sequence[LabValue] = ()
    phase_ends: Mapping[str, date] = field(default_factory=dict)
    options: PlanOptions = PlanOptions()
    today: date | None = None


@dataclass(frozen=True)
class PlannedEvent:
    key: str
    kind: str  # dose, lab, review
    code: str
    phase: str
    arm: str
    sequence: int
    due_date: date
    due_at: datetime | None
    window_start: date
    window_end: date
    status: str  # planned, overdue, given, missed, declined, done
    setting: str = ""  # clinic or home, for doses
    dose_mg: float | None = None
    route: str = ""
    tests: tuple[str, ...] = ()
    late: bool = False
    provisional: bool = False  # depends on something that has not happened yet


@dataclass(frozen=True)
class PhaseSpan:
    slug: str
    arm: str
    start: date | None
    end: date | None  # last day of the phase, None while open-ended or not yet known
    last_dose: date | None
    ended: bool  # the end has actually happened (not just planned)
    first_given: date | None = None


@dataclass(frozen=True)
class Plan:
    events: tuple[PlannedEvent, ...]
    phases: tuple[PhaseSpan, ...]

    def of_phase(self, slug: str, kind: str = "dose") -> list[PlannedEvent]:
        return [e for e in self.events if e.phase == slug and e.kind == kind]

    def span(self, slug: str) -> PhaseSpan:
        return next(s for s in self.phases if s.slug == slug)


def event_key(prefix: str, n: int) -> str:
    return f"{prefix}{KEY_SEPARATOR}{n}"


def _next_weekday(day: date, weekdays: frozenset[int]) -> date:
    """The first of `weekdays` on or after `day`, whatever the clinic's opening (doses at home)."""
    return day + timedelta(days=min((w - day.weekday()) % 7 for w in weekdays))


class _Planner:
    def __init__(self, data: PlanInput):
        self.data = data
        self.cal = data.calendar
        self.spans: dict[str, PhaseSpan] = {}
        self.provisional_start: dict[str, bool] = {}  # the phase's start depends on the future
        self.events: list[PlannedEvent] = []

    # -- doses -----------------------------------------------------------------------------

    def plan(self) -> Plan:
        for phase in self.data.protocol.phases:
            self.plan_phase(phase)
        for rule in self.data.protocol.monitoring:
            self.plan_monitoring(rule)
        events = sorted(self.events, key=lambda e: (e.due_date, e.kind != "dose", e.phase, e.sequence))
        if self.data.today is not None:
            events = [self._with_overdue(e) for e in events]
        return Plan(tuple(events), tuple(self.spans.values()))

    def _with_overdue(self, event: PlannedEvent) -> PlannedEvent:
        if event.status == "planned" and event.window_end < self.data.today:
            return replace(event, status="overdue")
        return event

    def phase_start(self, phase: Phase) -> tuple[date | None, bool]:
        """The phase's anchor date and whether it is still provisional."""
        rel = phase.start
        if rel.type == "enrollment-start":
            return self.data.start_date + timedelta(days=rel.offset_days), False
        target = self.spans.get(rel.target)
        if target is None or target.start is None:
            return None, True
        if rel.type == "after-start":
            return target.start + timedelta(days=rel.offset_days), self.provisional_start[rel.target]
        if target.end is None:
            return None, True
        base = target.end if rel.type == "after-end" else (target.last_dose or target.end)
        return base + timedelta(days=rel.offset_days), not target.ended

    def plan_phase(self, phase: Phase) -> None:
        start, provisional = self.phase_start(phase)
        self.provisional_start[phase.slug] = provisional
        if start is None:
            self.spans[phase.slug] = PhaseSpan(phase.slug, phase.arm, None, None, None, False)
            return
        clinician_end = self.data.phase_ends.get(phase.slug) if phase.clinician_can_end else None
        # `stop` is the first day with no more treatment: the clinician's end day is still in it.
        stops = [d for d in (clinician_end and clinician_end + timedelta(days=1), self.rule_end(phase, start)) if d]
        stop = min(stops, default=None)

        doses = self.plan_doses(phase, start, stop, provisional) if phase.dose else []
        self.events.extend(doses)
        given = [e.due_date for e in doses if e.status == "given"]
        if phase.end.type == "count" and stop is None:
            end = doses[-1].due_date if doses else None
            ended = len(given) >= phase.dose.timing.count
            last_dose = end
        elif stop is not None:
            end = stop - timedelta(days=1)
            ended = not provisional
            if clinician_end is not None and end == clinician_end:
                last_dose = given[-1] if given else clinician_end
            else:
                last_dose = max((e.due_date for e in doses if e.status in ("given", "planned")), default=None)
        else:
            end, ended, last_dose = None, False, None
        first_given = given[0] if given else None
        self.spans[phase.slug] = PhaseSpan(phase.slug, phase.arm, start, end, last_dose, ended, first_given)
        if phase.review_every_days:
            self.plan_phase_reviews(phase, start, end)

    def rule_end(self, phase: Phase, start: date) -> date | None:
        """The day after the last day of treatment under the phase's own end rule."""
        if phase.end.type == "duration":
            d = phase.dose.timing.duration
            return add_period(start, d.value, d.unit)
        if phase.end.type == "after-normal-hb":
            normal = sorted(
                lab.collected_on
                for lab in self.data.labs
                if lab.code == "hb" and lab.collected_on >= start and lab.value >= self.data.options.hb_normal_g_l
            )
            return add_months(normal[0], phase.end.months) if normal else None
        return None

    def plan_doses(self, phase: Phase, start: date, stop: date | None, provisional: bool) -> list[PlannedEvent]:
        rule = phase.dose
        timing = rule.timing
        opts = self.data.options
        every = timing.every
        if every is not None and phase.slug == "maintenance" and opts.maintenance_interval_months:
            every = replace(every, value=opts.maintenance_interval_months, unit="month")
        in_clinic = rule.setting == "clinic"
        if timing.pattern == "weekdays":
            days = (
                self.cal.injection_weekdays if timing.weekdays == "clinic" else parse_weekdays(timing.weekdays)
            )
            weekday_cal = replace(self.cal, injection_weekdays=frozenset(days))
        code = opts.dose_code if (opts.dose_code and rule.setting == "home" and phase.arm == "iron") else rule.code
        dose_mg = opts.dose_mg if (opts.dose_mg and code == opts.dose_code) else rule.dose_mg

        events: list[PlannedEvent] = []
        prev: PlannedEvent | None = None
        counted = 0
        n = 0
        while True:
            if timing.count is not None and counted >= timing.count:
                break
            n += 1
            key = event_key(phase.slug, n)
            outcome = self.data.outcomes.get(key)
            if timing.pattern == "weekdays":
                after = start if prev is None else prev.due_date + timedelta(days=1)
                due = weekday_cal.next_injection_day(after) if in_clinic else _next_weekday(after, days)
            else:
                if prev is None:
                    due = start if timing.first == "on-start" else add_period(start, every.value, every.unit)
                elif prev.status in ("missed", "declined"):
                    due = prev.due_date + timedelta(days=1)
                else:
                    due = add_period(prev.due_date, every.value, every.unit)
                if in_clinic:
                    due = self.cal.next_open_day(due)
            if outcome is None:
                if stop is not None and due >= stop:
                    break
                if timing.count is None and due > self.data.horizon:
                    break
            status = outcome.status if outcome else "planned"
            on = outcome.on if outcome else due
            window_start = due - timedelta(days=rule.window_before_days)
            window_end = due + timedelta(days=rule.window_after_days)
            due_at = None
            if timing.time_of_day is not None:
                at = opts.dose_time if timing.time_of_day == "patient" else time.fromisoformat(timing.time_of_day)
                due_at = local_instant(due if outcome is None else on, at, self.data.patient_timezone)
            event = PlannedEvent(
                key=key,
                kind="dose",
                code=code,
                phase=phase.slug,
                arm=phase.arm,
                sequence=n,
                due_date=on if outcome else due,
                due_at=due_at,
                window_start=window_start,
                window_end=window_end,
                status=status,
                setting=rule.setting,
                dose_mg=dose_mg,
                route=rule.route,
                late=bool(outcome and status == "given" and on > window_end),
                provisional=provisional and outcome is None,
            )
            if status in ("given", "planned"):
                counted += 1
            events.append(event)
            prev = event
            if n > 5000:  # a guard against a definition that would never stop
                raise PlanTooLong(f"phase {phase.slug} plans more than 5000 doses; check its timing")
        return events

    def plan_phase_reviews(self, phase: Phase, start: date, end: date | None) -> None:
        n = 0
        day = start
        while True:
            day = day + timedelta(days=phase.review_every_days)
            if day > self.data.horizon or (end is not None and day > end):
                break
            n += 1
            self._add_monitoring_event(
                key=event_key(f"{phase.slug}-review", n),
                kind="review",
                code="review",
                phase=phase,
                n=n,
                due=day,
                window=(day, day),
                tests=(),
                provisional=False,
            )

    # -- monitoring ------------------------------------------------------------------------

    def anchor(self, rule: Monitoring) -> tuple[date | None, bool]:
        span = self.spans.get(rule.phase)
        if span is None or span.start is None:
            return None, True
        if rule.anchor == "enrollment-start":
            return self.data.start_date, False
        if rule.anchor == "phase-start":
            return span.start, self.provisional_start[rule.phase]
        if rule.anchor == "phase-end":
            return span.end, not span.ended
        doses = [e for e in self.events if e.phase == rule.phase and e.kind == "dose" and e.status in ("given", "planned")]
        if not doses:
            return None, True
        return doses[0].due_date, doses[0].status != "given"

    def baseline_hb(self) -> float | None:
        """The latest Hb collected from 4 weeks before the start up to the first dose."""
        first = min((e.due_date for e in self.events if e.kind == "dose" and e.status in ("given", "planned")), default=None)
        until = first or self.data.start_date
        since = self.data.start_date - timedelta(days=BASELINE_LOOKBACK_DAYS)
        values = sorted((lab.collected_on, lab.value) for lab in self.data.labs if lab.code == "hb" and since <= lab.collected_on <= until)
        return values[-1][1] if values else None

    def condition_holds(self, condition: dict | None) -> bool:
        if not condition:
            return True
        if condition.get("lab") == "hb" and condition.get("at") == "baseline":
            value = self.baseline_hb()
            return value is not None and value < float(condition["below"])
        raise ValueError(f"unknown monitoring condition {condition!r}")

    def plan_monitoring(self, rule: Monitoring) -> None:
        base, provisional = self.anchor(rule)
        if base is None or not self.condition_holds(rule.condition):
            return
        if rule.repeat_every is not None and rule.repeat_every.unit != rule.offset.unit:
            raise ValueError(f"monitoring {rule.key}: repeat and offset must use the same unit")
        phase = self.data.protocol.phase(rule.phase)
        first_dose = min(
            (e.due_date for e in self.events if e.kind == "dose" and e.status in ("given", "planned")),
            default=None,
        )
        n = 0
        while n == 0 or (rule.repeat_every is not None and (rule.repeat_count is None or n < rule.repeat_count)):
            step = rule.repeat_every.value * n if rule.repeat_every else 0

            def shifted(period, step=step):
                return add_period(base, period.value + step, period.unit)

            due = shifted(rule.offset)
            if due > self.data.horizon:
                break
            window_start = shifted(rule.window_start) if rule.window_start else due
            window_end = shifted(rule.window_end) if rule.window_end else due
            if rule.window_before_days is not None:
                window_start = due - timedelta(days=rule.window_before_days)
            if rule.window_after_days is not None:
                window_end = due + timedelta(days=rule.window_after_days)
            if rule.window_to_first_dose and first_dose is not None:
                window_end = max(due, first_dose)
            n += 1
            self._add_monitoring_event(
                key=event_key(rule.key, n),
                kind=rule.kind,
                code=rule.code,
                phase=phase,
                n=n,
                due=due,
                window=(window_start, window_end),
                tests=rule.tests,
                provisional=provisional,
                lookback=BASELINE_LOOKBACK_DAYS if rule.window_to_first_dose else 0,
            )

    def _add_monitoring_event(self, *, key, kind, code, phase, n, due, window, tests, provisional, lookback=0):
        if kind == "review":
            # A clinician review is an appointment: it falls on a day the clinic is open.
            due = self.cal.next_open_day(due)
            window = (due, max(due, window[1]))
        status = "planned"
        if kind == "lab" and tests and self._labs_done(tests, window[0] - timedelta(days=lookback), window[1]):
            status = "done"
        self.events.append(
            PlannedEvent(
                key=key,
                kind=kind,
                code=code,
                phase=phase.slug,
                arm=phase.arm,
                sequence=n,
                due_date=due,
                due_at=None,
                window_start=window[0],
                window_end=window[1],
                status=status,
                tests=tuple(tests),
                provisional=provisional,
            )
        )

    def _labs_done(self, tests: Sequence[str], since: date, until: date) -> bool:
        codes = {lab.code for lab in self.data.labs if since <= lab.collected_on <= until}
        return all(any(c in codes for c in PANELS[t]) for t in tests)


def plan(data: PlanInput) -> Plan:
    """Every dated event of an enrollment, from its protocol and what has been recorded."""
    return _Planner(data).plan()

"""The clinical facts the alert rules read: a patient's valid lab results and treatment courses.

Loaded once per evaluation (a few queries), then the rules are plain Python over these values.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cached_property

from patients.models import Enrollment, EnrollmentStatus, LabResult, Patient
from patients.services.schedule import enrollment_plan
from protocols.engine.plan import BASELINE_LOOKBACK_DAYS

#: Two results count as one picture of the patient (e.g. ferritin and CRP) when collected this close.
SAME_SAMPLE_DAYS = 7


@dataclass(frozen=True)
class Lab:
    id: int
    code: str
    on: date  # the local date it was collected, in the patient's time zone
    value: float  # in the canonical unit
    unit: str

    def fact(self) -> dict:
        return {"id": self.id, "test": self.code, "value": self.value, "unit": self.unit, "collected_on": self.on.isoformat()}


@dataclass(frozen=True)
class Course:
    """One active enrollment's anchors, from its plan."""

    enrollment: Enrollment
    iron_start: date | None = None  # the day oral iron actually started
    follow_up_start: date | None = None  # the first day of iron follow-up, once treatment has an end
    b12_start: date | None = None  # the enrollment's start, when it has B12 loading
    b12_first_given: date | None = None  # the first B12 loading dose given (or due, while nothing is recorded)
    b12_first_recorded: bool = True  # False: b12_first_given is the planned day of a dose not yet recorded


def _started(definition, plan, slug: str) -> date | None:
    """The phase's start if it has really started (not provisional on a phase still running)."""
    span = next((s for s in plan.phases if s.slug == slug), None)
    if span is None or span.start is None:
        return None
    relation = definition.phase(slug).start
    if relation.type in ("after-end", "continues"):
        target = next((s for s in plan.phases if s.slug == relation.target), None)
        if target is None or not target.ended:
            return None
    return span.start


def course_of(enrollment: Enrollment, today: date) -> Course:
    definition = enrollment.definition
    plan = enrollment_plan(enrollment, today)
    iron_start = follow_up = b12_start = b12_first = None
    recorded = True
    for phase in definition.phases:
        if phase.arm == "iron" and phase.dose is not None and phase.dose.setting == "home":
            iron_start = _started(definition, plan, phase.slug)
        elif phase.arm == "iron" and phase.dose is None:
            follow_up = _started(definition, plan, phase.slug)
        elif phase.arm == "b12" and phase.slug == "loading":
            span = plan.span(phase.slug)
            b12_start, b12_first = span.start, span.first_given
            if b12_first is None:  # nothing recorded yet: count from the first dose's planned day once it has passed
                planned = [e.due_date for e in plan.of_phase(phase.slug)
                           if e.status in ("planned", "overdue") and e.due_date <= today]
                b12_first, recorded = (min(planned) if planned else None), False
    return Course(enrollment, iron_start, follow_up, b12_start, b12_first, recorded)


@dataclass
class PatientFacts:
    patient: Patient
    today: date
    labs: list[Lab] = field(default_factory=list)

    @classmethod
    def load(cls, patient: Patient, today: date | None = None) -> PatientFacts:
        today = today or patient.local_today()
        zone = patient.zone
        rows = LabResult.objects.filter(patient=patient, entered_in_error=False).order_by("collected_at", "id")
        labs = [
            Lab(r.id, r.code, r.collected_at.astimezone(zone).date(), float(r.normalized_value), r.normalized_unit)
            for r in rows.only("id", "code", "collected_at", "normalized_value", "normalized_unit")
        ]
        return cls(patient, today, labs)

    @cached_property
    def courses(self) -> list[Course]:
        enrollments = (
            Enrollment.objects.filter(patient=self.patient, status=EnrollmentStatus.ACTIVE)
            .select_related("clinic", "patient__clinic", "protocol_version__protocol")
            .order_by("start_date", "id")
        )
        return [course_of(e, self.today) for e in enrollments]

    def threshold(self, name: str) -> float:
        return self.patient.clinic.threshold(name)

    @cached_property
    def hb_normal(self) -> float:
        return self.patient.hb_normal_g_l()

    def of(self, *codes: str) -> list[Lab]:
        return [lab for lab in self.labs if lab.code in codes]

    def latest(self, *codes: str, since: date | None = None, until: date | None = None) -> Lab | None:
        found = [lab for lab in self.of(*codes) if (since is None or lab.on >= since) and (until is None or lab.on <= until)]
        return found[-1] if found else None

    def baseline(self, code: str, start: date, until: date | None = None) -> Lab | None:
        """The latest result from 4 weeks before the start up to `until` (the first dose), as the engine does."""
        return self.latest(code, since=start - timedelta(days=BASELINE_LOOKBACK_DAYS), until=until or start)

    def in_days_after(self, codes: tuple[str, ...], anchor: date, first: int, last: int) -> Lab | None:
        """The latest result collected `first`..`last` days (inclusive) after `anchor`."""
        return self.latest(*codes, since=anchor + timedelta(days=first), until=anchor + timedelta(days=last))

    def iron_deficiency(self) -> list[Lab] | None:
        """The results showing iron deficiency now (PROTOCOLS.md section 3), or None.

        Ferritin below the deficient level; or below the inflammation level with a raised CRP from
        the same sample; or a low transferrin saturation not contradicted by a replete ferritin.
        """
        ferritin = self.latest("ferritin")
        if ferritin is not None:
            if ferritin.value < self.threshold("ferritin_deficient_ug_l"):
                return [ferritin]
            if ferritin.value < self.threshold("ferritin_deficient_with_crp_ug_l"):
                crp = self._near(ferritin, "crp")
                if crp is not None and crp.value > self.threshold("crp_raised_mg_l"):
                    return [ferritin, crp]
        tsat = self.latest("tsat")
        if tsat is not None and tsat.value < self.threshold("tsat_deficient_pct"):
            replete = ferritin is not None and ferritin.value >= self.threshold("ferritin_deficient_with_crp_ug_l")
            if not (replete and ferritin.on >= tsat.on - timedelta(days=SAME_SAMPLE_DAYS)):
                return [tsat]
        return None

    def b12_deficiency(self) -> Lab | None:
        b12 = self.latest("b12")
        if b12 is not None and b12.value < self.threshold("b12_deficient_ng_l"):
            return b12
        return None

    def _near(self, lab: Lab, code: str) -> Lab | None:
        close = [x for x in self.of(code) if abs((x.on - lab.on).days) <= SAME_SAMPLE_DAYS]
        return min(close, key=lambda x: (abs((x.on - lab.on).days), -x.id)) if close else None

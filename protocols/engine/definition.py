"""Protocol definitions as plain data (in the spirit of FHIR PlanDefinition and Timing).

A definition is parsed from the JSON a clinic can read and version (see protocols/builtin/).
Parsing validates it: a bad definition raises `DefinitionError` naming what is wrong.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time
from typing import Any

PERIOD_UNITS = ("day", "week", "month", "year")
RELATIONS = ("enrollment-start", "after-start", "after-end", "continues")
END_RULES = ("count", "clinician", "never", "duration", "after-normal-hb")
ANCHORS = ("enrollment-start", "phase-start", "first-given-dose", "phase-end")
ROUTES = ("IM", "SC", "oral")
#: A lab event's panels and the lab codes whose results complete each panel.
PANELS: dict[str, tuple[str, ...]] = {
    "fbc": ("hb", "mcv"),
    "reticulocytes": ("retic", "retic-abs"),
    "b12": ("b12",),
    "folate": ("folate",),
    "ferritin": ("ferritin",),
    "crp": ("crp",),
    "potassium": ("potassium",),
    "tsat": ("tsat",),
}


class DefinitionError(ValueError):
    """A protocol definition that cannot be planned."""


@dataclass(frozen=True)
class Period:
    value: int
    unit: str

    @classmethod
    def parse(cls, raw: Any, where: str) -> Period:
        if not isinstance(raw, dict) or "value" not in raw or "unit" not in raw:
            raise DefinitionError(f"{where}: a period needs 'value' and 'unit'")
        if raw["unit"] not in PERIOD_UNITS:
            raise DefinitionError(f"{where}: unit must be one of {', '.join(PERIOD_UNITS)}")
        if not isinstance(raw["value"], int) or raw["value"] < 0:
            raise DefinitionError(f"{where}: value must be a whole number of at least 0")
        return cls(raw["value"], raw["unit"])


@dataclass(frozen=True)
class Timing:
    """When doses fall. `pattern` is 'weekdays' (n per week on set days) or 'interval'."""

    pattern: str
    every: Period | None = None
    weekdays: str = "clinic"  # 'clinic' = the clinic's injection weekdays, else 'mon,wed,fri'
    count: int | None = None  # doses that must be *given*; None = open-ended
    first: str = "on-start"  # or 'after-interval' (the first dose one interval after the anchor)
    time_of_day: str | None = None  # None (clinic appointment), 'patient' or 'HH:MM'
    duration: Period | None = None  # bounds: doses only before start + duration

    @classmethod
    def parse(cls, raw: dict, where: str) -> Timing:
        pattern = raw.get("pattern")
        if pattern not in ("weekdays", "interval"):
            raise DefinitionError(f"{where}: pattern must be 'weekdays' or 'interval'")
        every = Period.parse(raw["every"], f"{where}.every") if "every" in raw else None
        if pattern == "interval" and (every is None or every.value < 1):
            raise DefinitionError(f"{where}: an interval timing needs 'every' of at least 1")
        count = raw.get("count")
        if count is not None and (not isinstance(count, int) or count < 1):
            raise DefinitionError(f"{where}: count must be a whole number of at least 1")
        first = raw.get("first", "on-start")
        if first not in ("on-start", "after-interval"):
            raise DefinitionError(f"{where}: first must be 'on-start' or 'after-interval'")
        tod = raw.get("time_of_day")
        if tod not in (None, "patient"):
            try:
                time.fromisoformat(tod)
            except (TypeError, ValueError):
                raise DefinitionError(f"{where}: time_of_day must be null, 'patient' or 'HH:MM'") from None
        duration = Period.parse(raw["duration"], f"{where}.duration") if "duration" in raw else None
        return cls(
            pattern=pattern,
            every=every,
            weekdays=raw.get("weekdays", "clinic"),
            count=count,
            first=first,
            time_of_day=tod,
            duration=duration,
        )


@dataclass(frozen=True)
class DoseRule:
    code: str
    dose_mg: float
    route: str
    setting: str  # 'clinic' (given by staff) or 'home' (taken by the patient)
    timing: Timing
    window_before_days: int = 0
    window_after_days: int = 0

    @classmethod
    def parse(cls, raw: dict, where: str) -> DoseRule:
        for key in ("code", "dose_mg", "route", "setting", "timing"):
            if key not in raw:
                raise DefinitionError(f"{where}: '{key}' is required")
        if raw["route"] not in ROUTES:
            raise DefinitionError(f"{where}: route must be one of {', '.join(ROUTES)}")
        if raw["setting"] not in ("clinic", "home"):
            raise DefinitionError(f"{where}: setting must be 'clinic' or 'home'")
        window = raw.get("window", {})
        return cls(
            code=raw["code"],
            dose_mg=float(raw["dose_mg"]),
            route=raw["route"],
            setting=raw["setting"],
            timing=Timing.parse(raw["timing"], f"{where}.timing"),
            window_before_days=int(window.get("before_days", 0)),
            window_after_days=int(window.get("after_days", 0)),
        )


@dataclass(frozen=True)
class Relation:
    """How a phase starts: like FHIR relatedAction with an offset."""

    type: str
    target: str | None = None
    offset_days: int = 0

    @classmethod
    def parse(cls, raw: dict | None, where: str) -> Relation:
        raw = raw or {"type": "enrollment-start"}
        if raw.get("type") not in RELATIONS:
            raise DefinitionError(f"{where}: start type must be one of {', '.join(RELATIONS)}")
        if raw["type"] != "enrollment-start" and not raw.get("target"):
            raise DefinitionError(f"{where}: a '{raw['type']}' start needs a target phase")
        return cls(raw["type"], raw.get("target"), int(raw.get("offset_days", 0)))


@dataclass(frozen=True)
class EndRule:
    type: str
    months: int = 0  # after-normal-hb: treatment ends this long after the first normal Hb

    @classmethod
    def parse(cls, raw: dict | None, where: str) -> EndRule:
        raw = raw or {"type": "never"}
        if raw.get("type") not in END_RULES:
            raise DefinitionError(f"{where}: end type must be one of {', '.join(END_RULES)}")
        return cls(raw["type"], int(raw.get("months", 0)))


@dataclass(frozen=True)
class Monitoring:
    """A lab test or clinician review planned relative to something that happened."""

    key: str
    kind: str  # 'lab' or 'review'
    code: str
    phase: str
    anchor: str
    offset: Period
    tests: tuple[str, ...] = ()
    window_start: Period | None = None  # relative to the anchor, like `offset`
    window_end: Period | None = None
    repeat_every: Period | None = None
    repeat_count: int | None = None  # None with repeat_every = up to the horizon
    condition: dict | None = None  # e.g. {"lab": "hb", "below": 80, "at": "baseline"}
    window_to_first_dose: bool = False  # baseline: open until the first dose
    window_before_days: int | None = None  # alternatively: a window of days around the due date
    window_after_days: int | None = None

    @classmethod
    def parse(cls, raw: dict, where: str) -> Monitoring:
        for key in ("key", "kind", "code", "phase", "anchor", "offset"):
            if key not in raw:
                raise DefinitionError(f"{where}: '{key}' is required")
        if raw["kind"] not in ("lab", "review"):
            raise DefinitionError(f"{where}: kind must be 'lab' or 'review'")
        if raw["anchor"] not in ANCHORS:
            raise DefinitionError(f"{where}: anchor must be one of {', '.join(ANCHORS)}")
        tests = tuple(raw.get("tests", ()))
        unknown = [t for t in tests if t not in PANELS]
        if unknown:
            raise DefinitionError(f"{where}: unknown tests {unknown}; known: {', '.join(PANELS)}")
        window = raw.get("window", {})
        repeat = raw.get("repeat") or {}
        return cls(
            key=raw["key"],
            kind=raw["kind"],
            code=raw["code"],
            phase=raw["phase"],
            anchor=raw["anchor"],
            offset=Period.parse(raw["offset"], f"{where}.offset"),
            tests=tests,
            window_start=Period.parse(window["start"], f"{where}.window.start") if "start" in window else None,
            window_end=Period.parse(window["end"], f"{where}.window.end") if "end" in window else None,
            repeat_every=Period.parse(repeat["every"], f"{where}.repeat.every") if "every" in repeat else None,
            repeat_count=repeat.get("count"),
            condition=raw.get("condition"),
            window_to_first_dose=bool(window.get("until_first_dose", False)),
            window_before_days=window.get("before_days"),
            window_after_days=window.get("after_days"),
        )


@dataclass(frozen=True)
class Phase:
    slug: str
    arm: str
    title: str
    start: Relation
    end: EndRule
    dose: DoseRule | None
    clinician_can_end: bool = False
    review_every_days: int | None = None  # a clinician review while the phase runs

    @classmethod
    def parse(cls, raw: dict, where: str) -> Phase:
        if not raw.get("slug"):
            raise DefinitionError(f"{where}: 'slug' is required")
        where = f"phase {raw['slug']}"
        end = EndRule.parse(raw.get("end"), f"{where}.end")
        dose = DoseRule.parse(raw["dose"], f"{where}.dose") if raw.get("dose") else None
        if end.type == "count" and (dose is None or dose.timing.count is None):
            raise DefinitionError(f"{where}: an end by count needs a dose timing with a count")
        if end.type == "duration" and (dose is None or dose.timing.duration is None):
            raise DefinitionError(f"{where}: an end by duration needs a dose timing with a duration")
        return cls(
            slug=raw["slug"],
            arm=raw.get("arm", raw["slug"]),
            title=raw.get("title", raw["slug"].replace("-", " ").capitalize()),
            start=Relation.parse(raw.get("start"), f"{where}.start"),
            end=end,
            dose=dose,
            clinician_can_end=bool(raw.get("clinician_can_end", end.type == "clinician")),
            review_every_days=raw.get("review_every_days"),
        )


@dataclass(frozen=True)
class ProtocolDefinition:
    slug: str
    name: str
    description: str
    phases: tuple[Phase, ...]
    monitoring: tuple[Monitoring, ...]
    requires: tuple[str, ...] = ()  # guards, e.g. 'folate-without-b12'

    def phase(self, slug: str) -> Phase:
        for phase in self.phases:
            if phase.slug == slug:
                return phase
        raise KeyError(slug)

    @property
    def arms(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(p.arm for p in self.phases))

    @classmethod
    def parse(cls, raw: dict) -> ProtocolDefinition:
        if not isinstance(raw, dict):
            raise DefinitionError("a protocol definition is a JSON object")
        for key in ("slug", "name", "phases"):
            if not raw.get(key):
                raise DefinitionError(f"'{key}' is required")
        phases = tuple(Phase.parse(p, f"phases[{i}]") for i, p in enumerate(raw["phases"]))
        seen: set[str] = set()
        for phase in phases:
            if phase.slug in seen:
                raise DefinitionError(f"phase slug {phase.slug!r} is used twice")
            if phase.start.target is not None and phase.start.target not in seen:
                raise DefinitionError(
                    f"phase {phase.slug}: starts relative to {phase.start.target!r}, "
                    "which must be an earlier phase"
                )
            seen.add(phase.slug)
        monitoring = tuple(Monitoring.parse(m, f"monitoring[{i}]") for i, m in enumerate(raw.get("monitoring", [])))
        keys = [m.key for m in monitoring]
        if len(keys) != len(set(keys)):
            raise DefinitionError("monitoring keys must be unique")
        for rule in monitoring:
            if rule.phase not in seen:
                raise DefinitionError(f"monitoring {rule.key}: unknown phase {rule.phase!r}")
        return cls(
            slug=raw["slug"],
            name=raw["name"],
            description=raw.get("description", ""),
            phases=phases,
            monitoring=monitoring,
            requires=tuple(raw.get("requires", ())),
        )

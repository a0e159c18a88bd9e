"""Protocol definitions as plain data (in the spirit of FHIR PlanDefinition and Timing).

A definition is parsed from the JSON a clinic can read and version (see protocols/builtin/).
Parsing validates it: a bad definition raises `DefinitionError` naming what is wrong.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time
from typing import Any

from .calendar import parse_weekdays

PERIOD_UNITS = ("day", "week", "month", "year")
RELATIONS = ("enrollment-start", "after-start", "after-end", "continues")
END_RULES = ("count", "clinician", "never", "duration", "after-normal-hb")
ANCHORS = ("enrollment-start", "phase-start", "first-given-dose", "phase-end")
ROUTES = ("IM", "SC", "oral")
#: Monitoring conditions the planner can evaluate: {"lab": "hb", "below": <g/L>, "at": "baseline"}.
CONDITION_LABS = ("hb",)
CONDITION_AT = ("baseline",)
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


def _whole(raw: Any, where: str, minimum: int = 0) -> int:
    """A whole number of at least `minimum` (JSON true/false are not numbers)."""
    if isinstance(raw, bool) or not isinstance(raw, int) or raw < minimum:
        raise DefinitionError(f"{where} must be a whole number of at least {minimum}")
    return raw


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
        if count is not None:
            _whole(count, f"{where}: count", 1)
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
        weekdays = raw.get("weekdays", "clinic")
        if weekdays != "clinic":
            try:
                parse_weekdays(weekdays)
            except (AttributeError, TypeError, ValueError) as exc:
                raise DefinitionError(f"{where}: weekdays must be 'clinic' or days like 'mon,wed,fri' ({exc})") from None
        return cls(
            pattern=pattern,
            every=every,
            weekdays=weekdays,
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
        if isinstance(raw["dose_mg"], bool) or not isinstance(raw["dose_mg"], int | float) or raw["dose_mg"] <= 0:
            raise DefinitionError(f"{where}: dose_mg must be a number above 0")
        window = raw.get("window", {})
        return cls(
            code=raw["code"],
            dose_mg=float(raw["dose_mg"]),
            route=raw["route"],
            setting=raw["setting"],
            timing=Timing.parse(raw["timing"], f"{where}.timing"),
            window_before_days=_whole(window.get("before_days", 0), f"{where}.window.before_days"),
            window_after_days=_whole(window.get("after_days", 0), f"{where}.window.after_days"),
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
        offset = raw.get("offset_days", 0)
        if isinstance(offset, bool) or not isinstance(offset, int):
            raise DefinitionError(f"{where}: offset_days must be a whole number of days")
        return cls(raw["type"], raw.get("target"), offset)


@dataclass(frozen=True)
class EndRule:
    type: str
    months: int = 0  # after-normal-hb: treatment ends this long after the first normal Hb

    @classmethod
    def parse(cls, raw: dict | None, where: str) -> EndRule:
        raw = raw or {"type": "never"}
        if raw.get("type") not in END_RULES:
            raise DefinitionError(f"{where}: end type must be one of {', '.join(END_RULES)}")
        if raw["type"] == "after-normal-hb":
            return cls(raw["type"], _whole(raw.get("months"), f"{where}: an after-normal-hb end's months", 1))
        return cls(raw["type"])


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
        where = f"monitoring {raw['key']}"
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
        offset = Period.parse(raw["offset"], f"{where}.offset")
        repeat_every = Period.parse(repeat["every"], f"{where}.repeat.every") if "every" in repeat else None
        if repeat_every is not None:
            if repeat_every.value < 1:
                raise DefinitionError(f"{where}: repeat.every must be at least 1 {repeat_every.unit}")
            # Repeats shift the due date and a period window by whole steps of the same unit.
            units = {offset.unit, repeat_every.unit} | {window[k]["unit"] for k in ("start", "end") if k in window}
            if len(units) > 1:
                raise DefinitionError(f"{where}: a repeated event's offset, repeat and window must use one unit")
        repeat_count = repeat.get("count")
        if repeat_count is not None:
            _whole(repeat_count, f"{where}: repeat.count", 1)
        condition = raw.get("condition")
        if condition is not None and (
            not isinstance(condition, dict)
            or condition.get("lab") not in CONDITION_LABS
            or condition.get("at") not in CONDITION_AT
            or isinstance(condition.get("below"), bool)
            or not isinstance(condition.get("below"), int | float)
        ):
            raise DefinitionError(f"{where}: condition must look like {{'lab': 'hb', 'below': 80, 'at': 'baseline'}}")
        for key in ("before_days", "after_days"):
            if key in window:
                _whole(window[key], f"{where}.window.{key}")
        return cls(
            key=raw["key"],
            kind=raw["kind"],
            code=raw["code"],
            phase=raw["phase"],
            anchor=raw["anchor"],
            offset=offset,
            tests=tests,
            window_start=Period.parse(window["start"], f"{where}.window.start") if "start" in window else None,
            window_end=Period.parse(window["end"], f"{where}.window.end") if "end" in window else None,
            repeat_every=repeat_every,
            repeat_count=repeat_count,
            condition=condition,
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
        review_every_days = raw.get("review_every_days")
        if review_every_days is not None:
            _whole(review_every_days, f"{where}: review_every_days", 1)
        return cls(
            slug=raw["slug"],
            arm=raw.get("arm", raw["slug"]),
            title=raw.get("title", raw["slug"].replace("-", " ").capitalize()),
            start=Relation.parse(raw.get("start"), f"{where}.start"),
            end=end,
            dose=dose,
            clinician_can_end=bool(raw.get("clinician_can_end", end.type == "clinician")),
            review_every_days=review_every_days,
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
        if not isinstance(raw["phases"], list) or not all(isinstance(p, dict) for p in raw["phases"]):
            raise DefinitionError("'phases' must be a list of phase objects")
        phases = tuple(Phase.parse(p, f"phases[{i}]") for i, p in enumerate(raw["phases"]))
        seen: dict[str, Phase] = {}
        for phase in phases:
            if phase.slug in seen:
                raise DefinitionError(f"phase slug {phase.slug!r} is used twice")
            target = seen.get(phase.start.target) if phase.start.target is not None else None
            if phase.start.target is not None and target is None:
                raise DefinitionError(
                    f"phase {phase.slug}: starts relative to {phase.start.target!r}, "
                    "which must be an earlier phase"
                )
            if (
                target is not None
                and phase.start.type in ("after-end", "continues")
                and target.end.type == "never"
                and not target.clinician_can_end
            ):
                raise DefinitionError(
                    f"phase {phase.slug}: starts after the end of {target.slug!r}, which never ends"
                )
            seen[phase.slug] = phase
        monitoring_raw = raw.get("monitoring", [])
        if not isinstance(monitoring_raw, list) or not all(isinstance(m, dict) for m in monitoring_raw):
            raise DefinitionError("'monitoring' must be a list of monitoring objects")
        monitoring = tuple(Monitoring.parse(m, f"monitoring[{i}]") for i, m in enumerate(monitoring_raw))
        keys = [m.key for m in monitoring]
        if len(keys) != len(set(keys)):
            raise DefinitionError("monitoring keys must be unique")
        for rule in monitoring:
            if rule.phase not in seen:
                raise DefinitionError(f"monitoring {rule.key}: unknown phase {rule.phase!r}")
            if rule.anchor == "first-given-dose" and seen[rule.phase].dose is None:
                raise DefinitionError(
                    f"monitoring {rule.key}: anchor 'first-given-dose' needs a phase with doses, "
                    f"and phase {rule.phase!r} has none"
                )
        # Event keys are '<prefix>#<n>': doses use the phase slug, reviews '<slug>-review',
        # monitoring its key. Two rules sharing a prefix would give two events the same key.
        prefixes = [p.slug for p in phases if p.dose] + [f"{p.slug}-review" for p in phases if p.review_every_days]
        for key in keys:
            if key in prefixes:
                raise DefinitionError(f"monitoring key {key!r} clashes with a phase's event keys; choose another")
        if len(prefixes) != len(set(prefixes)):
            raise DefinitionError("a phase slug clashes with another phase's '<slug>-review' events; rename it")
        return cls(
            slug=raw["slug"],
            name=raw["name"],
            description=raw.get("description", ""),
            phases=phases,
            monitoring=monitoring,
            requires=tuple(raw.get("requires", ())),
        )

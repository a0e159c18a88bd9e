"""Builders for the engine tests: a built-in protocol, the clinic's calendar and a plan in one call.

The clinic of the worked examples (PROTOCOLS.md section 2): open Monday to Friday, injections on
Monday, Wednesday and Friday, in Europe/London. No database anywhere in this package.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from functools import cache

from protocols.builtin import builtin_definition
from protocols.engine import (
    ClinicCalendar,
    LabValue,
    Outcome,
    Plan,
    PlanInput,
    PlanOptions,
    ProtocolDefinition,
    add_months,
    plan,
)

BUILTIN_SLUGS = (
    "b12-im-standard",
    "b12-im-neuro",
    "iron-oral-daily",
    "iron-oral-alternate-day",
    "b12-then-iron",
    "b12-and-iron-concurrent",
    "folate-oral",
)

#: Open Mon-Fri, injections Mon/Wed/Fri: the clinic of the worked examples.
RIVERSIDE = ClinicCalendar(timezone="Europe/London")


def day(text: str) -> date:
    """'Mon 2026-01-05' -> date(2026, 1, 5); the weekday, when given, is checked so examples stay honest."""
    *weekday, iso = text.split()
    value = date.fromisoformat(iso)
    if weekday:
        assert value.strftime("%a") == weekday[0], f"{iso} is a {value.strftime('%a')}, not a {weekday[0]}"
    return value


def days(*texts: str) -> list[date]:
    return [day(t) for t in texts]


@cache
def _parsed(slug: str) -> ProtocolDefinition:
    return ProtocolDefinition.parse(builtin_definition(slug))


def protocol(slug: str) -> ProtocolDefinition:
    return _parsed(slug)


def raw_definition(slug: str) -> dict:
    """A private copy of a built-in's JSON, to change one thing in it."""
    return copy.deepcopy(builtin_definition(slug))


def given(on: date) -> Outcome:
    return Outcome("given", on)


def missed(on: date) -> Outcome:
    return Outcome("missed", on)


def declined(on: date) -> Outcome:
    return Outcome("declined", on)


def recorded(phase: str, *outcomes: Outcome, first: int = 1) -> dict[str, Outcome]:
    """Outcomes for a phase's doses in order: recorded('loading', given(a), missed(b)) -> loading#1, #2."""
    return {f"{phase}#{n}": outcome for n, outcome in enumerate(outcomes, first)}


def hb(on: date, g_l: float) -> LabValue:
    return LabValue("hb", on, g_l)


def plan_of(definition: str | ProtocolDefinition, start: date, **kwargs) -> Plan:
    """The plan of an enrollment in `definition` (a built-in slug or a parsed definition)."""
    return plan(plan_input(definition, start, **kwargs))


def plan_input(
    definition: str | ProtocolDefinition,
    start: date,
    *,
    outcomes: Mapping[str, Outcome] | None = None,
    labs: Sequence[LabValue] = (),
    phase_ends: Mapping[str, date] | None = None,
    options: PlanOptions | None = None,
    calendar: ClinicCalendar = RIVERSIDE,
    timezone: str = "Europe/London",
    horizon: date | None = None,
    today: date | None = None,
) -> PlanInput:
    """The engine's input with the defaults of a real enrollment: a horizon 12 months ahead."""
    return PlanInput(
        protocol=protocol(definition) if isinstance(definition, str) else definition,
        start_date=start,
        calendar=calendar,
        patient_timezone=timezone,
        horizon=horizon or add_months(start, 12),
        outcomes=dict(outcomes or {}),
        labs=tuple(labs),
        phase_ends=dict(phase_ends or {}),
        options=options or PlanOptions(),
        today=today,
    )


def due_dates(events) -> list[date]:
    return [e.due_date for e in events]


def one(result: Plan, key: str):
    """The event with this key (exactly one)."""
    found = [e for e in result.events if e.key == key]
    assert len(found) == 1, f"{len(found)} events with key {key!r}"
    return found[0]


def keys_of(result: Plan, prefix: str) -> list[str]:
    return [e.key for e in result.events if e.key.split("#")[0] == prefix]


def loading_given_on(*dates: date) -> dict[str, Outcome]:
    """Every listed loading dose given on its date, in order."""
    return recorded("loading", *(given(d) for d in dates))


def record_in_order(definition, start, decide, *, phase="loading", calendar=RIVERSIDE, max_steps=60, **kwargs):
    """Record outcomes one at a time in date order, re-planning after each, as the clinic would.

    `decide(step, event)` returns the Outcome for the next unrecorded dose of `phase`.
    Stops when the phase has ended or no dose is left; returns (final plan, outcomes).
    """
    outcomes: dict[str, Outcome] = {}
    for step in range(max_steps):
        result = plan_of(definition, start, outcomes=outcomes, calendar=calendar, **kwargs)
        pending = [e for e in result.of_phase(phase) if e.key not in outcomes]
        if result.span(phase).ended or not pending:
            return result, outcomes
        event = pending[0]
        outcomes[event.key] = decide(step, event)
    raise AssertionError(f"{phase} did not end after {max_steps} recorded outcomes")


def next_day(value: date) -> date:
    return value + timedelta(days=1)

"""Phases linked by relations use actual dates (PROTOCOLS.md section 2, rule 5).

b12-then-iron: iron starts 1 day after the 6th loading dose is *given*; while loading runs that
start is provisional and moves when loading slips.
"""

from datetime import UTC, datetime

from protocols.engine import ProtocolDefinition

from .builders import (
    day,
    days,
    due_dates,
    given,
    loading_given_on,
    missed,
    one,
    plan_of,
    raw_definition,
    recorded,
)

JANUARY_LOADING = days("Mon 2026-01-05", "Wed 2026-01-07", "Fri 2026-01-09", "Mon 2026-01-12", "Wed 2026-01-14",
                       "Fri 2026-01-16")


def iron(result):
    return result.of_phase("treatment")


def test_iron_starts_the_day_after_the_sixth_loading_dose_is_given():
    result = plan_of("b12-then-iron", day("Mon 2026-01-05"), outcomes=loading_given_on(*JANUARY_LOADING))

    assert result.span("treatment").start == day("Sat 2026-01-17")
    assert due_dates(iron(result))[:3] == days("Sat 2026-01-17", "Sun 2026-01-18", "Mon 2026-01-19")
    assert not any(e.provisional for e in iron(result))


def test_iron_is_provisional_while_loading_is_still_running():
    result = plan_of("b12-then-iron", day("Mon 2026-01-05"), outcomes=loading_given_on(*JANUARY_LOADING[:5]))

    assert iron(result)[0].due_date == day("Sat 2026-01-17")
    assert all(e.provisional for e in iron(result))
    assert one(result, "fbc-4w#1").provisional
    assert not result.span("loading").ended


def test_iron_moves_when_loading_slips_after_a_missed_dose():
    outcomes = recorded("loading", given(day("Mon 2026-01-05")), missed(day("Wed 2026-01-07")))

    result = plan_of("b12-then-iron", day("Mon 2026-01-05"), outcomes=outcomes)

    assert iron(result)[0].due_date == day("Tue 2026-01-20")
    assert iron(result)[0].provisional


def test_iron_starts_after_the_date_the_sixth_dose_was_actually_given_not_when_it_was_planned():
    outcomes = loading_given_on(*JANUARY_LOADING[:5], day("Mon 2026-01-19"))  # the Friday dose given on Monday

    result = plan_of("b12-then-iron", day("Mon 2026-01-05"), outcomes=outcomes)

    assert result.span("loading").end == day("Mon 2026-01-19")
    assert iron(result)[0].due_date == day("Tue 2026-01-20")
    assert not iron(result)[0].provisional


def test_iron_monitoring_follows_the_actual_iron_start():
    outcomes = loading_given_on(*JANUARY_LOADING[:5], day("Mon 2026-01-19"))

    result = plan_of("b12-then-iron", day("Mon 2026-01-05"), outcomes=outcomes)

    fbc = one(result, "fbc-4w#1")
    assert (fbc.window_start, fbc.due_date, fbc.window_end) == (
        day("Tue 2026-02-03"), day("Tue 2026-02-17"), day("Tue 2026-02-17"))
    assert not fbc.provisional


def test_iron_doses_are_at_home_every_day_at_the_patients_time_whatever_the_clinic_does():
    result = plan_of("b12-then-iron", day("Mon 2026-01-05"), outcomes=loading_given_on(*JANUARY_LOADING))

    first = iron(result)[0]
    assert (first.code, first.dose_mg, first.route, first.setting, first.arm) == (
        "ferrous-sulfate", 200.0, "oral", "home", "iron")
    assert first.due_at == datetime(2026, 1, 17, 8, 0, tzinfo=UTC)


def test_b12_carries_on_into_maintenance_alongside_iron():
    result = plan_of("b12-then-iron", day("Mon 2026-01-05"), outcomes=loading_given_on(*JANUARY_LOADING))

    assert result.of_phase("maintenance")[0].due_date == day("Thu 2026-04-16")
    assert {s.slug: s.arm for s in result.phases} == {
        "loading": "b12", "maintenance": "b12", "treatment": "iron", "follow-up": "iron"}


def test_concurrent_iron_starts_on_the_start_date_with_b12_loading():
    result = plan_of("b12-and-iron-concurrent", day("Mon 2026-01-05"))

    assert due_dates(result.of_phase("loading")) == JANUARY_LOADING
    assert iron(result)[0].due_date == day("Mon 2026-01-05")
    assert not iron(result)[0].provisional


def test_concurrent_iron_starting_on_a_saturday_starts_that_saturday_while_b12_waits_for_monday():
    result = plan_of("b12-and-iron-concurrent", day("Sat 2026-01-03"))

    assert iron(result)[0].due_date == day("Sat 2026-01-03")
    assert result.of_phase("loading")[0].due_date == day("Mon 2026-01-05")


def with_vitamin_c_a_week_after_iron_starts() -> ProtocolDefinition:
    definition = raw_definition("b12-then-iron")
    definition["phases"].append({
        "slug": "vitamin-c",
        "arm": "iron",
        "start": {"type": "after-start", "target": "treatment", "offset_days": 7},
        "end": {"type": "never"},
        "dose": {"code": "ascorbic-acid", "dose_mg": 250, "route": "oral", "setting": "home",
                 "timing": {"pattern": "interval", "every": {"value": 1, "unit": "day"}, "time_of_day": "patient"}},
    })
    definition["monitoring"].append({"key": "vitamin-c-check", "kind": "review", "code": "review",
                                     "phase": "vitamin-c", "anchor": "phase-start",
                                     "offset": {"value": 14, "unit": "day"}})
    return ProtocolDefinition.parse(definition)


def test_a_phase_starting_after_the_start_of_a_provisional_phase_is_provisional_too():
    # Regression: 'after-start' relations reported a firm start even when their target's start was provisional.
    result = plan_of(with_vitamin_c_a_week_after_iron_starts(), day("Mon 2026-01-05"))

    vitamin_c = result.of_phase("vitamin-c")
    assert vitamin_c[0].due_date == day("Sat 2026-01-24")
    assert all(e.provisional for e in vitamin_c)
    assert one(result, "vitamin-c-check#1").provisional


def test_it_becomes_firm_once_loading_has_ended():
    result = plan_of(with_vitamin_c_a_week_after_iron_starts(), day("Mon 2026-01-05"),
                     outcomes=loading_given_on(*JANUARY_LOADING))

    assert not any(e.provisional for e in result.of_phase("vitamin-c"))
    assert not one(result, "vitamin-c-check#1").provisional

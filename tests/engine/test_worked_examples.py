"""The worked examples of PROTOCOLS.md section 2, exactly as written there.

The clinic injects on Mon/Wed/Fri and is open Mon-Fri (builders.RIVERSIDE).
"""

from datetime import UTC, datetime

from .builders import day, days, due_dates, given, loading_given_on, missed, plan_of, recorded


def test_standard_loading_with_every_dose_given_runs_5_to_16_january_and_maintenance_is_due_16_april():
    loading = days("Mon 2026-01-05", "Wed 2026-01-07", "Fri 2026-01-09", "Mon 2026-01-12", "Wed 2026-01-14",
                   "Fri 2026-01-16")

    result = plan_of("b12-im-standard", day("Mon 2026-01-05"), outcomes=loading_given_on(*loading))

    assert due_dates(result.of_phase("loading")) == loading
    assert [e.status for e in result.of_phase("loading")] == ["given"] * 6
    assert result.of_phase("maintenance")[0].due_date == day("Thu 2026-04-16")


def test_the_plan_before_anything_is_recorded_already_shows_the_same_dates():
    result = plan_of("b12-im-standard", day("Mon 2026-01-05"))

    assert due_dates(result.of_phase("loading")) == days(
        "Mon 2026-01-05", "Wed 2026-01-07", "Fri 2026-01-09", "Mon 2026-01-12", "Wed 2026-01-14", "Fri 2026-01-16"
    )
    assert result.of_phase("maintenance")[0].due_date == day("Thu 2026-04-16")


def test_a_missed_wednesday_pushes_loading_to_19_january_and_maintenance_off_a_sunday_to_monday_20_april():
    outcomes = recorded(
        "loading",
        given(day("Mon 2026-01-05")),
        missed(day("Wed 2026-01-07")),
        given(day("Fri 2026-01-09")),
        given(day("Mon 2026-01-12")),
        given(day("Wed 2026-01-14")),
        given(day("Fri 2026-01-16")),
        given(day("Mon 2026-01-19")),
    )

    result = plan_of("b12-im-standard", day("Mon 2026-01-05"), outcomes=outcomes)

    given_days = [e.due_date for e in result.of_phase("loading") if e.status == "given"]
    assert given_days == days("Mon 2026-01-05", "Fri 2026-01-09", "Mon 2026-01-12", "Wed 2026-01-14",
                              "Fri 2026-01-16", "Mon 2026-01-19")
    assert day("Sun 2026-04-19").weekday() == 6  # 19 Jan + 3 months
    assert result.of_phase("maintenance")[0].due_date == day("Mon 2026-04-20")


def test_the_missed_wednesday_is_planned_again_before_anything_else_is_recorded():
    outcomes = {**loading_given_on(day("Mon 2026-01-05")), **recorded("loading", missed(day("Wed 2026-01-07")), first=2)}

    result = plan_of("b12-im-standard", day("Mon 2026-01-05"), outcomes=outcomes)

    planned = [e.due_date for e in result.of_phase("loading") if e.status == "planned"]
    assert planned == days("Fri 2026-01-09", "Mon 2026-01-12", "Wed 2026-01-14", "Fri 2026-01-16", "Mon 2026-01-19")
    assert result.of_phase("maintenance")[0].due_date == day("Mon 2026-04-20")


def test_daily_iron_in_london_is_due_at_0800_utc_on_28_march_and_0700_utc_on_the_first_day_of_bst():
    result = plan_of("iron-oral-daily", day("Sun 2026-03-01"), timezone="Europe/London")

    by_date = {e.due_date: e.due_at for e in result.of_phase("treatment")}
    assert by_date[day("Sat 2026-03-28")] == datetime(2026, 3, 28, 8, 0, tzinfo=UTC)
    assert by_date[day("Sun 2026-03-29")] == datetime(2026, 3, 29, 7, 0, tzinfo=UTC)


def test_a_clinician_review_due_on_a_sunday_is_planned_on_the_next_open_day():
    from datetime import date

    from protocols.builtin import builtin_definition
    from protocols.engine import ClinicCalendar, PlanInput, ProtocolDefinition, plan

    result = plan(PlanInput(protocol=ProtocolDefinition.parse(builtin_definition("b12-im-standard")),
                            start_date=date(2026, 1, 5), calendar=ClinicCalendar(), patient_timezone="Europe/London",
                            horizon=date(2027, 1, 5)))
    review = next(e for e in result.events if e.kind == "review")
    assert review.due_date == date(2026, 4, 6)  # 5 Apr 2026 (3 months after start) is a Sunday
    assert review.window_start == review.window_end == date(2026, 4, 6)

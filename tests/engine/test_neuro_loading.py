"""B12 with neurological involvement: alternate-day loading with no fixed end (PROTOCOLS.md sections 1, 2.8, 2.9).

Loading runs every 2 days (moved to open days) until a clinician ends it; while it runs a review
is planned every 3 weeks; maintenance is every 2 months from the last loading dose given.
"""

from datetime import timedelta

from protocols.engine import ClinicCalendar

from .builders import day, days, due_dates, given, loading_given_on, missed, plan_of, recorded

START = day("Mon 2026-01-05")
GIVEN_TO_30_JANUARY = days("Mon 2026-01-05", "Wed 2026-01-07", "Fri 2026-01-09", "Mon 2026-01-12", "Wed 2026-01-14",
                           "Fri 2026-01-16", "Mon 2026-01-19", "Wed 2026-01-21", "Fri 2026-01-23", "Mon 2026-01-26",
                           "Wed 2026-01-28", "Fri 2026-01-30")


def reviews(result):
    """The 3-weekly reviews while loading runs (not the 3-month review of the monitoring rules)."""
    return [e for e in result.of_phase("loading", kind="review") if e.key.startswith("loading-review#")]


def test_loading_is_every_second_day_and_a_weekend_day_moves_to_monday():
    result = plan_of("b12-im-neuro", START, horizon=day("Mon 2026-01-19"))

    assert due_dates(result.of_phase("loading")) == days(
        "Mon 2026-01-05", "Wed 2026-01-07", "Fri 2026-01-09", "Mon 2026-01-12", "Wed 2026-01-14", "Fri 2026-01-16",
        "Mon 2026-01-19")


def test_a_closed_day_moves_the_dose_to_the_next_open_day_and_the_rest_follow_it():
    clinic = ClinicCalendar(closed_dates=frozenset({day("Wed 2026-01-07")}))

    result = plan_of("b12-im-neuro", START, calendar=clinic, horizon=day("Wed 2026-01-14"))

    assert due_dates(result.of_phase("loading")) == days(
        "Mon 2026-01-05", "Thu 2026-01-08", "Mon 2026-01-12", "Wed 2026-01-14")


def test_a_course_starting_on_a_saturday_begins_on_monday():
    result = plan_of("b12-im-neuro", day("Sat 2026-01-03"), horizon=day("Fri 2026-01-09"))

    assert due_dates(result.of_phase("loading")) == days("Mon 2026-01-05", "Wed 2026-01-07", "Fri 2026-01-09")


def test_a_missed_dose_is_planned_again_on_the_next_open_day_after_the_record():
    outcomes = recorded("loading", given(day("Mon 2026-01-05")), missed(day("Wed 2026-01-07")))

    result = plan_of("b12-im-neuro", START, outcomes=outcomes, horizon=day("Mon 2026-01-12"))

    assert due_dates(result.of_phase("loading")) == days(
        "Mon 2026-01-05", "Wed 2026-01-07", "Thu 2026-01-08", "Mon 2026-01-12")


def test_a_dose_given_a_day_late_moves_the_next_one_two_days_after_it():
    outcomes = recorded("loading", given(day("Mon 2026-01-05")), given(day("Thu 2026-01-08")))

    result = plan_of("b12-im-neuro", START, outcomes=outcomes, horizon=day("Mon 2026-01-12"))

    assert due_dates(result.of_phase("loading"))[2] == day("Mon 2026-01-12")  # Thu + 2 = Saturday -> Monday
    assert result.of_phase("loading")[1].late


def test_loading_without_a_clinicians_end_runs_to_the_horizon_and_no_maintenance_is_planned():
    result = plan_of("b12-im-neuro", START, outcomes=loading_given_on(*GIVEN_TO_30_JANUARY))

    doses = result.of_phase("loading")
    assert doses[-1].due_date <= day("Tue 2027-01-05") < doses[-1].due_date + timedelta(days=4)
    assert result.span("loading").end is None and not result.span("loading").ended
    assert result.of_phase("maintenance") == []
    assert result.span("maintenance").start is None


def test_a_review_is_planned_every_3_weeks_while_loading_runs():
    result = plan_of("b12-im-neuro", START, horizon=day("Mon 2026-04-06"))

    assert due_dates(reviews(result)) == days(
        "Mon 2026-01-26", "Mon 2026-02-16", "Mon 2026-03-09", "Mon 2026-03-30")
    assert [e.key for e in reviews(result)] == [f"loading-review#{n}" for n in range(1, 5)]
    assert {(e.kind, e.code) for e in reviews(result)} == {("review", "review")}


def test_only_the_clinicians_end_stops_loading_and_its_reviews():
    result = plan_of("b12-im-neuro", START, outcomes=loading_given_on(*GIVEN_TO_30_JANUARY),
                     phase_ends={"loading": day("Fri 2026-01-30")})

    assert due_dates(result.of_phase("loading")) == GIVEN_TO_30_JANUARY
    assert due_dates(reviews(result)) == [day("Mon 2026-01-26")]
    span = result.span("loading")
    assert (span.end, span.last_dose, span.ended) == (day("Fri 2026-01-30"), day("Fri 2026-01-30"), True)


def test_maintenance_is_every_2_months_from_the_last_loading_dose_given():
    result = plan_of("b12-im-neuro", START, outcomes=loading_given_on(*GIVEN_TO_30_JANUARY),
                     phase_ends={"loading": day("Fri 2026-01-30")})

    assert due_dates(result.of_phase("maintenance")) == days(
        "Mon 2026-03-30", "Mon 2026-06-01", "Mon 2026-08-03", "Mon 2026-10-05", "Mon 2026-12-07")
    assert not any(e.provisional for e in result.of_phase("maintenance"))


def test_ending_loading_days_after_the_last_dose_still_counts_maintenance_from_that_dose():
    result = plan_of("b12-im-neuro", START, outcomes=loading_given_on(*GIVEN_TO_30_JANUARY[:-1]),
                     phase_ends={"loading": day("Sun 2026-02-01")})

    assert result.span("loading").last_dose == day("Wed 2026-01-28")
    assert result.of_phase("maintenance")[0].due_date == day("Mon 2026-03-30")  # 28 March is a Saturday
    assert [e.status for e in result.of_phase("loading")][-1] == "planned"  # Fri 30 Jan, not recorded yet


def test_an_end_for_a_phase_the_clinician_cannot_end_is_ignored():
    result = plan_of("b12-im-neuro", START, phase_ends={"maintenance": day("Mon 2026-06-01")},
                     outcomes=loading_given_on(*GIVEN_TO_30_JANUARY))

    assert result.span("maintenance").start is None

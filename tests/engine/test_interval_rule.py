"""Interval doses: B12 maintenance every 3 (or 2) calendar months (PROTOCOLS.md section 2, rules 3, 4 and 8).

Next due = the previous dose's given date (or planned date while unrecorded) + the interval, the
day clipped to the month's length, then moved to the next open clinic day. After a missed or
declined record: the next open day after that record.
"""

from datetime import timedelta

import pytest

from protocols.engine import ClinicCalendar, PlanOptions

from .builders import (
    day,
    days,
    declined,
    due_dates,
    given,
    loading_given_on,
    missed,
    plan_of,
    recorded,
)

JANUARY_LOADING = days("Mon 2026-01-05", "Wed 2026-01-07", "Fri 2026-01-09", "Mon 2026-01-12", "Wed 2026-01-14",
                       "Fri 2026-01-16")
LOADING_DONE = loading_given_on(*JANUARY_LOADING)


def maintenance(result):
    return result.of_phase("maintenance")


def test_maintenance_counts_from_the_last_loading_dose_actually_given_not_the_planned_one():
    outcomes = loading_given_on(*JANUARY_LOADING[:5], day("Thu 2026-01-15"))  # the 6th given a day early

    result = plan_of("b12-im-standard", day("Mon 2026-01-05"), outcomes=outcomes)

    assert maintenance(result)[0].due_date == day("Wed 2026-04-15")
    assert result.span("maintenance").start == day("Thu 2026-01-15")


def test_maintenance_is_1_mg_im_in_clinic_with_a_window_of_7_days_before_and_14_after():
    first = maintenance(plan_of("b12-im-standard", day("Mon 2026-01-05"), outcomes=LOADING_DONE))[0]

    assert (first.code, first.dose_mg, first.route, first.setting) == ("hydroxocobalamin", 1.0, "IM", "clinic")
    assert (first.window_start, first.due_date, first.window_end) == (
        day("Thu 2026-04-09"), day("Thu 2026-04-16"), day("Thu 2026-04-30"))


def test_a_month_end_is_clipped_31_august_plus_3_months_is_30_november_and_30_february_is_28_february():
    # Loading ends Mon 31 Aug 2026: 30 Nov, then 28 Feb 2027 (a Sunday, so Monday 1 March), then 1 June.
    loading = days("Wed 2026-08-19", "Fri 2026-08-21", "Mon 2026-08-24", "Wed 2026-08-26", "Fri 2026-08-28",
                   "Mon 2026-08-31")

    result = plan_of("b12-im-standard", day("Wed 2026-08-19"), outcomes=loading_given_on(*loading))

    assert due_dates(maintenance(result)) == days("Mon 2026-11-30", "Mon 2027-03-01", "Tue 2027-06-01")


def test_maintenance_can_fall_on_a_leap_day():
    loading = days("Wed 2027-11-17", "Fri 2027-11-19", "Mon 2027-11-22", "Wed 2027-11-24", "Fri 2027-11-26",
                   "Mon 2027-11-29")

    result = plan_of("b12-im-standard", day("Wed 2027-11-17"), outcomes=loading_given_on(*loading))

    assert due_dates(maintenance(result))[:3] == days("Tue 2028-02-29", "Mon 2028-05-29", "Tue 2028-08-29")


def test_a_dose_given_on_a_leap_day_is_followed_three_months_later_on_the_29th():
    outcomes = {**LOADING_DONE, **recorded("maintenance", given(day("Tue 2028-02-29")))}

    result = plan_of("b12-im-standard", day("Mon 2026-01-05"), outcomes=outcomes, horizon=day("Fri 2028-12-29"))

    assert maintenance(result)[1].due_date == day("Mon 2028-05-29")


def test_a_maintenance_dose_given_14_days_late_moves_the_next_one_by_14_days():
    on_time = {**LOADING_DONE, **recorded("maintenance", given(day("Thu 2026-04-16")))}
    late = {**LOADING_DONE, **recorded("maintenance", given(day("Thu 2026-04-30")))}

    next_on_time = maintenance(plan_of("b12-im-standard", day("Mon 2026-01-05"), outcomes=on_time))[1]
    next_after_late = maintenance(plan_of("b12-im-standard", day("Mon 2026-01-05"), outcomes=late))[1]

    assert next_on_time.due_date == day("Thu 2026-07-16")
    assert next_after_late.due_date == day("Thu 2026-07-30")
    assert next_after_late.due_date - next_on_time.due_date == timedelta(days=14)


def test_every_later_dose_counts_from_the_previous_given_date():
    outcomes = {**LOADING_DONE, **recorded("maintenance", given(day("Thu 2026-04-30")), given(day("Mon 2026-08-03")))}

    result = plan_of("b12-im-standard", day("Mon 2026-01-05"), outcomes=outcomes, horizon=day("Fri 2027-01-29"))

    assert due_dates(maintenance(result)) == days("Thu 2026-04-30", "Mon 2026-08-03", "Tue 2026-11-03")


def test_a_dose_given_early_inside_its_window_brings_the_next_one_forward():
    outcomes = {**LOADING_DONE, **recorded("maintenance", given(day("Thu 2026-04-09")))}

    result = plan_of("b12-im-standard", day("Mon 2026-01-05"), outcomes=outcomes)

    assert maintenance(result)[1].due_date == day("Thu 2026-07-09")
    assert not maintenance(result)[0].late


def test_a_missed_maintenance_dose_is_planned_again_on_the_next_open_day_after_the_record():
    outcomes = {**LOADING_DONE, **recorded("maintenance", missed(day("Thu 2026-04-16")))}

    result = plan_of("b12-im-standard", day("Mon 2026-01-05"), outcomes=outcomes)

    assert [(e.due_date, e.status) for e in maintenance(result)[:3]] == [
        (day("Thu 2026-04-16"), "missed"), (day("Fri 2026-04-17"), "planned"), (day("Fri 2026-07-17"), "planned")]


def test_a_miss_recorded_on_a_friday_is_planned_again_on_monday():
    outcomes = {**LOADING_DONE, **recorded("maintenance", missed(day("Fri 2026-04-17")))}

    result = plan_of("b12-im-standard", day("Mon 2026-01-05"), outcomes=outcomes)

    assert maintenance(result)[1].due_date == day("Mon 2026-04-20")


def test_a_declined_maintenance_dose_is_planned_again_like_a_missed_one_and_the_rest_follow_the_given_one():
    outcomes = {**LOADING_DONE,
                **recorded("maintenance", declined(day("Thu 2026-04-16")), given(day("Wed 2026-04-22")))}

    result = plan_of("b12-im-standard", day("Mon 2026-01-05"), outcomes=outcomes)

    assert due_dates(maintenance(result))[:3] == days("Thu 2026-04-16", "Wed 2026-04-22", "Wed 2026-07-22")


def test_a_maintenance_dose_due_on_closed_days_moves_to_the_next_open_day():
    clinic = ClinicCalendar(closed_dates=frozenset(days("Thu 2026-04-16", "Fri 2026-04-17")))

    result = plan_of("b12-im-standard", day("Mon 2026-01-05"), outcomes=LOADING_DONE, calendar=clinic)

    assert maintenance(result)[0].due_date == day("Mon 2026-04-20")
    assert maintenance(result)[1].due_date == day("Mon 2026-07-20")  # counts from the planned (moved) date


def test_maintenance_is_planned_up_to_the_horizon_and_extended_when_the_horizon_moves_on():
    one_year = plan_of("b12-im-standard", day("Mon 2026-01-05"), outcomes=LOADING_DONE, horizon=day("Tue 2027-01-05"))
    two_years = plan_of("b12-im-standard", day("Mon 2026-01-05"), outcomes=LOADING_DONE, horizon=day("Wed 2028-01-05"))

    assert due_dates(maintenance(one_year)) == days("Thu 2026-04-16", "Thu 2026-07-16", "Fri 2026-10-16")
    assert due_dates(maintenance(two_years))[:3] == due_dates(maintenance(one_year))
    assert due_dates(maintenance(two_years))[3:] == days(
        "Mon 2027-01-18", "Mon 2027-04-19", "Mon 2027-07-19", "Tue 2027-10-19")
    assert all(e.due_date <= day("Wed 2028-01-05") for e in maintenance(two_years))


def test_a_maintenance_dose_due_on_the_horizon_itself_is_planned():
    result = plan_of("b12-im-standard", day("Mon 2026-01-05"), outcomes=LOADING_DONE, horizon=day("Thu 2026-04-16"))

    assert due_dates(maintenance(result)) == [day("Thu 2026-04-16")]


def test_maintenance_is_provisional_while_loading_runs_and_firm_once_the_sixth_dose_is_given():
    running = plan_of("b12-im-standard", day("Mon 2026-01-05"), outcomes=loading_given_on(*JANUARY_LOADING[:5]))
    done = plan_of("b12-im-standard", day("Mon 2026-01-05"), outcomes=LOADING_DONE)

    assert all(e.provisional for e in maintenance(running))
    assert not any(e.provisional for e in maintenance(done))
    assert not done.span("maintenance").ended and done.span("maintenance").end is None  # lifelong


@pytest.mark.parametrize(
    ("months", "expected"),
    [
        (2, days("Mon 2026-03-16", "Mon 2026-05-18", "Mon 2026-07-20", "Mon 2026-09-21", "Mon 2026-11-23")),
        (3, days("Thu 2026-04-16", "Thu 2026-07-16", "Fri 2026-10-16")),
    ],
)
def test_the_maintenance_interval_can_be_set_to_2_or_3_months(months, expected):
    options = PlanOptions(maintenance_interval_months=months)

    result = plan_of("b12-im-standard", day("Mon 2026-01-05"), outcomes=LOADING_DONE, options=options)

    assert due_dates(maintenance(result)) == expected
    assert due_dates(result.of_phase("loading")) == JANUARY_LOADING


def test_the_maintenance_interval_option_overrides_the_neuro_protocols_2_months_too():
    options = PlanOptions(maintenance_interval_months=3)

    result = plan_of("b12-im-neuro", day("Mon 2026-01-05"), outcomes=loading_given_on(day("Mon 2026-01-05")),
                     phase_ends={"loading": day("Mon 2026-01-05")}, options=options)

    assert maintenance(result)[0].due_date == day("Mon 2026-04-06")  # 5 April is Easter Sunday


def test_the_maintenance_interval_option_does_not_touch_daily_iron():
    options = PlanOptions(maintenance_interval_months=2)

    result = plan_of("b12-and-iron-concurrent", day("Mon 2026-01-05"), options=options, horizon=day("Fri 2026-01-09"))

    assert due_dates(result.of_phase("treatment")) == days(
        "Mon 2026-01-05", "Tue 2026-01-06", "Wed 2026-01-07", "Thu 2026-01-08", "Fri 2026-01-09")

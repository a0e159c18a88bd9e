"""Weekday-pattern doses: standard B12 loading, 3 a week on the injection days (PROTOCOLS.md section 2, rules 1-2).

Each dose is on the first injection weekday on or after the start (first dose) or strictly after
the previous dose's date: the date it was given, recorded missed/declined, or is planned.
"""

from datetime import date

from protocols.engine import ClinicCalendar, ProtocolDefinition

from .builders import (
    RIVERSIDE,
    day,
    days,
    declined,
    due_dates,
    given,
    loading_given_on,
    missed,
    plan_of,
    raw_definition,
    recorded,
)

STANDARD_LOADING = days("Mon 2026-01-05", "Wed 2026-01-07", "Fri 2026-01-09", "Mon 2026-01-12", "Wed 2026-01-14",
                        "Fri 2026-01-16")


def loading_dates(result) -> list[date]:
    return due_dates(result.of_phase("loading"))


def test_loading_doses_are_hydroxocobalamin_1_mg_im_given_in_clinic_with_no_time_of_day():
    first = plan_of("b12-im-standard", day("Mon 2026-01-05")).of_phase("loading")[0]

    assert (first.key, first.code, first.dose_mg, first.route, first.setting) == (
        "loading#1", "hydroxocobalamin", 1.0, "IM", "clinic")
    assert first.due_at is None
    assert first.status == "planned" and not first.provisional


def test_a_course_starting_on_a_saturday_begins_on_monday():
    assert loading_dates(plan_of("b12-im-standard", day("Sat 2026-01-03"))) == STANDARD_LOADING


def test_a_course_starting_on_a_tuesday_begins_on_the_wednesday():
    assert loading_dates(plan_of("b12-im-standard", day("Tue 2026-01-06"))) == days(
        "Wed 2026-01-07", "Fri 2026-01-09", "Mon 2026-01-12", "Wed 2026-01-14", "Fri 2026-01-16", "Mon 2026-01-19")


def test_a_course_starting_on_a_closed_day_begins_on_the_next_open_injection_day():
    clinic = ClinicCalendar(closed_dates=frozenset({day("Mon 2026-01-05")}))

    assert loading_dates(plan_of("b12-im-standard", day("Mon 2026-01-05"), calendar=clinic)) == days(
        "Wed 2026-01-07", "Fri 2026-01-09", "Mon 2026-01-12", "Wed 2026-01-14", "Fri 2026-01-16", "Mon 2026-01-19")


def test_closed_dates_over_christmas_and_new_year_are_skipped():
    clinic = ClinicCalendar(closed_dates=frozenset(days("Fri 2026-12-25", "Mon 2026-12-28", "Fri 2027-01-01")))

    assert loading_dates(plan_of("b12-im-standard", day("Mon 2026-12-21"), calendar=clinic)) == days(
        "Mon 2026-12-21", "Wed 2026-12-23", "Wed 2026-12-30", "Mon 2027-01-04", "Wed 2027-01-06", "Fri 2027-01-08")


def test_an_injection_weekday_the_clinic_is_closed_on_is_never_used():
    clinic = ClinicCalendar(open_weekdays=frozenset({0, 1, 2, 3}), injection_weekdays=frozenset({0, 2, 4}))

    assert loading_dates(plan_of("b12-im-standard", day("Mon 2026-01-05"), calendar=clinic)) == days(
        "Mon 2026-01-05", "Wed 2026-01-07", "Mon 2026-01-12", "Wed 2026-01-14", "Mon 2026-01-19", "Wed 2026-01-21")


def test_loading_follows_the_clinics_own_injection_weekdays():
    tue_thu = ClinicCalendar(injection_weekdays=frozenset({1, 3}))

    assert loading_dates(plan_of("b12-im-standard", day("Mon 2026-01-05"), calendar=tue_thu)) == days(
        "Tue 2026-01-06", "Thu 2026-01-08", "Tue 2026-01-13", "Thu 2026-01-15", "Tue 2026-01-20", "Thu 2026-01-22")


def test_weekdays_named_in_the_definition_override_the_clinics_but_closures_still_apply():
    definition = raw_definition("b12-im-standard")
    definition["phases"][0]["dose"]["timing"]["weekdays"] = "tue,thu"
    clinic = ClinicCalendar(closed_dates=frozenset({day("Thu 2026-01-08")}))

    result = plan_of(ProtocolDefinition.parse(definition), day("Mon 2026-01-05"), calendar=clinic)

    assert loading_dates(result) == days(
        "Tue 2026-01-06", "Tue 2026-01-13", "Thu 2026-01-15", "Tue 2026-01-20", "Thu 2026-01-22", "Tue 2026-01-27")


def test_home_doses_on_named_weekdays_keep_those_weekdays_and_ignore_clinic_closures():
    # Regression: a 'weekdays' timing taken at home used to be planned every day, ignoring its weekdays.
    definition = raw_definition("iron-oral-daily")
    definition["phases"][0]["dose"]["timing"] = {"pattern": "weekdays", "weekdays": "mon,thu", "time_of_day": "patient"}
    clinic = ClinicCalendar(closed_dates=frozenset({day("Mon 2026-01-12")}))

    result = plan_of(ProtocolDefinition.parse(definition), day("Sat 2026-01-03"), calendar=clinic,
                     horizon=day("Sun 2026-01-25"))

    assert due_dates(result.of_phase("treatment")) == days(
        "Mon 2026-01-05", "Thu 2026-01-08", "Mon 2026-01-12", "Thu 2026-01-15", "Mon 2026-01-19", "Thu 2026-01-22")


def test_a_missed_loading_dose_is_planned_again_on_the_next_injection_day():
    outcomes = recorded("loading", given(day("Mon 2026-01-05")), missed(day("Wed 2026-01-07")))

    result = plan_of("b12-im-standard", day("Mon 2026-01-05"), outcomes=outcomes)

    assert [(e.key, e.due_date, e.status) for e in result.of_phase("loading")][:3] == [
        ("loading#1", day("Mon 2026-01-05"), "given"),
        ("loading#2", day("Wed 2026-01-07"), "missed"),
        ("loading#3", day("Fri 2026-01-09"), "planned"),
    ]
    assert len([e for e in result.of_phase("loading") if e.status != "missed"]) == 6


def test_a_declined_dose_does_not_count_either():
    outcomes = recorded("loading", declined(day("Mon 2026-01-05")))

    result = plan_of("b12-im-standard", day("Mon 2026-01-05"), outcomes=outcomes)

    assert loading_dates(result) == [day("Mon 2026-01-05"), *STANDARD_LOADING[1:], day("Mon 2026-01-19")]


def test_a_miss_recorded_on_a_later_day_replans_strictly_after_the_day_it_was_recorded():
    outcomes = recorded("loading", given(day("Mon 2026-01-05")), missed(day("Fri 2026-01-09")))

    result = plan_of("b12-im-standard", day("Mon 2026-01-05"), outcomes=outcomes)

    assert [e.due_date for e in result.of_phase("loading") if e.status == "planned"] == days(
        "Mon 2026-01-12", "Wed 2026-01-14", "Fri 2026-01-16", "Mon 2026-01-19", "Wed 2026-01-21")


def test_a_dose_given_a_day_late_is_late_and_the_next_one_counts_from_the_day_it_was_given():
    outcomes = recorded("loading", given(day("Mon 2026-01-05")), given(day("Thu 2026-01-08")))

    result = plan_of("b12-im-standard", day("Mon 2026-01-05"), outcomes=outcomes)

    second, third = result.of_phase("loading")[1:3]
    assert (second.due_date, second.late) == (day("Thu 2026-01-08"), True)
    assert (second.window_start, second.window_end) == (day("Wed 2026-01-07"), day("Wed 2026-01-07"))
    assert third.due_date == day("Fri 2026-01-09")


def test_several_misses_in_a_row_keep_the_course_going_until_six_are_given():
    outcomes = recorded("loading", *(missed(d) for d in STANDARD_LOADING[:3]))

    result = plan_of("b12-im-standard", day("Mon 2026-01-05"), outcomes=outcomes)

    assert [e.due_date for e in result.of_phase("loading") if e.status == "planned"] == days(
        "Mon 2026-01-12", "Wed 2026-01-14", "Fri 2026-01-16", "Mon 2026-01-19", "Wed 2026-01-21", "Fri 2026-01-23")


def test_all_six_loading_doses_are_planned_even_beyond_a_short_horizon():
    result = plan_of("b12-im-standard", day("Mon 2026-01-05"), horizon=day("Mon 2026-01-05"))

    assert loading_dates(result) == STANDARD_LOADING
    assert result.of_phase("maintenance") == []


def test_loading_has_not_ended_until_the_sixth_dose_is_given():
    running = plan_of("b12-im-standard", day("Mon 2026-01-05"), outcomes=loading_given_on(*STANDARD_LOADING[:5]))
    done = plan_of("b12-im-standard", day("Mon 2026-01-05"), outcomes=loading_given_on(*STANDARD_LOADING))

    assert not running.span("loading").ended
    assert running.span("loading").end == day("Fri 2026-01-16")  # planned, not yet happened
    assert done.span("loading").ended
    assert (done.span("loading").start, done.span("loading").end) == (day("Mon 2026-01-05"), day("Fri 2026-01-16"))
    assert done.span("loading").first_given == day("Mon 2026-01-05")


def test_loading_can_not_be_cut_short_by_a_phase_end_because_it_ends_by_count():
    result = plan_of("b12-im-standard", day("Mon 2026-01-05"), phase_ends={"loading": day("Wed 2026-01-07")})

    assert loading_dates(result) == STANDARD_LOADING


def test_the_default_clinic_is_open_monday_to_friday_and_injects_monday_wednesday_friday():
    assert RIVERSIDE.open_weekdays == frozenset(range(5))
    assert RIVERSIDE.injection_weekdays == frozenset({0, 2, 4})

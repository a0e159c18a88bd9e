"""Windows, lateness and overdue events (PROTOCOLS.md section 2, rule 6).

A clinic-given dose has a window: 7 days before to 14 after due for maintenance, the due day
itself for loading. Given after the window = late; past the window end with nothing recorded =
overdue. `today` decides nothing else.
"""

from dataclasses import replace

from protocols.engine import LabValue

from .builders import day, days, given, loading_given_on, one, plan_of, recorded

JANUARY_LOADING = days("Mon 2026-01-05", "Wed 2026-01-07", "Fri 2026-01-09", "Mon 2026-01-12", "Wed 2026-01-14",
                       "Fri 2026-01-16")
LOADING_DONE = loading_given_on(*JANUARY_LOADING)


def maintenance_given_on(on):
    result = plan_of("b12-im-standard", day("Mon 2026-01-05"),
                     outcomes={**LOADING_DONE, **recorded("maintenance", given(on))})
    return one(result, "maintenance#1")


def test_a_loading_dose_window_is_its_due_day():
    for dose in plan_of("b12-im-standard", day("Mon 2026-01-05")).of_phase("loading"):
        assert dose.window_start == dose.due_date == dose.window_end


def test_a_maintenance_dose_given_on_the_last_day_of_its_window_is_not_late():
    dose = maintenance_given_on(day("Thu 2026-04-30"))

    assert dose.window_end == day("Thu 2026-04-30")
    assert (dose.status, dose.late) == ("given", False)


def test_a_maintenance_dose_given_the_day_after_its_window_is_late():
    dose = maintenance_given_on(day("Fri 2026-05-01"))

    assert (dose.status, dose.late) == ("given", True)
    assert dose.due_date == day("Fri 2026-05-01")  # a recorded dose shows the day it happened


def test_a_maintenance_dose_given_early_but_inside_its_window_is_on_time():
    assert not maintenance_given_on(day("Thu 2026-04-09")).late


def test_a_planned_dose_is_overdue_once_today_is_past_its_window_end():
    result = plan_of("b12-im-standard", day("Mon 2026-01-05"), outcomes=LOADING_DONE, today=day("Fri 2026-05-01"))

    assert one(result, "maintenance#1").status == "overdue"
    assert one(result, "maintenance#2").status == "planned"


def test_a_planned_dose_is_not_overdue_on_the_last_day_of_its_window():
    result = plan_of("b12-im-standard", day("Mon 2026-01-05"), outcomes=LOADING_DONE, today=day("Thu 2026-04-30"))

    assert one(result, "maintenance#1").status == "planned"


def test_a_loading_dose_is_overdue_the_day_after_it_was_due():
    result = plan_of("b12-im-standard", day("Mon 2026-01-05"), outcomes=loading_given_on(JANUARY_LOADING[0]),
                     today=day("Thu 2026-01-08"))

    assert [e.status for e in result.of_phase("loading")] == ["given", "overdue"] + ["planned"] * 4


def test_recorded_doses_are_never_overdue():
    result = plan_of("b12-im-standard", day("Mon 2026-01-05"), outcomes=LOADING_DONE, today=day("Fri 2027-01-01"))

    assert {e.status for e in result.of_phase("loading")} == {"given"}


def test_an_unrecorded_home_iron_dose_is_overdue_the_next_day():
    result = plan_of("iron-oral-daily", day("Sun 2026-03-01"), today=day("Tue 2026-03-03"))

    assert [e.status for e in result.of_phase("treatment")[:4]] == ["overdue", "overdue", "planned", "planned"]


def test_a_lab_test_is_overdue_after_its_window_and_not_when_its_results_are_in():
    labs = [LabValue("retic", day("Thu 2026-01-15"), 4.1), LabValue("hb", day("Thu 2026-01-15"), 102)]
    without = plan_of("b12-im-standard", day("Mon 2026-01-05"), outcomes=LOADING_DONE, today=day("Fri 2026-01-16"))
    with_results = plan_of("b12-im-standard", day("Mon 2026-01-05"), outcomes=LOADING_DONE, labs=labs,
                           today=day("Fri 2026-01-16"))

    assert one(without, "reticulocytes#1").status == "overdue"
    assert one(with_results, "reticulocytes#1").status == "done"


def test_without_a_today_nothing_is_overdue():
    result = plan_of("b12-im-standard", day("Mon 2026-01-05"))

    assert {e.status for e in result.events} == {"planned"}


def test_today_changes_no_date_only_whether_a_past_event_shows_as_overdue():
    without = plan_of("b12-im-standard", day("Mon 2026-01-05"), outcomes=loading_given_on(*JANUARY_LOADING[:2]))
    with_today = plan_of("b12-im-standard", day("Mon 2026-01-05"), outcomes=loading_given_on(*JANUARY_LOADING[:2]),
                         today=day("Mon 2026-06-01"))

    assert [replace(e, status="planned") if e.status == "overdue" else e for e in with_today.events] == list(
        without.events)
    assert with_today.phases == without.phases

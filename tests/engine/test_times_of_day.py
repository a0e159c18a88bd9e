"""Home doses at the patient's local time of day, across DST (PROTOCOLS.md section 2, rules 3 and 7).

'08:00' is 08:00 on the patient's clock (their IANA zone) on every date; it is stored as UTC.
"""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from protocols.engine import ClinicCalendar, PlanOptions, ProtocolDefinition

from .builders import day, days, due_dates, given, missed, plan_of, raw_definition, recorded


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def iron_due_at(result) -> dict:
    return {e.due_date: e.due_at for e in result.of_phase("treatment")}


@pytest.mark.parametrize(
    ("zone", "start", "before", "after"),
    [
        ("Europe/London", "2026-03-28", utc(2026, 3, 28, 8), utc(2026, 3, 29, 7)),
        ("Europe/London", "2026-10-24", utc(2026, 10, 24, 7), utc(2026, 10, 25, 8)),
        ("America/New_York", "2026-03-07", utc(2026, 3, 7, 13), utc(2026, 3, 8, 12)),
        ("America/New_York", "2026-10-31", utc(2026, 10, 31, 12), utc(2026, 11, 1, 13)),
        ("Australia/Sydney", "2026-04-04", utc(2026, 4, 3, 21), utc(2026, 4, 4, 22)),
        ("Australia/Sydney", "2026-10-03", utc(2026, 10, 2, 22), utc(2026, 10, 3, 21)),
        ("Asia/Kolkata", "2026-03-28", utc(2026, 3, 28, 2, 30), utc(2026, 3, 29, 2, 30)),
    ],
)
def test_a_daily_0800_dose_stays_at_0800_local_across_the_dst_change(zone, start, before, after):
    first_day = day(start)

    result = plan_of("iron-oral-daily", first_day, timezone=zone, horizon=first_day + timedelta(days=1))

    assert [e.due_at for e in result.of_phase("treatment")] == [before, after]
    assert {e.due_at.astimezone(ZoneInfo(zone)).time() for e in result.of_phase("treatment")} == {time(8, 0)}


def test_a_half_hour_zone_keeps_its_half_hour_all_year():
    result = plan_of("iron-oral-daily", day("Thu 2026-01-01"), timezone="Asia/Kolkata")

    assert {(e.due_at.hour, e.due_at.minute) for e in result.of_phase("treatment")} == {(2, 30)}


def test_the_patients_preferred_time_is_used_in_the_patients_zone_not_the_clinics():
    result = plan_of("iron-oral-daily", day("Wed 2026-07-01"), timezone="America/New_York",
                     calendar=ClinicCalendar(timezone="Europe/London"), options=PlanOptions(dose_time=time(21, 30)))

    assert result.of_phase("treatment")[0].due_at == utc(2026, 7, 2, 1, 30)  # 21:30 EDT, the next UTC day
    assert result.of_phase("treatment")[0].due_date == day("Wed 2026-07-01")


def test_a_preferred_time_in_the_spring_forward_gap_moves_forward_by_the_gap():
    result = plan_of("iron-oral-daily", day("Sat 2026-03-28"), options=PlanOptions(dose_time=time(1, 30)),
                     horizon=day("Mon 2026-03-30"))

    local = [e.due_at.astimezone(ZoneInfo("Europe/London")).time() for e in result.of_phase("treatment")]
    assert local == [time(1, 30), time(2, 30), time(1, 30)]


def test_a_preferred_time_repeated_at_fall_back_is_its_first_occurrence():
    result = plan_of("iron-oral-daily", day("Sun 2026-10-25"), options=PlanOptions(dose_time=time(1, 30)),
                     horizon=day("Sun 2026-10-25"))

    assert result.of_phase("treatment")[0].due_at == utc(2026, 10, 25, 0, 30)  # 01:30 BST, not 01:30 GMT


def test_a_fixed_time_of_day_in_the_definition_ignores_the_patients_preference():
    definition = raw_definition("folate-oral")
    definition["phases"][0]["dose"]["timing"]["time_of_day"] = "20:00"

    result = plan_of(ProtocolDefinition.parse(definition), day("Wed 2026-07-01"),
                     options=PlanOptions(dose_time=time(7, 0)))

    assert result.of_phase("treatment")[0].due_at == utc(2026, 7, 1, 19)


def test_a_recorded_dose_is_timed_on_the_day_it_was_taken():
    outcomes = recorded("treatment", given(day("Sun 2026-03-29")))

    result = plan_of("iron-oral-daily", day("Sat 2026-03-28"), outcomes=outcomes, horizon=day("Sun 2026-03-29"))

    first = result.of_phase("treatment")[0]
    assert (first.due_date, first.due_at) == (day("Sun 2026-03-29"), utc(2026, 3, 29, 7))


def test_clinic_injections_have_no_time_of_day():
    result = plan_of("b12-and-iron-concurrent", day("Mon 2026-01-05"))

    assert {e.due_at for e in result.of_phase("loading") + result.of_phase("maintenance")} == {None}
    assert None not in {e.due_at for e in result.of_phase("treatment")}


def test_oral_doses_at_home_are_not_moved_for_weekends_or_clinic_closures():
    clinic = ClinicCalendar(closed_dates=frozenset(days("Fri 2026-12-25", "Mon 2026-12-28")))

    result = plan_of("iron-oral-daily", day("Thu 2026-12-24"), calendar=clinic, horizon=day("Tue 2026-12-29"))

    assert due_dates(result.of_phase("treatment")) == days(
        "Thu 2026-12-24", "Fri 2026-12-25", "Sat 2026-12-26", "Sun 2026-12-27", "Mon 2026-12-28", "Tue 2026-12-29")


def test_alternate_day_iron_is_every_second_day_weekends_included():
    result = plan_of("iron-oral-alternate-day", day("Thu 2026-01-01"), horizon=day("Sun 2026-01-11"))

    assert due_dates(result.of_phase("treatment")) == days(
        "Thu 2026-01-01", "Sat 2026-01-03", "Mon 2026-01-05", "Wed 2026-01-07", "Fri 2026-01-09", "Sun 2026-01-11")


def test_a_missed_home_dose_is_taken_the_next_day_even_a_sunday():
    outcomes = recorded("treatment", missed(day("Sat 2026-01-03")))

    result = plan_of("iron-oral-alternate-day", day("Sat 2026-01-03"), outcomes=outcomes,
                     horizon=day("Wed 2026-01-07"))

    assert due_dates(result.of_phase("treatment")) == days("Sat 2026-01-03", "Sun 2026-01-04", "Tue 2026-01-06")


def test_the_chosen_iron_product_names_the_home_doses_but_not_the_b12_injections():
    options = PlanOptions(dose_code="ferrous-fumarate", dose_mg=210.0)

    result = plan_of("b12-and-iron-concurrent", day("Mon 2026-01-05"), options=options)

    assert {(e.code, e.dose_mg) for e in result.of_phase("treatment")} == {("ferrous-fumarate", 210.0)}
    assert {(e.code, e.dose_mg) for e in result.of_phase("loading")} == {("hydroxocobalamin", 1.0)}


def test_there_is_exactly_one_daily_dose_per_local_date_through_a_whole_year_of_dst_changes():
    zone = ZoneInfo("America/New_York")
    result = plan_of("iron-oral-daily", day("Thu 2026-01-01"), timezone="America/New_York")

    doses = result.of_phase("treatment")
    assert len(doses) == 366  # 1 Jan 2026 to the horizon, 1 Jan 2027, both included
    assert [e.due_at.astimezone(zone).date() for e in doses] == due_dates(doses)
    assert len({e.due_at for e in doses}) == len(doses)


def test_a_gap_starting_at_2300_moves_a_2330_dose_past_midnight_and_the_next_days_dose_still_follows():
    # America/Nuuk springs forward at 23:00 local on Saturday 28 March 2026 (to 00:00 on the 29th).
    zone = ZoneInfo("America/Nuuk")

    result = plan_of("iron-oral-daily", day("Sat 2026-03-28"), timezone="America/Nuuk",
                     options=PlanOptions(dose_time=time(23, 30)), horizon=day("Sun 2026-03-29"))

    saturday, sunday = result.of_phase("treatment")
    assert saturday.due_at.astimezone(zone).replace(tzinfo=None) == datetime(2026, 3, 29, 0, 30)
    assert sunday.due_at.astimezone(zone).replace(tzinfo=None) == datetime(2026, 3, 29, 23, 30)
    assert saturday.due_at < sunday.due_at

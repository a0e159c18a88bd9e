"""Calendar maths: calendar months, clinic open days and local times of day (PROTOCOLS.md section 2)."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from protocols.engine import ClinicCalendar, add_months, add_period, format_weekdays, local_instant, parse_weekdays

from .builders import day


class TestCalendarMonths:
    @pytest.mark.parametrize(
        ("start", "months", "expected"),
        [
            ("2026-08-31", 3, "2026-11-30"),  # the spec's own example: clipped to November's 30 days
            ("2026-01-31", 1, "2026-02-28"),
            ("2028-01-31", 1, "2028-02-29"),  # leap year
            ("2027-11-29", 3, "2028-02-29"),  # lands on a leap day
            ("2028-02-29", 12, "2029-02-28"),  # a leap day a year later does not exist
            ("2028-02-29", 48, "2032-02-29"),
            ("2026-11-30", 3, "2027-02-28"),
            ("2026-10-31", 2, "2026-12-31"),
            ("2026-12-15", 1, "2027-01-15"),  # across a year end
            ("2026-03-31", -1, "2026-02-28"),  # backwards, clipped too
            ("2026-05-17", 0, "2026-05-17"),
        ],
    )
    def test_months_are_added_with_the_day_clipped_to_the_months_length(self, start, months, expected):
        assert add_months(date.fromisoformat(start), months) == date.fromisoformat(expected)

    def test_months_are_counted_from_the_date_not_chained_so_a_clipped_day_comes_back(self):
        assert add_months(date(2026, 1, 31), 2) == date(2026, 3, 31)
        assert add_months(add_months(date(2026, 1, 31), 1), 1) == date(2026, 3, 28)

    @pytest.mark.parametrize(
        ("value", "unit", "expected"),
        [(2, "day", "2026-03-02"), (1, "week", "2026-03-07"), (1, "month", "2026-03-28"), (1, "year", "2027-02-28")],
    )
    def test_a_period_can_be_days_weeks_months_or_years(self, value, unit, expected):
        assert add_period(date(2026, 2, 28), value, unit) == date.fromisoformat(expected)

    def test_a_year_from_a_leap_day_is_the_28th_of_february(self):
        assert add_period(date(2028, 2, 29), 1, "year") == date(2029, 2, 28)

    def test_an_unknown_period_unit_is_refused(self):
        with pytest.raises(ValueError, match="fortnight"):
            add_period(date(2026, 1, 1), 1, "fortnight")


class TestWeekdays:
    def test_weekday_names_are_read_in_any_case_and_spelling_length(self):
        assert parse_weekdays("Mon, wednesday ,FRI") == frozenset({0, 2, 4})
        assert parse_weekdays(["tue", "thu"]) == frozenset({1, 3})

    def test_weekdays_are_written_back_in_week_order(self):
        assert format_weekdays({4, 0, 2}) == "mon,wed,fri"

    def test_an_unknown_weekday_is_refused_naming_it(self):
        with pytest.raises(ValueError, match="'fry'"):
            parse_weekdays("mon,fry")

    def test_no_weekday_at_all_is_refused(self):
        with pytest.raises(ValueError, match="at least one"):
            parse_weekdays([])


class TestClinicCalendar:
    clinic = ClinicCalendar(closed_dates=frozenset({day("Fri 2026-12-25"), day("Mon 2026-12-28")}))

    def test_an_open_day_is_its_own_next_open_day(self):
        assert self.clinic.next_open_day(day("Wed 2026-12-23")) == day("Wed 2026-12-23")

    def test_a_weekend_moves_to_monday(self):
        assert self.clinic.next_open_day(day("Sat 2026-12-19")) == day("Mon 2026-12-21")

    def test_closed_dates_and_the_weekend_between_them_are_all_skipped(self):
        assert self.clinic.next_open_day(day("Fri 2026-12-25")) == day("Tue 2026-12-29")

    def test_the_next_injection_day_is_an_open_injection_weekday(self):
        assert self.clinic.next_injection_day(day("Tue 2026-12-22")) == day("Wed 2026-12-23")
        assert self.clinic.next_injection_day(day("Thu 2026-12-24")) == day("Wed 2026-12-30")

    def test_a_calendar_with_no_open_injection_day_is_refused_rather_than_looping(self):
        closed = ClinicCalendar(open_weekdays=frozenset({1, 3}), injection_weekdays=frozenset({0, 2, 4}))
        with pytest.raises(ValueError, match="no open injection day"):
            closed.next_injection_day(date(2026, 1, 5))

    def test_a_calendar_with_no_open_day_is_refused_rather_than_looping(self):
        always_closed = ClinicCalendar(open_weekdays=frozenset())
        with pytest.raises(ValueError, match="no open day"):
            always_closed.next_open_day(date(2026, 1, 5))


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


class TestLocalTimesOfDay:
    @pytest.mark.parametrize(
        ("zone", "local_day", "expected"),
        [
            # Europe/London: GMT, then BST from Sun 29 March 2026, back to GMT on Sun 25 October
            ("Europe/London", "2026-03-28", utc(2026, 3, 28, 8)),
            ("Europe/London", "2026-03-29", utc(2026, 3, 29, 7)),
            ("Europe/London", "2026-10-24", utc(2026, 10, 24, 7)),
            ("Europe/London", "2026-10-25", utc(2026, 10, 25, 8)),
            # America/New_York: EDT from Sun 8 March 2026, EST again from Sun 1 November
            ("America/New_York", "2026-03-07", utc(2026, 3, 7, 13)),
            ("America/New_York", "2026-03-08", utc(2026, 3, 8, 12)),
            ("America/New_York", "2026-10-31", utc(2026, 10, 31, 12)),
            ("America/New_York", "2026-11-01", utc(2026, 11, 1, 13)),
            # Australia/Sydney, southern hemisphere: AEDT ends Sun 5 April 2026, starts Sun 4 October
            ("Australia/Sydney", "2026-04-04", utc(2026, 4, 3, 21)),
            ("Australia/Sydney", "2026-04-05", utc(2026, 4, 4, 22)),
            ("Australia/Sydney", "2026-10-03", utc(2026, 10, 2, 22)),
            ("Australia/Sydney", "2026-10-04", utc(2026, 10, 3, 21)),
            # Asia/Kolkata: a half-hour offset and no DST at all
            ("Asia/Kolkata", "2026-03-29", utc(2026, 3, 29, 2, 30)),
            ("Asia/Kolkata", "2026-10-25", utc(2026, 10, 25, 2, 30)),
        ],
    )
    def test_0800_is_0800_on_the_local_clock_on_both_sides_of_a_dst_change(self, zone, local_day, expected):
        instant = local_instant(date.fromisoformat(local_day), time(8, 0), zone)

        assert instant == expected
        assert instant.tzinfo is UTC
        assert instant.astimezone(ZoneInfo(zone)).time() == time(8, 0)

    @pytest.mark.parametrize(
        ("zone", "local_day", "wall", "expected", "seen_locally"),
        [
            ("Europe/London", "2026-03-29", time(1, 30), utc(2026, 3, 29, 1, 30), time(2, 30)),
            ("America/New_York", "2026-03-08", time(2, 30), utc(2026, 3, 8, 7, 30), time(3, 30)),
            ("Australia/Sydney", "2026-10-04", time(2, 30), utc(2026, 10, 3, 16, 30), time(3, 30)),
            # Lord Howe Island moves its clocks by half an hour: the gap is 30 minutes
            ("Australia/Lord_Howe", "2026-10-04", time(2, 15), utc(2026, 10, 3, 15, 45), time(2, 45)),
        ],
    )
    def test_a_time_in_the_spring_forward_gap_moves_forward_by_the_gap(self, zone, local_day, wall, expected,
                                                                        seen_locally):
        instant = local_instant(date.fromisoformat(local_day), wall, zone)

        assert instant == expected
        assert instant.astimezone(ZoneInfo(zone)).time() == seen_locally

    @pytest.mark.parametrize(
        ("zone", "local_day", "wall", "first", "second"),
        [
            ("Europe/London", "2026-10-25", time(1, 30), utc(2026, 10, 25, 0, 30), utc(2026, 10, 25, 1, 30)),
            ("America/New_York", "2026-11-01", time(1, 30), utc(2026, 11, 1, 5, 30), utc(2026, 11, 1, 6, 30)),
            ("Australia/Sydney", "2026-04-05", time(2, 30), utc(2026, 4, 4, 15, 30), utc(2026, 4, 4, 16, 30)),
        ],
    )
    def test_an_ambiguous_fall_back_time_is_its_first_occurrence(self, zone, local_day, wall, first, second):
        instant = local_instant(date.fromisoformat(local_day), wall, zone)

        later = datetime.combine(date.fromisoformat(local_day), wall, tzinfo=ZoneInfo(zone)).replace(fold=1)
        assert later.astimezone(UTC) == second  # the same wall time really happens twice, an hour apart
        assert instant == first
        assert second - first == timedelta(hours=1)

    def test_the_zone_may_be_a_zoneinfo_object_and_a_times_own_tzinfo_is_ignored(self):
        wall = time(8, 0, tzinfo=ZoneInfo("Asia/Tokyo"))
        assert local_instant(date(2026, 7, 1), wall, ZoneInfo("Europe/London")) == utc(2026, 7, 1, 7)

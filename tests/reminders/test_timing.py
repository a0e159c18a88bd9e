"""When reminders go out: local times across DST, quiet hours, catching up. No database."""

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from reminders.timing import QUIET_HOURS_SKIP_REASON, QuietHours, Rules, appointment_slot, dose_slot, lab_slot

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
NIGHT = QuietHours(time(21, 0), time(8, 0))
LONG_AGO = datetime(2026, 1, 1, tzinfo=UTC)


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def rules(zone=LONDON, **changes) -> Rules:
    return Rules(zone=zone, quiet=changes.pop("quiet", NIGHT), **changes)


def test_an_appointment_reminder_is_at_18_00_local_the_day_before():
    slot = appointment_slot(date(2026, 1, 7), rules(), LONG_AGO)
    assert slot.send_at == utc(2026, 1, 6, 18, 0)
    assert not slot.late and not slot.skipped_reason


def test_the_day_before_the_first_monday_of_british_summer_time_it_is_18_00_bst():
    # Sunday 29 March 2026 is the first day of BST: 18:00 local is 17:00 UTC.
    assert appointment_slot(date(2026, 3, 30), rules(), LONG_AGO).send_at == utc(2026, 3, 29, 17, 0)
    assert appointment_slot(date(2026, 3, 28), rules(), LONG_AGO).send_at == utc(2026, 3, 27, 18, 0)


def test_the_day_the_clocks_go_back_in_london_it_is_18_00_gmt():
    # Sunday 25 October 2026: BST ends at 02:00, so 18:00 local is 18:00 UTC (17:00 UTC the day before).
    assert appointment_slot(date(2026, 10, 26), rules(), LONG_AGO).send_at == utc(2026, 10, 25, 18, 0)
    assert appointment_slot(date(2026, 10, 25), rules(), LONG_AGO).send_at == utc(2026, 10, 24, 17, 0)


def test_in_new_york_both_dst_changes_keep_the_local_time():
    # DST starts Sunday 8 March 2026 and ends Sunday 1 November 2026.
    ny = rules(NEW_YORK)
    assert appointment_slot(date(2026, 3, 9), ny, LONG_AGO).send_at == utc(2026, 3, 8, 22, 0)  # EDT, UTC-4
    assert appointment_slot(date(2026, 3, 8), ny, LONG_AGO).send_at == utc(2026, 3, 7, 23, 0)  # EST, UTC-5
    assert appointment_slot(date(2026, 11, 2), ny, LONG_AGO).send_at == utc(2026, 11, 1, 23, 0)  # EST again
    assert lab_slot(date(2026, 3, 8), date(2026, 3, 20), ny, LONG_AGO).send_at == utc(2026, 3, 8, 13, 0)


def test_a_blood_test_reminder_is_at_09_00_local_when_the_window_opens():
    slot = lab_slot(date(2026, 6, 1), date(2026, 6, 14), rules(), LONG_AGO)
    assert slot.send_at == utc(2026, 6, 1, 8, 0)  # 09:00 BST


def test_a_reminder_the_clinic_set_inside_quiet_hours_moves_to_the_end_of_them():
    late_evening = rules(appointment_time=time(22, 30))
    slot = appointment_slot(date(2026, 1, 7), late_evening, LONG_AGO)
    assert slot.send_at == utc(2026, 1, 7, 8, 0)  # 08:00 on the day, still before appointments start at 09:00


def test_a_reminder_moved_by_quiet_hours_across_the_spring_forward_night_lands_at_08_00_bst():
    early = rules(lab_time=time(6, 0))
    slot = lab_slot(date(2026, 3, 29), date(2026, 4, 5), early, LONG_AGO)
    assert slot.send_at == utc(2026, 3, 29, 7, 0)


def test_a_reminder_that_quiet_hours_would_push_past_the_appointment_is_skipped():
    slot = appointment_slot(date(2026, 1, 7), rules(appointment_time=time(22, 30), appointments_start_at=time(7, 30)),
                            LONG_AGO)
    assert slot.skipped_reason == QUIET_HOURS_SKIP_REASON


def test_quiet_hours_that_do_not_cross_midnight_also_hold_a_reminder_back():
    lunch = rules(quiet=QuietHours(time(12, 0), time(14, 0)), lab_time=time(12, 30))
    assert lab_slot(date(2026, 1, 7), date(2026, 1, 9), lunch, LONG_AGO).send_at == utc(2026, 1, 7, 14, 0)


def test_equal_start_and_end_means_no_quiet_hours():
    none = rules(quiet=QuietHours(time(0, 0), time(0, 0)), appointment_time=time(23, 0))
    assert appointment_slot(date(2026, 1, 7), none, LONG_AGO).send_at == utc(2026, 1, 6, 23, 0)


def test_a_time_the_patient_chose_is_honoured_even_in_quiet_hours():
    owl = rules(patient_time=time(22, 45))
    assert appointment_slot(date(2026, 1, 7), owl, LONG_AGO).send_at == utc(2026, 1, 6, 22, 45)
    assert dose_slot(utc(2026, 1, 6, 23, 15), LONG_AGO).send_at == utc(2026, 1, 6, 23, 15)


def test_a_time_in_the_spring_forward_gap_moves_forward_by_the_gap():
    # 01:30 does not exist in London on 29 March 2026: it becomes 02:30 BST, i.e. 01:30 UTC.
    night_owl = rules(quiet=QuietHours(time(0, 0), time(0, 0)), lab_time=time(1, 30))
    assert lab_slot(date(2026, 3, 29), date(2026, 4, 5), night_owl, LONG_AGO).send_at == utc(2026, 3, 29, 1, 30)


def test_an_appointment_booked_after_the_reminder_time_is_reminded_at_once():
    now = utc(2026, 1, 6, 19, 0)
    slot = appointment_slot(date(2026, 1, 7), rules(), now)
    assert slot.send_at == now and slot.late


def test_catching_up_at_night_waits_for_the_morning_when_that_is_still_before_the_appointment():
    slot = appointment_slot(date(2026, 1, 7), rules(), utc(2026, 1, 6, 22, 0))
    assert slot.send_at == utc(2026, 1, 7, 8, 0)


def test_nothing_is_planned_once_the_appointment_or_the_test_window_has_passed():
    assert appointment_slot(date(2026, 1, 7), rules(), utc(2026, 1, 7, 10, 0)) is None
    assert lab_slot(date(2026, 1, 1), date(2026, 1, 7), rules(), utc(2026, 1, 8, 0, 0)) is None


def test_a_dose_time_that_has_passed_is_marked_late():
    assert dose_slot(utc(2026, 1, 6, 8, 0), utc(2026, 1, 6, 9, 0)).late
    assert dose_slot(None, LONG_AGO) is None

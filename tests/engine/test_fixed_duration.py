"""Folic acid: a fixed course of 4 calendar months (PROTOCOLS.md section 1)."""

from .builders import day, plan_of


def test_folic_acid_is_5_mg_at_home_every_day_for_4_calendar_months():
    result = plan_of("folate-oral", day("Mon 2026-01-05"))

    doses = result.of_phase("treatment")
    assert (doses[0].code, doses[0].dose_mg, doses[0].setting) == ("folic-acid", 5.0, "home")
    assert (doses[0].due_date, doses[-1].due_date) == (day("Mon 2026-01-05"), day("Mon 2026-05-04"))
    assert len(doses) == 120
    span = result.span("treatment")
    assert (span.end, span.ended) == (day("Mon 2026-05-04"), True)


def test_a_course_starting_on_31_october_ends_with_february_clipped_to_its_28_days():
    result = plan_of("folate-oral", day("Sat 2026-10-31"))

    assert result.of_phase("treatment")[-1].due_date == day("Sat 2027-02-27")
    assert result.span("treatment").end == day("Sat 2027-02-27")


def test_a_course_starting_on_a_leap_day_ends_four_months_later():
    result = plan_of("folate-oral", day("Tue 2028-02-29"))

    assert result.of_phase("treatment")[-1].due_date == day("Wed 2028-06-28")


def test_the_course_end_is_known_even_when_the_horizon_is_shorter():
    result = plan_of("folate-oral", day("Mon 2026-01-05"), horizon=day("Sat 2026-01-31"))

    assert result.of_phase("treatment")[-1].due_date == day("Sat 2026-01-31")
    assert result.span("treatment").end == day("Mon 2026-05-04")

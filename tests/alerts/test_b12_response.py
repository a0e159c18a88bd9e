"""b12-no-reticulocyte-response (days 7-10 after the first dose given, not above baseline) and
b12-hb-not-normal-8w (Hb at weeks 7-9 still below normal)."""

from datetime import date, timedelta

import pytest

from alerts.models import Alert

from .helpers import codes, enroll, give, lab

START = date(2026, 1, 5)  # a Monday: the first loading dose is given that day


def day(n: int) -> date:
    return START + timedelta(days=n)


@pytest.fixture
def on_b12(cara, young):
    lab(cara, young, "retic", 1.0, START)
    enrollment = enroll(cara, young, "b12-im-standard", START)
    give(cara, enrollment, "loading#1", START)
    return enrollment


@pytest.mark.parametrize("n", [7, 8, 10])
def test_it_flags_reticulocytes_not_above_baseline_on_days_7_to_10(cara, young, on_b12, n):
    lab(cara, young, "retic", 1.0, day(n))
    alert = Alert.objects.get(patient=young, code="b12-no-reticulocyte-response")
    assert alert.severity == "high" and alert.enrollment == on_b12
    assert alert.facts["baseline"] == 1.0 and alert.facts["day"] == n
    assert "folate" in alert.message


def test_a_reticulocyte_rise_is_a_response(cara, young, on_b12):
    lab(cara, young, "retic", 1.1, day(8))
    assert codes(young) == []


@pytest.mark.parametrize("n", [6, 11])
def test_reticulocytes_outside_days_7_to_10_are_not_judged(cara, young, on_b12, n):
    lab(cara, young, "retic", 0.8, day(n))
    assert codes(young) == []


def test_days_count_from_the_first_dose_actually_given(cara, young):
    lab(cara, young, "retic", 1.0, START)
    enrollment = enroll(cara, young, "b12-im-standard", START)
    give(cara, enrollment, "loading#1", START, outcome="missed")
    give(cara, enrollment, "loading#2", day(2))  # first given on Wednesday 7 January
    lab(cara, young, "retic", 0.9, day(8))  # day 6 after the first dose given
    assert codes(young) == ["dose-missed"]
    lab(cara, young, "retic", 0.9, day(9))  # day 7
    assert codes(young) == ["b12-no-reticulocyte-response", "dose-missed"]


def test_while_no_dose_is_recorded_days_count_from_the_first_planned_dose(cara, young):
    lab(cara, young, "retic", 1.0, START)
    enroll(cara, young, "b12-im-standard", START)
    lab(cara, young, "retic", 0.9, day(8))
    alert = Alert.objects.get(patient=young, code="b12-no-reticulocyte-response")
    assert alert.facts["first_dose_given"] == "2026-01-05" and alert.facts["first_dose_recorded"] is False


def test_before_the_first_planned_dose_there_is_no_response_to_judge(cara, young):
    lab(cara, young, "retic", 1.0, START)
    enroll(cara, young, "b12-im-standard", START + timedelta(days=30))
    lab(cara, young, "retic", 0.9, day(8))
    assert codes(young) == []


def test_without_a_baseline_nothing_can_be_said(cara, young):
    enrollment = enroll(cara, young, "b12-im-standard", START)
    give(cara, enrollment, "loading#1", START)
    lab(cara, young, "retic", 0.5, day(8))
    assert codes(young) == []


def test_an_absolute_count_is_compared_with_an_absolute_baseline_only(cara, young, on_b12):
    lab(cara, young, "retic-abs", 30, day(8))
    assert codes(young) == []


@pytest.mark.parametrize("n", [49, 56, 63])
def test_it_flags_hb_below_normal_at_weeks_7_to_9(cara, young, on_b12, n):
    lab(cara, young, "hb", 119, day(n))
    alert = Alert.objects.get(patient=young, code="b12-hb-not-normal-8w")
    assert alert.facts["hb_g_l"] == 119 and alert.facts["hb_normal_g_l"] == 120
    assert "ferritin" in alert.message


def test_a_normal_hb_at_8_weeks_is_fine(cara, young, on_b12):
    lab(cara, young, "hb", 120, day(56))
    assert codes(young) == []


@pytest.mark.parametrize("n", [48, 64])
def test_hb_outside_weeks_7_to_9_is_not_the_8_week_check(cara, young, on_b12, n):
    lab(cara, young, "hb", 100, day(n))
    assert codes(young) == []


def test_a_man_is_judged_against_the_male_normal(cara, clinic, on_b12, young):
    young.sex = "male"
    young.save()
    lab(cara, young, "hb", 125, day(56))
    assert codes(young) == ["b12-hb-not-normal-8w"]
    assert Alert.objects.get(patient=young).facts["hb_normal_g_l"] == 130

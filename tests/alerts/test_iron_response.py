"""iron-suboptimal-response (Hb days 10-20 rose < 10 g/L) and iron-inadequate-response
(Hb days 21-35 rose < 20 g/L and not normal), from the baseline Hb of the 4 weeks before iron start."""

from datetime import date, timedelta

import pytest

from alerts.models import Alert

from .helpers import codes, enroll, lab

START = date(2026, 3, 2)


def day(n: int) -> date:
    return START + timedelta(days=n)


@pytest.fixture
def on_iron(cara, young):
    lab(cara, young, "hb", 95, START - timedelta(days=3))
    return enroll(cara, young, "iron-oral-daily", START)


@pytest.mark.parametrize("n", [10, 15, 20])
def test_it_flags_a_rise_under_10_g_l_on_days_10_to_20(cara, young, on_iron, n):
    lab(cara, young, "hb", 104, day(n))
    alert = Alert.objects.get(patient=young, code="iron-suboptimal-response")
    assert alert.severity == "warning"
    assert alert.enrollment == on_iron
    assert alert.facts["rise_g_l"] == 9 and alert.facts["day"] == n and alert.facts["baseline_hb_g_l"] == 95
    assert "adherence" in alert.message


def test_a_rise_of_exactly_10_g_l_is_enough(cara, young, on_iron):
    lab(cara, young, "hb", 105, day(14))
    assert codes(young) == []


@pytest.mark.parametrize("n", [9, 21])
def test_a_low_rise_outside_days_10_to_20_is_not_an_early_response_check(cara, young, on_iron, n):
    lab(cara, young, "hb", 96, day(n))
    assert "iron-suboptimal-response" not in codes(young)


def test_without_a_baseline_hb_nothing_can_be_said(cara, young):
    lab(cara, young, "hb", 95, START - timedelta(days=29))  # older than 4 weeks: not a baseline
    enroll(cara, young, "iron-oral-daily", START)
    lab(cara, young, "hb", 96, day(12))
    assert codes(young) == []


@pytest.mark.parametrize("n", [21, 28, 35])
def test_it_flags_a_rise_under_20_g_l_below_normal_on_days_21_to_35(cara, young, on_iron, n):
    lab(cara, young, "hb", 114, day(n))
    alert = Alert.objects.get(patient=young, code="iron-inadequate-response")
    assert alert.severity == "high"
    assert alert.facts["rise_g_l"] == 19 and alert.facts["hb_normal_g_l"] == 120
    assert "IV iron" in alert.message


def test_a_rise_of_exactly_20_g_l_is_adequate(cara, young, on_iron):
    lab(cara, young, "hb", 115, day(28))
    assert codes(young) == []


def test_a_small_rise_to_a_normal_hb_is_adequate(cara, young):
    lab(cara, young, "hb", 110, START)
    enroll(cara, young, "iron-oral-daily", START)
    lab(cara, young, "hb", 120, day(28))  # +10 only, but normal for a woman
    assert codes(young) == []


@pytest.mark.parametrize("n", [20, 36])
def test_a_low_rise_outside_days_21_to_35_is_not_a_four_week_check(cara, young, on_iron, n):
    lab(cara, young, "hb", 100, day(n))
    assert "iron-inadequate-response" not in codes(young)


def test_the_normal_hb_is_the_clinics(cara, young, on_iron, clinic):
    clinic.thresholds = {"hb_normal_female_g_l": 110, "iron_inadequate_rise_g_l": 15}
    clinic.save()
    lab(cara, young, "hb", 108, day(28))  # +13: below both the clinic's rise and its normal
    assert codes(young) == ["iron-inadequate-response"]
    assert Alert.objects.get(patient=young).facts["expected_rise_g_l"] == 15


def test_the_same_result_never_opens_a_second_alert(cara, young, on_iron):
    lab(cara, young, "hb", 100, day(12))
    lab(cara, young, "ferritin", 10, day(12))  # another record re-runs every rule
    lab(cara, young, "hb", 101, day(13))  # a second low result while the first alert is open
    assert codes(young) == ["iron-suboptimal-response"]


def test_iron_after_b12_starts_when_loading_actually_ends(cara, young):
    lab(cara, young, "hb", 95, START)
    enroll(cara, young, "b12-then-iron", START)
    lab(cara, young, "hb", 96, day(12))  # B12 loading still running: iron has not started
    assert codes(young) == []


def test_a_result_entered_in_error_resolves_its_alert(cara, young, on_iron):
    from patients.services import lab_result_mark_entered_in_error

    result = lab(cara, young, "hb", 100, day(12))
    lab_result_mark_entered_in_error(actor=cara, result=result, reason="wrong patient's sample")
    alert = Alert.objects.get(patient=young)
    assert alert.status == "resolved"
    assert "entered-in-error" in alert.resolution_note

"""hb-fell-in-follow-up: Hb below normal once oral iron treatment has ended."""

from datetime import date

import time_machine

from alerts.models import Alert
from patients.services import enrollment_end_phase

from .helpers import at, codes, enroll, lab

START = date(2026, 1, 5)


def test_hb_below_normal_in_follow_up_is_flagged(cara, young):
    enroll(cara, young, "iron-oral-daily", START)
    lab(cara, young, "hb", 125, date(2026, 2, 2))  # normal: treatment ends 3 months later, on 1 May
    lab(cara, young, "hb", 118, date(2026, 5, 1))  # still in treatment
    assert codes(young) == []
    lab(cara, young, "hb", 118, date(2026, 5, 2))  # the first day of follow-up
    alert = Alert.objects.get(patient=young, code="hb-fell-in-follow-up")
    assert alert.severity == "high" and alert.facts["follow_up_start"] == "2026-05-02"
    assert "Restart iron" in alert.message


def test_a_normal_hb_in_follow_up_is_fine(cara, young):
    enroll(cara, young, "iron-oral-daily", START)
    lab(cara, young, "hb", 125, date(2026, 2, 2))
    lab(cara, young, "hb", 121, date(2026, 7, 1))
    assert codes(young) == []


def test_follow_up_after_a_clinician_ends_treatment(cara, young):
    enrollment = enroll(cara, young, "iron-oral-daily", START)
    with time_machine.travel(at(date(2026, 3, 1)), tick=False):
        enrollment_end_phase(actor=cara, enrollment=enrollment, phase="treatment", on=date(2026, 3, 1),
                             reason="intolerance; referred for IV iron")
    lab(cara, young, "hb", 100, date(2026, 3, 10))
    assert codes(young) == ["hb-fell-in-follow-up"]

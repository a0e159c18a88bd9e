"""dose-missed, maintenance-overdue and iron-low-adherence: recorded outcomes and the passing of time."""

from datetime import date, timedelta

import pytest
import time_machine

from alerts.models import Alert
from alerts.services import alert_resolve
from alerts.tasks import alerts_sweep_clinic

from .helpers import at, codes, enroll, give

MONDAY = date(2026, 1, 5)


def sweep_on(clinic, day: date) -> dict:
    with time_machine.travel(at(day, 7), tick=False):
        return alerts_sweep_clinic(clinic.pk)


@pytest.fixture
def loading(cara, young):
    return enroll(cara, young, "b12-im-standard", MONDAY)


def test_a_loading_dose_recorded_missed_opens_an_alert_at_once(cara, young, loading):
    record = give(cara, loading, "loading#1", outcome="missed")
    alert = Alert.objects.get(patient=young, code="dose-missed")
    assert alert.facts["administration_ids"] == [record.pk] and alert.facts["due_date"] == "2026-01-05"
    assert "Contact the patient" in alert.message


def test_a_declined_dose_is_not_a_missed_one(cara, young, loading):
    give(cara, loading, "loading#1", outcome="declined")
    assert codes(young) == []


def test_an_unrecorded_loading_dose_is_flagged_a_day_after_it_was_due(clinic, young, loading):
    assert sweep_on(clinic, MONDAY)["dose-missed"] == 0
    assert sweep_on(clinic, MONDAY + timedelta(days=1))["dose-missed"] == 1
    alert = Alert.objects.get(patient=young, code="dose-missed")
    assert alert.facts["overdue_days"] == 1 and alert.enrollment == loading


def test_the_same_overdue_dose_never_opens_a_second_alert(cara, clinic, young, loading):
    sweep_on(clinic, MONDAY + timedelta(days=1))
    sweep_on(clinic, MONDAY + timedelta(days=1))
    give(cara, loading, "loading#1", MONDAY + timedelta(days=1), outcome="missed")
    sweep_on(clinic, MONDAY + timedelta(days=2))
    assert codes(young) == ["dose-missed"]


def test_the_sweep_leaves_other_clinics_alone(otto, other_clinic, young, loading):
    assert sweep_on(other_clinic, MONDAY + timedelta(days=3)) == {
        "dose-missed": 0, "maintenance-overdue": 0, "iron-low-adherence": 0, "check-b12-age-60": 0}
    assert codes(young) == []


@pytest.fixture
def maintained(cara, loading):
    for n in range(1, 7):
        give(cara, loading, f"loading#{n}")
    return loading  # maintenance #1 due Thursday 16 April 2026


def test_a_maintenance_dose_more_than_14_days_late_is_flagged(clinic, young, maintained):
    assert sweep_on(clinic, date(2026, 4, 30))["maintenance-overdue"] == 0  # 14 days
    assert sweep_on(clinic, date(2026, 5, 1))["maintenance-overdue"] == 1  # 15 days
    alert = Alert.objects.get(patient=young, code="maintenance-overdue")
    assert alert.facts == {"event": alert.facts["event"], "due_date": "2026-04-16", "overdue_days": 15, "limit_days": 14}
    assert sweep_on(clinic, date(2026, 5, 2))["maintenance-overdue"] == 0


def test_a_maintenance_dose_given_late_is_not_flagged(cara, clinic, young, maintained):
    give(cara, maintained, "maintenance#1", date(2026, 4, 28))
    assert sweep_on(clinic, date(2026, 5, 5))["maintenance-overdue"] == 0


IRON = date(2026, 3, 2)
DAY_28 = IRON + timedelta(days=28)  # the sweep then looks at the 28 doses of 2 to 29 March


@pytest.fixture
def on_iron(cara, young):
    return enroll(cara, young, "iron-oral-daily", IRON)


def confirm(cara, enrollment, days: int):
    for n in range(1, days + 1):
        give(cara, enrollment, f"treatment#{n}")


def test_fewer_than_80_percent_of_oral_doses_confirmed_is_flagged(cara, clinic, young, on_iron):
    confirm(cara, on_iron, 22)  # 78.6 %
    assert sweep_on(clinic, DAY_28)["iron-low-adherence"] == 1
    alert = Alert.objects.get(patient=young, code="iron-low-adherence")
    assert (alert.facts["confirmed"], alert.facts["planned"], alert.facts["from"]) == (22, 28, "2026-03-02")


def test_80_percent_confirmed_is_enough(cara, clinic, young, on_iron):
    confirm(cara, on_iron, 23)  # 82.1 %
    assert sweep_on(clinic, DAY_28)["iron-low-adherence"] == 0


def test_the_first_days_of_treatment_are_too_few_to_judge(clinic, young, on_iron):
    assert sweep_on(clinic, IRON + timedelta(days=6))["iron-low-adherence"] == 0
    assert sweep_on(clinic, IRON + timedelta(days=7))["iron-low-adherence"] == 1


def test_low_adherence_opens_one_alert_until_new_doses_are_missed(clinic, young, nina, on_iron):
    sweep_on(clinic, DAY_28)
    sweep_on(clinic, DAY_28 + timedelta(days=1))
    alert = Alert.objects.get(patient=young, code="iron-low-adherence")
    with time_machine.travel(at(DAY_28 + timedelta(days=1), 12), tick=False):
        alert_resolve(alert=alert, actor=nina, note="talked it through")
    assert sweep_on(clinic, DAY_28 + timedelta(days=10))["iron-low-adherence"] == 0, "same doses discussed"
    assert sweep_on(clinic, DAY_28 + timedelta(days=30))["iron-low-adherence"] == 1, "28 new days, still low"


def test_a_missed_dose_entered_in_error_resolves_its_alert(cara, young, loading):
    from patients.services import administration_mark_entered_in_error

    record = give(cara, loading, "loading#1", outcome="missed")
    administration_mark_entered_in_error(actor=cara, administration=record, reason="she was here")
    assert Alert.objects.get(patient=young).status == "resolved"

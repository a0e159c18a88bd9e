"""The guards in the services the API and the pages share: one active plan per treatment arm, the folate guard as
of the start date, alerts the system resolves."""

from datetime import date

import pytest
import time_machine

from alerts.models import Alert, AlertStatus
from patients.errors import InvalidInput
from patients.services import enrollment_create, enrollment_stop
from tests.alerts.helpers import at, lab

DAY = date(2026, 1, 5)


def create(actor, patient, protocol, start=DAY, **kwargs):
    with time_machine.travel(at(DAY, 9), tick=False):
        return enrollment_create(actor=actor, patient=patient, protocol=protocol, start_date=start, **kwargs)


@pytest.mark.parametrize("protocol", ["b12-then-iron", "b12-and-iron-concurrent", "iron-oral-alternate-day"])
def test_a_combined_protocol_alone_never_trips_the_guard_against_itself(cara, patient, protocol):
    assert create(cara, patient, protocol).status == "active"


@pytest.mark.parametrize("first, second, arms", [
    ("iron-oral-daily", "b12-and-iron-concurrent", ["iron"]),
    ("b12-then-iron", "iron-oral-alternate-day", ["iron"]),
    ("b12-then-iron", "b12-and-iron-concurrent", ["b12", "iron"]),
])
def test_an_overlapping_arm_is_refused_naming_it(cara, patient, first, second, arms):
    existing = create(cara, patient, first)
    with pytest.raises(InvalidInput) as refused:
        create(cara, patient, second)
    assert refused.value.errors["conflicting_enrollments"][0]["id"] == existing.pk
    assert refused.value.errors["conflicting_enrollments"][0]["arms"] == arms
    assert patient.enrollments.count() == 1


def test_an_ended_enrollment_does_not_count(cara, patient):
    first = create(cara, patient, "b12-im-standard")
    with time_machine.travel(at(DAY, 10), tick=False):
        enrollment_stop(actor=cara, enrollment=first, on=DAY, reason="wrong plan")
    assert create(cara, patient, "b12-im-neuro").override_reason == ""


def test_a_nurse_cannot_stop_an_enrollment(cara, nina, patient):
    first = create(cara, patient, "b12-im-standard")
    with pytest.raises(InvalidInput, match="only a clinician"), time_machine.travel(at(DAY, 10), tick=False):
        enrollment_stop(actor=nina, enrollment=first, on=None, reason="x")


def test_folic_acid_beside_an_active_b12_enrollment_needs_no_override(cara, patient):
    create(cara, patient, "b12-im-standard")
    assert create(cara, patient, "folate-oral").override_reason == ""


def test_the_folate_override_alert_is_resolved_once_b12_in_range_is_filed(cara, patient):
    create(cara, patient, "folate-oral", override_reason="GP says B12 fine")
    alert = Alert.objects.get(patient=patient, code="folate-without-b12")
    lab(cara, patient, "b12", 420, date(2026, 1, 6))
    alert.refresh_from_db()
    assert alert.status == AlertStatus.RESOLVED
    assert alert.resolution_note.startswith("Resolved by the system: a B12 result in range was filed (b12 420")


def test_mcv_unreliable_is_resolved_once_b12_is_no_longer_deficient(cara, patient):
    lab(cara, patient, "ferritin", 8, date(2026, 1, 5))
    lab(cara, patient, "b12", 120, date(2026, 1, 5))
    alert = Alert.objects.get(patient=patient, code="mcv-unreliable")
    lab(cara, patient, "b12", 380, date(2026, 2, 20))
    alert.refresh_from_db()
    assert alert.status == AlertStatus.RESOLVED and "no longer deficient" in alert.resolution_note

"""One bad row stored before the bounds existed never breaks a page: a lab result dated 0001-01-01,
written straight to the table, still lets the patient's page, plan and charts render."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine

from patients.models import LabResult
from tests.alerts.helpers import at, enroll, give, lab

MONDAY = date(2026, 1, 5)


def insert_lab_result(patient, collected_at, code="hb", value="98"):
    """As an old release or a direct import left it: no service, no bounds."""
    LabResult.objects.bulk_create([LabResult(
        clinic_id=patient.clinic_id, patient=patient, code=code, loinc="718-7", value=Decimal(value), unit="g/L",
        normalized_value=Decimal(value), normalized_unit="g/L", collected_at=collected_at,
    )])
    return LabResult.objects.get(patient=patient, collected_at=collected_at)


@pytest.fixture
def course(cara, patient):
    lab(cara, patient, "hb", 98, MONDAY)
    enrollment = enroll(cara, patient, "b12-im-standard", MONDAY)
    give(cara, enrollment, "loading#1")
    return enrollment


@pytest.mark.parametrize("instant", [
    datetime(1, 1, 1, tzinfo=UTC),
    datetime(9999, 12, 31, 23, 59, tzinfo=UTC),
], ids=["year-1", "year-9999"])
@pytest.mark.parametrize("zone", ["Europe/London", "America/New_York", "Asia/Tokyo"])
def test_the_patient_page_renders_with_a_lab_result_dated_out_of_any_range(nina_web, patient, course, instant, zone,
                                                                            clinic):
    clinic.timezone = zone
    clinic.save()
    patient.timezone = zone
    patient.save()
    insert_lab_result(patient, instant)
    with time_machine.travel(at(date(2026, 1, 8), 9), tick=False):
        response = nina_web.get(f"/patients/{patient.pk}/")
        plan = nina_web.get(f"/enrollments/{course.pk}/plan/")
    assert response.status_code == 200
    assert plan.status_code == 200
    assert 'class="chart timeline"' in response.content.decode()


def test_a_bad_row_can_be_marked_entered_in_error_and_the_page_still_renders(nina, nina_web, patient, course):
    bad = insert_lab_result(patient, datetime(1, 1, 1, tzinfo=UTC))
    with time_machine.travel(at(date(2026, 1, 8), 9), tick=False):
        response = nina_web.post(f"/lab-results/{bad.pk}/entered-in-error/", {"reason": "impossible date"})
        assert response.status_code == 302
        assert nina_web.get(f"/patients/{patient.pk}/").status_code == 200
    bad.refresh_from_db()
    assert bad.entered_in_error and bad.error_by == nina


def test_recording_a_dose_still_replans_with_a_bad_lab_row_stored(cara, patient, course):
    insert_lab_result(patient, datetime(1, 1, 1, tzinfo=UTC))
    record = give(cara, course, "loading#2")
    assert record.outcome == "given"


def test_the_api_lists_a_bad_row_without_an_error(as_nina, patient, course):
    insert_lab_result(patient, datetime(1, 1, 1, tzinfo=UTC))
    response = as_nina.get(f"/api/v1/lab-results/?patient={patient.pk}")
    assert response.status_code == 200
    assert any(r["collected_at"].startswith("0001-01-01") for r in response.json()["results"])

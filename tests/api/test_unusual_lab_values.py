"""Values that need confirming (PROTOCOLS.md section 3): possible, but far more likely a unit
mistake, so refused with the unit probably meant unless the person filing them confirms; and the
collection time bounded (not before 1900, not before birth, not in the future)."""

import pytest
import time_machine

from patients.models import LabResult

NOW = "2026-01-05 12:00Z"


def file(client, patient, **body):
    data = {"patient": patient.id, "test": "hb", "value": "120", "unit": "g/L",
            "collected_at": "2026-01-05T09:00:00Z", **body}
    return client.post("/api/v1/lab-results/", data, format="json")


@time_machine.travel(NOW, tick=False)
def test_hb_in_g_per_l_below_30_asks_whether_g_per_dl_was_meant(as_nina, patient):
    response = file(as_nina, patient, value="10.2")
    assert response.status_code == 400
    body = response.json()
    assert "did you mean 10.2 g/dL (102 g/L)?" in body["value"]
    assert body["suggested_unit"] == "g/dL"
    assert "confirm_unusual" in body
    assert not LabResult.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_a_confirmed_unusual_value_is_filed_and_marked_as_confirmed(as_nina, patient):
    response = file(as_nina, patient, value="10.2", confirm_unusual=True)
    assert response.status_code == 201, response.json()
    assert (response.json()["normalized_value"], response.json()["confirmed_unusual"]) == (10.2, True)


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("test, value, unit, words", [
    ("ferritin", "6000", "ug/L", "above 5,000 ug/L"),
    ("b12", "6000", "ng/L", "did you mean pg/mL or pmol/L?"),
    ("hb", "2.5", "g/dL", "Haemoglobin 2.5 g/dL (25 g/L) is below 30 g/L"),
])
def test_other_values_that_need_confirming_are_refused_with_a_reason(as_nina, patient, test, value, unit, words):
    response = file(as_nina, patient, test=test, value=value, unit=unit)
    assert response.status_code == 400
    assert words in response.json()["value"]
    assert not LabResult.objects.exists()


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("test, value, unit", [("hb", "30", "g/L"), ("ferritin", "5000", "ug/L"),
                                               ("b12", "5000", "pg/mL"), ("hb", "9.8", "g/dL")])
def test_ordinary_values_at_the_limits_are_filed_without_a_question(as_nina, patient, test, value, unit):
    response = file(as_nina, patient, test=test, value=value, unit=unit)
    assert response.status_code == 201, response.json()
    assert response.json()["confirmed_unusual"] is False


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("collected_at, words", [
    ("0001-01-01T00:00:00Z", "before 1900"),
    ("1899-12-31T23:00:00Z", "before 1900"),
    ("1960-05-16T12:00:00Z", "before the patient's date of birth"),
    ("2026-01-05T12:10:00Z", "in the future"),
])
def test_a_collection_time_outside_the_patients_life_is_refused(as_nina, patient, collected_at, words):
    response = file(as_nina, patient, collected_at=collected_at)
    assert response.status_code == 400
    error = response.json()["collected_at"]  # the field's list of messages, or the service's message
    assert words in (error if isinstance(error, str) else " ".join(error))
    assert not LabResult.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_confirming_does_not_let_an_impossible_value_through(as_nina, patient):
    response = file(as_nina, patient, value="0", confirm_unusual=True)
    assert response.status_code == 400
    assert "not plausible" in response.json()["value"]

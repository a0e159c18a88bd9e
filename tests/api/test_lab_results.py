import pytest
import time_machine

from patients.lab_codes import LabInputError, normalize


@pytest.mark.parametrize("test, value, unit, code, loinc, normalized, canonical", [
    ("hb", "11.2", "g/dL", "hb", "718-7", 112, "g/L"),
    ("hb", "7.0", "mmol/L", "hb", "59260-0", 112.77, "g/L"),
    ("59260-0", "7", "mmol/L", "hb", "59260-0", 112.77, "g/L"),
    ("718-7", "95", "g/L", "hb", "718-7", 95, "g/L"),
    ("b12", "150", "pmol/L", "b12", "14685-2", 203.31, "ng/L"),
    ("b12", "250", "pg/mL", "b12", "2132-9", 250, "ng/L"),
    ("folate", "10", "nmol/L", "folate", "2284-8", 4.413, "ug/L"),
    ("ferritin", "25", "ng/mL", "ferritin", "2276-4", 25, "ug/L"),
    ("retic", "85", "10*9/L", "retic-abs", "60474-4", 85, "10*9/L"),
    ("2823-3", "3.1", "mmol/L", "potassium", "2823-3", 3.1, "mmol/L"),
])
def test_a_result_is_converted_to_the_canonical_unit(test, value, unit, code, loinc, normalized, canonical):
    result = normalize(test, value, unit)
    assert (result.code, result.loinc, result.normalized_unit) == (code, loinc, canonical)
    assert float(result.normalized_value) == pytest.approx(normalized, abs=0.001)


@pytest.mark.parametrize("test, value, unit, field", [
    ("hb", "0", "g/L", "value"),
    ("hb", "251", "g/L", "value"),
    ("hb", "26", "g/dL", "value"),
    ("ferritin", "-1", "ug/L", "value"),
    ("hb", "12", "mg/dL", "unit"),
    ("59260-0", "120", "g/L", "unit"),
    ("sodium", "140", "mmol/L", "test"),
    ("hb", "NaN", "g/L", "value"),
])
def test_implausible_values_and_unknown_units_are_refused(test, value, unit, field):
    with pytest.raises(LabInputError) as error:
        normalize(test, value, unit)
    assert error.value.field == field


@time_machine.travel("2026-01-05 12:00Z", tick=False)
def test_a_result_is_stored_as_received_and_converted(as_nina, patient):
    response = as_nina.post("/api/v1/lab-results/", {"patient": patient.id, "test": "hb", "value": 10.4, "unit": "g/dL",
                                                     "collected_at": "2026-01-05T09:00:00+00:00"}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["value"], body["unit"]) == (10.4, "g/dL")
    assert (body["normalized_value"], body["normalized_unit"], body["loinc"]) == (104.0, "g/L", "718-7")
    assert body["recorded_by"] == "nina"


@time_machine.travel("2026-02-20 12:00Z", tick=False)
def test_a_normal_hb_ends_iron_three_months_later_and_starts_follow_up(as_cara, patient):
    from tests.helpers import doses, enroll, schedule

    enrollment = enroll(as_cara, patient, "iron-oral-daily", "2026-01-05")
    response = as_cara.post("/api/v1/lab-results/", {"patient": patient.id, "test": "hb", "value": 124, "unit": "g/L",
                                                     "collected_at": "2026-02-16T09:00:00Z"}, format="json")
    assert response.status_code == 201
    events = schedule(as_cara, enrollment["id"])
    assert doses(events, "treatment")[-1]["due_date"] == "2026-05-15"
    follow_up = [e for e in events if e["phase"] == "follow-up"]
    assert [e["due_date"] for e in follow_up][:2] == ["2026-08-16", "2026-11-16"]

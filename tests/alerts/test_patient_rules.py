"""check-b12-age-60 and mcv-unreliable: they read a patient's results, with or without treatment."""

from datetime import date, timedelta

import pytest
import time_machine

from alerts.models import Alert
from alerts.rules import sweep_clinic
from tests.factories import PatientFactory

from .helpers import at, codes, lab

TODAY = date(2026, 6, 1)


def test_it_asks_for_b12_at_60_with_a_low_ferritin(cara, woman):
    lab(cara, woman, "ferritin", 20, TODAY)
    alert = Alert.objects.get(patient=woman, code="check-b12-age-60")
    assert alert.severity == "warning" and alert.enrollment is None
    assert alert.facts["age"] == 66 and alert.facts["lab_results"][0]["value"] == 20
    assert "Measure B12" in alert.message


def test_a_ferritin_of_30_is_not_iron_deficiency(cara, woman):
    lab(cara, woman, "ferritin", 30, TODAY)
    assert codes(woman) == []


def test_a_ferritin_under_100_with_a_raised_crp_is_iron_deficiency(cara, woman):
    lab(cara, woman, "crp", 12, TODAY)
    lab(cara, woman, "ferritin", 80, TODAY)
    assert codes(woman) == ["check-b12-age-60"]


@pytest.mark.parametrize("crp", [5, 4])
def test_a_ferritin_under_100_without_a_raised_crp_is_not(cara, woman, crp):
    lab(cara, woman, "crp", crp, TODAY)
    lab(cara, woman, "ferritin", 80, TODAY)
    assert codes(woman) == []


def test_a_low_transferrin_saturation_is_iron_deficiency(cara, woman):
    lab(cara, woman, "tsat", 15, TODAY)
    assert codes(woman) == ["check-b12-age-60"]


def test_a_b12_result_in_the_last_3_months_is_enough(cara, woman):
    lab(cara, woman, "b12", 400, TODAY - timedelta(days=80))
    lab(cara, woman, "ferritin", 20, TODAY)
    assert codes(woman) == []


def test_an_older_b12_result_is_not(cara, woman):
    lab(cara, woman, "b12", 400, TODAY - timedelta(days=100))
    lab(cara, woman, "ferritin", 20, TODAY)
    assert codes(woman) == ["check-b12-age-60"]


@pytest.mark.parametrize(("born", "fires"), [(date(1966, 6, 1), True), (date(1966, 6, 2), False)])
def test_it_starts_at_the_60th_birthday(cara, clinic, born, fires):
    patient = PatientFactory(clinic=clinic, date_of_birth=born)
    lab(cara, patient, "ferritin", 20, TODAY)
    assert codes(patient) == (["check-b12-age-60"] if fires else [])


def test_the_sweep_notices_when_the_last_b12_result_grows_old(cara, woman, clinic):
    lab(cara, woman, "b12", 400, TODAY - timedelta(days=80))
    lab(cara, woman, "ferritin", 20, TODAY)
    with time_machine.travel(at(TODAY + timedelta(days=20)), tick=False):
        assert sweep_clinic(clinic)["check-b12-age-60"] == 1
        assert sweep_clinic(clinic)["check-b12-age-60"] == 0
    assert codes(woman) == ["check-b12-age-60"]


def test_it_flags_mcv_when_iron_and_b12_deficiency_are_both_present(cara, young):
    lab(cara, young, "b12", 150, TODAY - timedelta(days=10))
    lab(cara, young, "ferritin", 20, TODAY)
    alert = Alert.objects.get(patient=young, code="mcv-unreliable")
    assert alert.severity == "info"
    assert sorted(r["test"] for r in alert.facts["lab_results"]) == ["b12", "ferritin"]


@pytest.mark.parametrize(("b12", "ferritin"), [(180, 20), (150, 30)])
def test_mcv_is_reliable_unless_both_are_deficient(cara, young, b12, ferritin):
    lab(cara, young, "b12", b12, TODAY)
    lab(cara, young, "ferritin", ferritin, TODAY)
    assert codes(young) == []


def test_deficiencies_months_apart_are_not_present_together(cara, young):
    lab(cara, young, "b12", 150, TODAY - timedelta(days=60))
    lab(cara, young, "ferritin", 20, TODAY)
    assert codes(young) == []


def test_a_later_replete_ferritin_ends_iron_deficiency(cara, woman):
    lab(cara, woman, "b12", 400, TODAY - timedelta(days=5))
    lab(cara, woman, "ferritin", 20, TODAY - timedelta(days=4))
    lab(cara, woman, "ferritin", 150, TODAY)
    assert codes(woman) == []

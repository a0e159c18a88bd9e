"""Phone numbers are typed as staff say them and stored in E.164 with the kind of line they are."""

import pytest
import time_machine

from clinics.models import country_for_timezone
from clinics.services import clinic_create
from patients.models import Patient
from patients.phones import PhoneError, PhoneKind, phone_normalize
from tests.factories import ClinicFactory, PatientFactory

NOW = "2026-01-05 12:00Z"


@pytest.mark.parametrize("typed, region, e164, kind", [
    ("07400 123456", "GB", "+447400123456", PhoneKind.MOBILE),
    ("+44 (0)7400 123456", "GB", "+447400123456", PhoneKind.MOBILE),
    ("07700 900123", "GB", "+447700900123", PhoneKind.UNKNOWN),  # Ofcom's drama range: possible, not allocated
    ("020 7946 0018", "GB", "+442079460018", PhoneKind.LANDLINE),
    ("0044 7400 123456", "GB", "+447400123456", PhoneKind.MOBILE),
    ("(201) 555-0123", "US", "+12015550123", PhoneKind.UNKNOWN),
    ("512 345 678", "PL", "+48512345678", PhoneKind.MOBILE),
    ("+34 612 34 56 78", "GB", "+34612345678", PhoneKind.MOBILE),
])
def test_a_number_is_read_in_the_clinics_country_unless_it_has_a_country_code(typed, region, e164, kind):
    phone = phone_normalize(typed, region)
    assert (phone.e164, phone.kind) == (e164, kind)


@pytest.mark.parametrize("typed", ["0770 090", "hello", "+44 7700 900123 ext " + "1" * 40, "+999 123456789"])
def test_what_is_not_a_number_is_refused_with_an_example(typed):
    with pytest.raises(PhoneError) as error:
        phone_normalize(typed, "GB")
    assert "phone number" in str(error.value) or "too long" in str(error.value)


def test_the_error_shows_how_a_number_of_the_clinics_country_is_written():
    with pytest.raises(PhoneError) as error:
        phone_normalize("0770 090", "GB")
    assert "07400 123456" in str(error.value) and "+447400123456" in str(error.value)


@pytest.mark.parametrize("zone, country", [("Europe/Warsaw", "PL"), ("America/New_York", "US"),
                                           ("Europe/Madrid", "ES"), ("UTC", "GB")])
def test_a_clinics_country_follows_its_time_zone_unless_given(db, zone, country):
    assert country_for_timezone(zone) == country
    clinic, _ = clinic_create(slug=f"c-{country.lower()}-{zone[-3:].lower()}", name="C", timezone=zone)
    assert clinic.country == country


def test_a_clinic_can_be_given_its_country(db):
    clinic, _ = clinic_create(slug="madrid", name="Madrid", timezone="UTC", country="es")
    assert clinic.country == "ES"


@time_machine.travel(NOW, tick=False)
def test_a_national_number_typed_in_the_api_is_stored_in_e164(as_cara):
    response = as_cara.post("/api/v1/patients/", {"mrn": "R0100", "given_name": "Ann", "family_name": "Lee",
                                                  "date_of_birth": "1980-01-01", "sex": "female",
                                                  "phone": "07700 900123"}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["phone"] == "+447700900123"


@time_machine.travel(NOW, tick=False)
def test_changing_the_number_records_its_new_kind(as_cara, patient):
    response = as_cara.patch(f"/api/v1/patients/{patient.id}/", {"phone": "020 7946 0018"}, format="json")
    assert response.status_code == 200, response.json()
    patient.refresh_from_db()
    assert (patient.phone, patient.phone_kind) == ("+442079460018", "landline")


@time_machine.travel(NOW, tick=False)
def test_a_polish_clinic_reads_polish_national_numbers(as_cara, db):
    clinic = ClinicFactory(slug="krakow", timezone="Europe/Warsaw", country="PL")
    patient = PatientFactory(clinic=clinic, phone="+48512345678")
    assert patient.phone_kind == "mobile"
    assert Patient.objects.get(pk=patient.pk).phone == "+48512345678"

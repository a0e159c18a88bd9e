import pytest

from interop.models import LocalLabCode

pytestmark = pytest.mark.django_db


def test_an_administrator_maps_a_local_code_and_removes_it(client, adam, clinic):
    client.force_login(adam)
    response = client.post("/interfaces/lab-codes/", {"code": "HGB", "coding_system": "99lab", "test": "hb",
                                                      "description": "Haemoglobin, analyser 2"})
    assert response.status_code == 302
    mapping = LocalLabCode.objects.get(clinic=clinic)
    assert (mapping.code, mapping.coding_system, mapping.test) == ("HGB", "99LAB", "hb")
    page = client.get("/interfaces/lab-codes/")
    assert b"HGB" in page.content and b"Haemoglobin, analyser 2" in page.content
    client.post("/interfaces/lab-codes/", {"code": "HGB", "coding_system": "99LAB", "test": "mcv"})
    assert LocalLabCode.objects.get(clinic=clinic).test == "mcv"
    assert client.post(f"/interfaces/lab-codes/{mapping.pk}/delete/").status_code == 302
    assert not LocalLabCode.objects.exists()


@pytest.mark.parametrize("data, field", [
    ({"code": "A|B", "test": "hb"}, b"no | or ^"),
    ({"code": "718-7", "coding_system": "LN", "test": "hb"}, b"LOINC codes need no mapping"),
    ({"code": "X", "test": "sodium"}, b"Select a valid choice"),
])
def test_a_wrong_mapping_is_refused_with_a_form_error(client, adam, data, field):
    client.force_login(adam)
    response = client.post("/interfaces/lab-codes/", data)
    assert response.status_code == 422 and field in response.content
    assert not LocalLabCode.objects.exists()


def test_another_clinics_mapping_cannot_be_removed_and_nurses_cannot_edit(client, adam, otto, nina, other_clinic):
    mapping = LocalLabCode.objects.create(clinic=other_clinic, code="HGB", test="hb")
    client.force_login(adam)
    assert client.post(f"/interfaces/lab-codes/{mapping.pk}/delete/").status_code == 404
    assert b"<td><code>HGB</code>" not in client.get("/interfaces/lab-codes/").content
    client.force_login(nina)
    assert client.get("/interfaces/lab-codes/").status_code == 403
    assert LocalLabCode.objects.count() == 1


def test_the_interfaces_page_lists_messages_received(as_nina, client, cara, patient):
    from .messages import obx, oru

    as_nina.post("/hl7/v2/oru", data=oru("NOPE", obx("718-7", "104", "g/L")).encode(), content_type="text/plain")
    client.force_login(cara)
    page = client.get("/interfaces/")
    assert page.status_code == 200
    assert b"no patient with MRN NOPE" in page.content and b"Interfaces</a>" in page.content

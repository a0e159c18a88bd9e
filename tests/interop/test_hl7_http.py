import pytest
import time_machine

from alerts.models import Alert
from interop.models import Hl7Message, LocalLabCode
from patients.models import LabResult
from tests.factories import PatientFactory

from .messages import ack_fields, obx, oru

pytestmark = pytest.mark.django_db
NOW = "2026-01-06 12:00Z"


def post(client, message: str):
    response = client.post("/hl7/v2/oru", data=message.encode(), content_type="x-application/hl7-v2+er7")
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("x-application/hl7-v2+er7")
    return ack_fields(response.content.decode())


@time_machine.travel(NOW, tick=False)
def test_a_result_in_g_per_dl_is_filed_converted_and_acknowledged(as_nina, patient):
    ack = post(as_nina, oru(patient.mrn, obx("718-7", "10.4", "g/dL"), control_id="A1"))
    assert (ack["code"], ack["control_id"]) == ("AA", "A1")
    assert "1 result filed" in ack["text"]
    result = LabResult.objects.get(patient=patient)
    assert (result.code, float(result.value), result.unit) == ("hb", 10.4, "g/dL")
    assert (float(result.normalized_value), result.normalized_unit) == (104.0, "g/L")
    assert result.recorded_by.username == "nina"


@time_machine.travel(NOW, tick=False)
def test_a_b12_result_in_pmol_per_l_is_converted_to_ng_per_l(as_nina, patient):
    ack = post(as_nina, oru(patient.mrn, obx("14685-2", "150", "pmol/L")))
    assert ack["code"] == "AA"
    result = LabResult.objects.get(patient=patient)
    assert (result.code, result.loinc, float(result.normalized_value)) == ("b12", "14685-2", pytest.approx(203.31))


@time_machine.travel(NOW, tick=False)
def test_an_unknown_mrn_answers_ae_naming_it_and_files_nothing(as_nina, patient):
    ack = post(as_nina, oru("NOPE-1", obx("718-7", "104", "g/L")))
    assert ack["code"] == "AE"
    assert "no patient with MRN NOPE-1" in ack["text"]
    assert ack["errors"] and "PID^1^3" in ack["errors"][0]
    assert not LabResult.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_an_unknown_code_answers_ae_and_files_nothing_of_the_message(as_nina, patient):
    message = oru(patient.mrn, obx("718-7", "104", "g/L"), obx("XYZ", "3", "mmol/L", system="99LAB", set_id=2))
    ack = post(as_nina, message)
    assert ack["code"] == "AE"
    assert "XYZ" in ack["text"] and "OBX 2" in ack["text"]
    assert "OBX^2^3" in ack["errors"][0]
    assert not LabResult.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_a_clinics_local_code_is_filed_through_its_mapping(as_nina, patient, clinic):
    LocalLabCode.objects.create(clinic=clinic, code="HGB", coding_system="99LAB", test="hb")
    ack = post(as_nina, oru(patient.mrn, obx("HGB", "9.1", "g/dL", system="99LAB")))
    assert ack["code"] == "AA", ack
    assert LabResult.objects.get(patient=patient).code == "hb"


@time_machine.travel(NOW, tick=False)
def test_another_clinics_local_code_means_nothing_here(as_nina, patient, other_clinic):
    LocalLabCode.objects.create(clinic=other_clinic, code="HGB", coding_system="99LAB", test="hb")
    assert post(as_nina, oru(patient.mrn, obx("HGB", "9.1", "g/dL", system="99LAB")))["code"] == "AE"


@time_machine.travel(NOW, tick=False)
def test_a_redelivered_message_answers_the_same_ack_and_files_nothing_again(as_nina, patient):
    message = oru(patient.mrn, obx("718-7", "104", "g/L"), control_id="SAME-1")
    first = post(as_nina, message)
    again = post(as_nina, message)
    assert first == again
    assert LabResult.objects.filter(patient=patient).count() == 1
    assert Hl7Message.objects.filter(control_id="SAME-1").count() == 1


@time_machine.travel(NOW, tick=False)
def test_the_same_result_in_a_new_message_is_not_filed_twice(as_nina, patient):
    post(as_nina, oru(patient.mrn, obx("718-7", "104", "g/L")))
    ack = post(as_nina, oru(patient.mrn, obx("718-7", "104", "g/L")))
    assert ack["code"] == "AA" and "1 result already filed" in ack["text"]
    assert LabResult.objects.filter(patient=patient).count() == 1


@time_machine.travel(NOW, tick=False)
def test_a_different_final_value_under_the_same_order_must_come_as_a_correction(as_nina, patient):
    post(as_nina, oru(patient.mrn, obx("718-7", "104", "g/L")))
    ack = post(as_nina, oru(patient.mrn, obx("718-7", "110", "g/L")))
    assert ack["code"] == "AE" and "correction" in ack["text"]
    assert LabResult.objects.filter(patient=patient).count() == 1


@time_machine.travel(NOW, tick=False)
def test_a_correction_marks_the_earlier_result_entered_in_error_and_files_the_new_one(as_nina, patient):
    post(as_nina, oru(patient.mrn, obx("718-7", "104", "g/L")))
    ack = post(as_nina, oru(patient.mrn, obx("718-7", "114", "g/L", status="C")))
    assert ack["code"] == "AA" and "1 result corrected" in ack["text"]
    old, new = LabResult.objects.filter(patient=patient).order_by("id")
    assert old.entered_in_error and "corrected" in old.error_reason
    assert not new.entered_in_error and float(new.normalized_value) == 114


@time_machine.travel(NOW, tick=False)
def test_a_deleted_result_is_marked_entered_in_error(as_nina, patient):
    post(as_nina, oru(patient.mrn, obx("718-7", "104", "g/L")))
    assert post(as_nina, oru(patient.mrn, obx("718-7", "", "g/L", status="D")))["code"] == "AA"
    assert LabResult.objects.get(patient=patient).entered_in_error


@time_machine.travel(NOW, tick=False)
def test_a_preliminary_result_is_acknowledged_but_not_filed(as_nina, patient):
    ack = post(as_nina, oru(patient.mrn, obx("718-7", "104", "g/L", status="P")))
    assert ack["code"] == "AA" and "not final" in ack["text"]
    assert not LabResult.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_another_clinics_patient_is_refused(as_otto, patient):
    ack = post(as_otto, oru(patient.mrn, obx("718-7", "104", "g/L")))
    assert ack["code"] == "AE" and f"no patient with MRN {patient.mrn}" in ack["text"]
    assert not LabResult.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_an_hb_that_looks_like_g_per_dl_sent_as_g_per_l_is_refused_naming_the_probable_unit(as_nina, patient):
    ack = post(as_nina, oru(patient.mrn, obx("718-7", "10.4", "g/L")))
    assert ack["code"] == "AE"
    assert "g/dL" in ack["text"] and "10.4" in ack["text"]
    assert not LabResult.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_the_laboratory_confirms_an_extreme_value_with_a_critical_flag(as_nina, patient):
    ack = post(as_nina, oru(patient.mrn, obx("718-7", "25", "g/L", flags="LL")))
    assert ack["code"] == "AA"
    assert LabResult.objects.get(patient=patient).confirmed_unusual


@time_machine.travel(NOW, tick=False)
def test_a_message_with_twenty_results_is_filed_whole(as_nina, patient):
    codes = [("718-7", "104", "g/L"), ("2276-4", "12", "ug/L"), ("2132-9", "150", "ng/L"), ("2284-8", "4", "ug/L"),
             ("1988-5", "3", "mg/L")]
    results = [obx(code, value, unit, set_id=n + 1, sub_id=str(n + 1),
                   when=f"202601{(n % 5) + 1:02d}0900+0000")
               for n, (code, value, unit) in enumerate(codes * 4)]
    ack = post(as_nina, oru(patient.mrn, *results))
    assert ack["code"] == "AA" and "20 results filed" in ack["text"]
    assert LabResult.objects.filter(patient=patient).count() == 20


@pytest.mark.parametrize("body", [
    "", "hello", "MSH|", "MSH|^~\\&|A|B\rPID|1", "PID|1||X^^^^MR\r",
    "MSH|^~\\&|LAB|X|Y|Z|20260105||ADT^A01|1|P|2.5.1\r",
    "MSH|^~\\&|LAB|X|Y|Z|20260105||ORU^R01|1|P|2.8\r",
    "MSH|^~\\&|LAB|X|Y|Z|20260105||ORU^R01||P|2.5.1\rPID|1||R0001^^^^MR\r",
    "MSH|^~\\&|LAB|X|Y|Z|20260105||ORU^R01|9|P|2.5.1\rOBX|1|NM|718-7^^LN||1|g/L\r",
    "MSH|^~\\&|LAB|X|Y|Z|20260105||ORU^R01|9|P|2.5.1\rPID|1||R0001^^^^MR\rOBX|1|NM|718-7^^LN||x|g/L|||||F|||2026\r",
    "\x00\xff\xfe binary",
])
@time_machine.travel(NOW, tick=False)
def test_malformed_messages_are_answered_with_an_ack_never_an_error_page(as_nina, patient, body):
    response = as_nina.post("/hl7/v2/oru", data=body.encode("latin-1"), content_type="text/plain")
    assert response.status_code == 200
    ack = ack_fields(response.content.decode())
    assert ack["code"] in ("AE", "AR")
    assert ack["text"]
    assert not LabResult.objects.exists()


def test_an_oversized_message_is_rejected_unread(as_nina, patient):
    big = oru(patient.mrn, obx("718-7", "104", "g/L")) + "NTE|1||" + "x" * 1_100_000 + "\r"
    ack = ack_fields(as_nina.post("/hl7/v2/oru", data=big.encode(), content_type="text/plain").content.decode())
    assert ack["code"] == "AR" and "bytes" in ack["text"]


def test_filing_needs_a_signed_in_clinician_or_nurse(client, adam, patient):
    from tests.conftest import api_client_for

    assert client.post("/hl7/v2/oru", data=b"MSH|", content_type="text/plain").status_code == 401
    assert api_client_for(adam).post("/hl7/v2/oru", data=b"MSH|", content_type="text/plain").status_code == 403


@time_machine.travel("2026-02-01 12:00Z", tick=False)
def test_results_over_hl7_drive_the_same_plans_and_alerts_as_typed_results(as_cara, as_nina, clinic):
    from tests.helpers import enroll, schedule

    typed, sent = (PatientFactory(clinic=clinic, mrn=mrn, date_of_birth="1950-01-01") for mrn in ("T1", "S1"))
    plans = {p.mrn: enroll(as_cara, p, "iron-oral-daily", "2026-01-05") for p in (typed, sent)}
    for when, hb in (("2026-01-05T09:00:00Z", 95), ("2026-01-30T09:00:00Z", 100)):
        response = as_nina.post("/api/v1/lab-results/", {"patient": typed.id, "test": "hb", "value": hb, "unit": "g/L",
                                                         "collected_at": when}, format="json")
        assert response.status_code == 201
        stamp = when.replace("-", "").replace("T", "").replace(":", "")[:12] + "+0000"
        assert post(as_nina, oru(sent.mrn, obx("718-7", hb, "g/L", when=stamp), order=f"O{hb}"))["code"] == "AA"
    typed_alerts = sorted(Alert.objects.filter(patient=typed).values_list("code", flat=True))
    sent_alerts = sorted(Alert.objects.filter(patient=sent).values_list("code", flat=True))
    assert "iron-inadequate-response" in typed_alerts
    assert sent_alerts == typed_alerts
    statuses = {mrn: [(e["code"], e["due_date"], e["status"]) for e in schedule(as_cara, plan["id"]) if e["kind"] == "lab"]
                for mrn, plan in plans.items()}
    assert statuses["S1"] == statuses["T1"] and ("fbc", "2026-02-02", "done") in statuses["S1"]


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("version", ["2.3", "2.3.1", "2.4", "2.5"])
def test_older_versions_are_filed_and_errors_answered_in_their_err_format(as_nina, patient, version):
    ack = post(as_nina, oru(patient.mrn, obx("718-7", "104", "g/L"), version=version))
    assert ack["code"] == "AA" and ack["msh"].endswith(f"|{version}")
    refused = post(as_nina, oru("NOPE", obx("718-7", "104", "g/L"), version=version))
    err = refused["errors"][0].split("|")
    if version == "2.5":
        assert err[2] == "PID^1^3" and err[3].startswith("204^")
    else:
        assert err[1].startswith("PID^1^3^204&")


@time_machine.travel(NOW, tick=False)
def test_a_loinc_code_given_as_the_alternate_identifier_is_used(as_nina, patient):
    message = oru(patient.mrn, "OBX|1|NM|HB^Haemoglobin^99LAB^718-7^Hemoglobin^LN||104|g/L|||||F|||20260105090000")
    assert post(as_nina, message)["code"] == "AA"
    result = LabResult.objects.get()
    assert result.code == "hb"
    assert result.collected_at.isoformat() == "2026-01-05T09:00:00+00:00"  # no offset: the clinic's local time

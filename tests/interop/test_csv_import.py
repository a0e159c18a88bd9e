from unittest import mock

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from interop.models import CsvImport, ExternalResult
from interop.services.imports import csv_import_apply, csv_import_check
from patients.models import LabResult, Patient

pytestmark = pytest.mark.django_db
NOW = "2026-01-06 12:00Z"

PATIENTS = """mrn,given_name,family_name,date_of_birth,sex,phone,email
A100,Ann,Lee,1961-04-02,F,07911 123456,ann@example.org
A101,Bob,Ray,1950-11-30,male,,
"""


def write(tmp_path, text: str, name="file.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def run(command, path, *args):
    from io import StringIO

    out = StringIO()
    call_command(command, path, "--clinic", "riverside", *args, stdout=out)
    return out.getvalue()


def test_patients_are_imported_with_phones_normalised_in_the_clinics_country(clinic, tmp_path):
    output = run("import_patients", write(tmp_path, PATIENTS))
    assert "imported 2" in output
    ann = Patient.objects.get(clinic=clinic, mrn="A100")
    assert (ann.phone, ann.phone_kind, ann.sex, str(ann.date_of_birth)) == ("+447911123456", "mobile", "female",
                                                                            "1961-04-02")
    assert Patient.objects.get(mrn="A101").timezone == clinic.timezone


def test_a_dry_run_checks_every_row_and_saves_nothing(clinic, tmp_path):
    output = run("import_patients", write(tmp_path, PATIENTS), "--dry-run")
    assert "would import 2" in output and "dry run" in output
    assert not Patient.objects.exists()


def test_one_wrong_row_imports_nothing_and_every_error_is_named_by_line(clinic, tmp_path):
    text = PATIENTS + "A102,Cy,Fox,1990-02-31,f,,\nA100,Dee,Ng,1970-01-01,female,12,\n"
    with pytest.raises(CommandError, match="2 rows with errors: nothing imported"):
        run("import_patients", write(tmp_path, text))
    assert not Patient.objects.exists()


def test_the_same_file_again_skips_the_patients_already_there(clinic, tmp_path):
    path = write(tmp_path, PATIENTS)
    run("import_patients", path)
    assert "0, 2 already there" in run("import_patients", path)
    assert Patient.objects.count() == 2


@pytest.mark.parametrize("text, message", [
    ("", "empty"),
    ("mrn,given_name,family_name,date_of_birth,sex,dob\n", "unknown column dob"),
    ("mrn,given_name\nA1,B\n", "missing columns: family_name, date_of_birth, sex"),
    ("mrn,given_name,family_name,date_of_birth,sex\n", "no rows"),
    ("mrn,given_name,family_name,date_of_birth,sex\nA1,B,C,1990-01-01,f,extra\n", "6 values for 5 columns"),
    ("mrn,given_name,family_name,date_of_birth,sex\nA1," + "x" * 600 + ",C,1990-01-01,f\n", "longer than 500"),
])
def test_a_file_that_cannot_be_read_is_refused_whole(clinic, tmp_path, text, message):
    with pytest.raises(CommandError, match=message):
        run("import_patients", write(tmp_path, text))


def test_a_binary_file_is_refused_before_anything_is_kept(client, adam):
    client.force_login(adam)
    response = upload(client, "mrn,given_name\x00\x01\x02")
    assert response.status_code == 422 and b"NUL characters" in response.content
    assert not CsvImport.objects.exists()


def test_semicolon_separated_files_with_a_byte_order_mark_are_read(clinic, tmp_path):
    path = tmp_path / "excel.csv"
    path.write_bytes("\ufeffmrn;given_name;family_name;date_of_birth;sex\nA1;Zoë;Ünal;1990-01-01;f\n".encode())
    run("import_patients", str(path))
    assert Patient.objects.get().given_name == "Zoë"


LABS = """mrn,test,value,unit,collected_at,accession
R0001,hb,10.4,g/dL,2026-01-05 09:00,L-1
R0001,14685-2,150,pmol/L,2026-01-05T09:00:00Z,L-2
"""


@time_machine.travel(NOW, tick=False)
def test_lab_results_are_imported_through_the_lab_service(patient, tmp_path):
    run("import_labs", write(tmp_path, LABS))
    hb, b12 = LabResult.objects.order_by("code")[1], LabResult.objects.order_by("code")[0]
    assert (hb.code, float(hb.normalized_value)) == ("hb", 104)
    assert hb.collected_at.isoformat() == "2026-01-05T09:00:00+00:00"  # London local time in January
    assert (b12.code, float(b12.normalized_value)) == ("b12", pytest.approx(203.31))
    assert ExternalResult.objects.filter(source="csv").count() == 2
    assert "0, 2 already there" in run("import_labs", write(tmp_path, LABS))
    assert LabResult.objects.count() == 2


@time_machine.travel(NOW, tick=False)
def test_lab_rows_that_fail_the_lab_rules_import_nothing(patient, tmp_path):
    text = LABS + "R0001,hb,10.4,g/L,2026-01-05 09:00,\nNOPE,hb,104,g/L,2026-01-05 09:00,\nR0001,hb,104,g/L,2030-01-01 09:00,\n"
    with pytest.raises(CommandError, match="3 rows with errors"):
        run("import_labs", write(tmp_path, text))
    assert not LabResult.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_an_unusual_value_is_imported_when_the_row_confirms_it(patient, tmp_path):
    run("import_labs", write(tmp_path, "mrn,test,value,unit,collected_at,confirm_unusual\n"
                                       "R0001,hb,25,g/L,2026-01-05 09:00,yes\n"))
    assert LabResult.objects.get().confirmed_unusual


def upload(client, text: str, kind="patients", name="patients.csv"):
    return client.post("/interfaces/import/", {"kind": kind, "file": SimpleUploadedFile(name, text.encode())})


def checked(client, response):
    """What the preview shows once the worker has checked the uploaded file."""
    location = response["Location"]
    csv_import_check(int(location.rstrip("/").split("/")[-1]))
    return client.get(location)


def test_an_upload_is_checked_by_a_worker_while_the_preview_waits(client, adam, django_capture_on_commit_callbacks):
    client.force_login(adam)
    with mock.patch("interop.tasks.csv_import_check_task.delay") as delay:
        with django_capture_on_commit_callbacks(execute=True):
            response = upload(client, PATIENTS)
    upload_id = int(response["Location"].rstrip("/").split("/")[-1])
    delay.assert_called_once_with(upload_id)
    waiting = client.get(response["Location"])
    assert b"Checking every row" in waiting.content and b'hx-trigger="every 2s"' in waiting.content


def test_an_administrator_previews_an_upload_then_confirms_it(client, adam, django_capture_on_commit_callbacks):
    client.force_login(adam)
    response = upload(client, PATIENTS)
    assert response.status_code == 302
    preview = checked(client, response)
    assert preview.status_code == 200
    assert b"Import 2 rows" in preview.content and b"+447911123456" in preview.content
    assert not Patient.objects.exists()
    with mock.patch("interop.tasks.csv_import_apply_task.delay") as delay:
        with django_capture_on_commit_callbacks(execute=True):
            assert client.post(response["Location"]).status_code == 302
    assert b"Importing 2 rows" in client.get(response["Location"]).content
    csv_import_apply(delay.call_args.args[0])
    assert Patient.objects.count() == 2
    done = client.get(response["Location"])
    assert CsvImport.objects.get().status == "imported" and b"2 rows filed" in done.content
    again = client.post(response["Location"], follow=True)
    assert b"already imported" in again.content and Patient.objects.count() == 2


def test_an_import_finds_data_changed_since_the_preview_and_imports_nothing(client, adam, clinic):
    client.force_login(adam)
    response = upload(client, PATIENTS)
    checked(client, response)
    client.post(response["Location"])
    Patient.objects.create(clinic=clinic, mrn="A101", given_name="Other", family_name="Person",
                           date_of_birth="1990-01-01", sex="male", timezone="Europe/London")
    csv_import_apply(CsvImport.objects.get().pk)
    assert Patient.objects.count() == 1
    page = client.get(response["Location"])
    assert CsvImport.objects.get().status == "previewed"
    assert b"already belongs to Other Person" in page.content and b"Import 2 rows" not in page.content


def test_the_preview_lists_each_rows_errors_and_offers_no_import(client, adam):
    client.force_login(adam)
    preview = checked(client, upload(client, PATIENTS + "A102,Cy,Fox,1990-02-31,f,,\n"))
    assert b"1 row of 3 has errors" in preview.content
    assert b"is not a date as YYYY-MM-DD" in preview.content
    assert b"Import 3 rows" not in preview.content
    client.post(preview.wsgi_request.path)
    assert CsvImport.objects.get().status == "previewed"


def test_a_file_that_cannot_be_read_is_explained_on_the_preview(client, cara):
    client.force_login(cara)
    assert b"unknown columns name, dob" in checked(client, upload(client, "name,dob\nA,B\n")).content


def test_nurses_cannot_import_and_another_clinics_upload_is_not_found(client, nina, adam, otto):
    client.force_login(nina)
    assert upload(client, PATIENTS).status_code == 403
    client.force_login(adam)
    location = upload(client, PATIENTS)["Location"]
    client.force_login(otto)
    assert client.get(location).status_code == 404
    assert client.post(location).status_code == 404
    assert not Patient.objects.exists()

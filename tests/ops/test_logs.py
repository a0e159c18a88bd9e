"""Log lines carry time, level, logger, request id, task id and clinic id, and no patient data: no
names, MRNs, contacts or message bodies, through a whole reminder run and the staff pages."""

import io
import json
import logging
import logging.config
from datetime import date

import pytest
import time_machine
from django.conf import settings
from django.test import Client

from ops.logconfig import logging_config
from reminders.channels import PermanentError
from reminders.links import taken_url, unsubscribe_url
from reminders.models import Reminder, ReminderStatus
from reminders.tasks import reminders_send_due
from tests.reminders.backends import RecordingSmsBackend

pytestmark = pytest.mark.django_db
DOSE_DAY = date(2026, 3, 2)
PHILIPPA = {"mrn": "QX-7788", "given_name": "Philippa", "family_name": "Quennell-Astbury",
            "email": "philippa.quennell@example.org", "phone": "+447700900321", "date_of_birth": "1958-11-23",
            "sex": "female"}


@pytest.fixture
def production_logs():
    """Every log line, DEBUG and up, as production writes it (JSON, context, scrubbing) into a buffer."""
    buffer = io.StringIO()
    config = logging_config(fmt="json", level="DEBUG")
    config["handlers"]["console"]["stream"] = buffer
    logging.config.dictConfig(config)
    yield buffer
    logging.config.dictConfig(settings.LOGGING)


def at(moment: str):
    return time_machine.travel(moment, tick=False)


def test_a_whole_reminder_run_and_the_staff_pages_log_no_patient_data(
        production_logs, as_cara, cara, client, texts, mailoutbox, swept):
    patient_side = Client()  # the patient's phone: no staff session
    with at("2026-03-01 06:00Z"):
        response = as_cara.post("/api/v1/patients/", {**PHILIPPA, "timezone": "Europe/London"})
        assert response.status_code == 201, response.content
        patient_id = response.json()["id"]
        assert as_cara.post("/api/v1/enrollments/", {"patient": patient_id, "protocol": "iron-oral-daily",
                                                     "start_date": str(DOSE_DAY)}).status_code == 201
        client.force_login(cara)
        assert client.get(f"/patients/{patient_id}/").status_code == 200
        assert client.get("/patients/", {"q": "Quennell"}).status_code == 200
        assert as_cara.get(f"/api/v1/patients/{patient_id}/").status_code == 200
        assert as_cara.get("/api/v1/patients/", {"search": "Philippa"}).status_code == 200
        assert as_cara.post("/api/v1/patients/", {**PHILIPPA, "phone": "not a phone"}).status_code == 400

    with at("2026-03-02 08:00:05Z"):  # day 1: the dose reminder goes out by text and email
        assert reminders_send_due.apply().successful()
        sms = Reminder.objects.get(patient_id=patient_id, about_date=DOSE_DAY, channel="sms")
        assert sms.status == ReminderStatus.SENT
        link = taken_url(sms.pk).removeprefix("https://clinic.test")
        assert patient_side.get(link).status_code == 200 and patient_side.post(link).status_code == 200

    with at("2026-03-03 08:00:05Z"):  # day 2: the email provider has a bug, the SMS gateway refuses the number
        RecordingSmsBackend.fail_with = PermanentError(f"21211 invalid 'To' number {PHILIPPA['phone']}",
                                                       bad_contact=True)
        from django.core import mail

        original = mail.get_connection

        def broken(*args, **kwargs):
            raise RuntimeError(f"cannot deliver to {PHILIPPA['email']}")
        mail.get_connection = broken
        try:
            import reminders.channels.email as email_channel

            email_channel.get_connection = broken
            assert reminders_send_due.apply().successful()
        finally:
            email_channel.get_connection = original
            mail.get_connection = original
        RecordingSmsBackend.fail_with = None

    with at("2026-03-03 09:00Z"):  # the patient replies STOP, unsubscribes from email, staff look at alerts
        assert patient_side.post("/r/sms/inbound/", {"From": PHILIPPA["phone"], "Body": "STOP please"},
                           HTTP_X_WEBHOOK_SECRET="webhook-secret").status_code in (200, 204)
        assert patient_side.post("/r/sms/inbound/", {"From": PHILIPPA["phone"], "Body": "who is this Philippa"},
                           HTTP_X_WEBHOOK_SECRET="webhook-secret").status_code in (200, 204)
        unsubscribe = unsubscribe_url(patient_id, "email").removeprefix("https://clinic.test")
        assert patient_side.get(unsubscribe).status_code == 200
        staff = Client()
        staff.force_login(cara)
        assert staff.get("/alerts/").status_code == 200
        swept(reminders=False)

    text = production_logs.getvalue()
    lines = [json.loads(line) for line in text.splitlines()]
    assert len(lines) > 20, text  # the run was logged, line by line, as JSON

    forbidden = [PHILIPPA[k] for k in ("mrn", "given_name", "family_name", "email", "phone", "date_of_birth")]
    forbidden += ["Quennell", "Philippa", "7700900321"]
    forbidden += [message.body for message in texts] + [m.body for m in mailoutbox] + [m.subject for m in mailoutbox]
    forbidden += [line.strip() for m in mailoutbox for line in m.body.splitlines() if len(line.strip()) > 25]
    forbidden += [link, unsubscribe.split("/")[3]]
    leaks = sorted({word for word in forbidden if word and word in text})
    assert not leaks, f"patient data in the logs: {leaks}"

    for line in lines:
        assert {"time", "level", "logger", "message"} <= set(line), line
    requests = [line for line in lines if line["logger"] == "ops.requests"]
    patient_page = next(line for line in requests if line["view"] == "dashboard:patient")
    assert patient_page["request_id"] and patient_page["clinic_id"] == cara.clinic_id and patient_page["status"] == 200
    api = next(line for line in requests if line["view"] == "patient-detail")
    assert api["clinic_id"] == cara.clinic_id  # a token-authenticated API call is tied to its clinic too
    sweep_lines = [line for line in lines if line.get("task_name") == "reminders.tasks.reminders_send_due"]
    assert sweep_lines and all(line["task_id"] for line in sweep_lines)
    bug = next(line for line in lines if "could not be sent" in line["message"] or "could not be opened" in line["message"])
    assert "[email]" in bug["exc_info"], "the exception's text was scrubbed, and still says what kind of thing failed"


def test_a_log_line_in_a_task_about_one_clinic_names_the_clinic(production_logs, clinic):
    from alerts.tasks import alerts_sweep_clinic

    logging.getLogger("alerts.test").info("inside")  # outside a task: no clinic
    assert alerts_sweep_clinic.apply(args=[clinic.pk]).successful()
    lines = [json.loads(line) for line in production_logs.getvalue().splitlines()]
    task_lines = [line for line in lines if line.get("task_name") == "alerts.sweep_clinic"]
    assert task_lines and all(line["clinic_id"] == clinic.pk for line in task_lines)
    assert "clinic_id" not in next(line for line in lines if line["message"] == "inside")


def test_development_logs_are_readable_text_with_the_same_context():
    from ops.logformat import TextFormatter

    record = logging.LogRecord("reminders.tasks", logging.INFO, __file__, 1, "sent %s", (3,), None)
    record.request_id, record.task_id, record.task_name, record.clinic_id = None, "abc123", "x", 7
    line = TextFormatter().format(record)
    assert line.endswith(" INFO reminders.tasks [task=abc123 clinic=7] sent 3")

"""End to end with a real Celery worker (`celery -A config worker` in a subprocess), through the
configured broker: Redis when CELERY_BROKER_URL is a redis:// URL, else the embedded filesystem
transport; and a real SMTP server."""

import email
import re
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from django.utils import timezone

from patients.models import Administration, Patient
from reminders.models import ClinicReminderSettings, Reminder, ReminderStatus

from .workers import Worker, free_port, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("builtin_protocols")]


class Mailbox:
    def __init__(self):
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server():
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    mailbox.port = controller.port
    yield mailbox
    controller.stop()


@pytest.fixture
def workers(tmp_path):
    started = []

    def start(**options) -> Worker:
        worker = Worker(tmp_path, name=f"w{len(started) + 1}", **options)
        started.append(worker)
        return worker.start()

    yield start
    for worker in started:
        worker.stop()


def test_a_dose_reminder_travels_through_a_real_worker_to_a_real_mail_server_and_its_link_records_the_dose(
        clinic, patient, enroll, smtp_server, workers, client):
    ClinicReminderSettings.for_clinic(clinic)
    ClinicReminderSettings.objects.filter(clinic=clinic).update(patient_channels="email")
    dose_at = (timezone.now() + timedelta(seconds=4)).astimezone(patient.zone).replace(microsecond=0)
    Patient.objects.filter(pk=patient.pk).update(preferred_dose_time=dose_at.time())
    patient.refresh_from_db()
    enroll(patient, "iron-oral-daily", dose_at.date())
    row = Reminder.objects.filter(patient=patient).order_by("send_at").first()
    assert row.send_at == dose_at and row.channel == "email"

    worker = workers(env={"EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                          "EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(smtp_server.port)}).wait_ready()
    wait_for(lambda: timezone.now() >= dose_at, 15, "the dose time")
    worker.sweep()
    envelope = wait_for(lambda: smtp_server.envelopes, 30, "the email to arrive")[0]
    assert envelope.rcpt_tos == [patient.email]
    message = email.message_from_bytes(envelope.original_content)
    assert message["Subject"] == f"Riverside Clinic: Today's dose, {dose_at:%H:%M}"
    assert message["List-Unsubscribe"].strip().startswith("<https://clinic.test/r/unsubscribe/")
    body = message.get_payload(decode=True).decode()
    link = re.search(r"https://clinic\.test(/r/taken/[^\s/]+/)", body).group(1)

    wait_for(lambda: Reminder.objects.get(pk=row.pk).status == ReminderStatus.SENT, 10, "the outcome", every=0.2)
    assert client.post(link).status_code == 200
    record = Administration.objects.get(event=row.event)
    assert record.source == "patient" and record.outcome == "given"
    worker.sweep()  # a second sweep finds nothing more to send
    wait_for(lambda: worker.output().count("Task reminders.tasks.reminders_send_due") >= 4, 20, "the second sweep")
    assert len(smtp_server.envelopes) == 1, worker.output()

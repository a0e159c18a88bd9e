from datetime import date

import pytest

from patients.services import enrollment_create
from tests.factories import StaffFactory

from .backends import RecordingSmsBackend


@pytest.fixture(autouse=True)
def reminder_settings(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast staff factories
    settings.PUBLIC_BASE_URL = "https://clinic.test"
    settings.REMINDERS_SMS_BACKEND = "tests.reminders.backends.RecordingSmsBackend"
    settings.REMINDERS_SMS_WEBHOOK_SECRET = "webhook-secret"
    # one lane per channel: the order of sends is the order of rows, as these tests expect
    settings.REMINDERS_SMS_CONCURRENCY = settings.REMINDERS_EMAIL_CONCURRENCY = 1
    settings.TWILIO_MAX_PER_SECOND = settings.EMAIL_MAX_PER_SECOND = 0
    RecordingSmsBackend.sent.clear()
    RecordingSmsBackend.attempts.clear()
    RecordingSmsBackend.fail_with = RecordingSmsBackend.on_send = None
    yield settings
    RecordingSmsBackend.fail_with = RecordingSmsBackend.on_send = None


@pytest.fixture
def clinic(clinic):
    """Riverside, planning two months ahead (a daily dose for a year is 365 events; tests need fewer)."""
    clinic.planning_horizon_months = 2
    clinic.save()
    return clinic


@pytest.fixture
def builtin_protocols(transactional_db):
    """A transactional test empties the tables the migrations filled: load the shipped protocols again."""
    from protocols.services import builtin_protocols_load

    builtin_protocols_load()


@pytest.fixture
def texts():
    """What the SMS gateway was asked to send, in order."""
    return RecordingSmsBackend.sent


@pytest.fixture
def enroll(cara):
    def enroll(patient, protocol: str = "iron-oral-daily", start: date | None = None, **options):
        return enrollment_create(actor=cara, patient=patient, protocol=protocol,
                                 start_date=start or patient.local_today(), options=options or None)
    return enroll


@pytest.fixture
def cara_with_email(cara):
    cara.email = "cara@riverside.test"
    cara.save()
    return cara


@pytest.fixture
def nina_with_email(nina):
    nina.email = "nina@riverside.test"
    nina.save()
    return nina


@pytest.fixture
def second_clinician(clinic):
    return StaffFactory(username="colin", clinic=clinic, role="clinician", email="colin@riverside.test")

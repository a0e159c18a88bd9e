from datetime import date

import pytest
from django.test import Client

from tests.alerts.helpers import enroll, give, lab
from tests.factories import PatientFactory


@pytest.fixture(autouse=True)
def patient_staff(settings):
    """Tests travel in time between requests; only the sign-in tests care about the idle timeout."""
    settings.SESSION_IDLE_TIMEOUT_MINUTES = 60 * 24 * 366


def web_client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def cara_web(cara):
    return web_client_for(cara)


@pytest.fixture
def nina_web(nina):
    return web_client_for(nina)


@pytest.fixture
def adam_web(adam):
    return web_client_for(adam)


@pytest.fixture
def otto_web(otto):
    return web_client_for(otto)


@pytest.fixture
def treated(cara, clinic):
    """A patient on B12 loading (first dose given) with an Hb, and one on daily oral iron."""
    b12 = PatientFactory(clinic=clinic, mrn="R0200", given_name="Bea", family_name="Twelve")
    lab(cara, b12, "hb", 101, date(2026, 1, 2))
    b12_course = enroll(cara, b12, "b12-im-standard", date(2026, 1, 5))
    give(cara, b12_course, "loading#1")
    iron = PatientFactory(clinic=clinic, mrn="R0201", given_name="Ivan", family_name="Ferrum", sex="male")
    enroll(cara, iron, "iron-oral-daily", date(2026, 1, 5))
    return {"b12": b12, "b12_course": b12_course, "iron": iron}

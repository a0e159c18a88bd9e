"""The cast: Riverside clinic's clinician Cara, nurse Nina and admin Adam, and Otto, a clinician of
Hillside clinic, who must be refused everything of Riverside's."""

import pytest
from rest_framework.test import APIClient

from clinics.models import Role
from clinics.tokens import api_token_issue
from tests.factories import ClinicFactory, PatientFactory, StaffFactory


@pytest.fixture
def clinic(db):
    return ClinicFactory(slug="riverside", name="Riverside Clinic", timezone="Europe/London")


@pytest.fixture
def other_clinic(db):
    return ClinicFactory(slug="hillside", name="Hillside Clinic", timezone="America/New_York")


@pytest.fixture
def cara(clinic):
    return StaffFactory(username="cara", clinic=clinic, role=Role.CLINICIAN, first_name="Cara")


@pytest.fixture
def nina(clinic):
    return StaffFactory(username="nina", clinic=clinic, role=Role.NURSE, first_name="Nina")


@pytest.fixture
def adam(clinic):
    return StaffFactory(username="adam", clinic=clinic, role=Role.ADMIN, first_name="Adam")


@pytest.fixture
def otto(other_clinic):
    return StaffFactory(username="otto", clinic=other_clinic, role=Role.CLINICIAN, first_name="Otto")


def api_token_for(user) -> str:
    """A fresh API token (tokens are stored hashed: a key is known only when it is issued)."""
    return api_token_issue(user=user)[1]


def api_client_for(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_for(user)}")
    return client


@pytest.fixture
def as_cara(cara):
    return api_client_for(cara)


@pytest.fixture
def as_nina(nina):
    return api_client_for(nina)


@pytest.fixture
def as_otto(otto):
    return api_client_for(otto)


@pytest.fixture
def patient(clinic):
    return PatientFactory(clinic=clinic, mrn="R0001", given_name="Pat", family_name="Jones")


def pytest_configure(config):
    """Patients are written to from the compiled catalogs: compile them first (pure Python, milliseconds),
    so that a test run never reads a catalog older than its .po file."""
    from pathlib import Path

    from django.conf import settings

    from reminders.catalogs import compile_catalogs

    for locale_dir in settings.LOCALE_PATHS:
        compile_catalogs(Path(locale_dir))

from datetime import date

import pytest

from tests.factories import PatientFactory


@pytest.fixture
def woman(clinic):
    """Female, born 1960: 65 in 2026, so the age-60 rule applies to her."""
    return PatientFactory(clinic=clinic, mrn="R0100", given_name="Wendy", family_name="Iron", sex="female",
                          date_of_birth=date(1960, 5, 17))


@pytest.fixture
def young(clinic):
    return PatientFactory(clinic=clinic, mrn="R0101", given_name="Yara", family_name="Young", sex="female",
                          date_of_birth=date(1990, 3, 1))

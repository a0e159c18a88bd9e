"""A clinic's language: the one its patients are written to in unless they chose their own."""

import pytest
from django.core.management import CommandError, call_command

from clinics.models import Clinic


def test_a_clinic_is_english_unless_created_with_another_language(db):
    call_command("create_clinic", "--slug", "north", "--name", "North", "--timezone", "Europe/London")
    call_command("create_clinic", "--slug", "sur", "--name", "Clínica Sur", "--timezone", "Europe/Madrid",
                 "--language", "es")
    assert dict(Clinic.objects.values_list("slug", "language")) == {"north": "en", "sur": "es"}


def test_a_language_that_is_not_offered_is_refused_and_no_clinic_is_created(db):
    with pytest.raises(CommandError, match="not a valid choice"):
        call_command("create_clinic", "--slug", "x", "--name", "X", "--timezone", "UTC", "--language", "fr")
    assert not Clinic.objects.exists()


def test_the_admin_sets_a_clinics_language(admin_client, clinic):
    page = admin_client.get(f"/admin/clinics/clinic/{clinic.pk}/change/").content.decode()
    assert '<option value="pl">Polish</option>' in page

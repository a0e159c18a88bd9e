"""Alerts: open alerts with the facts that raised them; acknowledge and resolve, recording who and when."""

from datetime import date

import pytest
import time_machine

from alerts.models import Alert
from tests.alerts.helpers import at, lab


@pytest.fixture
def alert(cara, clinic):
    from tests.factories import PatientFactory

    patient = PatientFactory(clinic=clinic, mrn="A0001", given_name="Alma", family_name="Old",
                             date_of_birth=date(1950, 1, 1))
    lab(cara, patient, "ferritin", 18, date(2026, 6, 1))
    return Alert.objects.get(patient=patient)


def test_open_alerts_are_listed_with_their_facts(nina_web, alert):
    body = nina_web.get("/alerts/").content.decode()
    assert "check-b12-age-60" in body and "Alma Old" in body
    assert "Facts that raised it" in body and "ferritin 18.0 ug/L on 2026-06-01" in body


def test_a_nurse_acknowledges_an_alert(nina, nina_web, alert):
    with time_machine.travel(at(date(2026, 6, 2), 9), tick=False):
        response = nina_web.post(f"/alerts/{alert.pk}/acknowledge/", HTTP_HX_REQUEST="true")
    alert.refresh_from_db()
    assert (alert.status, alert.acknowledged_by, alert.acknowledged_at) == ("acknowledged", nina, at(date(2026, 6, 2), 9))
    assert "Acknowledged by Nina at 2 Jun 2026 10:00" in response.content.decode(), "in the clinic's time (BST)"


def test_a_clinician_resolves_an_alert_with_a_note(cara, cara_web, alert):
    response = cara_web.post(f"/alerts/{alert.pk}/resolve/", {"note": "B12 requested", "next": "/alerts/"})
    assert response.status_code == 302 and response["Location"] == "/alerts/"
    alert.refresh_from_db()
    assert (alert.status, alert.resolved_by, alert.resolution_note) == ("resolved", cara, "B12 requested")
    assert f'id="alert-{alert.pk}"' not in cara_web.get("/alerts/").content.decode()
    assert "B12 requested" in cara_web.get("/alerts/?status=resolved").content.decode()


def test_an_unsafe_next_address_is_ignored(cara_web, alert):
    response = cara_web.post(f"/alerts/{alert.pk}/acknowledge/", {"next": "https://evil.example/"})
    assert response["Location"] == "/alerts/"

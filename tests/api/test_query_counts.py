"""List endpoints answer in a number of queries that does not grow with the number of rows."""

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from patients.services import administration_record, enrollment_create, lab_result_record
from tests.factories import PatientFactory

LISTS = ["/api/v1/patients/", "/api/v1/enrollments/", "/api/v1/events/", "/api/v1/administrations/",
         "/api/v1/lab-results/", "/api/v1/alerts/", "/api/v1/protocols/"]


def populate(clinic, cara, n):
    from datetime import UTC, datetime

    from alerts.services import alert_raise

    for _ in range(n):
        patient = PatientFactory(clinic=clinic)
        enrollment = enrollment_create(actor=cara, patient=patient, protocol="b12-im-standard",
                                       start_date=datetime(2026, 1, 5).date())
        event = enrollment.events.filter(kind="dose").order_by("due_date").first()
        administration_record(actor=cara, event=event, outcome="missed", occurred_at=datetime(2026, 1, 5, 10, tzinfo=UTC))
        lab_result_record(actor=cara, patient=patient, test="hb", value=100, unit="g/L",
                          collected_at=datetime(2026, 1, 5, 9, tzinfo=UTC))
        alert_raise(patient=patient, code="dose-missed", message="Missed", facts={}, fingerprint=str(event.pk))


def queries_for(client, path):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path, {"page_size": 50})
    assert response.status_code == 200
    return len(captured)


@time_machine.travel("2026-01-06 12:00Z", tick=False)
@pytest.mark.parametrize("path", LISTS)
def test_a_list_takes_as_many_queries_for_fifty_rows_as_for_one(as_cara, clinic, cara, path):
    populate(clinic, cara, 1)
    with_one = queries_for(as_cara, path)
    populate(clinic, cara, 49)
    assert queries_for(as_cara, path) == with_one

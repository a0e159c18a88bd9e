from datetime import date, time

import time_machine

from patients.models import Patient
from patients.services import enrollment_create


@time_machine.travel("2026-01-05 09:00Z", tick=False)
def test_a_patient_created_without_a_dose_time_can_be_planned_at_once(clinic, cara):
    patient = Patient.objects.create(clinic=clinic, mrn="D1", given_name="Dee", family_name="Fault",
                                     date_of_birth=date(1970, 1, 1), sex="female", timezone="Europe/London")
    assert patient.preferred_dose_time == time(8, 0)
    enrollment = enrollment_create(actor=cara, patient=patient, protocol="iron-oral-daily", start_date=date(2026, 1, 5))
    first = enrollment.events.filter(kind="dose").order_by("due_date").first()
    assert first.due_at.isoformat() == "2026-01-05T08:00:00+00:00"

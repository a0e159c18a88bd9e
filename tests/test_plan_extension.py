from datetime import date

import time_machine

from patients.services import enrollment_create, patient_update
from patients.tasks import enrollment_extend_plan, enrollments_extend_plans


def test_an_open_ended_plan_is_extended_as_time_passes(cara, patient, monkeypatch):
    with time_machine.travel("2026-01-05 09:00Z", tick=False):
        enrollment = enrollment_create(actor=cara, patient=patient, protocol="iron-oral-daily",
                                       start_date=date(2026, 1, 5))
    assert enrollment.events.order_by("due_date").last().due_date == date(2027, 1, 5)
    queued = []
    monkeypatch.setattr(enrollment_extend_plan, "delay", queued.append)
    with time_machine.travel("2026-03-01 09:00Z", tick=False):
        assert enrollments_extend_plans() == 1
        enrollment_extend_plan(queued[0])
        assert enrollments_extend_plans() == 0, "a fresh plan is left alone"
    assert enrollment.events.order_by("due_date").last().due_date == date(2027, 3, 1)


@time_machine.travel("2026-01-05 09:00Z", tick=False)
def test_a_new_email_changes_no_plan_but_a_new_dose_time_moves_every_oral_dose(cara, patient):
    enrollment = enrollment_create(actor=cara, patient=patient, protocol="iron-oral-daily", start_date=date(2026, 1, 5))
    first = enrollment.events.order_by("due_date").first()
    patient_update(actor=cara, patient=patient, email="new@example.org")
    first.refresh_from_db()
    assert first.due_at.hour == 8
    from datetime import time

    patient_update(actor=cara, patient=patient, preferred_dose_time=time(19, 30))
    first.refresh_from_db()
    assert (first.due_at.hour, first.due_at.minute) == (19, 30)

import pytest
import time_machine

from patients.models import Administration
from tests.helpers import doses, enroll, give, schedule


@time_machine.travel("2026-01-05 12:00Z", tick=False)
def test_every_write_to_clinical_data_is_in_the_audit_trail_with_who(as_cara, as_nina, patient, nina, cara):
    enrollment = enroll(as_cara, patient, "b12-im-standard", "2026-01-05")
    given = give(as_nina, doses(schedule(as_cara, enrollment["id"]), "loading")[0], "2026-01-05T10:00:00Z")
    as_cara.post(f"/api/v1/administrations/{given['id']}/entered-in-error/", {"reason": "wrong lot"}, format="json")
    history = Administration.history.filter(id=given["id"]).order_by("history_date")
    assert [(h.history_type, h.history_user, h.entered_in_error) for h in history] == [
        ("+", nina, False), ("~", cara, True)]
    assert patient.enrollments.get().history.first().history_user == cara


def test_a_clinical_record_cannot_be_edited_or_deleted(as_cara, patient):
    with time_machine.travel("2026-01-05 12:00Z", tick=False):
        enrollment = enroll(as_cara, patient, "b12-im-standard", "2026-01-05")
        given = give(as_cara, doses(schedule(as_cara, enrollment["id"]), "loading")[0], "2026-01-05T10:00:00Z")
    record = Administration.objects.get(pk=given["id"])
    record.lot_number = "CHANGED"
    with pytest.raises(ValueError, match="append-only"):
        record.save()
    with pytest.raises(ValueError, match="append-only"):
        record.delete()

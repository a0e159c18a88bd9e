"""Recording clinical facts through the same services the API and the pages use."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import time_machine

from alerts.models import Alert
from patients.models import ScheduledEvent
from patients.services import administration_record, enrollment_create, lab_result_record

UTC = ZoneInfo("UTC")


def at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=UTC)


def enroll(actor, patient, protocol: str, start: date, **options):
    with time_machine.travel(at(start, 8), tick=False):
        return enrollment_create(actor=actor, patient=patient, protocol=protocol, start_date=start, options=options)


def lab(actor, patient, test: str, value, on: date, unit: str | None = None):
    units = {"hb": "g/L", "ferritin": "ug/L", "b12": "ng/L", "crp": "mg/L", "retic": "%", "retic-abs": "10*9/L",
             "tsat": "%", "folate": "ug/L", "mcv": "fL"}
    with time_machine.travel(at(on, 12), tick=False):
        return lab_result_record(actor=actor, patient=patient, test=test, value=value, unit=unit or units[test],
                                 collected_at=at(on, 9))


def event(enrollment, key: str) -> ScheduledEvent:
    return ScheduledEvent.objects.get(enrollment=enrollment, key=key)


def give(actor, enrollment, key: str, on: date | None = None, outcome: str = "given"):
    ev = event(enrollment, key)
    day = on or ev.due_date
    details = {}
    if outcome == "given" and ev.setting == "clinic":
        details = {"dose_mg": 1, "route": "IM", "site": "deltoid-left", "lot_number": "LOT1"}
    with time_machine.travel(at(day, 11), tick=False):
        record, _ = administration_record(actor=actor, event=ev, outcome=outcome, occurred_at=at(day, 10), **details)
    return record


def codes(patient) -> list[str]:
    return sorted(Alert.objects.filter(patient=patient).values_list("code", flat=True))

"""An enrollment as a FHIR CarePlan, and each phase's dose rule as a MedicationRequest.

- The dose rule's timing becomes `dosageInstruction.timing` (FHIR Timing: frequency per period,
  dayOfWeek, timeOfDay, count, and bounds from the phase's actual dates).
- Each MedicationRequest is `basedOn` its CarePlan; the CarePlan lists it as an activity. Phases
  without doses (iron follow-up) and the planned blood tests and reviews are activity details.
- "Starts N days after the end of X" (and after the start of X, or continues X) has no FHIR field:
  the `starts-after` extension carries the relation, its target and the offset; where the target
  phase has doses, `priorPrescription` also names the request this one follows.
"""

from __future__ import annotations

from datetime import time

from fhir.resources.R4B.careplan import CarePlan
from fhir.resources.R4B.medicationrequest import MedicationRequest

from patients.services.schedule import enrollment_plan

from .common import (
    CS_LAB_EVENT,
    EXT_STARTS_AFTER,
    PERIOD_UNITS,
    ROUTES,
    UCUM,
    day,
    drop_empty,
    instant,
    quantity,
    ref,
    validated,
)
from .resources import drug_text, medication_request_id

EVENT_STATUS = {"planned": "scheduled", "done": "completed", "given": "completed", "missed": "not-started",
                "declined": "cancelled", "cancelled": "cancelled"}
WEEKDAY_WORDS = {"mon": "Mon", "tue": "Tue", "wed": "Wed", "thu": "Thu", "fri": "Fri", "sat": "Sat", "sun": "Sun"}


def _weekdays(enrollment, timing) -> list[str]:
    raw = enrollment.clinic.injection_days if timing.weekdays == "clinic" else timing.weekdays
    return [d.strip().lower()[:3] for d in raw.split(",") if d.strip()]


def _time_of_day(enrollment, timing) -> str | None:
    if timing.time_of_day is None:
        return None
    if timing.time_of_day == "patient":
        chosen = enrollment.options.get("dose_time")
        moment = time.fromisoformat(chosen) if chosen else enrollment.patient.preferred_dose_time
        if isinstance(moment, str):
            moment = time.fromisoformat(moment)
    else:
        moment = time.fromisoformat(timing.time_of_day)
    return moment.strftime("%H:%M:%S")


def fhir_timing(enrollment, phase, span) -> dict:
    """A dose rule's timing as FHIR Timing, bounded by the phase's dates where they are known."""
    timing = phase.dose.timing
    repeat: dict = {"count": timing.count}
    if timing.pattern == "weekdays":
        days = _weekdays(enrollment, timing)
        repeat.update({"frequency": len(days), "period": 1, "periodUnit": "wk", "dayOfWeek": days})
    else:
        every = timing.every
        if phase.slug == "maintenance" and enrollment.options.get("maintenance_interval_months"):
            every = type(every)(int(enrollment.options["maintenance_interval_months"]), "month")
        repeat.update({"frequency": 1, "period": every.value, "periodUnit": PERIOD_UNITS[every.unit]})
    tod = _time_of_day(enrollment, timing)
    if tod:
        repeat["timeOfDay"] = [tod]
    if span is not None and span.start is not None:
        repeat["boundsPeriod"] = {"start": day(span.start), "end": day(span.end) if span.ended or
                                  phase.end.type in ("duration", "after-normal-hb") else None}
    elif timing.duration is not None:
        unit = PERIOD_UNITS[timing.duration.unit]
        repeat["boundsDuration"] = {"value": timing.duration.value, "unit": unit, "system": UCUM, "code": unit}
    return {"repeat": repeat}


def _dose_text(enrollment, phase) -> str:
    dose, timing = phase.dose, phase.dose.timing
    text = drug_text(dose.code, dose.dose_mg, dose.route)
    if timing.pattern == "weekdays":
        days = ", ".join(WEEKDAY_WORDS.get(d, d) for d in _weekdays(enrollment, timing))
        text += f", {len(_weekdays(enrollment, timing))} times a week on {days}"
    else:
        every = timing.every
        text += " every day" if (every.value, every.unit) == (1, "day") else f" every {every.value} {every.unit}s"
    tod = _time_of_day(enrollment, timing)
    if tod:
        text += f" at {tod[:5]} (patient's local time)"
    if timing.count:
        text += f", until {timing.count} doses are given"
    return text


def _starts_after(enrollment, phase, dose_phases: set[str]) -> dict | None:
    relation = phase.start
    if relation.type == "enrollment-start":
        return None
    target = ({"valueReference": ref("MedicationRequest", medication_request_id(enrollment.pk, relation.target))}
              if relation.target in dose_phases else {"valueString": relation.target})
    return {"url": EXT_STARTS_AFTER, "extension": [
        {"url": "relation", "valueCode": relation.type},
        {"url": "target", **target},
        {"url": "offset", "valueDuration": {"value": relation.offset_days, "unit": "d", "system": UCUM, "code": "d"}},
    ]}


def _request_status(enrollment, span) -> str:
    if span is not None and span.ended:
        return "completed"
    return "stopped" if enrollment.status == "ended" else "active"


def medication_request_resource(enrollment, phase, span, dose_phases: set[str]) -> dict:
    dose = phase.dose
    route = ROUTES.get(dose.route)
    prior = None
    if phase.start.type in ("after-end", "continues") and phase.start.target in dose_phases:
        prior = ref("MedicationRequest", medication_request_id(enrollment.pk, phase.start.target))
    return validated(MedicationRequest, drop_empty({
        "resourceType": "MedicationRequest",
        "id": medication_request_id(enrollment.pk, phase.slug),
        "extension": [_starts_after(enrollment, phase, dose_phases)],
        "status": _request_status(enrollment, span),
        "intent": "plan",
        "category": [{"text": f"{phase.title} ({dose.setting})"}],
        "medicationCodeableConcept": {"text": drug_text(dose.code)},
        "subject": ref("Patient", enrollment.patient_id),
        "authoredOn": instant(enrollment.created_at),
        "basedOn": [ref("CarePlan", enrollment.pk)],
        "priorPrescription": prior,
        "dosageInstruction": [{
            "text": _dose_text(enrollment, phase),
            "timing": fhir_timing(enrollment, phase, span),
            "route": {"coding": [dict(zip(("system", "code", "display"), route, strict=True))]} if route else None,
            "doseAndRate": [{"doseQuantity": quantity(dose.dose_mg, "mg")}],
        }],
    }))


def _event_activity(event) -> dict:
    lab = event.kind == "lab"
    tests = f": {', '.join(event.tests)}" if event.tests else ""
    return {"detail": {
        "kind": "ServiceRequest" if lab else "Appointment",
        "code": {"coding": [{"system": CS_LAB_EVENT, "code": event.code}], "text": f"{event.code}{tests}"},
        "status": EVENT_STATUS.get(event.status, "unknown"),
        "scheduledPeriod": {"start": day(event.window_start), "end": day(event.window_end)},
        "description": f"{'Blood test' if lab else 'Clinician review'} {event.code} ({event.phase}) due "
                       f"{event.due_date:%Y-%m-%d}{tests}",
    }}


def care_plan_bundle(enrollment, events) -> list[dict]:
    """The CarePlan of an enrollment and the MedicationRequest of each dose rule (CarePlan first).

    `events` are the enrollment's blood test and review events (not cancelled), in date order.
    """
    definition = enrollment.definition
    plan = enrollment_plan(enrollment)
    spans = {s.slug: s for s in plan.phases}
    dose_phases = {p.slug for p in definition.phases if p.dose is not None}
    requests, activities = [], []
    for phase in definition.phases:
        span = spans.get(phase.slug)
        if phase.dose is not None:
            requests.append(medication_request_resource(enrollment, phase, span, dose_phases))
            activities.append({"reference": ref("MedicationRequest", medication_request_id(enrollment.pk, phase.slug))})
        else:
            activities.append({
                "extension": [_starts_after(enrollment, phase, dose_phases)],
                "detail": {
                    "kind": "ServiceRequest", "code": {"text": phase.title},
                    "status": "completed" if span and span.ended else ("in-progress" if span and span.start else
                                                                        "not-started"),
                    "scheduledPeriod": {"start": day(span.start) if span else None,
                                        "end": day(span.end) if span and span.ended else None},
                    "description": phase.title,
                },
            })
    activities += [_event_activity(e) for e in events]
    notes = []
    if enrollment.override_reason:
        notes.append({"text": f"Safety guard overridden: {enrollment.override_reason}"})
    if enrollment.end_reason:
        notes.append({"text": f"Ended: {enrollment.end_reason}"})
    care_plan = validated(CarePlan, drop_empty({
        "resourceType": "CarePlan",
        "id": str(enrollment.pk),
        "instantiatesUri": [f"urn:protocol:{enrollment.protocol_version.protocol.slug}:"
                            f"v{enrollment.protocol_version.version}"],
        "status": ("revoked" if enrollment.ended_by_id else "completed") if enrollment.status == "ended" else "active",
        "intent": "plan",
        "title": definition.name,
        "description": definition.description,
        "subject": ref("Patient", enrollment.patient_id),
        "period": {"start": day(enrollment.start_date), "end": day(enrollment.ended_on)},
        "created": instant(enrollment.created_at),
        "activity": activities,
        "note": notes,
    }))
    return [care_plan, *requests]

from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction

from ..errors import InvalidInput
from ..models import Administration, EventKind, EventStatus, InjectionSite, Outcome, ScheduledEvent, Source
from ..signals import clinical_record_changed
from .bounds import check_record_instant, check_text
from .records import record_mark_entered_in_error
from .schedule import enrollment_replan

#: A dose more than this many times the planned one is refused as a likely unit mistake.
MAX_DOSE_FACTOR = 2


#: Outcomes that cannot be recorded before the dose's window opens (a patient may decline in advance).
NOT_BEFORE_WINDOW = (Outcome.GIVEN, Outcome.MISSED)
IDEMPOTENCY_KEY_MAX_LENGTH = Administration._meta.get_field("idempotency_key").max_length


class IdempotencyConflict(InvalidInput):
    pass


def check_idempotency_key(key) -> str | None:
    """The Idempotency-Key header as given, if it fits its column and is printable."""
    if key in (None, ""):
        return None
    if len(key) > IDEMPOTENCY_KEY_MAX_LENGTH:
        raise InvalidInput({"Idempotency-Key": f"is {len(key)} characters long; at most {IDEMPOTENCY_KEY_MAX_LENGTH}"})
    if not key.isprintable():
        raise InvalidInput({"Idempotency-Key": "must contain printable characters only"})
    return key


def _existing_for_key(clinic_id, key):
    return Administration.objects.filter(clinic_id=clinic_id, idempotency_key=key).select_related("event").first()


def _same_request(existing: Administration, event: ScheduledEvent, outcome: str) -> bool:
    return existing.event_id == event.pk and existing.outcome == outcome


def _clean_given(event, dose_mg, route, site, lot_number) -> dict:
    errors = {}
    planned = event.dose_mg
    if dose_mg in (None, ""):
        if event.setting == "clinic":
            errors["dose_mg"] = "is required for a given injection"
        dose = planned
    else:
        try:
            dose = Decimal(str(dose_mg))
        except InvalidOperation:
            dose = None
        if dose is None or not dose.is_finite() or dose <= 0:
            errors["dose_mg"] = "must be a positive number of milligrams"
        elif planned and dose > planned * MAX_DOSE_FACTOR:
            errors["dose_mg"] = f"{dose} mg is more than {MAX_DOSE_FACTOR}x the planned {planned.normalize()} mg; check the units"
    route = (route or ("" if event.setting == "clinic" else event.route)).strip()
    if not route:
        errors["route"] = "is required for a given injection"
    elif route.upper() == "IV" and event.code == "hydroxocobalamin":
        errors["route"] = "hydroxocobalamin is not given IV in these protocols (the IV antidote is a different product)"
    elif route != event.route:
        errors["route"] = f"this dose is planned {event.route}; {route!r} does not match"
    if event.setting == "clinic":
        if not site:
            errors["site"] = "is required for a given injection"
        elif site not in InjectionSite.values:
            errors["site"] = f"unknown site; one of {', '.join(InjectionSite.values)}"
        if not (lot_number or "").strip():
            errors["lot_number"] = "is required for a given injection"
    elif site and site not in InjectionSite.values:
        errors["site"] = f"unknown site; one of {', '.join(InjectionSite.values)}"
    if errors:
        raise InvalidInput(errors)
    return {"dose_mg": dose, "route": route, "site": site or "", "lot_number": (lot_number or "").strip()}


def _check_order(event: ScheduledEvent, occurred_on) -> None:
    """An outcome cannot be dated before the previous recorded dose of the same phase."""
    previous = (
        Administration.objects.filter(event__enrollment_id=event.enrollment_id, event__phase=event.phase,
                                      event__sequence__lt=event.sequence, entered_in_error=False)
        .order_by("-occurred_on").values_list("occurred_on", flat=True).first()
    )
    if previous and occurred_on < previous:
        raise InvalidInput({"occurred_at": f"the previous {event.phase} dose was recorded on {previous}"})
    if occurred_on < event.enrollment.start_date:
        raise InvalidInput({"occurred_at": f"the enrollment starts on {event.enrollment.start_date}"})


def administration_record(*, actor, event: ScheduledEvent, outcome: str, occurred_at: datetime,
                          dose_mg=None, route=None, site=None, lot_number=None, performed_by: str = "",
                          note: str = "", idempotency_key: str | None = None,
                          source: str = Source.STAFF) -> tuple[Administration, bool]:
    """Record a dose given, missed or declined, and re-plan. Returns (record, created).

    The same idempotency key again returns the first record and creates nothing.
    """
    idempotency_key = check_idempotency_key(idempotency_key)
    check_text(Administration, performed_by=performed_by, note=note, lot_number=lot_number, route=route)
    if idempotency_key:
        existing = _existing_for_key(event.clinic_id, idempotency_key)
        if existing is not None:
            if not _same_request(existing, event, outcome):
                raise IdempotencyConflict({"idempotency_key": "was already used for a different request"})
            return existing, False
    try:
        with transaction.atomic():
            record = _record(actor=actor, event=event, outcome=outcome, occurred_at=occurred_at, dose_mg=dose_mg,
                             route=route, site=site, lot_number=lot_number, performed_by=performed_by, note=note,
                             idempotency_key=idempotency_key, source=source)
    except IntegrityError:
        if idempotency_key:
            existing = _existing_for_key(event.clinic_id, idempotency_key)
            if existing is not None and _same_request(existing, event, outcome):
                return existing, False
        raise InvalidInput({"event": "an outcome was recorded for this event at the same moment"}) from None
    return record, True


def _record(*, actor, event, outcome, occurred_at, dose_mg, route, site, lot_number, performed_by, note,
            idempotency_key, source) -> Administration:
    event = ScheduledEvent.objects.select_for_update().select_related("enrollment", "patient").get(pk=event.pk)
    if event.kind != EventKind.DOSE:
        raise InvalidInput({"event": f"event {event.pk} is a {event.kind} event; outcomes are recorded for doses only"})
    if outcome not in Outcome.values:
        raise InvalidInput({"outcome": f"must be one of {', '.join(Outcome.values)}"})
    if event.status in (EventStatus.GIVEN, EventStatus.MISSED, EventStatus.DECLINED):
        raise InvalidInput({"event": f"this dose is already recorded as {event.status}; mark that record entered-in-error to correct it"})
    if event.status == EventStatus.CANCELLED or event.enrollment.status != "active":
        raise InvalidInput({"event": "this event is cancelled; nothing can be recorded against it"})
    zone = event.enrollment.clinic.zone if event.setting == "clinic" else event.patient.zone
    check_record_instant("occurred_at", occurred_at, born=event.patient.date_of_birth, zone=zone)
    occurred_on = occurred_at.astimezone(zone).date()
    if outcome in NOT_BEFORE_WINDOW and occurred_on < event.window_start:
        opens = "is due" if event.window_start == event.due_date else "window opens"
        raise InvalidInput({"occurred_at": (
            f"is before this dose {opens} on {event.window_start:%a %d %b %Y}; a dose is recorded "
            f"{outcome} from that day on"
        )})
    _check_order(event, occurred_on)
    details = {"dose_mg": None, "route": "", "site": "", "lot_number": ""}
    if outcome == Outcome.GIVEN:
        details = _clean_given(event, dose_mg, route, site, lot_number)
    record = Administration(
        clinic_id=event.clinic_id, patient_id=event.patient_id, event=event, outcome=outcome,
        occurred_at=occurred_at, occurred_on=occurred_on, recorded_by=actor if getattr(actor, "pk", None) else None,
        performed_by=performed_by or "", note=note or "", idempotency_key=idempotency_key or None,
        source=source, **details,
    )
    record._history_user = actor if getattr(actor, "pk", None) else None
    record.save()
    enrollment_replan(event.enrollment)
    clinical_record_changed.send(sender=Administration, patient=event.patient, record=record)
    return record


@transaction.atomic
def administration_mark_entered_in_error(*, actor, administration: Administration, reason: str) -> Administration:
    record = record_mark_entered_in_error(Administration, administration.pk, actor=actor, reason=reason)
    enrollment_replan(record.event.enrollment)
    clinical_record_changed.send(sender=Administration, patient=record.patient, record=record)
    return record

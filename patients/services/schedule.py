"""Keeping an enrollment's stored events in step with the schedule engine."""

from datetime import date, time
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from config.times import local_date
from protocols.engine import LabValue, Outcome, Plan, PlanInput, PlanOptions, add_months, plan
from protocols.products import IRON_PRODUCTS

from ..models import Administration, Enrollment, EventStatus, LabResult, ScheduledEvent
from ..signals import plan_changed

RECORDED = (EventStatus.GIVEN, EventStatus.MISSED, EventStatus.DECLINED)
#: Rows written per statement when a re-plan creates or moves events.
WRITE_BATCH_SIZE = 100


def plan_options(options: dict, patient) -> PlanOptions:
    product = IRON_PRODUCTS.get(options.get("iron_product", ""))
    dose_time = options.get("dose_time")
    return PlanOptions(
        maintenance_interval_months=options.get("maintenance_interval_months"),
        dose_time=time.fromisoformat(dose_time) if dose_time else patient.preferred_dose_time,
        hb_normal_g_l=patient.hb_normal_g_l(),
        dose_code=product.drug if product else None,
        dose_mg=float(product.strength_mg) if product else None,
    )


def lab_values(patient) -> list[LabValue]:
    zone = patient.zone
    return [
        LabValue(r.code, local_date(r.collected_at, zone), float(r.normalized_value))
        for r in LabResult.objects.filter(patient=patient, entered_in_error=False).only(
            "code", "collected_at", "normalized_value"
        )
    ]


def planning_horizon(clinic, start_date: date, today: date) -> date:
    return add_months(max(today, start_date), clinic.planning_horizon_months)


def plan_input(*, clinic, patient, definition, start_date, options: dict, outcomes=None, labs=None,
               phase_ends=None, today: date | None = None) -> PlanInput:
    today = today or patient.local_today()
    return PlanInput(
        protocol=definition,
        start_date=start_date,
        calendar=clinic.calendar(),
        patient_timezone=patient.timezone,
        horizon=planning_horizon(clinic, start_date, today),
        outcomes=outcomes or {},
        labs=lab_values(patient) if labs is None else labs,
        phase_ends=phase_ends or {},
        options=plan_options(options, patient),
        today=today,
    )


def enrollment_plan(enrollment: Enrollment, today: date | None = None) -> Plan:
    outcomes = {
        a.event.key: Outcome(a.outcome, a.occurred_on)
        for a in Administration.objects.filter(event__enrollment=enrollment, entered_in_error=False).select_related("event")
    }
    phase_ends = {slug: date.fromisoformat(end["date"]) for slug, end in enrollment.phase_ends.items()}
    return plan(
        plan_input(
            clinic=enrollment.clinic,
            patient=enrollment.patient,
            definition=enrollment.definition,
            start_date=enrollment.start_date,
            options=enrollment.options,
            outcomes=outcomes,
            phase_ends=phase_ends,
            today=today,
        )
    )


def _row_values(event) -> dict:
    return {
        "kind": event.kind,
        "code": event.code,
        "phase": event.phase,
        "arm": event.arm,
        "sequence": event.sequence,
        "due_date": event.due_date,
        "due_at": event.due_at,
        "window_start": event.window_start,
        "window_end": event.window_end,
        "status": EventStatus.PLANNED if event.status == EventStatus.OVERDUE else event.status,
        "setting": event.setting,
        "dose_mg": None if event.dose_mg is None else Decimal(str(event.dose_mg)).quantize(Decimal("0.001")),
        "route": event.route,
        "tests": list(event.tests),
        "late": event.late,
        "provisional": event.provisional,
    }


@transaction.atomic
def enrollment_replan(enrollment: Enrollment, today: date | None = None) -> Plan:
    """Re-compute the plan and store it: same key, same row; new keys created; dropped ones cancelled.

    Runs inside the caller's transaction, with the enrollment row locked so that two outcomes
    recorded at once re-plan one after the other.
    """
    Enrollment.objects.select_for_update().filter(pk=enrollment.pk).first()
    result = enrollment_plan(enrollment, today)
    existing = {row.key: row for row in ScheduledEvent.objects.filter(enrollment=enrollment)}
    to_create, to_update, changed_fields = [], [], set()
    active = enrollment.status == "active"
    for event in result.events:
        values = _row_values(event)
        if not active and values["status"] == EventStatus.PLANNED:
            values["status"] = EventStatus.CANCELLED
        row = existing.pop(event.key, None)
        if row is None:
            to_create.append(ScheduledEvent(
                clinic_id=enrollment.clinic_id, enrollment=enrollment, patient_id=enrollment.patient_id,
                key=event.key, **values,
            ))
            continue
        changed = {name for name, value in values.items() if getattr(row, name) != value}
        if changed:
            for name in changed:
                setattr(row, name, values[name])
            changed_fields |= changed
            to_update.append(row)
    for row in existing.values():
        if row.status not in RECORDED and row.status != EventStatus.CANCELLED:
            row.status = EventStatus.CANCELLED
            changed_fields.add("status")
            to_update.append(row)
    now = timezone.now()
    for row in to_update:
        row.updated_at = now
    ScheduledEvent.objects.bulk_create(to_create, batch_size=WRITE_BATCH_SIZE)
    if to_update:
        # Only the columns that changed: bulk_update writes one CASE per column per batch.
        ScheduledEvent.objects.bulk_update(to_update, sorted(changed_fields) + ["updated_at"],
                                           batch_size=WRITE_BATCH_SIZE)
    horizon = planning_horizon(enrollment.clinic, enrollment.start_date, today or enrollment.patient.local_today())
    if enrollment.planned_until != horizon:
        Enrollment.objects.filter(pk=enrollment.pk).update(planned_until=horizon)
        enrollment.planned_until = horizon
    if to_create or to_update:
        plan_changed.send(sender=Enrollment, enrollment=enrollment)
    return result

from datetime import date, time, timedelta

from django.db import transaction
from django.utils import timezone

from alerts.models import Severity
from alerts.services import alert_raise
from protocols.engine import Plan, PlanTooLong, plan
from protocols.models import Protocol
from protocols.products import IRON_PRODUCTS, IRON_SALTS

from ..errors import InvalidInput
from ..models import Enrollment, EnrollmentStatus, LabResult, Patient
from .bounds import check_enrollment_start, check_text
from .schedule import enrollment_plan, enrollment_replan, plan_input

#: A B12 result counts for the folate guard if collected within this many days.
B12_RESULT_VALID_DAYS = 92
OPTION_KEYS = {"maintenance_interval_months", "dose_time", "iron_product", "iron_salt", "override_reason"}


def resolve_protocol(clinic, slug: str):
    protocol = (
        Protocol.objects.visible_to(clinic).filter(slug=slug).select_related("current_version")
        .order_by("clinic_id").last()  # a clinic's own protocol wins over a built-in of the same slug
    )
    if protocol is None or protocol.current_version is None:
        raise InvalidInput({"protocol": f"unknown protocol {slug!r}"})
    return protocol.current_version


def clean_options(definition, options) -> dict:
    if options is None:
        return {}
    if not isinstance(options, dict):
        raise InvalidInput({"options": "must be an object"})
    unknown = sorted(set(options) - OPTION_KEYS)
    if unknown:
        raise InvalidInput({"options": f"unknown option(s) {', '.join(unknown)}; known: {', '.join(sorted(OPTION_KEYS))}"})
    cleaned = dict(options)
    slugs = {p.slug for p in definition.phases}
    arms = set(definition.arms)
    if "maintenance_interval_months" in cleaned:
        value = cleaned["maintenance_interval_months"]
        if "maintenance" not in slugs:
            raise InvalidInput({"options": "maintenance_interval_months: this protocol has no maintenance phase"})
        if value not in (2, 3) or isinstance(value, bool):
            raise InvalidInput({"options": "maintenance_interval_months must be 2 or 3 (BNF: every 2-3 months)"})
    if "dose_time" in cleaned:
        try:
            cleaned["dose_time"] = time.fromisoformat(str(cleaned["dose_time"])).strftime("%H:%M")
        except ValueError:
            raise InvalidInput({"options": "dose_time must be a local time HH:MM"}) from None
    if "iron_salt" in cleaned and "iron_product" not in cleaned:
        raise InvalidInput({"options": (
            f"iron_salt {cleaned['iron_salt']!r} is ambiguous: name an iron_product "
            f"({', '.join(IRON_PRODUCTS)}) so the elemental iron dose is known"
        )})
    if "iron_product" in cleaned:
        product = IRON_PRODUCTS.get(cleaned["iron_product"])
        if "iron" not in arms:
            raise InvalidInput({"options": "iron_product: this protocol has no oral iron"})
        if product is None:
            raise InvalidInput({"options": f"unknown iron_product; known: {', '.join(IRON_PRODUCTS)}"})
        if "iron_salt" in cleaned and cleaned["iron_salt"] not in (product.drug, product.drug.replace("-", " ")):
            raise InvalidInput({"options": f"iron_salt {cleaned['iron_salt']!r} does not match {product.code}"})
        cleaned.pop("iron_salt", None)
    elif "iron_salt" in cleaned and cleaned["iron_salt"] not in IRON_SALTS:
        raise InvalidInput({"options": f"unknown iron_salt; known: {', '.join(IRON_SALTS)}"})
    return cleaned


def folate_guard(*, patient: Patient, override_reason: str) -> dict | None:
    """PROTOCOLS.md section 4 `folate-without-b12`: folic acid alone can mask B12 deficiency.

    Returns the facts when the guard fires, None when it is satisfied.
    """
    since = timezone.now() - timedelta(days=B12_RESULT_VALID_DAYS)
    threshold = patient.clinic.threshold("b12_deficient_ng_l")
    b12_ok = LabResult.objects.filter(
        patient=patient, code="b12", entered_in_error=False, collected_at__gte=since, normalized_value__gte=threshold
    ).exists()
    on_b12 = any(
        "b12" in e.definition.arms for e in patient.enrollments.filter(status=EnrollmentStatus.ACTIVE).select_related("protocol_version")
    )
    if b12_ok or on_b12:
        return None
    return {"b12_result_in_range_within_days": B12_RESULT_VALID_DAYS, "active_b12_treatment": False,
            "override_reason": override_reason}


def _check_start_date(patient: Patient, start_date) -> None:
    check_enrollment_start(start_date, born=patient.date_of_birth, today=patient.local_today())


def _planned(make_plan):
    """The plan, or a 400 naming the start date when the engine refuses to plan that much."""
    try:
        return make_plan()
    except PlanTooLong as exc:
        raise InvalidInput({"start_date": f"cannot be planned from this date: {exc}"}) from None


def enrollment_preview(*, patient: Patient, protocol: str, start_date: date, options: dict | None = None) -> Plan:
    """The dates an enrollment would have, without saving anything."""
    _check_start_date(patient, start_date)
    version = resolve_protocol(patient.clinic, protocol)
    cleaned = clean_options(version.parsed, options)
    return _planned(lambda: plan(plan_input(clinic=patient.clinic, patient=patient, definition=version.parsed,
                                            start_date=start_date, options=cleaned)))


@transaction.atomic
def enrollment_create(*, actor, patient: Patient, protocol: str, start_date: date, options: dict | None = None,
                      override_reason: str = "") -> Enrollment:
    _check_start_date(patient, start_date)
    version = resolve_protocol(patient.clinic, protocol)
    cleaned = clean_options(version.parsed, options)
    override_reason = (override_reason or cleaned.pop("override_reason", "") or "")
    if not isinstance(override_reason, str):
        raise InvalidInput({"override_reason": "must be text"})
    override_reason = override_reason.strip()
    check_text(Enrollment, override_reason=override_reason)
    cleaned.pop("override_reason", None)
    guard_facts = None
    if "folate-without-b12" in version.parsed.requires:
        guard_facts = folate_guard(patient=patient, override_reason=override_reason)
        if guard_facts and not override_reason:
            raise InvalidInput({"protocol": (
                "folate-without-b12: no B12 result in range and no active B12 treatment; folic acid alone can "
                "mask B12 deficiency. Check B12 first, or give override_reason (clinicians only)."
            )})
        if guard_facts and getattr(actor, "role", None) != "clinician":
            raise InvalidInput({"override_reason": "only a clinician can override folate-without-b12"})
    enrollment = Enrollment(
        clinic=patient.clinic, patient=patient, protocol_version=version, start_date=start_date,
        options=cleaned, created_by=actor, override_reason=override_reason if guard_facts else "",
    )
    enrollment._history_user = actor
    enrollment.save()
    if guard_facts:
        alert_raise(patient=patient, enrollment=enrollment, code="folate-without-b12", severity=Severity.HIGH,
                    message=f"Folic acid started without a B12 result in range; overridden by {actor}: {override_reason}",
                    facts=guard_facts, fingerprint=f"enrollment:{enrollment.pk}")
    _planned(lambda: enrollment_replan(enrollment))
    return enrollment


def _check_reason(reason: str) -> None:
    try:
        check_text(Enrollment, end_reason=reason)
    except InvalidInput as exc:
        raise InvalidInput({"reason": exc.errors["end_reason"]}) from None


@transaction.atomic
def enrollment_end_phase(*, actor, enrollment: Enrollment, phase: str, on: date, reason: str) -> Enrollment:
    """A clinician ends a phase that has no fixed end (e.g. neurological B12 loading)."""
    definition = enrollment.definition
    try:
        spec = definition.phase(phase)
    except KeyError:
        raise InvalidInput({"phase": f"{enrollment.protocol_slug} has no phase {phase!r}"}) from None
    if not spec.clinician_can_end:
        raise InvalidInput({"phase": f"the {phase} phase of {enrollment.protocol_slug} is not ended by a clinician"})
    if not (reason or "").strip():
        raise InvalidInput({"reason": "a reason is required"})
    _check_reason(reason)
    if phase in enrollment.phase_ends:
        raise InvalidInput({"phase": f"the {phase} phase was already ended on {enrollment.phase_ends[phase]['date']}"})
    today = enrollment.patient.local_today()
    if on > today:
        raise InvalidInput({"date": "cannot end a phase in the future"})
    span = next((s for s in enrollment_plan(enrollment).phases if s.slug == phase), None)
    if span is None or span.start is None:
        raise InvalidInput({"phase": f"the {phase} phase has not started"})
    if on < span.start:
        raise InvalidInput({"date": f"the {phase} phase started on {span.start}"})
    later = enrollment.events.filter(phase=phase, kind="dose", status="given", due_date__gt=on).order_by("due_date").first()
    if later is not None:
        raise InvalidInput({"date": f"a {phase} dose was given on {later.due_date}, after {on}"})
    enrollment.phase_ends = {**enrollment.phase_ends, phase: {
        "date": on.isoformat(), "reason": reason.strip(), "by": actor.pk, "at": timezone.now().isoformat(),
    }}
    enrollment._history_user = actor
    enrollment.save(update_fields=["phase_ends"])
    enrollment_replan(enrollment)
    return enrollment


@transaction.atomic
def enrollment_stop(*, actor, enrollment: Enrollment, on: date, reason: str) -> Enrollment:
    """End a whole enrollment: everything still planned is cancelled (reminders with it)."""
    if not (reason or "").strip():
        raise InvalidInput({"reason": "a reason is required"})
    _check_reason(reason)
    if enrollment.status != EnrollmentStatus.ACTIVE:
        raise InvalidInput({"enrollment": "is already ended"})
    if on > enrollment.patient.local_today():
        raise InvalidInput({"date": "cannot stop an enrollment in the future"})
    if on < enrollment.start_date:
        raise InvalidInput({"date": f"the enrollment starts on {enrollment.start_date}"})
    enrollment.status = EnrollmentStatus.ENDED
    enrollment.ended_on, enrollment.end_reason, enrollment.ended_by = on, reason.strip(), actor
    enrollment._history_user = actor
    enrollment.save(update_fields=["status", "ended_on", "end_reason", "ended_by"])
    enrollment_replan(enrollment)
    return enrollment

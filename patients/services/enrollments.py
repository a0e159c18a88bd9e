from datetime import date, datetime, time, timedelta

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

#: A B12 result counts for the folate guard if collected within this many days before the start date.
B12_RESULT_VALID_DAYS = 92
#: The treatment arms a patient is not enrolled in twice at once without a clinician's reason (PROTOCOLS.md
#: "2–3 clarified"); a protocol's arms come from its phases.
GUARDED_ARMS = ("b12", "iron", "folate")
ARM_WORDS = {"b12": "B12", "iron": "iron", "folate": "folic acid"}
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


def folate_guard(*, patient: Patient, override_reason: str, start_date: date | None = None) -> dict | None:
    """PROTOCOLS.md section 4 `folate-without-b12`: folic acid alone can mask B12 deficiency.

    Judged as of the start date ("2–3 clarified"): a B12 result in range collected in the 3 months
    before the folic-acid start date (up to the end of that day), or an active B12 enrollment.
    Returns the facts when the guard fires, None when it is satisfied.
    """
    start_date = start_date or patient.local_today()
    zone = patient.zone
    since = datetime.combine(start_date - timedelta(days=B12_RESULT_VALID_DAYS), time.min, tzinfo=zone)
    until = datetime.combine(start_date + timedelta(days=1), time.min, tzinfo=zone)
    threshold = patient.clinic.threshold("b12_deficient_ng_l")
    b12_ok = LabResult.objects.filter(
        patient=patient, code="b12", entered_in_error=False, collected_at__gte=since, collected_at__lt=until,
        normalized_value__gte=threshold,
    ).exists()
    on_b12 = any(
        "b12" in e.definition.arms for e in patient.enrollments.filter(status=EnrollmentStatus.ACTIVE).select_related("protocol_version")
    )
    if b12_ok or on_b12:
        return None
    return {"b12_result_in_range_within_days": B12_RESULT_VALID_DAYS, "judged_on": start_date.isoformat(),
            "active_b12_treatment": False, "override_reason": override_reason}


def overlapping_enrollments(*, patient: Patient, definition) -> list[tuple[Enrollment, list[str]]]:
    """The patient's active enrollments covering a treatment arm of `definition`, with the arms they share."""
    arms = [arm for arm in definition.arms if arm in GUARDED_ARMS]
    if not arms:
        return []
    found = []
    active = (patient.enrollments.filter(status=EnrollmentStatus.ACTIVE)
              .select_related("protocol_version__protocol").order_by("start_date", "id"))
    for enrollment in active:
        shared = [arm for arm in arms if arm in enrollment.definition.arms]
        if shared:
            found.append((enrollment, shared))
    return found


def overlap_message(found: list[tuple[Enrollment, list[str]]]) -> str:
    parts = [
        f"enrollment {e.pk} ({e.protocol_version.protocol.name}, {e.protocol_slug}, from {e.start_date.isoformat()}) "
        f"already covers {' and '.join(ARM_WORDS.get(a, a) for a in shared)}"
        for e, shared in found
    ]
    return ("the patient is already on this treatment: " + "; ".join(parts)
            + ". Stop that enrollment first, or give override_reason (clinicians only).")


def overlap_error(found) -> InvalidInput:
    return InvalidInput({
        "protocol": overlap_message(found),
        "conflicting_enrollments": [
            {"id": e.pk, "protocol": e.protocol_slug, "protocol_name": e.protocol_version.protocol.name,
             "start_date": e.start_date.isoformat(), "arms": shared}
            for e, shared in found
        ],
    })


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
    """Enroll a patient, applying the guards of PROTOCOLS.md: `folate-without-b12` (judged as of the start date)
    and no second active enrollment on the same treatment arm. Either is passed only by a clinician's reason."""
    _check_start_date(patient, start_date)
    version = resolve_protocol(patient.clinic, protocol)
    cleaned = clean_options(version.parsed, options)
    override_reason = (override_reason or cleaned.pop("override_reason", "") or "")
    if not isinstance(override_reason, str):
        raise InvalidInput({"override_reason": "must be text"})
    override_reason = override_reason.strip()
    check_text(Enrollment, override_reason=override_reason)
    cleaned.pop("override_reason", None)
    is_clinician = getattr(actor, "role", None) == "clinician"
    # Lock the patient's active enrollments so that two enrollments posted at once see each other.
    list(patient.enrollments.select_for_update().filter(status=EnrollmentStatus.ACTIVE).values_list("pk", flat=True))
    overlaps = overlapping_enrollments(patient=patient, definition=version.parsed)
    if overlaps and not override_reason:
        raise overlap_error(overlaps)
    if overlaps and not is_clinician:
        raise InvalidInput({"override_reason": "only a clinician can enroll a patient twice on the same treatment"})
    guard_facts = None
    if "folate-without-b12" in version.parsed.requires:
        guard_facts = folate_guard(patient=patient, override_reason=override_reason, start_date=start_date)
        if guard_facts and not override_reason:
            raise InvalidInput({"protocol": (
                f"folate-without-b12: no B12 result in range in the 3 months before {start_date.isoformat()} and no "
                "active B12 treatment; folic acid alone can mask B12 deficiency. Check B12 first, or give "
                "override_reason (clinicians only)."
            )})
        if guard_facts and not is_clinician:
            raise InvalidInput({"override_reason": "only a clinician can override folate-without-b12"})
    overridden = bool(guard_facts or overlaps)
    enrollment = Enrollment(
        clinic=patient.clinic, patient=patient, protocol_version=version, start_date=start_date,
        options=cleaned, created_by=actor, override_reason=override_reason if overridden else "",
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
def enrollment_stop(*, actor, enrollment: Enrollment, on: date | None, reason: str) -> Enrollment:
    """A clinician ends a whole enrollment: everything still planned is cancelled (reminders with it)."""
    if getattr(actor, "role", None) != "clinician":
        raise InvalidInput({"enrollment": "only a clinician can stop an enrollment"})
    on = on or enrollment.patient.local_today()
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

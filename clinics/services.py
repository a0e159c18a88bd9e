from dataclasses import dataclass
from datetime import date, timedelta

from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django.utils import timezone

from patients.errors import InvalidInput
from protocols.engine import format_weekdays, parse_weekdays

from .models import Clinic, ClosedDay, Role, User, country_for_timezone, validate_timezone
from .tokens import api_token_issue


@transaction.atomic
def clinic_create(
    *, slug: str, name: str, timezone: str, injection_days: str | None = None, open_days: str | None = None,
    country: str | None = None,
    language: str | None = None,
) -> tuple[Clinic, bool]:
    """Create a clinic, or return the existing one with that slug unchanged."""
    existing = Clinic.objects.filter(slug=slug).first()
    if existing is not None:
        return existing, False
    validate_timezone(timezone)
    clinic = Clinic(slug=slug, name=name, timezone=timezone,
                    country=(country or country_for_timezone(timezone)).strip().upper())
    if injection_days:
        clinic.injection_days = format_weekdays(parse_weekdays(injection_days))
    if open_days:
        clinic.open_days = format_weekdays(parse_weekdays(open_days))
    if language:
        clinic.language = language
    clinic.full_clean()
    clinic.save()
    return clinic, True


@transaction.atomic
def staff_create(*, username: str, clinic: Clinic, role: str, password: str | None = None,
                 actor=None) -> tuple[User, str | None, bool]:
    """Create a staff member with an API token; returns (user, the token's key, created).

    An existing username is returned unchanged, with no key (only a hash of it is stored). A password must
    pass the password validators (ValidationError otherwise); without one, the account signs in by API only.
    """
    if role not in Role.values:
        raise ValueError(f"role must be one of {', '.join(Role.values)}")
    user = User.objects.filter(username=username).first()
    if user is not None:
        return user, None, False
    user = User(username=username, clinic=clinic, role=role)
    if password:
        validate_password(password, user)
        user.set_password(password)
    else:
        user.set_unusable_password()
    user._history_user = actor
    user.save()
    _token, key = api_token_issue(user=user, actor=actor)
    return user, key, True


@transaction.atomic
def clinic_security_update(*, clinic: Clinic, actor, require_admin_two_factor: bool) -> Clinic:
    """A clinic administrator turns the second-factor requirement for administrators on or off."""
    clinic.require_admin_two_factor = bool(require_admin_two_factor)
    clinic._history_user = actor
    clinic.save(update_fields=["require_admin_two_factor"])
    return clinic


@transaction.atomic
def clinic_admin_create(*, clinic: Clinic, username: str, email: str = "", password: str | None = None,
                        actor=None) -> tuple[User, str | None, bool]:
    """The clinic's administrator (role admin), or the existing user of that name unchanged (no key)."""
    user, key, created = staff_create(username=username, clinic=clinic, role=Role.ADMIN, password=password,
                                      actor=actor)
    if created and email:
        user.email = email
        user.save(update_fields=["email"])
    return user, key, created


#: A closed day can be set this far ahead (the plans reach 12 months by default).
CLOSED_DAY_MAX_AHEAD_DAYS = 3 * 365
#: Above this many active enrollments, a whole-clinic re-plan runs as a background task after the change is
#: saved (about 85 ms per enrollment on SQLite: a request would time out).
REPLAN_IN_REQUEST_MAX = 200
#: Reopening a day re-plans the enrollments with clinic events due within this many days after it.
REOPEN_LOOKAHEAD_DAYS = 31

# --- Clinic settings from the staff pages (a clinic administrator). Each change is saved with its
# re-planning in one transaction: a refused change leaves nothing behind.


@dataclass(frozen=True)
class Replanned:
    """What a re-plan changed: enrollments whose plan moved, and their clinic events (injections,
    blood tests, reviews) that moved, were added or were cancelled."""

    enrollments: int = 0
    events: int = 0
    examples: tuple = ()  # up to 5 (patient name, event key, old date or None, new date or None)
    queued: int = 0  # enrollments left to a background task (a clinic too big to re-plan in one request)

    def __bool__(self) -> bool:
        return bool(self.events or self.queued)


def _clinic_events(clinic, today: date, enrollment_ids=None):
    from patients.models import EnrollmentStatus, EventStatus, ScheduledEvent

    rows = (ScheduledEvent.objects.filter(clinic=clinic, status=EventStatus.PLANNED,
                                          enrollment__status=EnrollmentStatus.ACTIVE, due_date__gte=today)
            .exclude(setting="home"))
    return rows if enrollment_ids is None else rows.filter(enrollment_id__in=enrollment_ids)


def clinic_replan(clinic: Clinic, *, due_from: date | None = None, due_to: date | None = None) -> Replanned:
    """Re-plan the clinic's active enrollments with `enrollment_replan` (the service every other change uses)
    and count what moved. With `due_from`/`due_to`, only the enrollments with a clinic event due then: a
    calendar change on one day cannot move the plans of the others."""
    from patients.models import Enrollment, EnrollmentStatus, ScheduledEvent
    from patients.services import enrollment_replan

    today = timezone.now().astimezone(clinic.zone).date()
    enrollments = Enrollment.objects.filter(clinic=clinic, status=EnrollmentStatus.ACTIVE)
    ids = None
    if due_from is not None:
        ids = set(_clinic_events(clinic, today).filter(due_date__gte=due_from, due_date__lte=due_to or due_from)
                  .values_list("enrollment_id", flat=True))
        enrollments = enrollments.filter(pk__in=ids)
    before = {row["pk"]: row for row in _clinic_events(clinic, today, ids).values(
        "pk", "enrollment_id", "due_date", "key")}
    latest_pk = ScheduledEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    for enrollment in enrollments.select_related("patient", "protocol_version").order_by("pk"):
        enrollment.clinic = clinic  # the calendar as just changed
        enrollment.patient.clinic = clinic
        enrollment_replan(enrollment)
    after = {row["pk"]: row for row in _clinic_events(clinic, today, ids).values(
        "pk", "enrollment_id", "due_date")}
    moved, touched = [], set()
    for pk, old in before.items():
        new = after.get(pk)
        if new is None or new["due_date"] != old["due_date"]:
            moved.append((old, new))
            touched.add(old["enrollment_id"])
    for pk, new in after.items():
        if pk > latest_pk:
            touched.add(new["enrollment_id"])
            moved.append((None, new))
    examples = []
    if moved:
        names = {e.pk: f"{e.patient.given_name} {e.patient.family_name}"
                 for e in Enrollment.objects.filter(pk__in=touched).select_related("patient")}
        for old, new in moved[:5]:
            row = old or new
            examples.append((names.get(row["enrollment_id"], "?"), (old or {}).get("key", ""),
                             old and old["due_date"], new and new["due_date"]))
    return Replanned(enrollments=len(touched), events=len(moved), examples=tuple(examples))


def clinic_replan_soon(clinic: Clinic) -> Replanned:
    """A whole-clinic re-plan: now for a small clinic (and say what moved), else queued after the commit."""
    from patients.models import Enrollment, EnrollmentStatus

    active = Enrollment.objects.filter(clinic=clinic, status=EnrollmentStatus.ACTIVE).count()
    if active <= REPLAN_IN_REQUEST_MAX:
        return clinic_replan(clinic)
    from .tasks import clinic_replan_all

    clinic_id = clinic.pk
    transaction.on_commit(lambda: clinic_replan_all.delay(clinic_id))
    return Replanned(queued=active)


@transaction.atomic
def closed_day_add(*, clinic: Clinic, actor, day: date, reason: str = "") -> tuple[ClosedDay, Replanned]:
    """Close the clinic on `day` (today or later) and move the appointments planned then."""
    today = timezone.now().astimezone(clinic.zone).date()
    if day < today:
        raise InvalidInput({"date": "must be today or later: a past day cannot be closed"})
    if day > today + timedelta(days=CLOSED_DAY_MAX_AHEAD_DAYS):
        raise InvalidInput({"date": f"must be within {CLOSED_DAY_MAX_AHEAD_DAYS // 365} years from today"})
    reason = (reason or "").strip()
    if len(reason) > 200:
        raise InvalidInput({"reason": "must be at most 200 characters"})
    Clinic.objects.select_for_update().filter(pk=clinic.pk).first()
    if ClosedDay.objects.filter(clinic=clinic, date=day).exists():
        raise InvalidInput({"date": f"the clinic is already closed on {day:%A} {day.day} {day:%B %Y}"})
    closed = ClosedDay(clinic=clinic, date=day, reason=reason)
    closed._history_user = actor
    closed.save()
    return closed, clinic_replan(clinic, due_from=day)


@transaction.atomic
def closed_day_remove(*, clinic: Clinic, actor, pk: int) -> tuple[date, Replanned]:
    """Open the clinic again on a closed day (today or later); appointments may move back to it."""
    today = timezone.now().astimezone(clinic.zone).date()
    Clinic.objects.select_for_update().filter(pk=clinic.pk).first()
    closed = ClosedDay.objects.filter(clinic=clinic, pk=pk).first() if 0 < pk < 2**63 else None
    if closed is None:
        raise InvalidInput({"date": "that closed day does not exist (already removed?)"})
    if closed.date < today:
        raise InvalidInput({"date": "a past closed day stays on record"})
    day = closed.date
    closed._history_user = actor
    closed.delete()
    # Events that were moved off the day are due in the weeks after it.
    return day, clinic_replan(clinic, due_from=day, due_to=day + timedelta(days=REOPEN_LOOKAHEAD_DAYS))


@transaction.atomic
def clinic_days_update(*, clinic: Clinic, actor, open_days, injection_days) -> tuple[Clinic, Replanned]:
    """The clinic's open and injection weekdays; every active enrollment is re-planned."""
    errors = {}
    try:
        open_set = parse_weekdays(open_days)
    except ValueError as exc:
        errors["open_days"] = str(exc)
    try:
        injection_set = parse_weekdays(injection_days)
    except ValueError as exc:
        errors["injection_days"] = str(exc)
    if not errors and not injection_set <= open_set:
        errors["injection_days"] = "injections can only be given on days the clinic is open"
    if errors:
        raise InvalidInput(errors)
    clinic = Clinic.objects.select_for_update().get(pk=clinic.pk)
    new_open, new_injection = format_weekdays(open_set), format_weekdays(injection_set)
    if (new_open, new_injection) == (clinic.open_days, clinic.injection_days):
        return clinic, Replanned()
    clinic.open_days, clinic.injection_days = new_open, new_injection
    clinic._history_user = actor
    clinic.save(update_fields=["open_days", "injection_days"])
    return clinic, clinic_replan_soon(clinic)


def _number(value) -> int | float:
    value = float(value)
    return int(value) if value.is_integer() else value


@transaction.atomic
def clinic_thresholds_update(*, clinic: Clinic, actor, values: dict) -> tuple[Clinic, Replanned]:
    """Set the clinic's thresholds (a value equal to the default is stored as no override). Changing an Hb
    limit of normal re-plans the active enrollments (their targets depend on it)."""
    from .thresholds import ORDERED_PAIRS, PLANNING_THRESHOLDS, THRESHOLDS

    errors = {name: "is not a threshold" for name in values if name not in THRESHOLDS}
    parsed = {}
    for name, raw in values.items():
        info = THRESHOLDS.get(name)
        if info is None:
            continue
        try:
            number = float(str(raw).strip())
        except (TypeError, ValueError):
            errors[name] = "must be a number"
            continue
        if number != number or not info.minimum <= number <= info.maximum:  # NaN, or out of range
            errors[name] = f"must be between {_number(info.minimum)} and {_number(info.maximum)} {info.unit}"
        elif info.whole and not number.is_integer():
            errors[name] = f"must be a whole number of {info.unit}"
        else:
            parsed[name] = _number(number)
    clinic = Clinic.objects.select_for_update().get(pk=clinic.pk)
    merged = {**{n: v for n, v in clinic.thresholds.items() if n in THRESHOLDS}, **parsed}
    for low, high in ORDERED_PAIRS:
        low_value = merged.get(low, THRESHOLDS[low].default)
        high_value = merged.get(high, THRESHOLDS[high].default)
        if low_value >= high_value and low not in errors and high not in errors:
            errors[high if high in values else low] = (
                f"must be above “{THRESHOLDS[low].label}” ({_number(low_value)} {THRESHOLDS[low].unit})"
                if high in values else
                f"must be below “{THRESHOLDS[high].label}” ({_number(high_value)} {THRESHOLDS[high].unit})")
    if errors:
        raise InvalidInput(errors)
    stored = {n: v for n, v in merged.items() if v != THRESHOLDS[n].default}
    if stored == clinic.thresholds:
        return clinic, Replanned()
    changed = {n for n in THRESHOLDS if stored.get(n) != clinic.thresholds.get(n)}
    clinic.thresholds = stored
    clinic._history_user = actor
    clinic.save(update_fields=["thresholds"])
    from alerts.tasks import alerts_sweep_clinic

    clinic_id = clinic.pk
    transaction.on_commit(lambda: alerts_sweep_clinic.delay(clinic_id))  # the clinic's alerts by the new levels
    return clinic, clinic_replan_soon(clinic) if changed & PLANNING_THRESHOLDS else Replanned()


@transaction.atomic
def clinic_details_update(*, clinic: Clinic, actor, name: str, language: str,
                          reminder_details_opt_in: bool, address: str = "", phone: str = "",
                          email: str = "") -> Clinic:
    """The clinic's name (on pages, reminders and printed plans), its default language, whether reminder
    texts may name the drug or test, and the contact printed on patients' plans."""
    from .languages import language_choices

    errors = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = "is required"
    elif len(name) > 200:
        errors["name"] = "must be at most 200 characters"
    if language not in dict(language_choices()):
        errors["language"] = "is not a language the clinic's messages are written in"
    contact = {"address": (address or "").strip(), "phone": (phone or "").strip(), "email": (email or "").strip()}
    for field, value in contact.items():
        limit = Clinic._meta.get_field(field).max_length
        if len(value) > limit:
            errors[field] = f"must be at most {limit} characters"
        elif any(ord(c) < 32 and c not in "\n\r\t" for c in value):
            errors[field] = "must not contain control characters"
    if errors:
        raise InvalidInput(errors)
    clinic = Clinic.objects.select_for_update().get(pk=clinic.pk)
    clinic.name, clinic.language = name, language
    clinic.reminder_details_opt_in = bool(reminder_details_opt_in)
    clinic.address, clinic.phone, clinic.email = contact["address"], contact["phone"], contact["email"]
    clinic._history_user = actor
    clinic.save(update_fields=["name", "language", "reminder_details_opt_in", "address", "phone", "email"])
    return clinic

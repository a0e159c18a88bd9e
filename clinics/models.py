from datetime import date
from functools import cache
from importlib import resources
from zoneinfo import ZoneInfo, available_timezones

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models

from protocols.engine import ClinicCalendar, parse_weekdays

from .languages import DEFAULT_LANGUAGE, language_choices

#: Clinical thresholds a clinic or its laboratory can change (PROTOCOLS.md section 3).
DEFAULT_THRESHOLDS = {
    "hb_normal_male_g_l": 130,
    "hb_normal_female_g_l": 120,
    "hb_normal_pregnancy_g_l": 110,
    "ferritin_deficient_ug_l": 30,
    "ferritin_deficient_with_crp_ug_l": 100,
    "crp_raised_mg_l": 5,
    "tsat_deficient_pct": 20,
    "b12_deficient_ng_l": 180,
    "b12_unlikely_ng_l": 350,
    "folate_deficient_ug_l": 3,
    # Alert rules (PROTOCOLS.md section 4); product defaults a clinic can change.
    "iron_suboptimal_rise_g_l": 10,
    "iron_inadequate_rise_g_l": 20,
    "iron_low_adherence_pct": 80,
    "iron_adherence_min_planned_doses": 7,
    "dose_missed_overdue_days": 1,
    "maintenance_overdue_days": 14,
    "check_b12_age_years": 60,
    "b12_recent_result_days": 92,
    "deficiencies_concurrent_days": 28,
}


@cache
def _timezone_names() -> frozenset[str]:
    """The IANA zone names, read once: listing them walks the whole tz database (milliseconds each time)."""
    return frozenset(available_timezones())


def validate_timezone(value: str) -> None:
    if value not in _timezone_names():
        raise ValidationError(f"{value!r} is not an IANA time zone (e.g. Europe/London)")


def validate_country(value: str) -> None:
    from patients.phones import region_is_supported

    if not region_is_supported(value):
        raise ValidationError(f"{value!r} is not a two-letter country code (ISO 3166, e.g. GB)")


@cache
def _zone_countries() -> dict[str, str]:
    """IANA zone -> the country it belongs to, from the tz database's zone.tab (tzdata package)."""
    countries = {}
    try:
        table = resources.files("tzdata").joinpath("zoneinfo", "zone.tab").read_text(encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError, OSError):
        return countries
    for line in table.splitlines():
        if line and not line.startswith("#"):
            code, _coordinates, zone, *_ = line.split("\t")
            countries[zone] = code
    return countries


def country_for_timezone(zone: str, default: str = "GB") -> str:
    """The country of an IANA zone (Europe/Warsaw -> PL); `default` for zones of no one country (UTC)."""
    return _zone_countries().get(zone, default)


def validate_weekdays(value: str) -> None:
    try:
        parse_weekdays(value)
    except ValueError as exc:
        raise ValidationError(str(exc)) from None


class Clinic(models.Model):
    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=200)
    timezone = models.CharField(max_length=64, default="Europe/London", validators=[validate_timezone])
    country = models.CharField(
        max_length=2, default="GB", validators=[validate_country],
        help_text="ISO 3166 country code: the region of phone numbers typed without +country code",
    )
    open_days = models.CharField(max_length=40, default="mon,tue,wed,thu,fri", validators=[validate_weekdays])
    injection_days = models.CharField(max_length=40, default="mon,wed,fri", validators=[validate_weekdays])
    planning_horizon_months = models.PositiveSmallIntegerField(default=12)
    thresholds = models.JSONField(default=dict, blank=True, help_text="Overrides of the default thresholds")
    require_admin_two_factor = models.BooleanField(
        default=False, help_text="Clinic administrators must sign in with an authenticator app as a second factor")
    reminder_details_opt_in = models.BooleanField(
        default=False, help_text="Reminder texts may name the drug or test (off: nothing clinical on a shared phone)"
    )
    language = models.CharField(
        max_length=10, choices=language_choices, default=DEFAULT_LANGUAGE,
        help_text="The language of messages and pages for patients who have not chosen their own",
    )
    #: How patients reach the clinic: printed on their plans.
    address = models.TextField(blank=True, max_length=500, help_text="Postal address, as printed on patients' plans")
    phone = models.CharField(max_length=40, blank=True, help_text="The number patients call, as printed on their plans")
    email = models.EmailField(blank=True, help_text="The address patients write to, as printed on their plans")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def threshold(self, name: str) -> float:
        return float(self.thresholds.get(name, DEFAULT_THRESHOLDS[name]))

    def calendar(self, closed_dates: frozenset[date] | None = None) -> ClinicCalendar:
        if closed_dates is None:
            closed_dates = frozenset(self.closed_days.values_list("date", flat=True))
        return ClinicCalendar(
            timezone=self.timezone,
            open_weekdays=parse_weekdays(self.open_days),
            injection_weekdays=parse_weekdays(self.injection_days),
            closed_dates=closed_dates,
        )


class ClosedDay(models.Model):
    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="closed_days")
    date = models.DateField()
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["clinic", "date"], name="one_closure_per_day")]
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.clinic} closed {self.date}"


class Role(models.TextChoices):
    CLINICIAN = "clinician", "Clinician"
    NURSE = "nurse", "Nurse"
    ADMIN = "admin", "Clinic administrator"


class User(AbstractUser):
    """A member of a clinic's staff. Patients never have accounts."""

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, null=True, blank=True, related_name="staff")
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.NURSE)

    @property
    def is_clinician(self) -> bool:
        return self.role == Role.CLINICIAN

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username

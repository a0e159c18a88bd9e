"""The clinic overview: adherence distribution, overdue patients, response to treatment per protocol.

Aggregates over the whole clinic in a handful of grouped queries; Python only combines compact
value rows (no model instances per patient).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta

from django.db.models import Count, Min
from django.utils import timezone

from patients.adherence import adherence_by
from patients.models import EnrollmentStatus, EventKind, EventStatus, LabResult, ScheduledEvent

from ..models import OverviewSnapshot
from .today import injections_due

ADHERENCE_DAYS = 28
#: Overview statistics older than this are recomputed when the page is opened (a task refreshes them too).
SNAPSHOT_MAX_AGE = timedelta(minutes=10)
BUCKETS = (("95–100%", 95, 101), ("80–94%", 80, 95), ("50–79%", 50, 80), ("under 50%", 0, 50))
OVERDUE_LISTED = 15
#: Iron response: baseline Hb up to 4 weeks before iron start; the check Hb 2 to 5 weeks after it.
IRON_BASELINE_DAYS = 28
IRON_CHECK_DAYS = (14, 35)
#: B12 response: Hb at 7 to 9 weeks after the first dose given.
B12_CHECK_DAYS = (49, 63)


@dataclass
class Distribution:
    label: str
    counts: list[tuple[str, int]] = field(default_factory=list)
    total: int = 0

    def bars(self):
        top = max((n for _, n in self.counts), default=0) or 1
        return [(label, n, round(100 * n / top), round(100 * n / self.total) if self.total else 0)
                for label, n in self.counts]


@dataclass
class Response:
    protocol: str
    measure: str
    responded: int = 0
    evaluable: int = 0
    waiting: int = 0

    @property
    def pct(self) -> int | None:
        return round(100 * self.responded / self.evaluable) if self.evaluable else None


def _bucket(pct: int) -> str:
    return next(label for label, low, high in BUCKETS if low <= pct < high)


def adherence_distribution(clinic, today: date) -> list[Distribution]:
    events = ScheduledEvent.objects.filter(clinic=clinic, enrollment__status=EnrollmentStatus.ACTIVE)
    by_patient = adherence_by(events, today=today, since=today - timedelta(days=ADHERENCE_DAYS))
    result = []
    for label, attr in (("Clinic injections", "injections"), ("Oral iron at home", "oral")):
        counts = defaultdict(int)
        for adherence in by_patient.values():
            ratio = getattr(adherence, attr)
            if ratio:
                counts[_bucket(ratio.pct)] += 1
        result.append(Distribution(label, [(b[0], counts[b[0]]) for b in BUCKETS], sum(counts.values())))
    return result


def overdue(user, today: date):
    """Counted from the open-events index alone, in one pass; the oldest few read in full."""
    events = injections_due(user).filter(due_date__lt=today, window_end__lt=today)
    counts = events.aggregate(patients=Count("patient_id", distinct=True), doses=Count("id"))
    oldest = list(events.order_by("due_date", "id")[:OVERDUE_LISTED])
    return {**counts, "oldest": oldest}


def _hb_by_patient(clinic, patient_ids) -> dict[int, list[tuple[date, float]]]:
    zone = clinic.zone
    values = defaultdict(list)
    rows = (LabResult.objects.filter(clinic=clinic, code="hb", entered_in_error=False, patient_id__in=patient_ids)
            .order_by("collected_at").values_list("patient_id", "collected_at", "normalized_value"))
    for pid, at, value in rows.iterator(chunk_size=5000):
        values[pid].append((at.astimezone(zone).date(), float(value)))
    return values


def _latest(values, since: date, until: date):
    found = [v for d, v in values if since <= d <= until]
    return found[-1] if found else None


def iron_response(clinic, today: date) -> list[Response]:
    """Share of patients whose Hb rose by the clinic's adequate rise within about 4 weeks of starting iron."""
    rise = clinic.threshold("iron_inadequate_rise_g_l")
    starts = list(
        ScheduledEvent.objects.filter(clinic=clinic, arm="iron", kind=EventKind.DOSE, sequence=1, setting="home",
                                      provisional=False)
        .values_list("patient_id", "window_start", "enrollment__protocol_version__protocol__name")
    )
    hb = _hb_by_patient(clinic, {pid for pid, _, _ in starts})
    results: dict[str, Response] = {}
    for pid, start, protocol in starts:
        response = results.setdefault(protocol, Response(protocol, f"Hb up ≥ {rise:g} g/L by 4 weeks of iron"))
        baseline = _latest(hb.get(pid, ()), start - timedelta(days=IRON_BASELINE_DAYS), start)
        check = _latest(hb.get(pid, ()), start + timedelta(days=IRON_CHECK_DAYS[0]),
                        start + timedelta(days=IRON_CHECK_DAYS[1]))
        if baseline is None or check is None:
            if today <= start + timedelta(days=IRON_CHECK_DAYS[1]):
                response.waiting += 1
            continue
        response.evaluable += 1
        response.responded += check - baseline >= rise
    return sorted(results.values(), key=lambda r: r.protocol)


def b12_response(clinic, today: date) -> list[Response]:
    """Share of B12 patients whose Hb is normal 7 to 9 weeks after the first dose given."""
    firsts = list(
        ScheduledEvent.objects.filter(clinic=clinic, arm="b12", phase="loading", kind=EventKind.DOSE,
                                      status=EventStatus.GIVEN)
        .values("enrollment_id", "patient_id", "patient__sex", "patient__pregnant",
                "enrollment__protocol_version__protocol__name")
        .annotate(first=Min("due_date")).order_by()
    )
    hb = _hb_by_patient(clinic, {row["patient_id"] for row in firsts})
    normal = {"male": clinic.threshold("hb_normal_male_g_l"), "pregnant": clinic.threshold("hb_normal_pregnancy_g_l")}
    results: dict[str, Response] = {}
    for row in firsts:
        protocol = row["enrollment__protocol_version__protocol__name"]
        response = results.setdefault(protocol, Response(protocol, "Hb normal at 8 weeks of B12"))
        first = row["first"]
        check = _latest(hb.get(row["patient_id"], ()), first + timedelta(days=B12_CHECK_DAYS[0]),
                        first + timedelta(days=B12_CHECK_DAYS[1]))
        if check is None:
            if today <= first + timedelta(days=B12_CHECK_DAYS[1]):
                response.waiting += 1
            continue
        limit = (normal["pregnant"] if row["patient__pregnant"] else normal["male"] if row["patient__sex"] == "male"
                 else clinic.threshold("hb_normal_female_g_l"))
        response.evaluable += 1
        response.responded += check >= limit
    return sorted(results.values(), key=lambda r: r.protocol)


def enrollment_counts(clinic) -> list[tuple[str, int]]:
    rows = (clinic.enrollments.filter(status=EnrollmentStatus.ACTIVE)
            .values("protocol_version__protocol__name").annotate(n=Count("id")).order_by("-n"))
    return [(r["protocol_version__protocol__name"], r["n"]) for r in rows]


def statistics(clinic, today: date) -> dict:
    """The slow part of the overview, as JSON for a snapshot."""
    return {
        "today": today.isoformat(),
        "distributions": [asdict(d) for d in adherence_distribution(clinic, today)],
        "responses": [asdict(r) for r in iron_response(clinic, today) + b12_response(clinic, today)],
        "enrolled": enrollment_counts(clinic),
    }


def overview_refresh(clinic) -> OverviewSnapshot:
    """Recompute and store a clinic's overview statistics (a write: the periodic task and stale pages call it)."""
    now = timezone.now()
    snapshot, _ = OverviewSnapshot.objects.update_or_create(
        clinic=clinic, defaults={"computed_at": now, "data": statistics(clinic, now.astimezone(clinic.zone).date())})
    return snapshot


def overview_for(user, today: date) -> dict:
    clinic = user.clinic
    snapshot = OverviewSnapshot.objects.filter(clinic=clinic).first()
    if snapshot is None or snapshot.computed_at < timezone.now() - SNAPSHOT_MAX_AGE \
            or snapshot.data.get("today") != today.isoformat():
        snapshot = overview_refresh(clinic)
    data = snapshot.data
    return {
        "distributions": [Distribution(d["label"], [tuple(c) for c in d["counts"]], d["total"])
                          for d in data["distributions"]],
        "responses": [Response(**r) for r in data["responses"]],
        "enrolled": [tuple(e) for e in data["enrolled"]],
        "computed_at": snapshot.computed_at,
        "overdue": overdue(user, today),
        "today": today,
    }

"""Properties of the planner that hold for any calendar, any pattern of outcomes and any time zone.

Outcomes are recorded the way a clinic records them: one at a time, in date order, re-planning
after each (builders.record_in_order).
"""

from collections import Counter
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo, available_timezones

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from protocols.engine import ClinicCalendar, LabValue, Outcome, PlanOptions, add_months, local_instant, plan

from .builders import BUILTIN_SLUGS, plan_input, plan_of, protocol, record_in_order

FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
#: Dates from 2012: Samoa skipped Friday 30 December 2011 altogether, so that local date has no 08:00.
LOCAL_DATES = st.dates(min_value=date(2012, 1, 1), max_value=date(2040, 12, 31))
ZONES = st.sampled_from(sorted(available_timezones()))
STARTS = st.dates(min_value=date(2024, 1, 1), max_value=date(2032, 12, 31))
STATUSES = st.sampled_from(["given", "missed", "declined"])


@st.composite
def clinic_calendars(draw, start: date) -> ClinicCalendar:
    """Any clinic that is open on at least one of its injection weekdays, with up to 40 closed dates."""
    open_weekdays = draw(st.sets(st.integers(0, 6), min_size=1))
    one_open_injection_day = draw(st.sampled_from(sorted(open_weekdays)))
    injection_weekdays = {one_open_injection_day} | draw(st.sets(st.integers(0, 6)))
    closed = draw(st.sets(st.integers(0, 500), max_size=40))
    return ClinicCalendar(
        timezone="Europe/London",
        open_weekdays=frozenset(open_weekdays),
        injection_weekdays=frozenset(injection_weekdays),
        closed_dates=frozenset(start + timedelta(days=n) for n in closed),
    )


@st.composite
def starts_and_calendars(draw):
    start = draw(STARTS)
    return start, draw(clinic_calendars(start))


def given_dates(events) -> list[date]:
    return [e.due_date for e in events if e.status == "given"]


# -- 1. standard loading always ends with exactly 6 given doses ------------------------------------


@FAST
@given(starts_and_calendars(), st.lists(STATUSES, max_size=25))
def test_standard_loading_always_ends_with_exactly_six_given_doses(start_and_calendar, pattern):
    start, calendar = start_and_calendar

    def decide(step, event):
        return Outcome(pattern[step] if step < len(pattern) else "given", event.due_date)

    result, outcomes = record_in_order("b12-im-standard", start, decide, calendar=calendar)

    loading = result.of_phase("loading")
    assert len(given_dates(loading)) == 6
    assert Counter(e.status for e in loading) == Counter(o.status for o in outcomes.values())
    assert "planned" not in {e.status for e in loading}
    assert result.span("loading").ended
    assert result.span("loading").end == given_dates(loading)[-1]
    dates = [e.due_date for e in loading]
    assert dates == sorted(dates) and len(set(dates)) == len(dates)
    assert all(calendar.is_open(d) and d.weekday() in calendar.injection_weekdays for d in dates)
    first_maintenance = result.of_phase("maintenance")[0]
    assert first_maintenance.due_date == calendar.next_open_day(add_months(given_dates(loading)[-1], 3))
    assert not first_maintenance.provisional


@FAST
@given(starts_and_calendars(), st.lists(STATUSES, max_size=12))
def test_iron_after_b12_always_starts_the_day_after_the_sixth_given_loading_dose(start_and_calendar, pattern):
    start, calendar = start_and_calendar

    def decide(step, event):
        return Outcome(pattern[step] if step < len(pattern) else "given", event.due_date)

    result, _ = record_in_order("b12-then-iron", start, decide, calendar=calendar, horizon=add_months(start, 9))

    sixth = given_dates(result.of_phase("loading"))[5]
    assert result.of_phase("treatment")[0].due_date == sixth + timedelta(days=1)
    assert not any(e.provisional for e in result.of_phase("treatment"))


# -- 2. nothing given in clinic lands on a day the clinic cannot give it ----------------------------

CLINIC_PROTOCOLS = ["b12-im-standard", "b12-im-neuro", "b12-then-iron", "b12-and-iron-concurrent"]


@st.composite
def clinic_enrollments(draw):
    """A B12 enrollment part-way through: some clinic doses recorded in date order, maybe neuro ended."""
    slug = draw(st.sampled_from(CLINIC_PROTOCOLS))
    start, calendar = draw(starts_and_calendars())
    statuses = draw(st.lists(STATUSES, max_size=10))
    phase_ends = {}
    outcomes: dict[str, Outcome] = {}
    for status in statuses:
        result = plan_of(slug, start, outcomes=outcomes, calendar=calendar)
        pending = [e for e in result.events if e.setting == "clinic" and e.key not in outcomes]
        if len(pending) < 2:  # keep something planned: recording up to the horizon leaves nothing to check
            break
        outcomes[pending[0].key] = Outcome(status, pending[0].due_date)
    if slug == "b12-im-neuro" and draw(st.booleans()):
        phase_ends["loading"] = start + timedelta(days=draw(st.integers(0, 60)))
    return slug, start, calendar, outcomes, phase_ends


@FAST
@given(clinic_enrollments())
def test_no_clinic_dose_is_planned_on_a_closed_day_or_a_day_the_clinic_does_not_open(enrollment):
    slug, start, calendar, outcomes, phase_ends = enrollment

    result = plan_of(slug, start, outcomes=outcomes, calendar=calendar, phase_ends=phase_ends)

    planned = [e for e in result.events if e.kind == "dose" and e.setting == "clinic" and e.key not in outcomes]
    assert planned, "every B12 protocol plans injections"
    for event in planned:
        assert calendar.is_open(event.due_date), event
        if protocol(slug).phase(event.phase).dose.timing.pattern == "weekdays":
            assert event.due_date.weekday() in calendar.injection_weekdays, event


# -- 3. every interval counts from the previous given dose ----------------------------------------


@FAST
@given(
    starts_and_calendars(),
    st.sampled_from([None, 2, 3]),
    st.lists(st.tuples(STATUSES, st.integers(-7, 30)), min_size=1, max_size=8),
)
def test_each_maintenance_dose_is_due_an_interval_after_the_previous_given_one(start_and_calendar, months, steps):
    start, calendar = start_and_calendar
    options = PlanOptions(maintenance_interval_months=months)
    horizon = add_months(start, 60)
    _, outcomes = record_in_order("b12-im-standard", start, lambda step, e: Outcome("given", e.due_date),
                                  calendar=calendar)
    last_loading = max(o.on for o in outcomes.values())
    interval = months or 3
    expected = calendar.next_open_day(add_months(last_loading, interval))

    for n, (status, shift) in enumerate(steps, 1):
        result = plan_of("b12-im-standard", start, outcomes=outcomes, calendar=calendar, options=options,
                         horizon=horizon)
        event = next(e for e in result.of_phase("maintenance") if e.key == f"maintenance#{n}")
        assert event.due_date == expected
        assert (event.window_start, event.window_end) == (expected - timedelta(days=7), expected + timedelta(days=14))
        # record it: given early/late (on an open day), or missed/declined a few days after it was due
        on = calendar.next_open_day(expected + timedelta(days=shift if status == "given" else abs(shift) % 8))
        outcomes[event.key] = Outcome(status, on)
        if status == "given":
            expected = calendar.next_open_day(add_months(on, interval))
        else:
            expected = calendar.next_open_day(on + timedelta(days=1))


# -- 4. a local time of day is exactly one UTC instant per local date ------------------------------


def wall_time_exists(local: datetime, zone: ZoneInfo) -> bool:
    return any(
        local.replace(tzinfo=zone, fold=fold).astimezone(UTC).astimezone(zone).replace(tzinfo=None) == local
        for fold in (0, 1)
    )


@settings(max_examples=300, deadline=None)
@given(ZONES, LOCAL_DATES, st.times())
def test_a_local_time_of_day_maps_to_one_utc_instant_that_converts_back_to_the_same_wall_time(name, on, at):
    zone = ZoneInfo(name)
    wall = datetime.combine(on, at)

    instant = local_instant(on, at, name)
    back = instant.astimezone(zone).replace(tzinfo=None)

    assert instant.tzinfo is UTC
    assert local_instant(on, at, zone) == instant
    if wall_time_exists(wall, zone):
        assert back == wall
        # at a fall-back the first occurrence: the earlier of the two instants with this wall time
        assert instant <= wall.replace(tzinfo=zone, fold=1).astimezone(UTC)
    else:  # a spring-forward gap: moved forward by exactly the gap (it may cross midnight)
        gap = wall.replace(tzinfo=zone, fold=1).utcoffset() - wall.replace(tzinfo=zone, fold=0).utcoffset()
        assert gap > timedelta(0)
        assert back == wall + gap
        assert back.date() in (on, on + timedelta(days=1))


@FAST
@given(ZONES, LOCAL_DATES, st.times())
def test_the_same_time_on_consecutive_local_dates_gives_distinct_increasing_instants(name, on, at):
    instants = [local_instant(on + timedelta(days=n), at, name) for n in range(3)]

    assert instants[0] < instants[1] < instants[2]


@FAST
@given(ZONES, st.dates(min_value=date(2012, 1, 1), max_value=date(2038, 12, 31)),
       st.times().map(lambda t: t.replace(second=0, microsecond=0)))
def test_daily_home_doses_are_one_per_local_date_at_the_patients_time(name, start, at):
    zone = ZoneInfo(name)

    result = plan_of("iron-oral-daily", start, timezone=name, options=PlanOptions(dose_time=at),
                     horizon=start + timedelta(days=400))

    doses = result.of_phase("treatment")
    assert [e.due_date for e in doses] == [start + timedelta(days=n) for n in range(401)]
    assert all(a.due_at < b.due_at for a, b in zip(doses, doses[1:], strict=False))
    for dose in doses:
        wall = datetime.combine(dose.due_date, at)
        if wall_time_exists(wall, zone):
            assert dose.due_at.astimezone(zone).replace(tzinfo=None) == wall


# -- 5. plan() is a pure function, and event keys are unique -------------------------------------


@st.composite
def any_enrollment(draw):
    """Any built-in protocol, calendar and zone, with outcomes, labs and phase ends along the way."""
    slug = draw(st.sampled_from(BUILTIN_SLUGS))
    start, calendar = draw(starts_and_calendars())
    zone = draw(st.sampled_from(["Europe/London", "America/New_York", "Australia/Sydney", "Asia/Kolkata"]))
    labs = [
        LabValue(code, start + timedelta(days=offset), value)
        for code, offset, value in draw(st.lists(
            st.tuples(st.sampled_from(["hb", "mcv", "retic", "ferritin", "crp", "b12", "folate"]),
                      st.integers(-30, 200), st.floats(50, 160, allow_nan=False)),
            max_size=6,
        ))
    ]
    outcomes: dict[str, Outcome] = {}
    for status in draw(st.lists(STATUSES, max_size=8)):
        pending = [e for e in plan_of(slug, start, outcomes=outcomes, calendar=calendar, labs=labs).events
                   if e.kind == "dose" and e.key not in outcomes]
        if len(pending) < 2:  # keep something planned: recording up to the horizon leaves nothing to check
            break
        outcomes[pending[0].key] = Outcome(status, pending[0].due_date)
    ends = {p.slug: start + timedelta(days=draw(st.integers(0, 120)))
            for p in protocol(slug).phases if p.clinician_can_end and draw(st.booleans())}
    today = draw(st.none() | st.just(start + timedelta(days=draw(st.integers(0, 400)))))
    return plan_input(slug, start, outcomes=outcomes, labs=labs, phase_ends=ends, calendar=calendar, timezone=zone,
                      today=today)


@FAST
@given(any_enrollment())
def test_the_same_input_always_gives_the_same_plan(data):
    reordered = replace(data, outcomes=dict(reversed(list(data.outcomes.items()))), labs=tuple(reversed(data.labs)))

    first = plan(data)

    assert plan(data) == first
    assert plan(reordered) == first


@FAST
@given(any_enrollment())
def test_every_event_has_its_own_key_numbered_by_its_sequence(data):
    result = plan(data)

    keys = [e.key for e in result.events]
    assert len(keys) == len(set(keys))
    for event in result.events:
        assert event.key.rsplit("#", 1)[1] == str(event.sequence)
        assert event.window_start <= event.due_date <= event.window_end or event.status in ("given", "missed",
                                                                                              "declined")


@FAST
@given(any_enrollment())
def test_events_come_in_date_order_and_nothing_unrecorded_is_planned_past_the_horizon_except_loading(data):
    result = plan(data)

    dates = [e.due_date for e in result.events]
    assert dates == sorted(dates)
    counted_phases = {p.slug for p in data.protocol.phases if p.dose and p.dose.timing.count}
    for event in result.events:
        if event.status in ("planned", "overdue", "done") and event.phase not in counted_phases:
            assert event.due_date <= data.horizon, event

"""Protocol definitions: the seven built-ins parse, and a bad definition is refused naming the problem."""

import re

import pytest

from protocols.builtin import builtin_definition
from protocols.engine import DefinitionError, ProtocolDefinition

from .builders import BUILTIN_SLUGS, protocol, raw_definition

DELETE = object()


def changed(slug: str, *changes: tuple[str, object]) -> dict:
    """A built-in's JSON with values at dotted paths replaced ('phases.0.dose.timing.count', 0) or deleted."""
    definition = raw_definition(slug)
    for path, value in changes:
        *parents, last = path.split(".")
        node = definition
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        if isinstance(node, list):
            node[int(last)] = value
        elif value is DELETE:
            del node[last]
        else:
            node[last] = value
    return definition


class TestTheBuiltins:
    @pytest.mark.parametrize("slug", BUILTIN_SLUGS)
    def test_every_builtin_protocol_parses_and_keeps_its_slug(self, slug):
        definition = ProtocolDefinition.parse(builtin_definition(slug))

        assert definition.slug == slug
        assert definition.name and definition.description

    @pytest.mark.parametrize(
        ("slug", "phases"),
        [
            ("b12-im-standard", ["loading", "maintenance"]),
            ("b12-im-neuro", ["loading", "maintenance"]),
            ("iron-oral-daily", ["treatment", "follow-up"]),
            ("iron-oral-alternate-day", ["treatment", "follow-up"]),
            ("b12-then-iron", ["loading", "maintenance", "treatment", "follow-up"]),
            ("b12-and-iron-concurrent", ["loading", "maintenance", "treatment", "follow-up"]),
            ("folate-oral", ["treatment"]),
        ],
    )
    def test_the_phases_are_those_of_the_specification_in_order(self, slug, phases):
        assert [p.slug for p in protocol(slug).phases] == phases

    def test_standard_loading_is_six_given_doses_on_the_clinics_injection_days_then_every_3_months(self):
        loading, maintenance = protocol("b12-im-standard").phases

        assert (loading.end.type, loading.dose.timing.pattern, loading.dose.timing.count) == ("count", "weekdays", 6)
        assert loading.dose.timing.weekdays == "clinic"
        assert (loading.dose.window_before_days, loading.dose.window_after_days) == (0, 0)
        assert (loading.dose.route, loading.dose.setting, loading.dose.dose_mg) == ("IM", "clinic", 1.0)
        assert maintenance.start.type == "continues" and maintenance.start.target == "loading"
        assert (maintenance.dose.timing.every.value, maintenance.dose.timing.every.unit) == (3, "month")
        assert (maintenance.dose.window_before_days, maintenance.dose.window_after_days) == (7, 14)
        assert maintenance.end.type == "never"

    def test_neuro_loading_is_every_2_days_until_a_clinician_ends_it_with_reviews_every_3_weeks(self):
        loading, maintenance = protocol("b12-im-neuro").phases

        assert (loading.dose.timing.every.value, loading.dose.timing.every.unit) == (2, "day")
        assert loading.dose.timing.count is None
        assert loading.end.type == "clinician" and loading.clinician_can_end
        assert loading.review_every_days == 21
        assert (maintenance.dose.timing.every.value, maintenance.dose.timing.every.unit) == (2, "month")

    @pytest.mark.parametrize(("slug", "every_days"), [("iron-oral-daily", 1), ("iron-oral-alternate-day", 2)])
    def test_oral_iron_is_taken_at_home_at_the_patients_time(self, slug, every_days):
        treatment = protocol(slug).phase("treatment")

        assert (treatment.dose.setting, treatment.dose.route, treatment.dose.dose_mg) == ("home", "oral", 200.0)
        assert treatment.dose.timing.every.value == every_days and treatment.dose.timing.every.unit == "day"
        assert treatment.dose.timing.time_of_day == "patient"
        assert (treatment.end.type, treatment.end.months) == ("after-normal-hb", 3)

    def test_b12_then_iron_starts_iron_one_day_after_the_end_of_b12_loading(self):
        start = protocol("b12-then-iron").phase("treatment").start

        assert (start.type, start.target, start.offset_days) == ("after-end", "loading", 1)
        assert protocol("b12-then-iron").arms == ("b12", "iron")

    def test_the_concurrent_protocol_starts_iron_on_the_start_date(self):
        assert protocol("b12-and-iron-concurrent").phase("treatment").start.type == "enrollment-start"

    def test_folic_acid_runs_4_months_and_is_guarded_by_the_b12_check(self):
        folate = protocol("folate-oral")

        assert folate.requires == ("folate-without-b12",)
        duration = folate.phase("treatment").dose.timing.duration
        assert (duration.value, duration.unit) == (4, "month")

    def test_asking_for_a_phase_the_protocol_does_not_have_is_a_key_error(self):
        with pytest.raises(KeyError):
            protocol("b12-im-standard").phase("treatment")


BAD_DEFINITIONS = [
    # the protocol itself
    ("not-an-object", None, "a protocol definition is a JSON object"),
    ("no-slug", changed("b12-im-standard", ("slug", DELETE)), "'slug' is required"),
    ("no-name", changed("b12-im-standard", ("name", "")), "'name' is required"),
    ("no-phases", changed("b12-im-standard", ("phases", [])), "'phases' is required"),
    ("phases-not-a-list", changed("b12-im-standard", ("phases", {"loading": {}})), "'phases' must be a list"),
    # phases and how they start
    ("phase-without-slug", changed("b12-im-standard", ("phases.0.slug", DELETE)), "phases[0]: 'slug' is required"),
    ("duplicate-phase-slug", changed("b12-im-standard", ("phases.1.slug", "loading")),
     "phase slug 'loading' is used twice"),
    ("unknown-relation-target", changed("b12-then-iron", ("phases.2.start.target", "nowhere")),
     "phase treatment: starts relative to 'nowhere', which must be an earlier phase"),
    ("relation-to-a-later-phase", changed("b12-then-iron", ("phases.1.start.target", "treatment")),
     "phase maintenance: starts relative to 'treatment', which must be an earlier phase"),
    ("relation-to-itself", changed("b12-then-iron", ("phases.2.start.target", "treatment")),
     "starts relative to 'treatment', which must be an earlier phase"),
    ("unknown-relation-type", changed("b12-then-iron", ("phases.2.start.type", "before-start")),
     "phase treatment.start: start type must be one of enrollment-start, after-start, after-end, continues"),
    ("relation-without-target", changed("b12-then-iron", ("phases.2.start.target", DELETE)),
     "a 'after-end' start needs a target phase"),
    ("after-the-end-of-a-phase-that-never-ends", changed("b12-then-iron", ("phases.2.start.target", "maintenance")),
     "phase treatment: starts after the end of 'maintenance', which never ends"),
    ("relation-offset-not-a-number", changed("b12-then-iron", ("phases.2.start.offset_days", "one")),
     "offset_days must be a whole number"),
    # how phases end
    ("unknown-end-type", changed("b12-im-standard", ("phases.0.end.type", "when-better")), "end type must be one of"),
    ("count-end-without-count", changed("b12-im-standard", ("phases.0.dose.timing.count", DELETE)),
     "phase loading: an end by count needs a dose timing with a count"),
    ("count-end-without-a-dose", changed("b12-im-standard", ("phases.0.dose", DELETE)),
     "phase loading: an end by count needs a dose timing with a count"),
    ("duration-end-without-duration", changed("folate-oral", ("phases.0.dose.timing.duration", DELETE)),
     "phase treatment: an end by duration needs a dose timing with a duration"),
    ("normal-hb-end-without-months", changed("iron-oral-daily", ("phases.0.end.months", DELETE)),
     "an after-normal-hb end's months must be a whole number of at least 1"),
    ("review-every-0-days", changed("b12-im-neuro", ("phases.0.review_every_days", 0)),
     "phase loading: review_every_days must be a whole number of at least 1"),
    ("review-every-minus-21-days", changed("b12-im-neuro", ("phases.0.review_every_days", -21)),
     "review_every_days must be a whole number of at least 1"),
    # doses and their timing
    ("dose-without-code", changed("b12-im-standard", ("phases.0.dose.code", DELETE)),
     "phase loading.dose: 'code' is required"),
    ("intravenous-route", changed("b12-im-standard", ("phases.0.dose.route", "IV")),
     "phase loading.dose: route must be one of IM, SC, oral"),
    ("unknown-setting", changed("b12-im-standard", ("phases.0.dose.setting", "ward")),
     "setting must be 'clinic' or 'home'"),
    ("dose-not-a-number", changed("iron-oral-daily", ("phases.0.dose.dose_mg", "lots")),
     "phase treatment.dose: dose_mg must be a number above 0"),
    ("dose-of-zero", changed("iron-oral-daily", ("phases.0.dose.dose_mg", 0)), "dose_mg must be a number above 0"),
    ("negative-window", changed("b12-im-standard", ("phases.1.dose.window.before_days", -7)),
     "phase maintenance.dose.window.before_days must be a whole number of at least 0"),
    ("unknown-pattern", changed("b12-im-standard", ("phases.0.dose.timing.pattern", "daily")),
     "phase loading.dose.timing: pattern must be 'weekdays' or 'interval'"),
    ("interval-without-every", changed("b12-im-standard", ("phases.1.dose.timing.every", DELETE)),
     "phase maintenance.dose.timing: an interval timing needs 'every' of at least 1"),
    ("interval-every-0", changed("b12-im-standard", ("phases.1.dose.timing.every.value", 0)),
     "an interval timing needs 'every' of at least 1"),
    ("count-of-0", changed("b12-im-standard", ("phases.0.dose.timing.count", 0)),
     "phase loading.dose.timing: count must be a whole number of at least 1"),
    ("count-as-text", changed("b12-im-standard", ("phases.0.dose.timing.count", "6")),
     "count must be a whole number of at least 1"),
    ("unknown-first", changed("b12-im-standard", ("phases.1.dose.timing.first", "asap")),
     "first must be 'on-start' or 'after-interval'"),
    ("time-of-day-in-words", changed("iron-oral-daily", ("phases.0.dose.timing.time_of_day", "8am")),
     "time_of_day must be null, 'patient' or 'HH:MM'"),
    ("misspelt-weekday", changed("b12-im-standard", ("phases.0.dose.timing.weekdays", "mon,wed,fry")),
     "phase loading.dose.timing: weekdays must be 'clinic' or days like 'mon,wed,fri' (unknown weekday 'fry'"),
    ("unknown-period-unit", changed("b12-im-standard", ("phases.1.dose.timing.every.unit", "fortnight")),
     "phase maintenance.dose.timing.every: unit must be one of day, week, month, year"),
    ("period-without-value", changed("b12-im-standard", ("phases.1.dose.timing.every", {"unit": "month"})),
     "a period needs 'value' and 'unit'"),
    ("negative-period", changed("b12-im-standard", ("phases.1.dose.timing.every.value", -3)),
     "value must be a whole number of at least 0"),
    # monitoring
    ("monitoring-without-key", changed("b12-im-standard", ("monitoring.0.key", DELETE)),
     "monitoring[0]: 'key' is required"),
    ("monitoring-unknown-kind", changed("b12-im-standard", ("monitoring.0.kind", "scan")),
     "monitoring baseline: kind must be 'lab' or 'review'"),
    ("monitoring-unknown-anchor", changed("b12-im-standard", ("monitoring.1.anchor", "last-dose")),
     "monitoring reticulocytes: anchor must be one of"),
    ("monitoring-unknown-test", changed("b12-im-standard", ("monitoring.0.tests", ["fbc", "vitamin-d"])),
     "monitoring baseline: unknown tests ['vitamin-d']"),
    ("monitoring-unknown-phase", changed("b12-im-standard", ("monitoring.0.phase", "induction")),
     "monitoring baseline: unknown phase 'induction'"),
    ("duplicate-monitoring-key", changed("b12-im-standard", ("monitoring.1.key", "baseline")),
     "monitoring keys must be unique"),
    ("monitoring-repeat-every-0", changed("iron-oral-daily", ("monitoring.2.repeat.every.value", 0)),
     "monitoring follow-up-fbc: repeat.every must be at least 1 month"),
    ("monitoring-repeat-in-another-unit", changed("iron-oral-daily", ("monitoring.2.repeat.every.unit", "week")),
     "monitoring follow-up-fbc: a repeated event's offset, repeat and window must use one unit"),
    ("monitoring-repeat-count-0", changed("iron-oral-daily", ("monitoring.2.repeat.count", 0)),
     "monitoring follow-up-fbc: repeat.count must be a whole number of at least 1"),
    ("monitoring-unknown-condition", changed("b12-im-standard", ("monitoring.2.condition", {"lab": "ferritin"})),
     "monitoring potassium: condition must look like"),
    ("monitoring-negative-window", changed("iron-oral-daily", ("monitoring.1.window.before_days", -14)),
     "monitoring fbc-ferritin-3m.window.before_days must be a whole number of at least 0"),
    ("first-given-dose-of-a-phase-without-doses",
     changed("iron-oral-daily", ("monitoring.0.phase", "follow-up"), ("monitoring.0.anchor", "first-given-dose")),
     "monitoring fbc-4w: anchor 'first-given-dose' needs a phase with doses, and phase 'follow-up' has none"),
    ("monitoring-key-equal-to-a-phase-slug", changed("b12-im-standard", ("monitoring.0.key", "loading")),
     "monitoring key 'loading' clashes with a phase's event keys"),
    ("monitoring-key-equal-to-a-review-key", changed("b12-im-neuro", ("monitoring.0.key", "loading-review")),
     "monitoring key 'loading-review' clashes with a phase's event keys"),
]


@pytest.mark.parametrize(("definition", "message"), [(d, m) for _, d, m in BAD_DEFINITIONS],
                         ids=[name for name, _, _ in BAD_DEFINITIONS])
def test_a_bad_definition_is_refused_naming_the_problem(definition, message):
    with pytest.raises(DefinitionError, match=re.escape(message)):
        ProtocolDefinition.parse(definition)


def test_a_phase_named_like_another_phases_review_events_is_refused():
    definition = raw_definition("b12-im-neuro")
    definition["phases"][1]["slug"] = "loading-review"

    with pytest.raises(DefinitionError, match="clashes with another phase's '<slug>-review' events"):
        ProtocolDefinition.parse(definition)


def test_a_definition_error_is_a_value_error_so_callers_can_treat_it_as_bad_input():
    assert issubclass(DefinitionError, ValueError)


def test_parsing_does_not_change_the_json_it_was_given():
    definition = raw_definition("b12-then-iron")
    before = repr(definition)

    ProtocolDefinition.parse(definition)

    assert repr(definition) == before

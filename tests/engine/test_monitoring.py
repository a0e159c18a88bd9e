"""Monitoring labs and reviews (PROTOCOLS.md section 3).

A lab event is 'done' once results for every one of its panels were collected inside its window.
"""

import pytest

from protocols.engine import LabValue, PlanOptions

from .builders import day, days, due_dates, given, hb, keys_of, loading_given_on, missed, one, plan_of, recorded

START = day("Mon 2026-01-05")
JANUARY_LOADING = days("Mon 2026-01-05", "Wed 2026-01-07", "Fri 2026-01-09", "Mon 2026-01-12", "Wed 2026-01-14",
                       "Fri 2026-01-16")
LOADING_DONE = loading_given_on(*JANUARY_LOADING)
IRON_START = day("Sun 2026-03-01")


def window(event):
    return (event.window_start, event.due_date, event.window_end)


def labs_on(on, *codes):
    return [LabValue(code, on, 1.0) for code in codes]


class TestB12Monitoring:
    def test_baseline_bloods_are_due_on_the_start_date_before_the_first_dose(self):
        baseline = one(plan_of("b12-im-standard", START), "baseline#1")

        assert (baseline.kind, baseline.code) == ("lab", "baseline")
        assert baseline.tests == ("fbc", "reticulocytes", "b12", "folate", "ferritin", "crp")
        assert window(baseline) == (START, START, START)

    def test_the_baseline_window_stays_open_until_the_first_dose(self):
        baseline = one(plan_of("b12-im-standard", day("Sat 2026-01-03")), "baseline#1")

        assert window(baseline) == (day("Sat 2026-01-03"), day("Sat 2026-01-03"), day("Mon 2026-01-05"))

    def test_baseline_results_from_the_four_weeks_before_the_start_complete_it(self):
        labs = labs_on(day("Thu 2025-12-11"), "hb", "retic", "b12", "folate", "ferritin", "crp")

        result = plan_of("b12-im-standard", START, labs=labs)

        assert one(result, "baseline#1").status == "done"

    def test_baseline_results_older_than_four_weeks_do_not_count(self):
        labs = labs_on(day("Fri 2025-12-05"), "hb", "retic", "b12", "folate", "ferritin", "crp")

        assert one(plan_of("b12-im-standard", START, labs=labs), "baseline#1").status == "planned"

    def test_a_baseline_missing_one_panel_is_not_done(self):
        labs = labs_on(START, "hb", "retic", "b12", "folate", "ferritin")  # no CRP

        assert one(plan_of("b12-im-standard", START, labs=labs), "baseline#1").status == "planned"

    def test_reticulocytes_are_due_on_day_10_after_the_first_given_dose_with_a_window_of_days_7_to_10(self):
        retics = one(plan_of("b12-im-standard", START, outcomes=LOADING_DONE), "reticulocytes#1")

        assert retics.tests == ("reticulocytes", "fbc")
        assert window(retics) == (day("Mon 2026-01-12"), day("Thu 2026-01-15"), day("Thu 2026-01-15"))
        assert not retics.provisional

    def test_reticulocytes_follow_the_first_dose_actually_given_when_the_first_was_missed(self):
        outcomes = recorded("loading", missed(day("Mon 2026-01-05")), given(day("Wed 2026-01-07")))

        retics = one(plan_of("b12-im-standard", START, outcomes=outcomes), "reticulocytes#1")

        assert window(retics) == (day("Wed 2026-01-14"), day("Sat 2026-01-17"), day("Sat 2026-01-17"))

    def test_reticulocytes_are_provisional_until_a_first_dose_is_given(self):
        assert one(plan_of("b12-im-standard", START), "reticulocytes#1").provisional

    @pytest.mark.parametrize(
        ("labs", "planned"),
        [
            ([hb(day("Fri 2026-01-02"), 79)], True),
            ([hb(day("Fri 2026-01-02"), 80)], False),  # 'below 80', so exactly 80 is not
            ([], False),
            ([hb(day("Mon 2025-12-15"), 72)], True),  # within the four weeks before the start
            ([hb(day("Fri 2025-11-28"), 72)], False),  # too old to be a baseline
            ([hb(day("Thu 2026-01-08"), 72)], False),  # after the first dose: not a baseline
            ([hb(day("Mon 2025-12-15"), 72), hb(day("Fri 2026-01-02"), 86)], False),  # the latest baseline counts
        ],
        ids=["hb-79", "hb-80", "no-hb", "hb-3-weeks-before", "hb-5-weeks-before", "hb-after-first-dose",
             "latest-hb-normal"],
    )
    def test_potassium_is_checked_only_when_baseline_hb_is_below_80(self, labs, planned):
        result = plan_of("b12-im-standard", START, outcomes=LOADING_DONE, labs=labs)

        assert keys_of(result, "potassium") == (["potassium#1"] if planned else [])

    def test_potassium_is_due_within_48_hours_of_the_first_dose(self):
        result = plan_of("b12-im-standard", START, outcomes=LOADING_DONE, labs=[hb(day("Fri 2026-01-02"), 70)])

        potassium = one(result, "potassium#1")
        assert potassium.tests == ("potassium",)
        assert window(potassium) == (day("Tue 2026-01-06"), day("Tue 2026-01-06"), day("Wed 2026-01-07"))

    def test_a_blood_count_is_due_8_weeks_after_the_first_given_dose_in_weeks_7_to_9(self):
        fbc = one(plan_of("b12-im-standard", START, outcomes=LOADING_DONE), "fbc-8w#1")

        assert fbc.tests == ("fbc",)
        assert window(fbc) == (day("Mon 2026-02-23"), day("Mon 2026-03-02"), day("Mon 2026-03-09"))

    def test_a_clinician_review_is_due_3_months_after_the_start(self):
        review = one(plan_of("b12-im-standard", day("Sat 2026-01-03")), "review-3m#1")

        assert (review.kind, review.code, review.tests) == ("review", "review", ())
        assert review.due_date == day("Fri 2026-04-03")

    def test_a_review_is_never_done_by_lab_results(self):
        labs = labs_on(day("Sun 2026-04-05"), "hb", "retic", "b12", "folate", "ferritin", "crp")

        assert one(plan_of("b12-im-standard", START, labs=labs), "review-3m#1").status == "planned"

    def test_the_neuro_protocol_has_the_same_b12_monitoring(self):
        result = plan_of("b12-im-neuro", START, outcomes=LOADING_DONE)

        assert {e.key for e in result.events if e.kind != "dose" and not e.key.startswith("loading-review")} == {
            "baseline#1", "reticulocytes#1", "fbc-8w#1", "review-3m#1"}


class TestLabsDone:
    @pytest.mark.parametrize(
        ("labs", "status"),
        [
            (labs_on(day("Thu 2026-01-15"), "retic", "hb"), "done"),
            (labs_on(day("Mon 2026-01-12"), "retic-abs", "mcv"), "done"),  # any code of each panel
            (labs_on(day("Tue 2026-01-13"), "retic") + labs_on(day("Wed 2026-01-14"), "hb"), "done"),
            (labs_on(day("Thu 2026-01-15"), "retic"), "planned"),  # no blood count
            (labs_on(day("Fri 2026-01-16"), "retic", "hb"), "planned"),  # a day after the window
            (labs_on(day("Sun 2026-01-11"), "retic", "hb"), "planned"),  # a day before it
        ],
        ids=["both-on-day-10", "other-codes", "on-two-days", "one-panel-missing", "after-window", "before-window"],
    )
    def test_a_lab_event_is_done_when_results_for_all_its_panels_arrive_in_its_window(self, labs, status):
        result = plan_of("b12-im-standard", START, outcomes=LOADING_DONE, labs=labs)

        assert one(result, "reticulocytes#1").status == status


class TestIronMonitoring:
    def test_a_blood_count_is_due_4_weeks_after_iron_starts_in_weeks_2_to_4(self):
        fbc = one(plan_of("iron-oral-daily", IRON_START), "fbc-4w#1")

        assert fbc.tests == ("fbc",)
        assert window(fbc) == (day("Sun 2026-03-15"), day("Sun 2026-03-29"), day("Sun 2026-03-29"))

    def test_blood_count_and_ferritin_are_due_3_months_after_iron_starts_give_or_take_2_weeks(self):
        check = one(plan_of("iron-oral-daily", IRON_START), "fbc-ferritin-3m#1")

        assert check.tests == ("fbc", "ferritin")
        assert window(check) == (day("Mon 2026-05-18"), day("Mon 2026-06-01"), day("Mon 2026-06-15"))

    def test_the_3_month_check_needs_the_ferritin_as_well_as_the_blood_count(self):
        only_fbc = plan_of("iron-oral-daily", IRON_START, labs=labs_on(day("Mon 2026-06-01"), "hb", "mcv"))
        both = plan_of("iron-oral-daily", IRON_START, labs=labs_on(day("Mon 2026-06-01"), "hb", "ferritin"))

        assert one(only_fbc, "fbc-ferritin-3m#1").status == "planned"
        assert one(both, "fbc-ferritin-3m#1").status == "done"

    def test_treatment_ends_3_months_after_the_first_normal_hb(self):
        result = plan_of("iron-oral-daily", IRON_START, labs=[hb(day("Fri 2026-04-10"), 125)])

        doses = result.of_phase("treatment")
        assert doses[-1].due_date == day("Thu 2026-07-09")
        span = result.span("treatment")
        assert (span.end, span.ended) == (day("Thu 2026-07-09"), True)
        assert result.span("follow-up").start == day("Fri 2026-07-10")

    def test_an_hb_equal_to_the_lower_limit_of_normal_is_normal(self):
        result = plan_of("iron-oral-daily", IRON_START, labs=[hb(day("Fri 2026-04-10"), 120)])

        assert result.span("follow-up").start == day("Fri 2026-07-10")

    def test_an_hb_below_normal_does_not_end_treatment(self):
        result = plan_of("iron-oral-daily", IRON_START, labs=[hb(day("Fri 2026-04-10"), 119)])

        assert result.span("treatment").end is None
        assert result.of_phase("treatment")[-1].due_date == day("Mon 2027-03-01")  # planned to the horizon
        assert result.span("follow-up").start is None

    def test_what_is_normal_comes_from_the_patients_lower_limit(self):
        labs = [hb(day("Fri 2026-04-10"), 125), hb(day("Sun 2026-05-10"), 131)]

        result = plan_of("iron-oral-daily", IRON_START, labs=labs, options=PlanOptions(hb_normal_g_l=130))

        assert result.span("follow-up").start == day("Mon 2026-08-10")

    def test_the_first_normal_hb_counts_not_a_later_one(self):
        labs = [hb(day("Sun 2026-05-10"), 131), hb(day("Fri 2026-04-10"), 124)]

        result = plan_of("iron-oral-daily", IRON_START, labs=labs)

        assert result.span("follow-up").start == day("Fri 2026-07-10")

    def test_a_normal_hb_from_before_iron_started_does_not_end_treatment(self):
        result = plan_of("iron-oral-daily", IRON_START, labs=[hb(day("Fri 2026-02-20"), 135)])

        assert result.span("treatment").end is None

    def test_follow_up_blood_counts_are_every_3_months_for_a_year_then_yearly(self):
        result = plan_of("iron-oral-daily", IRON_START, labs=[hb(day("Fri 2026-04-10"), 125)],
                         horizon=day("Tue 2030-01-01"))

        follow_up = [e for e in result.events if e.phase == "follow-up"]
        assert [e.key for e in follow_up] == [
            "follow-up-fbc#1", "follow-up-fbc#2", "follow-up-fbc#3", "follow-up-fbc#4",
            "follow-up-fbc-yearly#1", "follow-up-fbc-yearly#2"]
        assert due_dates(follow_up) == days(
            "Sat 2026-10-10", "Sun 2027-01-10", "Sat 2027-04-10", "Sat 2027-07-10", "Mon 2028-07-10", "Tue 2029-07-10")
        assert {(e.due_date - e.window_start).days for e in follow_up} == {14}
        assert {(e.window_end - e.due_date).days for e in follow_up} == {14}

    def test_a_clinician_can_end_iron_treatment_and_follow_up_starts_the_next_day(self):
        result = plan_of("iron-oral-daily", IRON_START, phase_ends={"treatment": day("Fri 2026-05-15")})

        assert result.of_phase("treatment")[-1].due_date == day("Fri 2026-05-15")
        assert result.span("follow-up").start == day("Sat 2026-05-16")
        assert one(result, "follow-up-fbc#1").due_date == day("Sun 2026-08-16")

    def test_follow_up_labs_are_provisional_until_treatment_really_ends(self):
        result = plan_of("b12-then-iron", START, labs=[hb(day("Mon 2026-02-16"), 125)],
                         outcomes=loading_given_on(*JANUARY_LOADING[:5]), horizon=day("Fri 2027-01-01"))

        # iron's start is provisional (loading has not ended), so its end and all that follows are too
        assert not result.span("treatment").ended
        assert result.span("follow-up").start == day("Sat 2026-05-16")
        assert one(result, "follow-up-fbc#1").provisional


class TestCombinedProtocols:
    @pytest.mark.parametrize("slug", ["b12-then-iron", "b12-and-iron-concurrent"])
    def test_ferritin_is_rechecked_8_weeks_after_b12_starts_in_weeks_7_to_9(self, slug):
        ferritin = one(plan_of(slug, START), "ferritin-8w#1")

        assert (ferritin.code, ferritin.tests) == ("ferritin", ("ferritin",))
        assert window(ferritin) == (day("Mon 2026-02-23"), day("Mon 2026-03-02"), day("Mon 2026-03-09"))
        assert not ferritin.provisional

    def test_the_ferritin_recheck_counts_from_the_start_even_if_the_first_injection_is_later(self):
        outcomes = recorded("loading", missed(day("Mon 2026-01-05")), given(day("Wed 2026-01-07")))

        ferritin = one(plan_of("b12-then-iron", START, outcomes=outcomes), "ferritin-8w#1")

        assert ferritin.due_date == day("Mon 2026-03-02")

    def test_single_drug_protocols_have_no_ferritin_recheck(self):
        for slug in ("b12-im-standard", "b12-im-neuro", "iron-oral-daily"):
            assert keys_of(plan_of(slug, START), "ferritin-8w") == []

    def test_folic_acid_has_no_monitoring_events(self):
        result = plan_of("folate-oral", START)

        assert {e.kind for e in result.events} == {"dose"}

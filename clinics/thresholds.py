"""What each clinic threshold means: its label, unit and the range a clinic may set it to.

The defaults are `DEFAULT_THRESHOLDS` (models.py); a clinic stores only the ones it changed.
"""

from dataclasses import dataclass

from .models import DEFAULT_THRESHOLDS


@dataclass(frozen=True)
class ThresholdInfo:
    name: str
    label: str
    unit: str
    minimum: float
    maximum: float
    whole: bool = False  # days, years, doses: whole numbers only
    group: str = "Laboratory"

    @property
    def default(self) -> float:
        return DEFAULT_THRESHOLDS[self.name]


_L, _A = "Laboratory (PROTOCOLS.md section 3)", "Alert rules (PROTOCOLS.md section 4)"

THRESHOLDS: dict[str, ThresholdInfo] = {t.name: t for t in (
    ThresholdInfo("hb_normal_male_g_l", "Hb lower limit of normal, men", "g/L", 80, 200, True, _L),
    ThresholdInfo("hb_normal_female_g_l", "Hb lower limit of normal, women", "g/L", 80, 200, True, _L),
    ThresholdInfo("hb_normal_pregnancy_g_l", "Hb lower limit of normal, pregnancy", "g/L", 80, 200, True, _L),
    ThresholdInfo("ferritin_deficient_ug_l", "Ferritin: iron deficient below", "µg/L", 5, 500, False, _L),
    ThresholdInfo("ferritin_deficient_with_crp_ug_l", "Ferritin with raised CRP: iron deficient below", "µg/L",
                  5, 1000, False, _L),
    ThresholdInfo("crp_raised_mg_l", "CRP raised above", "mg/L", 1, 100, False, _L),
    ThresholdInfo("tsat_deficient_pct", "Transferrin saturation: iron deficient below", "%", 5, 50, False, _L),
    ThresholdInfo("b12_deficient_ng_l", "B12 deficient below", "ng/L", 50, 1000, True, _L),
    ThresholdInfo("b12_unlikely_ng_l", "B12 deficiency unlikely above", "ng/L", 50, 2000, True, _L),
    ThresholdInfo("folate_deficient_ug_l", "Folate deficient below", "µg/L", 0.5, 20, False, _L),
    ThresholdInfo("iron_suboptimal_rise_g_l", "Oral iron, 2–4 weeks: expected Hb rise at least", "g/L",
                  1, 50, False, _A),
    ThresholdInfo("iron_inadequate_rise_g_l", "Oral iron, 4 weeks and later: expected Hb rise at least", "g/L",
                  1, 50, False, _A),
    ThresholdInfo("iron_low_adherence_pct", "Oral iron: low adherence below", "%", 1, 100, False, _A),
    ThresholdInfo("iron_adherence_min_planned_doses", "Oral iron: judge adherence after at least", "doses",
                  1, 90, True, _A),
    ThresholdInfo("dose_missed_overdue_days", "Dose missed: alert when overdue by", "days", 0, 30, True, _A),
    ThresholdInfo("maintenance_overdue_days", "Maintenance injection overdue: alert after", "days", 1, 90, True, _A),
    ThresholdInfo("check_b12_age_years", "Check B12 before oral iron from age", "years", 18, 120, True, _A),
    ThresholdInfo("b12_recent_result_days", "A B12 result counts as recent for", "days", 1, 730, True, _A),
    ThresholdInfo("deficiencies_concurrent_days", "Iron and B12 deficiencies concurrent within", "days",
                  1, 365, True, _A),
)}

#: Thresholds the schedule engine reads (changing one re-plans the clinic's active enrollments).
PLANNING_THRESHOLDS = frozenset({"hb_normal_male_g_l", "hb_normal_female_g_l", "hb_normal_pregnancy_g_l"})

#: (lower, higher): the first must be below the second.
ORDERED_PAIRS = (
    ("b12_deficient_ng_l", "b12_unlikely_ng_l"),
    ("ferritin_deficient_ug_l", "ferritin_deficient_with_crp_ug_l"),
)

assert set(THRESHOLDS) == set(DEFAULT_THRESHOLDS), "every threshold is described"

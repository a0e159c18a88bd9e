"""The plan timeline's phase titles: none overlaps another, none is cut at the chart's edges."""

import re
from datetime import date

from dashboard.charts import LABEL_CHAR_W, LANE_H, RIGHT, WIDTH, Band, Series, _label_lanes, line_chart, plan_timeline

START = date(2026, 1, 5)


def titles(svg: str) -> list[tuple[float, float, str]]:
    return [(float(x), float(y), text) for x, y, text in
            re.findall(r'<text class="band-label" x="([\d.]+)" y="([\d.-]+)">([^<]*)</text>', svg)]


def assert_apart(found):
    for i, (x, y, text) in enumerate(found):
        assert x >= 0 and x + len(text) * LABEL_CHAR_W <= WIDTH - RIGHT + 0.5, f"{text!r} is cut at the edge"
        assert y > 0
        for x2, y2, text2 in found[i + 1:]:
            if abs(y - y2) < LANE_H:
                assert x + len(text) * LABEL_CHAR_W <= x2 or x2 + len(text2) * LABEL_CHAR_W <= x, f"{text!r}/{text2!r}"


def test_concurrent_and_late_phases_are_titled_apart_and_inside_the_chart():
    bands = [Band("B12 loading", "loading", START, date(2026, 1, 16)),
             Band("Oral iron treatment", "treatment", START, date(2026, 4, 20)),
             Band("B12 maintenance (lifelong)", "maintenance", date(2026, 1, 17), None),
             Band("Oral irB12 maintenance", "maintenance", date(2026, 4, 28), None)]
    svg = plan_timeline([], bands, start=date(2025, 12, 29), end=date(2026, 5, 5), today=START, chart_id="p")
    found = titles(svg)
    assert {t for _, _, t in found} == {b.label for b in bands}
    assert_apart(found)
    assert_apart(titles(line_chart(Series("Hb", "g/L"), bands, start=date(2025, 12, 29), end=date(2026, 5, 5),
                                   today=START, chart_id="c")))


def test_a_title_longer_than_the_chart_is_shortened():
    [(title, x, lane)] = _label_lanes([("x" * 200, 100.0, 200.0)], 4, 628)
    assert title.endswith("…") and x >= 4 and x + len(title) * LABEL_CHAR_W <= 628 and lane == 0

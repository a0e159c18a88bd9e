"""Server-side SVG charts of lab results over time, with treatment phases shaded and thresholds drawn.

No JavaScript and nothing fetched from elsewhere: the chart is markup in the page, readable by a
screen reader through its title and description, with the values also given as a table.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, timedelta
from html import escape

from django.utils.safestring import SafeString, mark_safe

WIDTH, HEIGHT = 640, 210
LEFT, RIGHT, TOP, BOTTOM = 46, 12, 22, 28
PHASE_COLOURS = {
    "loading": "#ede4fb", "maintenance": "#e2efff", "treatment": "#fff0dc", "follow-up": "#e3f6e8",
}
MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()


@dataclass(frozen=True)
class Band:
    label: str
    slug: str
    start: date
    end: date | None  # None: still running


@dataclass(frozen=True)
class Threshold:
    label: str
    value: float


@dataclass
class Series:
    title: str
    unit: str
    points: list[tuple[date, float]] = field(default_factory=list)
    thresholds: list[Threshold] = field(default_factory=list)


def _nice_step(span: float) -> float:
    raw = span / 4 or 1
    magnitude = 10 ** len(str(int(raw))) / 10 if raw >= 1 else 0.1
    for step in (1, 2, 2.5, 5, 10):
        if step * magnitude >= raw:
            return step * magnitude
    return 10 * magnitude


def _y_range(values: list[float]) -> tuple[float, float, float]:
    """A padded range with round ticks; it starts at zero only when the values come close to it."""
    if not values:
        return 0.0, 1.0, 0.25
    vmin, vmax = min(values), max(values)
    pad = max((vmax - vmin) * 0.2, abs(vmax) * 0.08, 0.5)
    low, high = max(0.0, vmin - pad), vmax + pad
    step = _nice_step(high - low)
    low = step * math.floor(low / step)
    high = step * math.ceil(high / step)
    return low, high, step


def _month_ticks(start: date, end: date) -> list[date]:
    ticks, day = [], date(start.year, start.month, 1)
    while day <= end:
        if day >= start:
            ticks.append(day)
        day = date(day.year + (day.month == 12), day.month % 12 + 1, 1)
    if len(ticks) > 8:
        ticks = ticks[:: (len(ticks) + 7) // 8]
    return ticks


#: Width of a phase title's character at the charts' 12px bold (a generous average, so titles never collide).
LABEL_CHAR_W = 7.2
LANE_H = 14


def _label_lanes(spans: list[tuple[str, float, float]], lo: float, hi: float) -> list[tuple[str, float, int]]:
    """Phase titles placed so that none overlaps another or leaves the chart: each starts at its band's left
    edge (moved left when it would run past `hi`), on the first lane where it clears the titles before it.
    `spans` are (title, band x0, band x1); returns (title, x, lane)."""
    placed, lanes = [], []  # lanes: the right end of the last title on each lane
    for title, x0, _x1 in sorted(spans, key=lambda s: (s[1], s[2])):
        width = len(title) * LABEL_CHAR_W
        if width > hi - lo:
            keep = max(int((hi - lo) / LABEL_CHAR_W) - 1, 1)
            title, width = title[:keep] + "…", (keep + 1) * LABEL_CHAR_W
        x = max(lo, min(x0 + 4, hi - width))
        lane = next((i for i, end in enumerate(lanes) if end + 8 <= x), len(lanes))
        if lane == len(lanes):
            lanes.append(0.0)
        lanes[lane] = x + width
        placed.append((title, x, lane))
    return placed


def _fmt(value: float) -> str:
    return f"{value:g}"


def line_chart(series: Series, bands: list[Band], *, start: date, end: date, today: date, chart_id: str) -> SafeString:
    low, high, step = _y_range([v for _, v in series.points] + [t.value for t in series.thresholds])
    days = max((end - start).days, 1)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(day: date) -> float:
        return LEFT + plot_w * min(max((day - start).days, 0), days) / days

    def y(value: float) -> float:
        return TOP + plot_h * (1 - (value - low) / ((high - low) or 1))

    out = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-labelledby="{chart_id}-t {chart_id}-d" '
        f'preserveAspectRatio="xMidYMid meet" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{chart_id}-t">{escape(series.title)} ({escape(series.unit)})</title>',
        f'<desc id="{chart_id}-d">{_describe(series, bands)}</desc>',
    ]
    for band in bands:
        x0, x1 = x(max(band.start, start)), x(min(band.end or end, end))
        if x1 <= x0:
            continue
        colour = PHASE_COLOURS.get(band.slug, "#f1f1f1")
        out.append(f'<rect class="band" x="{x0:.1f}" y="{TOP}" width="{x1 - x0:.1f}" height="{plot_h}" fill="{colour}"/>')
    spans = [(b.label, x(max(b.start, start)), x(min(b.end or end, end))) for b in bands]
    for title, lx, lane in _label_lanes([sp for sp in spans if sp[2] > sp[1]], LEFT + 2, WIDTH - RIGHT - 2):
        out.append(f'<text class="band-label" x="{lx:.1f}" y="{TOP + 11 + LANE_H * lane}">{escape(title)}</text>')
    tick = low
    while tick <= high + 1e-9:
        out.append(f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(tick):.1f}" y2="{y(tick):.1f}"/>')
        out.append(f'<text class="axis" x="{LEFT - 6}" y="{y(tick) + 4:.1f}" text-anchor="end">{_fmt(round(tick, 2))}</text>')
        tick += step
    ticks = _month_ticks(start, end)
    for day in ticks:
        label = MONTHS[day.month - 1] + (f" {day.year}" if day.month == 1 or day == ticks[0] else "")
        out.append(f'<line class="tick" x1="{x(day):.1f}" x2="{x(day):.1f}" y1="{HEIGHT - BOTTOM}" y2="{HEIGHT - BOTTOM + 4}"/>')
        out.append(f'<text class="axis" x="{x(day):.1f}" y="{HEIGHT - 8}" text-anchor="middle">{label}</text>')
    out.append(f'<line class="axis-line" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{HEIGHT - BOTTOM}" y2="{HEIGHT - BOTTOM}"/>')
    for threshold in series.thresholds:
        ty = y(threshold.value)
        out.append(f'<line class="threshold" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{ty:.1f}" y2="{ty:.1f}"/>')
        out.append(f'<text class="threshold-label" x="{WIDTH - RIGHT - 2}" y="{ty - 3:.1f}" text-anchor="end">'
                   f'{escape(threshold.label)} {_fmt(threshold.value)}</text>')
    points = sorted(series.points)
    if len(points) > 1:
        path = " ".join(f"{x(d):.1f},{y(v):.1f}" for d, v in points)
        out.append(f'<polyline class="series" points="{path}"/>')
    for day, value in points:
        out.append(f'<circle class="point" cx="{x(day):.1f}" cy="{y(value):.1f}" r="4">'
                   f'<title>{_fmt(value)} {escape(series.unit)} on {day:%d %b %Y}</title></circle>')
    if not points:
        out.append(f'<text class="empty-label" x="{WIDTH / 2}" y="{HEIGHT / 2}" text-anchor="middle">No results yet</text>')
    today_x = x(min(end, today))
    out.append(f'<line class="today" x1="{today_x:.1f}" x2="{today_x:.1f}" y1="{TOP}" y2="{HEIGHT - BOTTOM}"/>')
    out.append("</svg>")
    return mark_safe("".join(out))  # noqa: S308  (every interpolated text is escaped above)


def _describe(series: Series, bands: list[Band]) -> str:
    parts = [f"{len(series.points)} result{'s' if len(series.points) != 1 else ''}"]
    if series.points:
        last_day, last_value = max(series.points)
        parts.append(f"latest {_fmt(last_value)} {series.unit} on {last_day:%d %b %Y}")
    parts += [f"{t.label} {_fmt(t.value)}" for t in series.thresholds]
    parts += [f"{b.label} from {b.start:%d %b %Y}" for b in bands]
    return escape("; ".join(parts))


STATUS_STYLE = {
    "given": ("#1a7f37", True), "done": ("#1a7f37", True), "missed": ("#c62828", True),
    "declined": ("#7b3fb5", True), "overdue": ("#d97706", True), "planned": ("#6b7280", False),
    "unconfirmed": ("#9aa5b1", True),
}
ROW_LABELS = (("clinic", "Injections"), ("home", "Oral doses"), ("tests", "Tests and reviews"))


def plan_timeline(events, bands: list[Band], *, start: date, end: date, today: date, chart_id: str) -> SafeString:
    """The plan as a strip per kind of event, each event a mark coloured by its status."""
    from .templatetags.plan_tags import event_what

    rows = [(key, label) for key, label in ROW_LABELS
            if any(_row_of(e) == key for e in events)]
    row_h, left = 30, 128
    plot_w = WIDTH - left - RIGHT
    days = max((end - start).days, 1)

    def x(day: date) -> float:
        return left + plot_w * min(max((day - start).days, 0), days) / days

    spans = [(b.label, x(max(b.start, start)), x(min(b.end or end, end))) for b in bands]
    # Each title follows a swatch of its band's colour (the reserved spaces), so that overlapping bands are told apart.
    labels = _label_lanes([("   " + t, x0, x1) for t, x0, x1 in spans if x1 > x0], 4, WIDTH - RIGHT)
    colours = {b.label: PHASE_COLOURS.get(b.slug, "#f1f1f1") for b in bands}
    lanes = max((lane for _, _, lane in labels), default=-1) + 1
    top = max(TOP, 8 + LANE_H * lanes)
    height = top + row_h * max(len(rows), 1) + BOTTOM

    out = [
        f'<svg class="chart timeline" viewBox="0 0 {WIDTH} {height}" role="img" aria-labelledby="{chart_id}-t" '
        f'xmlns="http://www.w3.org/2000/svg"><title id="{chart_id}-t">Plan from {start:%d %b %Y} to {end:%d %b %Y}: '
        f'{_count_words(events, today)}</title>'
    ]
    for band in bands:
        x0, x1 = x(max(band.start, start)), x(min(band.end or end, end))
        if x1 > x0:
            out.append(f'<rect class="band" x="{x0:.1f}" y="{top}" width="{x1 - x0:.1f}" height="{row_h * len(rows)}" '
                       f'fill="{PHASE_COLOURS.get(band.slug, "#f1f1f1")}" fill-opacity="0.7"/>')
    for title, lx, lane in labels:
        ly = top - 6 - LANE_H * (lanes - 1 - lane)
        title = title.strip()
        out.append(f'<rect class="band-swatch" x="{lx:.1f}" y="{ly - 9}" width="10" height="10" '
                   f'fill="{colours.get(title, "#f1f1f1")}" stroke="#9aa5b1" stroke-width="0.5"/>')
        out.append(f'<text class="band-label" x="{lx + 14:.1f}" y="{ly}">{escape(title)}</text>')
    for i, (key, label) in enumerate(rows):
        cy = top + row_h * i + row_h / 2
        out.append(f'<text class="axis row-label" x="{left - 8}" y="{cy + 4:.1f}" text-anchor="end">{label}</text>')
        out.append(f'<line class="grid" x1="{left}" x2="{WIDTH - RIGHT}" y1="{cy:.1f}" y2="{cy:.1f}"/>')
        for event in events:
            if _row_of(event) != key or not (start <= event.due_date <= end) or event.status == "cancelled":
                continue
            status = shown_status(event, today)
            colour, filled = STATUS_STYLE.get(status, ("#6b7280", False))
            fill = colour if filled else "#ffffff"
            tip = f"{event_what(event)}: {status} {event.due_date:%a} {event.due_date.day} {event.due_date:%b %Y}"
            shape = (f'<rect x="{x(event.due_date) - 4:.1f}" y="{cy - 4:.1f}" width="8" height="8"' if key == "tests"
                     else f'<circle cx="{x(event.due_date):.1f}" cy="{cy:.1f}" r="{3 if key == "home" else 5}"')
            out.append(f'{shape} class="mark mark-{status}" fill="{fill}" stroke="{colour}" stroke-width="1.5">'
                       f'<title>{escape(tip)}</title></{"rect" if key == "tests" else "circle"}>')
    base = top + row_h * len(rows)
    for day in _month_ticks(start, end):
        out.append(f'<line class="tick" x1="{x(day):.1f}" x2="{x(day):.1f}" y1="{base}" y2="{base + 4}"/>')
        out.append(f'<text class="axis" x="{x(day):.1f}" y="{base + 18}" text-anchor="middle">'
                   f'{MONTHS[day.month - 1]}{" " + str(day.year) if day.month == 1 else ""}</text>')
    tx = x(min(max(today, start), end))
    out.append(f'<line class="today" x1="{tx:.1f}" x2="{tx:.1f}" y1="{top - 2}" y2="{base}"/>')
    out.append(f'<text class="today-label" x="{tx + 3:.1f}" y="{base - 3}">today</text></svg>')
    return mark_safe("".join(out))  # noqa: S308  (every interpolated text is escaped above)


def shown_status(event, today: date) -> str:
    """As staff should read it: a home dose nobody confirmed is 'unconfirmed', not an overdue clinic task."""
    status = event.display_status(today)
    if event.kind == "dose" and event.setting == "home" and event.status == "planned" and event.due_date < today:
        return "unconfirmed"
    return status


def _row_of(event) -> str:
    if event.kind != "dose":
        return "tests"
    return "home" if event.setting == "home" else "clinic"


def _count_words(events, today: date) -> str:
    counts: dict[str, int] = {}
    for event in events:
        if event.status != "cancelled":
            status = shown_status(event, today)
            counts[status] = counts.get(status, 0) + 1
    return ", ".join(f"{n} {status}" for status, n in sorted(counts.items())) or "no events"


#: However old or far ahead a stored date is (a row from before inputs were bounded), a chart spans at most
#: this much around today; marks beyond it sit on the chart's edge.
CHART_SPAN_BACK = timedelta(days=366 * 10)
CHART_SPAN_AHEAD = timedelta(days=366 * 2)


def timeline_range(first: date, last: date, today: date) -> tuple[date, date]:
    start = max(min(first, today), today - CHART_SPAN_BACK) - timedelta(days=7)
    end = min(max(last, today), today + CHART_SPAN_AHEAD) + timedelta(days=14)
    return start, end

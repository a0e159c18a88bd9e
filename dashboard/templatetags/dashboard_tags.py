from datetime import date, datetime
from functools import lru_cache
from html import escape as html_escape
from urllib.parse import quote

from django import template
from django.template.defaultfilters import date as date_filter
from django.template.defaulttags import CsrfTokenNode
from django.urls import get_script_prefix, reverse
from django.utils import timezone
from django.utils.encoding import escape_uri_path
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.text import slugify
from django.utils.translation import get_language

from patients.models import InjectionSite

from ..charts import shown_status

register = template.Library()


@lru_cache(maxsize=128)
def _url_pattern(name: str, nargs: int, prefix: str) -> str:
    marks = [f"9876543{i}" for i in range(nargs)]
    url = reverse(name, args=marks).replace("{", "{{").replace("}", "}}")
    for mark in marks:
        url = url.replace(mark, "{}", 1)
    return url


@register.simple_tag
def fast_url(name: str, *args) -> str:
    """Like {% url %} for rows of long lists: the pattern is reversed once, then filled in."""
    return _url_pattern(name, len(args), get_script_prefix()).format(*(escape_uri_path(str(a)) for a in args))


@lru_cache(maxsize=4096)
def _day(value: date, fmt: str, language: str | None) -> str:
    return date_format(value, fmt)


@register.filter(expects_localtime=True)
def day(value, fmt: str):
    """Django's |date for the calendar days of long lists, each day formatted once (names in the active language)."""
    if type(value) is date:
        return _day(value, fmt, get_language())
    return date_filter(value, fmt)


STATUS_WORDS = {
    "planned": "Planned", "given": "Given", "missed": "Missed", "declined": "Declined", "overdue": "Overdue",
    "done": "Done", "cancelled": "Cancelled", "unconfirmed": "Not confirmed", "open": "Open", "acknowledged": "Acknowledged", "resolved": "Resolved",
}


@register.simple_tag
def status_badge(status: str, label: str = ""):
    return format_html('<span class="badge badge-{}">{}</span>', status, label or STATUS_WORDS.get(status, status))


@register.filter
def event_status(event, today: date) -> str:
    return shown_status(event, today)


@register.filter
def idem_key(event, outcome: str) -> str:
    """Stable while the event is unchanged: a double-tap records once; after a correction, a new key."""
    stamp = int(event.updated_at.timestamp() * 1000) if getattr(event, "updated_at", None) else 0
    return f"web:{event.pk}:{outcome}:{stamp}"


SITE_LABELS = dict(InjectionSite.choices)


@register.filter
def site_label(value: str) -> str:
    return SITE_LABELS.get(value, value)


@register.filter
def mg(value) -> str:
    if value is None:
        return ""
    return f"{value.normalize() if hasattr(value, 'normalize') else value:f} mg".replace(".000 ", " ")


@register.filter
def days_since(day: date, today: date) -> int:
    return (today - day).days


@register.filter
def dash(value):
    return "—" if value in (None, "") else value


@register.filter
def phase_word(slug: str) -> str:
    return (slug or "").replace("-", " ")


IN_ERROR_FORM = """<details class="in-error-form">
  <summary>Entered in error…</summary>
  <form method="post" action="{action}">
    {csrf}
    <label for="{field}">Why is this {what} wrong?</label>
    <input type="text" id="{field}" name="reason" required maxlength="500">
    <button type="submit" class="danger">Mark entered in error</button>
  </form>
</details>
"""


@register.simple_tag(takes_context=True)
def in_error_form(context, url_name: str, record, what: str):
    """The "entered in error…" form on a clinical record's row: one per row of a long history, so built here
    rather than by an {% include %} per row."""
    return format_html(IN_ERROR_FORM, action=fast_url(url_name, record.pk), csrf=CsrfTokenNode().render(context),
                       field=f"err-{slugify(url_name)}-{record.pk}", what=what)


@register.filter
def dose_for(event) -> str:
    """'maintenance dose 3 for Pat Jones': how the worklist's buttons name a dose."""
    return f"{phase_word(event.phase)} dose {event.sequence} for {event.patient.full_name}"


@register.simple_tag(takes_context=True)
def query_with(context, **changes) -> str:
    """The current query string with some parameters changed (for pagination and filters)."""
    params = context["request"].GET.copy()
    for key, value in changes.items():
        if value in (None, ""):
            params.pop(key, None)
        else:
            params[key] = value
    return "?" + params.urlencode() if params else "?"


@register.filter
def local(value, zone):
    """An instant in `zone`. One that cannot be shifted (a row dated 0001-01-01) is shown as its UTC wall
    time, naive so that |date does not try to shift it again."""
    if not value:
        return value
    try:
        return timezone.localtime(value, zone)
    except OverflowError:
        return value.replace(tzinfo=None)


#: A day further than this from today is written with its year even in the same year ("Mon 5 Jan 2026" in
#: December reads as a past day, not the coming January).
YEAR_AFTER_DAYS = 183


@lru_cache(maxsize=4096)
def _staff_date(value: date, today: date, language: str | None) -> str:
    text = date_format(value, "D j M")
    if value.year == today.year and abs((value - today).days) <= YEAR_AFTER_DAYS:
        return text
    return f"{text} {value.year}"


@register.filter(expects_localtime=True)
def staff_date(value, today: date | None = None) -> str:
    """The one way the staff pages write a day: "Mon 5 Jan", with the year ("Mon 5 Jan 2026") when it is not
    this year or is more than six months away. Takes a date or an (aware) datetime; `today` (optional) is the
    clinic's day (default: the server's local date)."""
    if value in (None, ""):
        return ""
    if isinstance(value, datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    elif type(value) is not date:
        return str(value)
    if type(today) is not date:
        today = timezone.localdate()
    return _staff_date(value, today, get_language())


@register.simple_tag
def day_window(start: date, end: date, today: date | None = None) -> str:
    """A dose's window: "on Mon 23 Nov" for a single day, "between Mon 23 Nov and Tue 1 Dec" otherwise."""
    if not start and not end:
        return ""
    if not end or not start or start == end:
        return f"on {staff_date(start or end, today)}"
    return f"between {staff_date(start, today)} and {staff_date(end, today)}"


DOSE_ROW = """<li class="work-item" id="event-{pk}">
  <div class="who-what">
    <a class="patient-name" href="{patient_url}">{family}, {given}</a>
    <span class="muted">{mrn}</span>
    <div class="dose-line">{code} {mg} {route} · {phase} dose {sequence}{due}{backlog}</div>
  </div>
  <div class="actions">
    <a class="button primary" href="{given_url}?next={here_q}"
       hx-get="{given_url}" hx-target="#form-{pk}" hx-swap="innerHTML"
       aria-label="Given… record {what}">Given…</a>
    <details class="declined-form">
      <summary class="button secondary" aria-label="Declined… record {what} as declined">Declined…</summary>
      <form method="post" action="{declined_url}" hx-post="{declined_url}" hx-target="#event-{pk}" hx-swap="outerHTML">
        {csrf}<input type="hidden" name="next" value="{here}">
        <input type="hidden" name="idempotency_key" value="{declined_key}">
        <label for="declined-{pk}">Why did {given} decline?</label>
        <input type="text" id="declined-{pk}" name="reason" required maxlength="500">
        <button type="submit" class="secondary" aria-label="Record {what} as declined">Record declined</button>
      </form>
    </details>
    <form method="post" action="{missed_url}" hx-post="{missed_url}" hx-target="#event-{pk}" hx-swap="outerHTML"
          hx-confirm="Record {what} as missed? The dose will be planned again.">
      {csrf}<input type="hidden" name="next" value="{here}">
      <input type="hidden" name="idempotency_key" value="{missed_key}">
      <button type="submit" class="secondary" aria-label="Missed: record {what} as missed">Missed</button>
    </form>
  </div>
  <div class="inline-form" id="form-{pk}"></div>{error}
</li>"""


@register.simple_tag(takes_context=True)
def dose_row(context, event, today: date, error: str = ""):
    """One injection of the worklist (Today, a patient's page) with its Given…, Declined… and Missed actions.
    Built here rather than by an {% include %} per row: a Monday's worklist has dozens of them. Every value
    is escaped (html.escape) before it is put in the row."""
    cache = context.render_context.setdefault("dose_row", {})
    if "csrf" not in cache:
        here = context["request"].get_full_path()
        cache.update(csrf=CsrfTokenNode().render(context), here=_esc(here), here_q=_esc(quote(here, safe="/")))
    pk, patient = event.pk, event.patient
    due = ""
    if event.due_date < today:
        badge = (str(status_badge("overdue")) if event.window_end < today else
                 f'<span class="badge badge-late">late · window to {_esc(staff_date(event.window_end, today))}</span>')
        due = f" · due {_esc(staff_date(event.due_date, today))} {badge}"
    backlog = getattr(event, "backlog", None) or 0
    backlog_html = (f' <span class="backlog">{int(backlog)} doses behind: record this one first, the rest are '
                    f're-planned</span>') if backlog > 1 else ""
    error_html = (f'\n  <div class="form-errors" role="alert"><p>Not recorded: {_esc(error)}</p></div>'
                  if error else "")
    return mark_safe(DOSE_ROW.format(
        pk=int(pk), patient_url=_esc(fast_url("dashboard:patient", event.patient_id)),
        family=_esc(patient.family_name.upper()), given=_esc(patient.given_name), mrn=_esc(patient.mrn),
        code=_esc(event.code), mg=_esc(mg(event.dose_mg)), route=_esc(event.route), phase=_esc(phase_word(event.phase)),
        sequence=int(event.sequence), due=due, backlog=backlog_html,
        given_url=_esc(fast_url("dashboard:record-given", pk)), here_q=cache["here_q"], here=cache["here"],
        what=_esc(dose_for(event)), declined_url=_esc(fast_url("dashboard:record-outcome", pk, "declined")),
        missed_url=_esc(fast_url("dashboard:record-outcome", pk, "missed")), csrf=cache["csrf"],
        declined_key=_esc(idem_key(event, "declined")), missed_key=_esc(idem_key(event, "missed")), error=error_html,
    ))


def _esc(value) -> str:
    return html_escape(str(value), quote=True)

from datetime import date

from django import template
from django.utils import timezone
from django.utils.html import format_html

from patients.models import InjectionSite

from ..charts import shown_status

register = template.Library()

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


@register.filter
def site_label(value: str) -> str:
    return InjectionSite(value).label if value in InjectionSite.values else value


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
    return timezone.localtime(value, zone) if value else value

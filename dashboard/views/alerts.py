from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from alerts.models import Alert, Severity
from alerts.services import alert_acknowledge, alert_resolve

from ..access import CLINICAL, staff_required
from ..forms import ResolveForm
from .common import back, is_htmx

STATUS_TABS = {"open": "Open", "acknowledged": "Acknowledged", "resolved": "Resolved"}
SEVERITIES = {"": "Any severity", **{value: label for value, label in Severity.choices}}
#: Alerts per page of a status tab (newest first).
PAGE_SIZE = 20


def alerts_for(user):
    return Alert.objects.filter(clinic_id=user.clinic_id).select_related("patient", "acknowledged_by", "resolved_by")


@staff_required(*CLINICAL)
def alert_list(request):
    status = request.GET.get("status", "open")
    status = status if status in STATUS_TABS else "open"
    severity = request.GET.get("severity", "")
    severity = severity if severity in SEVERITIES else ""
    alerts = alerts_for(request.user).filter(status=status)
    if severity:
        alerts = alerts.filter(severity=severity)
    alerts = alerts.order_by("-created_at", "-id")
    page = Paginator(alerts, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "dashboard/alerts.html", {
        "nav": "alerts", "page": page, "alerts": page.object_list, "total": page.paginator.count, "status": status,
        "tabs": STATUS_TABS, "severity": severity, "severities": SEVERITIES,
        "severity_word": SEVERITIES[severity].lower() if severity else "",
    })


def _done(request, alert, text):
    if is_htmx(request):
        return render(request, "dashboard/partials/alert_item.html", {"alert": alert, "just_done": text})
    messages.success(request, text)
    return back(request, reverse("dashboard:alerts"))


@staff_required(*CLINICAL)
@require_POST
def alert_ack(request, pk):
    alert = get_object_or_404(alerts_for(request.user), pk=pk)
    alert = alert_acknowledge(alert=alert, actor=request.user)
    return _done(request, alert, f"Acknowledged {alert.title} for {alert.patient.full_name}.")


@staff_required(*CLINICAL)
@require_POST
def alert_res(request, pk):
    alert = get_object_or_404(alerts_for(request.user), pk=pk)
    form = ResolveForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    alert = alert_resolve(alert=alert, actor=request.user, note=note.strip())
    return _done(request, alert, f"Resolved {alert.title} for {alert.patient.full_name}.")

from functools import cache

from django.conf import settings

from alerts.models import Alert, AlertStatus

from .access import CLINICAL


def staff(request) -> dict:
    """The idle timeout for the page's timer, and the clinic's open alerts for the menu badge."""
    context = {"idle_minutes": settings.SESSION_IDLE_TIMEOUT_MINUTES}
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and user.clinic_id and user.role in CLINICAL:
        context["open_alert_count"] = cache(
            lambda: Alert.objects.filter(clinic_id=user.clinic_id, status=AlertStatus.OPEN).count()
        )
    return context

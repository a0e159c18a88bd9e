"""Sign staff out of the web pages after a spell of inactivity (a shared tablet at the nurse station),
and show times in the clinic's own time zone."""

import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.utils import timezone

SESSION_KEY = "last_activity"
#: The last-activity stamp is written at most this often, so a busy page does not write the session each time.
WRITE_EVERY_SECONDS = 30


def idle_timeout_seconds() -> int:
    return int(getattr(settings, "SESSION_IDLE_TIMEOUT_MINUTES", 15)) * 60


class IdleLogoutMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            now = time.time()
            last = request.session.setdefault(SESSION_KEY, now)
            if now - last > idle_timeout_seconds():
                logout(request)
                if request.path.startswith("/api/"):
                    return self.get_response(request)  # the API answers 401/403 itself
                response = redirect(f"{settings.LOGIN_URL}?{urlencode({'next': request.get_full_path(), 'idle': 1})}")
                if request.headers.get("HX-Request"):
                    response["HX-Redirect"] = response["Location"]
                return response
            if now - last >= WRITE_EVERY_SECONDS:
                request.session[SESSION_KEY] = now
            if user.clinic_id:
                timezone.activate(user.clinic.zone)
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()

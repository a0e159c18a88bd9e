"""One lockout for every login path (the staff /login/, /admin/login/, anything that calls authenticate()),
through django-axes, stored in the database so that every web process agrees.

Failures are counted per username *and* address: someone guessing from elsewhere cannot lock a nurse out
of the tablet at the nurse station, and one address gets LOGIN_LOCKOUT_FAILURES tries per username. An
address is also locked for every username after LOGIN_ADDRESS_FAILURES failures (one machine guessing
across the clinic's usernames). A lock lifts LOGIN_LOCKOUT_MINUTES after the last failure, or when a
clinic administrator unlocks the username.
"""

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from axes.handlers.database import AxesDatabaseHandler
from axes.models import AccessAttempt
from axes.utils import reset
from django.conf import settings
from django.db.models import Max, Sum
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone

from .forms_auth import LockingLoginForm, lock_message


@dataclass(frozen=True)
class Lock:
    until: datetime

    @property
    def minutes_left(self) -> int:
        return max(1, math.ceil((self.until - timezone.now()).total_seconds() / 60))


def failure_limit(request=None, credentials=None) -> int:
    return settings.LOGIN_LOCKOUT_FAILURES


def cool_off(request=None) -> timedelta:
    return timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)


def username_of(request, credentials) -> str:
    """Usernames are counted case-insensitively ("Nina" and "nina" share a count)."""
    username = (credentials or {}).get("username")
    if username is None and request is not None:
        username = request.POST.get("username", "")
    return (username or "").strip().lower()[:150]


class LockoutHandler(AxesDatabaseHandler):
    """django-axes' database handler with a second, higher limit for an address across all usernames."""

    def get_failures(self, request, credentials=None) -> int:
        per_account, per_address = (attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0
                                    for attempts in self.get_user_attempts(request, credentials))
        if per_address >= settings.LOGIN_ADDRESS_FAILURES:
            return max(per_account, failure_limit())
        return per_account


def lock_for(username: str) -> Lock | None:
    """The lock on this username from any address, if there is one (for the staff page)."""
    since = timezone.now() - cool_off()
    attempts = AccessAttempt.objects.filter(username=username_of(None, {"username": username}), attempt_time__gte=since)
    locked = attempts.filter(failures_since_start__gte=failure_limit()).aggregate(last=Max("attempt_time"))["last"]
    return Lock(until=locked + cool_off()) if locked else None


def login_unlock(*, username: str) -> int:
    """A clinic administrator lifts the locks on a username (from every address)."""
    return reset(username=username_of(None, {"username": username}))


def _lock_until(request, credentials) -> Lock:
    last = getattr(request, "axes_attempt_time", None) or timezone.now()
    return Lock(until=last + cool_off())


def lockout_response(request, original_response=None, credentials=None):
    """What a locked-out sign-in answers: the sign-in page again saying how long to wait (429), or JSON."""
    lock = _lock_until(request, credentials)
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": f"Too many failed sign-ins. Try again in {lock.minutes_left} minutes."},
                            status=429)
    form = LockingLoginForm(request, initial={"username": (credentials or {}).get("username", "")})
    context = {"form": form, "lock_message": lock_message(lock), "next": request.POST.get("next", ""),
               "idle_minutes": settings.SESSION_IDLE_TIMEOUT_MINUTES}
    return render(request, "registration/login.html", context, status=429)

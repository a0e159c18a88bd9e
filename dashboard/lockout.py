"""Locking a username after repeated failed sign-ins (stored in the database: every web process agrees)."""

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from .models import LoginFailure


@dataclass(frozen=True)
class Lock:
    until: datetime

    @property
    def minutes_left(self) -> int:
        return max(1, math.ceil((self.until - timezone.now()).total_seconds() / 60))


def _window() -> timedelta:
    return timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)


def _key(username: str) -> str:
    return (username or "").strip().lower()[:150]


def lock_for(username: str) -> Lock | None:
    """The lock on this username, if it has failed too often within the lockout window."""
    since = timezone.now() - _window()
    recent = list(
        LoginFailure.objects.filter(username=_key(username), at__gte=since)
        .order_by("-at").values_list("at", flat=True)[: settings.LOGIN_LOCKOUT_FAILURES]
    )
    if len(recent) < settings.LOGIN_LOCKOUT_FAILURES:
        return None
    return Lock(until=recent[0] + _window())


def login_failure_record(*, username: str, ip_address: str | None) -> Lock | None:
    LoginFailure.objects.create(username=_key(username), ip_address=ip_address or None)
    return lock_for(username)


def login_success_record(*, username: str) -> None:
    LoginFailure.objects.filter(username=_key(username)).delete()


def login_unlock(*, username: str) -> int:
    """An administrator lifts a lock."""
    deleted, _ = LoginFailure.objects.filter(username=_key(username)).delete()
    return deleted

"""API tokens: stored hashed (django-rest-knox), each with an expiry; shown once, when issued.

A staff member rotates their own token (the old one stops working at once); a clinic administrator
issues a new token for, or revokes every token of, a member of their clinic (an integration account).
Each issue and revocation is written to the audit trail.
"""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from knox.models import AuthToken

from .models import User


def token_ttl() -> timedelta:
    return timedelta(days=settings.API_TOKEN_TTL_DAYS)


def _audit(event: str, *, user: User, actor, token: AuthToken | None = None) -> None:
    from audit.services import security_event_record

    security_event_record(event=event, actor=actor, subject=user,
                          detail={"token": token.token_key[:8] if token else None,
                                  "expiry": token.expiry.isoformat() if token and token.expiry else None})


@transaction.atomic
def api_token_issue(*, user: User, actor=None) -> tuple[AuthToken, str]:
    """A new token for `user`; returns the row and the key, which is never stored or shown again."""
    token, key = AuthToken.objects.create(user=user, expiry=token_ttl())
    _audit("api-token-issued", user=user, actor=actor, token=token)
    return token, key


@transaction.atomic
def api_tokens_revoke(*, user: User, actor=None) -> int:
    count, _ = AuthToken.objects.filter(user=user).delete()
    if count:
        _audit("api-tokens-revoked", user=user, actor=actor)
    return count


@transaction.atomic
def api_token_rotate(*, token: AuthToken, actor=None) -> tuple[AuthToken, str]:
    """The token used for this request stops working; a new one, with a new expiry, replaces it."""
    user = token.user
    AuthToken.objects.filter(pk=token.pk).delete()
    return api_token_issue(user=user, actor=actor)


def api_tokens_of(user: User):
    return AuthToken.objects.filter(user=user).order_by("-created")


@transaction.atomic
def clinic_tokens_rotate(*, clinic, usernames: list[str] | None = None, actor=None) -> list[tuple[User, str]]:
    """Replace the API tokens of a clinic's staff (all, or those named): the old ones stop working at once.
    Returns (member, new key) pairs, in username order."""
    staff = User.objects.filter(clinic=clinic).order_by("username").select_for_update()
    if usernames:
        staff = staff.filter(username__in=usernames)
    rotated = []
    for user in staff:
        api_tokens_revoke(user=user, actor=actor)
        rotated.append((user, api_token_issue(user=user, actor=actor)[1]))
    return rotated

"""Email straight to the SMTP relay without blocking (aiosmtplib): one connection per lane, kept
open and re-used for every message that lane sends, opened again after an error.

Used by the sweep when EMAIL_BACKEND is Django's SMTP backend, with the same EMAIL_* settings;
any other backend (console in development, locmem in tests, an anymail ESP) is sent through
`EmailSender` in thread lanes.
"""

import logging

import aiosmtplib
from django.conf import settings

from .base import AsyncSender, Message, PermanentError, ThrottledError, TransientError
from .email import POLICY, TIMEOUT_SECONDS, build_email

logger = logging.getLogger(__name__)

SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"


def uses_smtp() -> bool:
    return settings.EMAIL_BACKEND == SMTP_BACKEND


def classify(exc: Exception, *, stage: str) -> Exception:
    """An aiosmtplib error -> PermanentError, ThrottledError (slow the channel) or TransientError."""
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
        refusals = exc.recipients
        if refusals and all(r.code >= 500 for r in refusals):
            return PermanentError(f"recipient refused: {[(r.code, r.message) for r in refusals]}", bad_contact=True)
        if any(r.code == 421 or POLICY.search(r.message or "") for r in refusals):
            return ThrottledError(f"the mail server asks to slow down: {[(r.code, r.message) for r in refusals]}")
        return TransientError(f"recipient deferred: {[(r.code, r.message) for r in refusals]}")
    if isinstance(exc, aiosmtplib.SMTPAuthenticationError):
        return TransientError(f"SMTP authentication failed ({exc.code}); check EMAIL_HOST_USER/PASSWORD")
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        detail = f"{exc.code} {exc.message}"
        if exc.code >= 500:
            return PermanentError(f"message refused at {stage}: {detail}")
        if exc.code == 421 or POLICY.search(exc.message or "") or stage in ("connect", "sender"):
            return ThrottledError(f"the mail server asks to slow down at {stage}: {detail}")
        return TransientError(f"the mail server deferred the message at {stage}: {detail}")
    return TransientError(f"{type(exc).__name__}: {exc}")


class SmtpLane(AsyncSender):
    """One lane's connection to the relay."""

    def __init__(self):
        self.smtp: aiosmtplib.SMTP | None = None

    def _client(self) -> aiosmtplib.SMTP:
        use_ssl = bool(getattr(settings, "EMAIL_USE_SSL", False))
        return aiosmtplib.SMTP(
            hostname=settings.EMAIL_HOST, port=settings.EMAIL_PORT, timeout=TIMEOUT_SECONDS, use_tls=use_ssl,
            start_tls=bool(settings.EMAIL_USE_TLS) and not use_ssl,
            username=settings.EMAIL_HOST_USER or None, password=settings.EMAIL_HOST_PASSWORD or None)

    async def _connect(self) -> aiosmtplib.SMTP:
        if self.smtp is None or not self.smtp.is_connected:
            smtp = self._client()
            try:
                await smtp.connect()
            except Exception as exc:
                raise classify(exc, stage="connect") from exc
            self.smtp = smtp
        return self.smtp

    async def close(self) -> None:
        if self.smtp is not None:
            try:
                if self.smtp.is_connected:
                    await self.smtp.quit()
            except Exception:  # the relay went away first: nothing to close cleanly
                self.smtp.close()
            self.smtp = None

    async def send(self, message: Message) -> str:
        email, message_id = build_email(message)
        smtp = await self._connect()
        try:
            await smtp.sendmail(email.from_email, [message.to], email.message().as_bytes(linesep="\r\n"))
        except aiosmtplib.SMTPSenderRefused as exc:
            await self._drop()
            raise classify(exc, stage="sender") from exc
        except Exception as exc:
            await self._drop()  # the connection may be half-way through a transaction; the next send opens afresh
            raise classify(exc, stage="data") from exc
        return message_id

    async def _drop(self) -> None:
        if self.smtp is not None:
            self.smtp.close()
            self.smtp = None


class AsyncSmtpSender(AsyncSender):
    """Every lane of the email channel gets a connection of its own."""

    provider = "smtp"

    def lane(self) -> SmtpLane:
        return SmtpLane()

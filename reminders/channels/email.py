"""Email through Django's email framework (SMTP in production)."""

import re
import smtplib
from email.utils import formataddr, make_msgid

from anymail.exceptions import AnymailAPIError, AnymailRecipientsRefused
from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.core.mail.utils import DNS_NAME

from .base import Message, PermanentError, Sender, ThrottledError, TransientError

#: Seconds to wait for the mail server before counting the attempt as a transient failure.
TIMEOUT_SECONDS = 30
#: Enhanced status 4.7.x is the relay's policy (rate limits, "try again later"): back-pressure.
POLICY = re.compile(r"\b4\.7\.\d{1,3}\b")


def classify_smtp_error(exc: Exception) -> Exception:
    if isinstance(exc, AnymailRecipientsRefused):
        return PermanentError(f"recipient refused by the email provider: {exc}", bad_contact=True)
    if isinstance(exc, AnymailAPIError):
        if getattr(exc, "status_code", None) == 429:
            return ThrottledError(f"the email provider asks to slow down: {exc}")
        return TransientError(f"the email provider failed: {exc}")
    if isinstance(exc, smtplib.SMTPResponseException) and (exc.smtp_code == 421 or POLICY.search(str(exc.smtp_error))):
        return ThrottledError(f"the mail server asks to slow down: {exc.smtp_code} {exc.smtp_error!r}")
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        if codes and all(code >= 500 for code in codes):
            return PermanentError(f"recipient refused: {exc.recipients}", bad_contact=True)
        return TransientError(f"recipient deferred: {exc.recipients}")
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return TransientError(f"SMTP authentication failed ({exc.smtp_code}); check EMAIL_HOST_USER/PASSWORD")
    if isinstance(exc, smtplib.SMTPResponseException) and exc.smtp_code >= 500:
        return PermanentError(f"message refused: {exc.smtp_code} {exc.smtp_error!r}")
    return TransientError(f"{type(exc).__name__}: {exc}")


def build_email(message: Message, connection=None) -> tuple[EmailMessage, str]:
    """The email of a message, with a Message-ID of its own (kept as the provider reference)."""
    message_id = make_msgid(domain=DNS_NAME.get_fqdn())
    email = EmailMessage(
        subject=message.subject, body=message.body, to=[message.to],
        headers={**message.headers, "Message-ID": message_id},
        from_email=formataddr((message.sender_name, settings.DEFAULT_FROM_EMAIL)) if message.sender_name
        else settings.DEFAULT_FROM_EMAIL,
        connection=connection,
    )
    return email, message_id


class EmailSender(Sender):
    def __init__(self):
        self.connection = None

    def open(self) -> None:
        self.connection = get_connection(fail_silently=False, timeout=TIMEOUT_SECONDS)
        try:
            self.connection.open()
        except (OSError, smtplib.SMTPException):
            self.connection = None  # opened again, and classified, on the first send

    def close(self) -> None:
        if self.connection is not None:
            try:
                self.connection.close()
            except (OSError, smtplib.SMTPException):
                pass
            self.connection = None

    def send(self, message: Message) -> str:
        if self.connection is None:
            self.connection = get_connection(fail_silently=False, timeout=TIMEOUT_SECONDS)
        email, message_id = build_email(message, connection=self.connection)
        try:
            sent = email.send()
        except (OSError, smtplib.SMTPException, AnymailAPIError) as exc:
            self.close()  # the connection may be half-broken; the next message opens a new one
            raise classify_smtp_error(exc) from exc
        if not sent:
            raise TransientError("the email backend sent nothing")
        # an ESP's backend (django-anymail) knows the id its tracking webhooks will name
        status = getattr(email, "anymail_status", None)
        return getattr(status, "message_id", None) or message_id

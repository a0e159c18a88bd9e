"""Email through Django's email framework (SMTP in production)."""

import smtplib
from email.utils import formataddr, make_msgid

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.core.mail.utils import DNS_NAME

from .base import Message, PermanentError, Sender, TransientError

#: Seconds to wait for the mail server before counting the attempt as a transient failure.
TIMEOUT_SECONDS = 30


def classify_smtp_error(exc: Exception) -> Exception:
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
        message_id = make_msgid(domain=DNS_NAME.get_fqdn())
        email = EmailMessage(
            subject=message.subject, body=message.body, to=[message.to],
            headers={**message.headers, "Message-ID": message_id},
            from_email=formataddr((message.sender_name, settings.DEFAULT_FROM_EMAIL)) if message.sender_name
            else settings.DEFAULT_FROM_EMAIL,
            connection=self.connection,
        )
        try:
            sent = email.send()
        except (OSError, smtplib.SMTPException) as exc:
            self.close()  # the connection may be half-broken; the next message opens a new one
            raise classify_smtp_error(exc) from exc
        if not sent:
            raise TransientError("the email backend sent nothing")
        return message_id

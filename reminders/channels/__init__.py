"""Channels: email (Django's email framework) and SMS (a pluggable gateway)."""

from ..models import Channel
from .base import AsyncSender, DeliveryError, Message, PermanentError, Sender, ThrottledError, TransientError
from .email import EmailSender
from .sms import sms_backend


def sender_for(channel: str) -> Sender:
    if channel == Channel.EMAIL:
        return EmailSender()
    if channel == Channel.SMS:
        return sms_backend()
    raise ValueError(f"unknown channel {channel!r}")


__all__ = ["AsyncSender", "DeliveryError", "EmailSender", "Message", "PermanentError", "Sender", "ThrottledError",
           "TransientError", "sender_for", "sms_backend"]

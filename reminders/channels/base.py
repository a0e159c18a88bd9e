"""What every channel speaks: a message in, a provider reference or a classified error out."""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Message:
    reference: int  # the reminder's id
    channel: str
    to: str
    body: str
    subject: str = ""
    sender_name: str = ""
    headers: dict[str, str] = field(default_factory=dict)


class DeliveryError(Exception):
    """A message was not delivered."""


class TransientError(DeliveryError):
    """Try again later (the provider is down, busy, or the network failed)."""


class ThrottledError(TransientError):
    """The provider asks us to slow down (HTTP 429, SMTP 421/4.7.x): the channel pauses for
    `retry_after` seconds and the message goes back to the queue without counting as an attempt."""

    def __init__(self, message: str, *, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


class PermanentError(DeliveryError):
    """Trying again will not help.

    `bad_contact`: the address or number itself was refused (the patient's details need checking).
    `opted_out`: the provider says the recipient unsubscribed (e.g. replied STOP to the sender).
    """

    def __init__(self, message: str, *, bad_contact: bool = False, opted_out: bool = False):
        super().__init__(message)
        self.bad_contact = bad_contact
        self.opted_out = opted_out


class Sender:
    """Sends many messages over one connection: `with sender: sender.send(message)`.

    A blocking sender. The sweep runs each in a thread lane of its own (see reminders/sending.py);
    a backend that can send without blocking also offers `async_sender(concurrency)`.
    """

    def open(self) -> None:
        pass

    def close(self) -> None:
        pass

    def send(self, message: Message) -> str:
        """Deliver one message; return the provider's id for it ('' if none)."""
        raise NotImplementedError

    def __enter__(self):
        self.open()
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class AsyncSender:
    """Sends without blocking; one object serves every lane of a channel in one sweep.

    `lane()` gives what one lane uses: an object with `async send(message) -> str` and
    `async close()` (e.g. its own SMTP connection, or a share of an HTTP connection pool).
    """

    async def open(self) -> None:
        pass

    async def close(self) -> None:
        pass

    def lane(self) -> "AsyncSender":
        return self

    async def send(self, message: Message) -> str:
        raise NotImplementedError

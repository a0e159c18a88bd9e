"""SMS backends for tests. They are real backends (chosen by dotted path), so a worker subprocess
can use them too."""

import json
import os
import time

from reminders.channels.sms import FileBackend, SmsBackend


class RecordingSmsBackend(SmsBackend):
    """Keeps what it sent in memory; `fail_with` makes every send raise that error."""

    sent: list = []
    fail_with: Exception | None = None
    attempts: list = []
    #: Called with each message before it is sent; may raise to fail that one.
    on_send = None

    def send(self, message) -> str:
        RecordingSmsBackend.attempts.append(message)
        if RecordingSmsBackend.on_send is not None:
            RecordingSmsBackend.on_send(message)
        if RecordingSmsBackend.fail_with is not None:
            raise RecordingSmsBackend.fail_with
        RecordingSmsBackend.sent.append(message)
        return f"SM{message.reference:08d}"


class SlowFileBackend(FileBackend):
    """Writes each text to the file named by SMS_FILE, taking SLOW_SMS_SECONDS per text."""

    def send(self, message) -> str:
        time.sleep(float(os.environ.get("SLOW_SMS_SECONDS", "0.05")))
        return super().send(message)


def read_sms_file(path) -> list[dict]:
    try:
        with open(path, encoding="utf-8") as handle:
            return [json.loads(line) for line in handle if line.strip()]
    except FileNotFoundError:
        return []

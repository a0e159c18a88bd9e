"""The MLLP listener over real TCP connections: in a thread of the test process, and as
`manage.py hl7_listen` in a subprocess stopped with SIGTERM."""

import asyncio
import os
import signal
import socket
import subprocess
import sys
import threading

import pytest
from django.conf import settings

from interop.hl7.mllp import MllpListener
from interop.services.hl7 import hl7_message_receive
from patients.models import LabResult
from tests.factories import ClinicFactory, PatientFactory, StaffFactory
from tests.reminders.workers import ROOT, subprocess_database_url, wait_for

from .messages import ack_fields, obx, oru

pytestmark = [pytest.mark.django_db(transaction=True)]
SQLITE = settings.DATABASES["default"]["ENGINE"].endswith("sqlite3")


class MllpClient:
    def __init__(self, port: int):
        self.socket = socket.create_connection(("127.0.0.1", port), timeout=30)
        self.buffer = b""

    def send_raw(self, data: bytes) -> None:
        self.socket.sendall(data)

    def send(self, message: str) -> None:
        self.send_raw(b"\x0b" + message.encode() + b"\x1c\x0d")

    def receive(self) -> dict:
        while b"\x1c\x0d" not in self.buffer:
            chunk = self.socket.recv(65536)
            if not chunk:
                raise ConnectionError("the listener closed the connection")
            self.buffer += chunk
        block, _, self.buffer = self.buffer.partition(b"\x1c\x0d")
        assert block.startswith(b"\x0b")
        return ack_fields(block[1:].decode())

    def exchange(self, message: str) -> dict:
        self.send(message)
        return self.receive()

    def close(self) -> None:
        self.socket.close()


@pytest.fixture
def riverside(db):
    clinic = ClinicFactory(slug="riverside", name="Riverside Clinic", timezone="Europe/London")
    return {"clinic": clinic, "nurse": StaffFactory(username="lab-feed", clinic=clinic, role="nurse"),
            "patient": PatientFactory(clinic=clinic, mrn="R0001")}


@pytest.fixture
def listener(riverside):
    """A listener on a free port, its event loop in a thread; stopped after the test."""
    clinic, actor = riverside["clinic"], riverside["nurse"]

    def handle(raw: bytes) -> str:
        return hl7_message_receive(clinic=clinic, actor=actor, raw=raw, channel="mllp").ack

    server = MllpListener(handle, port=0, workers=1 if SQLITE else 4)
    loop = asyncio.new_event_loop()
    started = threading.Event()

    def run():
        asyncio.set_event_loop(loop)
        loop.run_until_complete(server.start())
        started.set()
        loop.run_forever()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    assert started.wait(10)
    yield server
    asyncio.run_coroutine_threadsafe(server.stop(), loop).result(30)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(10)


def results(clinic_slug="riverside"):
    return LabResult.objects.filter(clinic__slug=clinic_slug)


def twenty_results() -> list[str]:
    codes = [("718-7", "104", "g/L"), ("2276-4", "12", "ug/L"), ("2132-9", "150", "ng/L"), ("2284-8", "4", "ug/L"),
             ("1988-5", "3", "mg/L")]
    return [obx(code, value, unit, set_id=n + 1, sub_id=str(n + 1), when=f"202601{(n % 5) + 1:02d}0900+0000")
            for n, (code, value, unit) in enumerate(codes * 4)]


def test_a_message_with_twenty_results_is_filed_and_acknowledged(listener):
    client = MllpClient(listener.port)
    ack = client.exchange(oru("R0001", *twenty_results(), control_id="TWENTY"))
    client.close()
    assert (ack["code"], ack["control_id"]) == ("AA", "TWENTY")
    assert results().count() == 20


def test_malformed_input_is_answered_and_the_connection_keeps_working(listener):
    client = MllpClient(listener.port)
    assert client.exchange("this is not HL7")["code"] == "AR"
    client.send_raw(b"no start block\x1c\x0d")
    assert client.receive()["code"] == "AR"
    client.send_raw(b"\x0b" + b"MSH|^~\\&|" + b"x" * 1_100_000 + b"\x1c\x0d")
    too_big = client.receive()
    assert too_big["code"] == "AR" and "bytes" in too_big["text"]
    assert client.exchange(oru("R0001", obx("718-7", "104", "g/L")))["code"] == "AA"
    client.close()
    assert results().count() == 1


def test_a_connection_dropped_mid_message_does_not_stop_the_listener(listener):
    broken = MllpClient(listener.port)
    broken.send_raw(b"\x0bMSH|^~\\&|LAB|CITY|")
    broken.close()
    client = MllpClient(listener.port)
    assert client.exchange(oru("R0001", obx("718-7", "104", "g/L")))["code"] == "AA"
    client.close()


def test_redelivery_answers_the_same_ack_and_files_nothing_again(listener):
    client = MllpClient(listener.port)
    message = oru("R0001", obx("718-7", "104", "g/L"), control_id="AGAIN")
    first, second = client.exchange(message), client.exchange(message)
    client.close()
    assert first == second and first["code"] == "AA"
    assert results().count() == 1


def test_a_correction_replaces_the_earlier_result(listener):
    client = MllpClient(listener.port)
    assert client.exchange(oru("R0001", obx("718-7", "104", "g/L")))["code"] == "AA"
    assert client.exchange(oru("R0001", obx("718-7", "114", "g/L", status="C")))["code"] == "AA"
    client.close()
    assert [(float(r.normalized_value), r.entered_in_error) for r in results().order_by("id")] == [
        (104, True), (114, False)]


def test_two_connections_at_once_are_both_served(listener):
    first, second = MllpClient(listener.port), MllpClient(listener.port)
    first.send(oru("R0001", obx("718-7", "104", "g/L"), order="A", control_id="C1"))
    second.send(oru("R0001", obx("2276-4", "12", "ug/L"), order="B", control_id="C2"))
    acks = [second.receive(), first.receive()]
    first.close()
    second.close()
    assert [(a["code"], a["control_id"]) for a in acks] == [("AA", "C2"), ("AA", "C1")]
    assert results().count() == 2


@pytest.mark.slow
def test_hl7_listen_files_messages_and_stops_cleanly_on_sigterm(riverside, tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "DATABASE_URL": subprocess_database_url(), "VAR_DIR": str(tmp_path), "PYTHONUNBUFFERED": "1"}
    log = tmp_path / "listen.log"
    with log.open("wb") as out:
        process = subprocess.Popen([sys.executable, "manage.py", "hl7_listen", "--clinic", "riverside", "--port",
                                    str(port), "--as", "lab-feed"], cwd=ROOT, env=env, stdout=out,
                                   stderr=subprocess.STDOUT)
    try:
        wait_for(lambda: "Listening" in log.read_text(), 60, "the listener to start")
        client = MllpClient(port)
        assert client.exchange(oru("R0001", obx("718-7", "104", "g/L")))["code"] == "AA"
        idle = MllpClient(port)  # a second connection, open and idle when the stop comes
        process.send_signal(signal.SIGTERM)
        assert process.wait(30) == 0, log.read_text()
        assert client.socket.recv(10) == b""  # the listener closed the connections
        assert idle.socket.recv(10) == b""
        client.close()
        idle.close()
    finally:
        if process.poll() is None:
            process.kill()
    assert "Stopped." in log.read_text()
    assert results().count() == 1


def test_the_listener_will_not_file_as_a_deactivated_interface_account(riverside):
    from django.core.management import CommandError, call_command

    from interop.services.accounts import interface_account_for

    account = interface_account_for(riverside["clinic"])
    account.is_active = False
    account.save()
    with pytest.raises(CommandError, match="deactivated"):
        call_command("hl7_listen", "--clinic", "riverside", "--port", "0")

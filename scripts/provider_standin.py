#!/usr/bin/env python
"""A local stand-in for the providers, for the benchmark and the fault tests: Twilio's Messages
API over HTTP and an SMTP relay, each answering after --latency-ms, counting what it received.

    python scripts/provider_standin.py --http-port 8701 --smtp-port 8702 --latency-ms 100

- HTTP: POST /2010-04-01/Accounts/{sid}/Messages.json (a form with To, Body) answers 201 and
  {"sid": "SM..."}, on kept-alive connections, like Twilio. GET /stats answers what it counted.
- SMTP: every message is accepted (250) after the latency, on connections kept open.
- Counted: messages received per wall-clock second, the most in one second, the most in flight
  at once, duplicates (the same recipient and text twice), per-status answers.
- Faults, for tests: --fail-status 500 (or 429, with Retry-After: 1) answers that for the first
  --fail-seconds after the first request; --max-per-second N answers 429 above N in one second.

Run it as a separate process: its work must not count as the worker's.
"""

import argparse
import asyncio
import itertools
import json
import signal
import time
from collections import Counter
from urllib.parse import parse_qs


class Stats:
    def __init__(self):
        self.per_second: Counter = Counter()
        self.status: Counter = Counter()
        self.seen: Counter = Counter()
        self.in_flight = 0
        self.peak_in_flight = 0
        self.first_at = None
        self.last_at = None
        self.connections = 0

    def begin(self) -> float:
        """A message arrives: its arrival time (what the per-second counts use)."""
        self.in_flight += 1
        self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
        return time.time()

    def received(self, key: str, status: int, arrived: float) -> None:
        self.first_at = self.first_at or arrived
        self.last_at = arrived
        self.status[status] += 1
        if status < 300:
            self.per_second[int(arrived)] += 1
            self.seen[key] += 1

    def as_dict(self, detail: bool = False) -> dict:
        accepted = sum(self.seen.values())
        return {
            "accepted": accepted, "distinct": len(self.seen), "duplicates": accepted - len(self.seen),
            "max_per_second": max(self.per_second.values(), default=0),
            "per_second": {str(k): v for k, v in sorted(self.per_second.items())},
            "peak_in_flight": self.peak_in_flight, "in_flight": self.in_flight,
            "status": {str(k): v for k, v in self.status.items()},
            "first_at": self.first_at, "last_at": self.last_at, "connections": self.connections,
            **({"received": dict(self.seen)} if detail else {}),
        }


class Provider:
    def __init__(self, args):
        self.args = args
        self.latency = args.latency_ms / 1000
        self.stats = Stats()
        self.sids = itertools.count(1)
        self.started_failing = None
        self.arrivals: Counter = Counter()

    def fault(self, now: float) -> int | None:
        """The status to answer instead of success, if a fault is in force now."""
        if self.args.fail_status:
            self.started_failing = self.started_failing or now
            if now - self.started_failing < self.args.fail_seconds:
                return self.args.fail_status
        if self.args.max_per_second:
            self.arrivals[int(now)] += 1
            if self.arrivals[int(now)] > self.args.max_per_second:
                return 429
        return None

    # -- HTTP ---------------------------------------------------------------------------------

    async def http(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.stats.connections += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                method, path, _ = lines[0].split(" ", 2)
                headers = {k.strip().lower(): v.strip() for k, v in (line.split(":", 1) for line in lines[1:] if ":" in line)}
                body = await reader.readexactly(int(headers.get("content-length", "0") or 0))
                status, answer, extra = await self.answer(method, path, body)
                data = json.dumps(answer).encode()
                writer.write((f"HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {len(data)}"
                              f"\r\n{extra}\r\n").encode() + data)
                await writer.drain()
                if headers.get("connection", "").lower() == "close":
                    break
        except (asyncio.IncompleteReadError, ConnectionError, ValueError):
            pass
        finally:
            writer.close()

    async def answer(self, method: str, path: str, body: bytes) -> tuple[int, dict, str]:
        if method == "GET" and path.startswith("/stats"):
            return 200, self.stats.as_dict(detail="detail" in path), ""
        if method == "POST" and path.startswith("/reset"):
            self.stats = Stats()
            return 200, {}, ""
        if method != "POST" or not path.endswith("/Messages.json"):
            return 404, {"code": 20404, "message": "not found"}, ""
        arrived = self.stats.begin()
        try:
            status = self.fault(arrived)
            await asyncio.sleep(self.latency)
            form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
            if status is None and not form.get("To"):
                status = 400
            if status is None:
                status = 201
                self.stats.received(f"{form['To']}|{form.get('Body', '')}", status, arrived)
                return status, {"sid": f"SM{next(self.sids):032d}", "status": "queued", "to": form["To"]}, ""
            self.stats.received("", status, arrived)
            extra = "Retry-After: 1\r\n" if status == 429 else ""
            return status, {"code": 20429 if status == 429 else 20500, "message": "stand-in fault"}, extra
        finally:
            self.stats.in_flight -= 1

    # -- SMTP -----------------------------------------------------------------------------------

    async def handle_DATA(self, server, session, envelope):
        arrived = self.stats.begin()
        try:
            status = self.fault(arrived)
            await asyncio.sleep(self.latency)
            if status is not None:
                self.stats.received("", 421, arrived)
                return "421 4.7.0 Try again later"
            text = envelope.content.decode("utf-8", "replace")
            subject = next((line for line in text.splitlines() if line.lower().startswith("subject:")), "")
            body = text.split("\r\n\r\n", 1)[-1]
            self.stats.received(f"{','.join(envelope.rcpt_tos)}|{subject}|{body}", 250, arrived)
            return "250 Message accepted"
        finally:
            self.stats.in_flight -= 1


async def main(args) -> None:
    provider = Provider(args)
    servers = []
    if args.http_port:
        servers.append(await asyncio.start_server(provider.http, "127.0.0.1", args.http_port, backlog=1024))
    smtp = None
    if args.smtp_port:
        from aiosmtpd.smtp import SMTP

        loop = asyncio.get_running_loop()
        smtp = await loop.create_server(lambda: SMTP(provider, hostname="standin.local"), "127.0.0.1",
                                        args.smtp_port, backlog=1024)
    print(json.dumps({"ready": True, "http_port": args.http_port, "smtp_port": args.smtp_port}), flush=True)
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(sig, stop.set)
    if args.stats_file:
        async def dump():
            while True:
                with open(args.stats_file, "w") as handle:
                    json.dump(provider.stats.as_dict(), handle)
                await asyncio.sleep(0.5)
        dumper = asyncio.create_task(dump())
    await stop.wait()
    if args.stats_file:
        dumper.cancel()
        with open(args.stats_file, "w") as handle:
            json.dump(provider.stats.as_dict(), handle)
    for server in servers + ([smtp] if smtp else []):
        server.close()


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--http-port", type=int, default=0, help="Twilio-compatible HTTP port (0: none)")
    parser.add_argument("--smtp-port", type=int, default=0, help="SMTP port (0: none)")
    parser.add_argument("--latency-ms", type=float, default=100.0, help="time to answer each message")
    parser.add_argument("--fail-status", type=int, default=0, help="answer this status (500, 429) at first ...")
    parser.add_argument("--fail-seconds", type=float, default=0.0, help="... for this long after the first request")
    parser.add_argument("--max-per-second", type=int, default=0, help="answer 429 above this many in one second")
    parser.add_argument("--stats-file", default="", help="write the counts here every 0.5 s and on exit")
    return parser.parse_args(argv)


if __name__ == "__main__":
    asyncio.run(main(parse_args()))

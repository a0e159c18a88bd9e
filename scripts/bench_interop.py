#!/usr/bin/env python
"""Benchmark filing lab results from other systems, against typing them through the API.

    .venv/bin/python scripts/bench_interop.py [--database-url postgres://postgres@127.0.0.1:5432/bench_interop]
                                              [--results 1000] [--patients 50]

In one run, on one database, it files the same number of results three ways, each for its own
set of patients (each enrolled on b12-im-standard, so every result re-plans an enrollment and runs
the alert rules, as in a clinic):

1. one by one through `POST /api/v1/lab-results/` (in-process HTTP client, token authentication);
2. as that many HL7 v2 ORU^R01 messages (one OBX each) over ONE MLLP connection to the asyncio
   listener (real TCP on 127.0.0.1, each message waiting for its ACK);
3. as ONE FHIR `batch` Bundle of that many Observations (`POST /fhir/r4/`).

It prints results per second (wall clock) and CPU seconds of this process for each, and each one's
ratio to the API. The database must be one whose name starts with "bench" (created if missing; a
new clinic is made each run). Wall-clock figures on a shared machine are noisy: compare the ratios.
"""

import argparse
import asyncio
import json
import os
import socket
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/bench_interop"


def ensure_database(url: str) -> None:
    parts = urlsplit(url)
    if not parts.scheme.startswith("postgres"):
        return
    import psycopg

    name = parts.path.lstrip("/")
    if not name.startswith("bench"):
        sys.exit(f"refusing to use database {name!r}: use a disposable one whose name starts with 'bench'")
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    call_command("migrate", verbosity=0)
    call_command("load_protocols", verbosity=0)


def build(patients: int):
    from clinics.models import Clinic, Role
    from clinics.services import staff_create
    from patients.services import enrollment_create, patient_create

    slug = f"bench-{int(time.time())}"
    clinic = Clinic.objects.create(slug=slug, name="Bench Clinic", timezone="Europe/London")
    nurse, token, _ = staff_create(username=f"{slug}-nurse", clinic=clinic, role=Role.NURSE, password="x" * 16)
    clinician, _, _ = staff_create(username=f"{slug}-clin", clinic=clinic, role=Role.CLINICIAN, password="x" * 16)
    groups = {}
    for group in ("api", "mllp", "fhir"):
        groups[group] = []
        for n in range(patients):
            patient = patient_create(actor=clinician, clinic=clinic, mrn=f"{group.upper()}{n:05d}", given_name="Bench",
                                     family_name=f"{group} {n}", date_of_birth=datetime(1960, 1, 1).date(),
                                     sex="female")
            enrollment_create(actor=clinician, patient=patient, protocol="b12-im-standard",
                              start_date=datetime(2026, 1, 5).date())
            groups[group].append(patient)
    return clinic, nurse, token.key, groups


def results_for(patients, count: int):
    """(patient, LOINC, value, unit, collected_at): distinct results spread over the patients."""
    start = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
    tests = [("718-7", "10.4", "g/dL"), ("2276-4", "25", "ug/L"), ("14685-2", "150", "pmol/L"), ("1988-5", "3", "mg/L")]
    for n in range(count):
        loinc, value, unit = tests[n % len(tests)]
        yield patients[n % len(patients)], loinc, value, unit, start + timedelta(minutes=n)


def timed(label, work):
    wall, cpu = time.perf_counter(), time.process_time()
    work()
    return label, time.perf_counter() - wall, time.process_time() - cpu


def bench_api(token, items):
    from django.test import Client

    client = Client(HTTP_AUTHORIZATION=f"Token {token}")

    def work():
        for patient, loinc, value, unit, when in items:
            response = client.post("/api/v1/lab-results/", {"patient": patient.pk, "test": loinc, "value": value,
                                                            "unit": unit, "collected_at": when.isoformat()},
                                   content_type="application/json")
            assert response.status_code == 201, response.content

    return work


def oru(n, patient, loinc, value, unit, when) -> bytes:
    stamp = when.strftime("%Y%m%d%H%M%S+0000")
    return ("\r".join([
        f"MSH|^~\\&|LAB|BENCHLAB|SCHED|BENCH|{stamp}||ORU^R01^ORU_R01|BENCH{n:06d}-{int(time.time())}|P|2.5.1",
        f"PID|1||{patient.mrn}^^^BENCH^MR||Patient^Bench||19600101|F",
        f"OBR|1||ORD{n}|CBC|||{stamp}",
        f"OBX|1|NM|{loinc}^^LN||{value}|{unit}^^UCUM|||||F|||{stamp}",
    ]) + "\r").encode()


def bench_mllp(clinic, nurse, items):
    from interop.hl7.mllp import MllpListener
    from interop.services.hl7 import hl7_message_receive

    listener = MllpListener(lambda raw: hl7_message_receive(clinic=clinic, actor=nurse, raw=raw, channel="mllp").ack,
                            port=0, workers=1)
    loop = asyncio.new_event_loop()
    started = threading.Event()

    def run():
        asyncio.set_event_loop(loop)
        loop.run_until_complete(listener.start())
        started.set()
        loop.run_forever()

    threading.Thread(target=run, daemon=True).start()
    started.wait(10)
    messages = [oru(n, *item) for n, item in enumerate(items)]

    def work():
        with socket.create_connection(("127.0.0.1", listener.port)) as conn:
            buffer = b""
            for message in messages:
                conn.sendall(b"\x0b" + message + b"\x1c\x0d")
                while b"\x1c\x0d" not in buffer:
                    buffer += conn.recv(65536)
                ack, _, buffer = buffer.partition(b"\x1c\x0d")
                assert b"MSA|AA|" in ack, ack

    def stop():
        asyncio.run_coroutine_threadsafe(listener.stop(), loop).result(60)
        loop.call_soon_threadsafe(loop.stop)

    return work, stop


def bench_fhir(token, items):
    from django.test import Client

    client = Client(HTTP_AUTHORIZATION=f"Token {token}")
    bundle = {"resourceType": "Bundle", "type": "batch", "entry": [{
        "request": {"method": "POST", "url": "Observation"},
        "resource": {
            "resourceType": "Observation", "status": "final",
            "identifier": [{"system": "https://lab.example/accession", "value": f"FHIR-{n}-{int(time.time())}"}],
            "code": {"coding": [{"system": "http://loinc.org", "code": loinc}]},
            "subject": {"reference": f"Patient/{patient.pk}"}, "effectiveDateTime": when.isoformat(),
            "valueQuantity": {"value": float(value), "unit": unit, "system": "http://unitsofmeasure.org", "code": unit},
        }} for n, (patient, loinc, value, unit, when) in enumerate(items)]}
    body = json.dumps(bundle)

    def work():
        response = client.post("/fhir/r4/", body, content_type="application/fhir+json")
        assert response.status_code == 200, response.content[:500]
        statuses = {e["response"]["status"] for e in response.json()["entry"]}
        assert statuses == {"201 Created"}, statuses

    return work


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--results", type=int, default=1000, help="results filed each way (at most 1000 for FHIR)")
    parser.add_argument("--patients", type=int, default=50, help="patients per way")
    args = parser.parse_args()
    ensure_database(args.database_url)
    setup_django(args.database_url)
    print(f"load before: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}  "
          f"(1, 5, 15 min; {os.cpu_count()} CPUs)")
    started = time.perf_counter()
    clinic, nurse, token, groups = build(args.patients)
    print(f"Built {3 * args.patients} enrolled patients in {time.perf_counter() - started:.1f} s; filing "
          f"{args.results} results each way")

    from patients.models import LabResult

    runs = [timed("API, one POST per result", bench_api(token, list(results_for(groups["api"], args.results))))]
    work, stop = bench_mllp(clinic, nurse, list(results_for(groups["mllp"], args.results)))
    runs.append(timed("HL7 v2 over MLLP, one connection", work))
    stop()
    runs.append(timed("FHIR batch Bundle", bench_fhir(token, list(results_for(groups["fhir"], args.results)))))
    filed = LabResult.objects.filter(clinic=clinic).count()
    assert filed == 3 * args.results, filed

    baseline = runs[0][1]
    print(f"\n{'way':<36}{'wall s':>8}{'results/s':>11}{'CPU s':>8}{'× API time':>12}")
    for label, wall, cpu in runs:
        print(f"{label:<36}{wall:>8.1f}{args.results / wall:>11.1f}{cpu:>8.1f}{wall / baseline:>11.2f}×")
    print(f"load after: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

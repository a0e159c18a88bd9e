"""Container healthchecks that start fast (no Django): `python -m ops.probe http URL` answers 0 if
the URL answers 2xx within 5 s; `python -m ops.probe file PATH --max-age SECONDS` answers 0 if the
file was touched within that many seconds (Celery beat's heartbeat file)."""

import argparse
import os
import sys
import time
import urllib.error
import urllib.request


def probe_http(url: str, timeout: float = 5.0) -> tuple[bool, str]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 (a fixed local URL)
            return 200 <= response.status < 300, f"{url} answered {response.status}"
    except urllib.error.HTTPError as exc:
        return False, f"{url} answered {exc.code}"
    except OSError as exc:
        return False, f"{url}: {exc}"


def probe_file(path: str, max_age: float) -> tuple[bool, str]:
    try:
        age = time.time() - os.stat(path).st_mtime
    except OSError as exc:
        return False, f"{path}: {exc.strerror}"
    return age <= max_age, f"{path} touched {age:.0f} s ago (at most {max_age:.0f} s)"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ops.probe")
    kinds = parser.add_subparsers(dest="kind", required=True)
    http = kinds.add_parser("http")
    http.add_argument("url")
    http.add_argument("--timeout", type=float, default=5.0)
    file = kinds.add_parser("file")
    file.add_argument("path")
    file.add_argument("--max-age", type=float, default=180.0)
    args = parser.parse_args(argv)
    ok, said = probe_http(args.url, args.timeout) if args.kind == "http" else probe_file(args.path, args.max_age)
    print(("ok: " if ok else "failing: ") + said)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

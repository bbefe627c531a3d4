"""The ``b24conform portal`` subcommand: serve the reference portal until Ctrl-C.

The main CLI calls ``add_arguments`` on its subparser and ``run`` with the parsed namespace;
``python -m b24conform.portal`` does the same on its own parser. ``run`` returns the exit code:
0 after a clean Ctrl-C (or after ``--list-faults``), 2 for a usage error (one line on stderr).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import signal
import sys
import tempfile
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from . import PROFILES

if TYPE_CHECKING:
    from .reference import ReferencePortal

_RATE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*/\s*s\s*:\s*(\d+)\s*$")


def parse_rate_limit(text: str) -> tuple[float, int] | None:
    """``"2/s:50"`` → ``(2.0, 50)``; ``"off"`` → ``None``; anything else → ``ValueError``."""
    if text.strip().lower() == "off":
        return None
    match = _RATE.match(text) if len(text) < 40 else None
    if (
        not match
        or not 0 < float(match.group(1)) <= 10_000
        or not 1 <= int(match.group(2)) <= 100_000
    ):
        raise ValueError(f"bad --rate-limit {text[:40]!a}: use RATE/s:BURST (e.g. 2/s:50) or off")
    return float(match.group(1)), int(match.group(2))


def _number(kind: type, low: float, high: float, *, above: bool = False):
    """An argparse type: a number of `kind` from `low` (or above it) up to `high`."""

    def parse(text: str) -> float:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {text[:40]!a}") from None
        if not (low < value if above else low <= value) or not value <= high:
            raise argparse.ArgumentTypeError(
                f"must be {'above' if above else 'from'} {low} {'and at most' if above else 'to'} "
                f"{high}: {text[:40]!a}"
            )
        return value

    parse.__name__ = kind.__name__
    return parse


def _file_name(text: str) -> str:
    if not text.strip():
        raise argparse.ArgumentTypeError("is empty")
    if "\0" in text or any(len(os.fsencode(part)) > 255 for part in text.split(os.sep)):
        raise argparse.ArgumentTypeError(f"is no usable file name: {text[:40]!a}")
    return text


def _host(text: str) -> str:
    if not text.strip():
        raise argparse.ArgumentTypeError("is empty (give 127.0.0.1 or 0.0.0.0)")
    try:
        text.encode("idna")
    except UnicodeError:
        raise argparse.ArgumentTypeError(f"not a host name: {text[:40]!a}") from None
    return text


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Define the options of ``b24conform portal``."""
    parser.add_argument(
        "--port", type=_number(int, 0, 65535), default=0, help="port to listen on (0: any free one)"
    )
    parser.add_argument(
        "--host", type=_host, default="127.0.0.1", help="address to bind (default 127.0.0.1)"
    )
    parser.add_argument(
        "--profile", default="docs", help=f"documented behaviour to serve: {' | '.join(PROFILES)}"
    )
    parser.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="NAME",
        help="switch a fault on (repeatable); see --list-faults",
    )
    parser.add_argument(
        "--list-faults", action="store_true", help="list the faults and what they break, then exit"
    )
    parser.add_argument(
        "--seed", type=_number(int, 0, 2**63 - 1), default=0, help="seed of the fictional company"
    )
    parser.add_argument(
        "--departments",
        type=_number(int, 3, 100_000),
        default=12,
        help="number of departments (>= 3)",
    )
    parser.add_argument(
        "--rate-limit",
        default="2/s:50",
        metavar="RATE",
        help="leaky bucket RATE/s:BURST (default 2/s:50, enterprise 5/s:250) or off",
    )
    parser.add_argument(
        "--operating-limit",
        type=_number(float, 0, 86_400, above=True),
        default=None,
        metavar="SECONDS",
        help="method time budget in seconds per 10 minutes (default: off)",
    )
    parser.add_argument("--tls", action="store_true", help="serve HTTPS with a throw-away CA")
    parser.add_argument(
        "--ca-file",
        metavar="PATH",
        type=_file_name,
        help="with --tls: write the CA certificate (PEM) here (default: a file in the temp dir)",
    )


def list_faults() -> list[str]:
    """One block per fault: name, what it breaks, what the suite must report."""
    from .faults import CATALOGUE

    lines = []
    for fault in CATALOGUE.values():
        lines.append(f"{fault.name}")
        lines.append(f"    {fault.description}")
        for method, kind, location in fault.expect:
            lines.append(f"    expect: {method} {kind} {location}")
    return lines


def run(args: argparse.Namespace, stop: threading.Event | None = None) -> int:
    """Serve until Ctrl-C (or until ``stop`` is set); return the exit code."""
    if getattr(args, "list_faults", False):
        with contextlib.suppress(BrokenPipeError):
            print("\n".join(list_faults()), flush=True)
        return 0
    ca_file = getattr(args, "ca_file", None)
    if ca_file and not args.tls:
        print("b24conform portal: --ca-file needs --tls", file=sys.stderr)
        return 2
    try:
        rate_limit = parse_rate_limit(args.rate_limit)
        from .reference import ReferencePortal

        portal = ReferencePortal(
            profile=args.profile,
            faults=list(args.fault or ()),
            seed=args.seed,
            departments=args.departments,
            rate_limit=rate_limit,
            operating_limit=args.operating_limit,
            tls=args.tls,
            host=args.host,
            port=args.port,
        )
        portal.start()
        if portal.ca_cert_pem:
            ca_file = _write_ca(portal, ca_file)
    except (ValueError, OSError, OverflowError) as exc:
        print(f"b24conform portal: {' '.join(str(exc).split())[:400]}", file=sys.stderr)
        return 2
    try:
        print("\n".join(portal.describe()))
        if ca_file:
            print(f"CA certificate: {ca_file} (trust it: b24conform run --ca-bundle {ca_file} ...)")
        serve_until_stopped(stop)
    finally:
        portal.stop()
    print("Portal stopped.", flush=True)
    return 0


def serve_until_stopped(stop: threading.Event | None = None) -> None:
    """Block until Ctrl-C, SIGTERM (a service manager, `kill`: as clean as Ctrl-C) or `stop`.

    Both signals only set an event: a KeyboardInterrupt raised at an arbitrary point (in the
    middle of the shutdown that follows, say) would leave a traceback and a half-stopped server.
    """
    print("Serving; press Ctrl-C to stop.", flush=True)
    waiter = stop or threading.Event()
    if threading.current_thread() is not threading.main_thread():
        waiter.wait()
        return
    signals = (signal.SIGINT, signal.SIGTERM)
    previous = {number: signal.signal(number, lambda *_: waiter.set()) for number in signals}
    try:
        while not waiter.wait(0.5):
            pass
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def _write_ca(portal: ReferencePortal, path: str | None) -> str:
    """Write the portal's CA certificate to `path` (or a fresh file in the temp dir)."""
    if path is None:
        handle, path = tempfile.mkstemp(
            prefix=f"b24conform-portal-{portal.port}-", suffix="-ca.pem"
        )
        os.close(handle)
    try:
        Path(path).write_bytes(portal.ca_cert_pem or b"")
    except OSError as exc:
        portal.stop()
        raise OSError(f"--ca-file {path}: cannot write it ({exc.strerror})") from None
    return path


def main(argv: list[str] | None = None) -> int:
    """``python -m b24conform.portal``."""
    parser = argparse.ArgumentParser(
        prog="b24conform portal", description="Serve the b24conform reference portal."
    )
    add_arguments(parser)
    return run(parser.parse_args(argv))

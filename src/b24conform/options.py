"""The options of a run, declared once for both entry points: `b24conform run` and pytest.

The command line takes them as `--webhook`, pytest as `--b24-webhook`; both end in the same
`RunOptions`, so the suite behaves the same whichever way it is started.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from b24conform.baseline import Baseline
from b24conform.deviations import FAIL_ON
from b24conform.engine import DEFAULT_METHODS, Progress, RunOptions
from b24conform.errors import UsageError
from b24conform.targets import TargetOptions
from b24conform.transport import RateLimit
from b24conform.transport.ratelimit import STANDARD_PLAN


def positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1: {text}")
    return value


def department_ids(text: str) -> tuple[int, ...]:
    try:
        ids = tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"department ids must be numbers: {text!r}") from None
    if not ids:
        raise argparse.ArgumentTypeError("give at least one department id")
    return ids


def rate_limit(text: str) -> RateLimit | None:
    try:
        return RateLimit.parse(text)
    except UsageError as exc:
        raise argparse.ArgumentTypeError(str(exc).removeprefix("--rate-limit ")) from None


def _env(name: str) -> Callable[[], str | None]:
    return lambda: os.environ.get(name)


#: (group, flag, argparse keyword arguments). A callable `default` is read at parse time.
OPTIONS: list[tuple[str, str, dict[str, Any]]] = [
    (
        "target",
        "--webhook",
        {
            "metavar": "URL",
            "default": _env("B24_WEBHOOK_URL"),
            "help": "inbound webhook https://<portal>/rest/<user>/<code>/ (env B24_WEBHOOK_URL)",
        },
    ),
    (
        "target",
        "--oauth-portal",
        {
            "metavar": "URL",
            "default": _env("B24_PORTAL_URL"),
            "help": "portal address for OAuth (env B24_PORTAL_URL)",
        },
    ),
    (
        "target",
        "--oauth-token",
        {
            "metavar": "TOKEN",
            "default": _env("B24_ACCESS_TOKEN"),
            "help": "OAuth access token (env B24_ACCESS_TOKEN)",
        },
    ),
    (
        "target",
        "--cassette",
        {"metavar": "DIR", "type": Path, "help": "replay a recording offline"},
    ),
    (
        "target",
        "--record",
        {"metavar": "DIR", "type": Path, "help": "record the live run into DIR"},
    ),
    (
        "target",
        "--denied-webhook",
        {
            "metavar": "URL",
            "action": "append",
            "default": [],
            "help": "webhook of a user the docs deny the methods (an extranet user, a bot), for "
            "the access-denied checks; repeatable, one per role",
        },
    ),
    (
        "target",
        "--extranet-webhook",
        {
            "metavar": "URL",
            "action": "append",
            "default": [],
            "help": "the same as --denied-webhook (kept for existing pipelines)",
        },
    ),
    (
        "target",
        "--allow-insecure",
        {
            "action": "store_true",
            "help": "allow plain http:// to a non-loopback host (the secret travels unencrypted)",
        },
    ),
    (
        "target",
        "--department-ids",
        {
            "metavar": "LIST",
            "type": department_ids,
            "help": "department ids to use instead of discovering them with department.get",
        },
    ),
    (
        "target",
        "--timeout",
        {
            "metavar": "SECONDS",
            "type": float,
            "default": 30.0,
            "help": "per-request timeout in seconds (default 30)",
        },
    ),
    (
        "target",
        "--ca-bundle",
        {
            "metavar": "FILE",
            "type": Path,
            "help": "trust this CA certificate (PEM) for HTTPS, e.g. a `b24conform portal --tls` one",
        },
    ),
    (
        "limits",
        "--max-time",
        {
            "metavar": "SECONDS",
            "type": float,
            "help": "stop sending after this long; what is left is reported as not checked",
        },
    ),
    (
        "check",
        "--docs",
        {
            "default": "current",
            "help": "documented revision to judge by: current (default) or rev18",
        },
    ),
    (
        "check",
        "--methods",
        {
            "metavar": "LIST",
            "default": ",".join(DEFAULT_METHODS),
            "help": "comma-separated methods to check",
        },
    ),
    (
        "check",
        "--max-examples",
        {
            "metavar": "N",
            "type": positive,
            "default": 200,
            "help": "generated valid requests per method (default 200)",
        },
    ),
    (
        "check",
        "--seed",
        {"metavar": "N", "type": int, "default": 0, "help": "generation seed (default 0)"},
    ),
    (
        "check",
        "--no-batch",
        {"action": "store_true", "help": "send every case alone instead of in batch"},
    ),
    (
        "limits",
        "--rate-limit",
        {
            "metavar": "RATE",
            "type": rate_limit,
            "default": STANDARD_PLAN,
            "help": "the portal's plan: 2/s:50 (standard, default), 5/s:250 (enterprise) or off",
        },
    ),
    (
        "limits",
        "--max-requests",
        {"metavar": "N", "type": positive, "help": "never send more requests than N"},
    ),
    (
        "outcome",
        "--report-dir",
        {
            "metavar": "DIR",
            "type": Path,
            "default": Path("reports"),
            "help": "where report.html, deviations.json and junit.xml go (default reports)",
        },
    ),
    (
        "outcome",
        "--baseline",
        {
            "metavar": "FILE",
            "type": Path,
            "help": "a previous deviations.json or an accepted-deviations file",
        },
    ),
    (
        "outcome",
        "--fail-on",
        {
            "choices": FAIL_ON,
            "default": "error",
            "help": "lowest severity of a new deviation that fails the run (default error)",
        },
    ),
    (
        "reference",
        "--portal-profile",
        {"default": "docs", "help": "reference portal profile: docs (default) or rev18"},
    ),
    (
        "reference",
        "--portal-fault",
        {
            "metavar": "NAME",
            "action": "append",
            "default": [],
            "help": "switch on a fault of the reference portal (repeatable; see b24conform portal --list-faults)",
        },
    ),
    (
        "reference",
        "--portal-seed",
        {"metavar": "N", "type": int, "default": 0, "help": "reference company seed"},
    ),
    (
        "reference",
        "--portal-departments",
        {
            "metavar": "N",
            "type": positive,
            "default": 12,
            "help": "departments of the reference company (default 12)",
        },
    ),
]
GROUPS = {
    "target": "target (the first given wins; none: the bundled reference portal)",
    "check": "what to check",
    "limits": "limits",
    "outcome": "outcome",
    "reference": "the bundled reference portal (used when no target is given)",
}


def dest(flag: str) -> str:
    return flag.lstrip("-").replace("-", "_")


def add_to_argparse(parser: argparse.ArgumentParser) -> None:
    groups = {key: parser.add_argument_group(title) for key, title in GROUPS.items()}
    for group, flag, kwargs in OPTIONS:
        kwargs = dict(kwargs)
        if callable(kwargs.get("default")):
            kwargs["default"] = kwargs["default"]()
        groups[group].add_argument(flag, **kwargs)


def to_run_options(
    get: Callable[[str], Any], progress: Callable[[Progress], None] | None = None
) -> RunOptions:
    """Build RunOptions from parsed values; `get(dest)` reads one (CLI namespace or pytest config)."""
    methods = tuple(m.strip() for m in (get("methods") or "").split(",") if m.strip())
    if not methods:
        raise UsageError("--methods names no method")
    baseline = Baseline.load(get("baseline")) if get("baseline") else None
    return RunOptions(
        target=TargetOptions(
            webhook=get("webhook"),
            oauth_portal=get("oauth_portal"),
            oauth_token=get("oauth_token"),
            cassette=get("cassette"),
            record=get("record"),
            denied_webhooks=(*(get("denied_webhook") or ()), *(get("extranet_webhook") or ())),
            allow_insecure=bool(get("allow_insecure")),
            rate_limit=get("rate_limit"),
            max_requests=get("max_requests"),
            timeout=get("timeout"),
            max_time=get("max_time"),
            ca_bundle=str(get("ca_bundle")) if get("ca_bundle") else None,
            portal_profile=get("portal_profile"),
            portal_faults=tuple(get("portal_fault") or ()),
            portal_seed=get("portal_seed"),
            portal_departments=get("portal_departments"),
        ),
        docs=get("docs"),
        methods=methods,
        max_examples=get("max_examples"),
        seed=get("seed"),
        batch=not get("no_batch"),
        department_ids=get("department_ids"),
        fail_on=get("fail_on"),
        baseline=baseline,
        progress=progress,
    )

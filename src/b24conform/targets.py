"""Where the calls go: a live portal, a recording, or the bundled reference portal.

Each target gives the engine the same thing: a `Client` for the main credentials, clients for
the other roles it knows (an extranet user or a bot, for the access checks), a mode and a
printable description with no secret in it.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from b24conform.errors import UsageError
from b24conform.transport import Client, Credentials, RateLimit, parse_oauth, parse_webhook
from b24conform.transport.client import RetryPolicy
from b24conform.transport.tls import check_ca_bundle

Mode = Literal["live", "replay", "reference"]


@dataclass
class TargetOptions:
    webhook: str | None = None
    oauth_portal: str | None = None
    oauth_token: str | None = None
    cassette: Path | None = None
    record: Path | None = None
    extranet_webhook: str | None = None
    allow_insecure: bool = False
    rate_limit: RateLimit | None = None
    max_requests: int | None = None
    timeout: float = 30.0
    max_time: float | None = None
    ca_bundle: str | None = None
    # the bundled reference portal
    portal_profile: str = "docs"
    portal_faults: tuple[str, ...] = ()
    portal_seed: int = 0
    portal_departments: int = 12


@dataclass
class Target:
    mode: Mode
    client: Client
    description: str
    roles: dict[str, Client] = field(default_factory=dict)
    closers: list[Callable[[], None]] = field(default_factory=list)
    #: replay: the recorded corpus to send; record: the corpus sent, set by the engine at the end
    corpus: dict[str, Any] | None = None
    #: set by the engine when the run completed (a recording is kept only then)
    completed: bool = False
    #: turns a target-specific exception (a cassette miss) into a one-line error, or None
    translate: Callable[[BaseException], Exception | None] = lambda exc: None

    def close(self) -> None:
        for close in reversed(self.closers):
            with contextlib.suppress(Exception):
                close()


def _client(credentials: Credentials, options: TargetOptions, **kw: Any) -> Client:
    return Client(
        credentials,
        rate_limit=options.rate_limit,
        timeout=options.timeout,
        max_requests=options.max_requests,
        deadline=time.monotonic() + options.max_time if options.max_time else None,
        verify=options.ca_bundle or True,
        **kw,
    )


@contextlib.contextmanager
def open_target(options: TargetOptions) -> Iterator[Target]:
    """Open the target the options name (in DESIGN's order of precedence); close it after."""
    target = _open(options)
    try:
        yield target
    finally:
        target.close()


def _open(options: TargetOptions) -> Target:
    if options.record and options.cassette:
        raise UsageError(
            "--record and --cassette exclude each other: record a live run, or replay one"
        )
    if options.ca_bundle:
        check_ca_bundle(options.ca_bundle)
    if options.extranet_webhook and not (options.webhook or options.oauth_portal):
        raise UsageError(
            "--extranet-webhook needs a live target (--webhook or --oauth-portal) on its portal"
        )
    target = _open_source(options)
    if options.record:
        from b24conform.cassettes import start_recording

        try:
            start_recording(target, options)
        except BaseException:
            target.close()
            raise
    return target


def _open_source(options: TargetOptions) -> Target:
    if options.webhook:
        credentials = parse_webhook(options.webhook, allow_insecure=options.allow_insecure)
        client = _client(credentials, options)
        return _with_extranet(Target("live", client, credentials.public_target), options)
    if options.oauth_portal or options.oauth_token:
        if not (options.oauth_portal and options.oauth_token):
            raise UsageError("OAuth needs both --oauth-portal URL and --oauth-token TOKEN")
        credentials = parse_oauth(
            options.oauth_portal, options.oauth_token, allow_insecure=options.allow_insecure
        )
        client = _client(credentials, options)
        return _with_extranet(Target("live", client, credentials.public_target), options)
    if options.cassette:
        from b24conform.cassettes import open_replay

        return open_replay(options)
    return _reference(options)


def _with_extranet(target: Target, options: TargetOptions) -> Target:
    target.closers.append(target.client.close)
    if options.extranet_webhook:
        other = parse_webhook(options.extranet_webhook, allow_insecure=options.allow_insecure)
        if other.public_target != target.client.credentials.public_target:
            raise UsageError("--extranet-webhook must be on the same portal as the main target")
        target.roles["extranet"] = target.client.with_credentials(other)
    return target


def reference_name(options: TargetOptions) -> str:
    """'reference portal', with its profile when not the default one and its faults when any."""
    details = []
    if options.portal_profile != "docs":
        details.append(f"profile {options.portal_profile}")
    faults = list(options.portal_faults or ())
    if faults:
        details.append(f"{'faults' if len(faults) > 1 else 'fault'} {', '.join(faults)}")
    return f"reference portal ({'; '.join(details)})" if details else "reference portal"


def _reference(options: TargetOptions) -> Target:
    """Start the bundled reference portal on loopback and point a client at it."""
    from b24conform.portal import ReferencePortal

    limit = options.rate_limit
    try:
        portal = ReferencePortal(
            profile=options.portal_profile,
            faults=options.portal_faults,
            seed=options.portal_seed,
            departments=options.portal_departments,
            rate_limit=(limit.per_second, limit.burst) if limit else None,
        )
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    portal.start()
    credentials = parse_webhook(portal.webhook_url("employee"))
    client = _client(credentials, options, retry=RetryPolicy(base_delay=0.2))
    target = Target("reference", client, reference_name(options))
    target.closers.append(portal.stop)
    target.closers.append(client.close)
    for role in ("extranet", "bot"):
        target.roles[role] = client.with_credentials(parse_webhook(portal.webhook_url(role)))
    return target

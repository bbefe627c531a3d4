"""Where the calls go: a live portal, a recording, or the bundled reference portal.

A `Target` says what is checked (`mode`, `description`), how to reach it (a `Client` for the main
credentials, one per denied role it knows: extranet users, bots, each named by its webhook's user id) and, for a replay, the corpus
recorded with it. What to close is `open_target`'s business: the target lives inside its `with`.
Every target's client is built here, one way, over a transport: the network (live, reference), a
cassette (replay, record) or a test's fake (`TargetOptions.transport`). The same rate limit,
retries and budgets apply to all.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from b24conform.defaults import DEFAULTS
from b24conform.errors import UsageError
from b24conform.transport import (
    Budget,
    Client,
    Credentials,
    RateLimit,
    Transport,
    parse_oauth,
    parse_webhook,
)
from b24conform.transport.client import RetryPolicy

if TYPE_CHECKING:
    from b24conform.portal import ReferencePortal

Mode = Literal["live", "replay", "reference"]


@dataclass
class TargetOptions:
    webhook: str | None = None
    oauth_portal: str | None = None
    oauth_token: str | None = None
    cassette: Path | None = None
    record: Path | None = None
    #: webhooks of users the docs deny the methods (extranet users, bots): one role each
    denied_webhooks: tuple[str, ...] = ()
    allow_insecure: bool = False
    rate_limit: RateLimit | None = DEFAULTS.rate_limit
    max_requests: int | None = DEFAULTS.max_requests
    timeout: float = DEFAULTS.timeout
    max_time: float | None = DEFAULTS.max_time
    ca_bundle: str | None = None
    # the bundled reference portal
    portal_profile: str = DEFAULTS.portal_profile
    portal_faults: tuple[str, ...] = ()
    portal_seed: int = DEFAULTS.portal_seed
    portal_departments: int = DEFAULTS.portal_departments
    #: send through this transport instead of the network (tests: `FakeTransport`)
    transport: Transport | None = None


def _ignore(corpus: dict[str, Any]) -> None:
    """A target that records nothing has nothing to keep."""


@dataclass(frozen=True)
class Target:
    """What is checked and how to reach it; valid inside `open_target`'s `with` block."""

    mode: Mode
    description: str
    client: Client
    roles: Mapping[str, Client] = field(default_factory=dict)
    #: a replay's recorded corpus: the run sends exactly these cases
    corpus: dict[str, Any] | None = None
    #: called by the engine when the run completed, with the corpus it sent (a recording keeps it)
    on_complete: Callable[[dict[str, Any]], None] = _ignore

    def complete(self, corpus: dict[str, Any]) -> None:
        self.on_complete(corpus)


@contextlib.contextmanager
def open_target(options: TargetOptions) -> Iterator[Target]:
    """Open the target the options name (in DESIGN's order of precedence); close it after."""
    if options.record and options.cassette:
        raise UsageError(
            "--record and --cassette exclude each other: record a live run, or replay one"
        )
    if options.ca_bundle:
        from b24conform.transport.tls import check_ca_bundle

        check_ca_bundle(options.ca_bundle)
    if options.denied_webhooks and not (options.webhook or options.oauth_portal):
        raise UsageError(
            "--denied-webhook (--extranet-webhook) needs a live target (--webhook or "
            "--oauth-portal) on its portal"
        )
    with contextlib.ExitStack() as stack:
        yield _open(options, stack)


def _open(options: TargetOptions, stack: contextlib.ExitStack) -> Target:
    budget = Budget.for_run(options.max_requests, options.max_time)
    if options.cassette:
        return _replay(options, budget)
    from b24conform.transport.http import RequestsTransport  # requests loads with a live run

    network = options.transport or RequestsTransport(
        timeout=options.timeout, verify=options.ca_bundle or True
    )
    stack.callback(network.close)
    retry: RetryPolicy | None = None
    if options.webhook:
        main = parse_webhook(options.webhook, allow_insecure=options.allow_insecure)
        mode: Mode = "live"
        description = main.public_target
        roles = _denied(main, options)
    elif options.oauth_portal or options.oauth_token:
        if not (options.oauth_portal and options.oauth_token):
            raise UsageError("OAuth needs both --oauth-portal URL and --oauth-token TOKEN")
        main = parse_oauth(
            options.oauth_portal, options.oauth_token, allow_insecure=options.allow_insecure
        )
        mode, description = "live", main.public_target
        roles = _denied(main, options)
    else:
        portal = _start_reference_portal(options, stack)
        main = parse_webhook(portal.webhook_url("employee"))
        mode, description = "reference", reference_name(options)
        denied = [parse_webhook(portal.webhook_url(role)) for role in ("extranet", "bot")]
        roles = {role_name(other): other for other in denied}
        retry = RetryPolicy(base_delay=0.2)
    transport: Transport = network
    on_complete = _ignore
    if options.record:
        from b24conform import cassettes  # vcrpy loads only when a recording starts

        recording = stack.enter_context(
            cassettes.recording(options.record, network, main, roles, mode)
        )
        transport, on_complete = recording.transport, recording.complete
    client = Client(main, transport, rate_limit=options.rate_limit, retry=retry, budget=budget)
    return Target(
        mode,
        description,
        client,
        {role: client.with_credentials(other) for role, other in roles.items()},
        on_complete=on_complete,
    )


def role_name(credentials: Credentials) -> str:
    """A denied role is named by its webhook's user id, never by its code."""
    return f"user-{credentials.user_id}"


def _denied(main: Credentials, options: TargetOptions) -> dict[str, Credentials]:
    """One role per --denied-webhook, on the main target's portal."""
    roles = {}
    for url in options.denied_webhooks:
        other = parse_webhook(url, allow_insecure=options.allow_insecure)
        if other.public_target != main.public_target:
            raise UsageError("--denied-webhook must be on the same portal as the main target")
        roles[role_name(other)] = other
    return roles


def reference_name(options: TargetOptions) -> str:
    """'reference portal', with its profile when not the default one and its faults when any."""
    details = []
    if options.portal_profile != "docs":
        details.append(f"profile {options.portal_profile}")
    faults = list(options.portal_faults or ())
    if faults:
        details.append(f"{'faults' if len(faults) > 1 else 'fault'} {', '.join(faults)}")
    return f"reference portal ({'; '.join(details)})" if details else "reference portal"


def _replay(options: TargetOptions, budget: Budget) -> Target:
    """A recording answers; no rate limit (no portal to spare), the run's budget all the same."""
    from b24conform import cassettes

    folder = Path(options.cassette)  # type: ignore[arg-type]
    meta, corpus = cassettes.read_cassette(folder)
    main, roles = cassettes.replay_credentials(meta)
    client = Client(main, cassettes.replaying(folder), rate_limit=None, budget=budget)
    return Target(
        "replay",
        cassettes.cassette_name(folder, meta),
        client,
        {role: client.with_credentials(other) for role, other in roles.items()},
        corpus=corpus,
    )


def _start_reference_portal(options: TargetOptions, stack: contextlib.ExitStack) -> ReferencePortal:
    """Start the bundled reference portal on loopback, enforcing the client's own rate limit."""
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
    stack.callback(portal.stop)
    return portal

"""The transport seam: how a `Request` reaches a portal (or a recording of one).

`Client` builds requests and applies every policy (read-only guard, rate limit, retries, budgets);
a transport only moves bytes. Three implement it: `RequestsTransport` (the network: live portals
and the bundled reference portal, recorded by vcrpy below it with `--record`), `ReplayTransport`
(`b24conform.cassettes`: a recording answers) and `FakeTransport` (tests). A transport never raises for what a portal does: no answer is a
`Response` whose `failure` says why.
"""

from __future__ import annotations

from typing import Protocol

from b24conform.transport.model import Request, Response


class Transport(Protocol):
    def send(self, request: Request) -> Response:
        """Send one request; the answer's status, headers and body, or `failure` when none came."""
        ...

    def close(self) -> None:
        """Release connections; the transport is not used afterwards."""
        ...

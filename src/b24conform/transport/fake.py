"""`FakeTransport`: a portal written as a function, for tests (httpx's `MockTransport`).

    transport = FakeTransport(lambda request: respond({"result": []}))
    client = Client(credentials, transport)

Every request is kept in `requests`, so a test can assert what was (or was not) sent.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from b24conform.transport.model import Request, Response


class FakeTransport:
    def __init__(self, handler: Callable[[Request], Response]) -> None:
        self.handler = handler
        self.requests: list[Request] = []
        self.closed = False

    def send(self, request: Request) -> Response:
        self.requests.append(request)
        return self.handler(request)

    def close(self) -> None:
        self.closed = True


def respond(
    body: Any = None,
    status: int = 200,
    *,
    raw: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """An answer as a portal sends it: `body` as JSON, or `raw` bytes as they are."""
    if raw is None:
        raw = json.dumps(body).encode()
        headers = {"Content-Type": "application/json; charset=utf-8", **(headers or {})}
    return Response(status=status, headers=headers or {}, body=raw)

"""Talking to a portal: credentials, parameter encodings, rate limit, retries, the read-only guard.

The only layer of b24conform that sends a request. It knows nothing of checks: `Client` turns a
`Call` into a `Request`, hands it to a `Transport` and gives back a `Response`, never raising for
what a portal answers (a broken answer is data for the checks), and never letting a secret reach a
log line, a `repr` or an error.

The names below load on first use: the option table (`--rate-limit` parses a `RateLimit`) and the
pytest plugin import this package without paying for `requests`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from b24conform.transport.base import Transport
    from b24conform.transport.client import Budget, Client, ReadOnlyViolation
    from b24conform.transport.credentials import Credentials, parse_oauth, parse_webhook
    from b24conform.transport.encoding import canonical_params, encode_query
    from b24conform.transport.fake import FakeTransport, respond
    from b24conform.transport.http import RequestsTransport
    from b24conform.transport.model import Call, Request, Response
    from b24conform.transport.ratelimit import RateLimit

_HOMES = {
    "Transport": "base",
    "Budget": "client",
    "Client": "client",
    "ReadOnlyViolation": "client",
    "Credentials": "credentials",
    "parse_oauth": "credentials",
    "parse_webhook": "credentials",
    "canonical_params": "encoding",
    "encode_query": "encoding",
    "FakeTransport": "fake",
    "respond": "fake",
    "RequestsTransport": "http",
    "Call": "model",
    "Request": "model",
    "Response": "model",
    "RateLimit": "ratelimit",
}

__all__ = [
    "Budget",
    "Call",
    "Client",
    "Credentials",
    "FakeTransport",
    "RateLimit",
    "ReadOnlyViolation",
    "Request",
    "RequestsTransport",
    "Response",
    "Transport",
    "canonical_params",
    "encode_query",
    "parse_oauth",
    "parse_webhook",
    "respond",
]


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module 'b24conform.transport' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_HOMES[name]}"), name)
    globals()[name] = value
    return value

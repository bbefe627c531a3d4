"""Talking to a portal: credentials, parameter encodings, rate limit, retries, the read-only guard.

The only module of b24conform that opens a connection to a portal. It knows nothing of checks:
it sends a `Call` and gives back a `Response`, never raising for what a portal answers (a broken
answer is data for the checks), and never letting a secret reach a log line, a `repr` or an error.
"""

from b24conform.transport.client import Client, ReadOnlyViolation
from b24conform.transport.credentials import Credentials, parse_oauth, parse_webhook
from b24conform.transport.encoding import canonical_params, encode_query
from b24conform.transport.model import Call, Response
from b24conform.transport.ratelimit import RateLimit

__all__ = [
    "Call",
    "Client",
    "Credentials",
    "RateLimit",
    "ReadOnlyViolation",
    "Response",
    "canonical_params",
    "encode_query",
    "parse_oauth",
    "parse_webhook",
]

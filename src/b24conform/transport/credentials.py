"""Where to send calls and how to authenticate, with the secret kept out of every printout.

A webhook URL carries its secret in the path (`/rest/<user_id>/<code>/`), an OAuth token travels
as the `auth` parameter. Both are held by `Credentials`, whose `repr` and `public_target` never
show them, and whose `redact` scrubs them from any text (an exception, a curl line, a log).
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import urlsplit

from b24conform.errors import UsageError

WEBHOOK_PLACEHOLDER = "<WEBHOOK_CODE>"
TOKEN_PLACEHOLDER = "<ACCESS_TOKEN>"
_WEBHOOK_PATH = re.compile(r"^(?P<prefix>.*?/rest)/(?P<user>\d+)/(?P<code>[^/]+)/?$")


@dataclass(frozen=True)
class Credentials:
    """A portal address plus a secret (webhook code or OAuth access token)."""

    kind: Literal["webhook", "oauth"]
    scheme: str
    netloc: str
    rest_prefix: str
    user_id: str | None = None
    secret: str = field(default="", repr=False)

    def __repr__(self) -> str:
        return f"Credentials({self.kind}, {self.public_target})"

    @property
    def public_target(self) -> str:
        """The portal's host (and port) only: safe for reports and logs."""
        return self.netloc.rsplit("@", 1)[-1]

    @property
    def placeholder(self) -> str:
        return WEBHOOK_PLACEHOLDER if self.kind == "webhook" else TOKEN_PLACEHOLDER

    def method_url(self, method: str, *, redacted: bool = False) -> str:
        secret = self.placeholder if redacted else self.secret
        base = f"{self.scheme}://{self.netloc}{self.rest_prefix}"
        if self.kind == "webhook":
            return f"{base}/{self.user_id}/{secret}/{method}"
        return f"{base}/{method}"

    def auth_params(self, *, redacted: bool = False) -> dict[str, str]:
        if self.kind == "oauth":
            return {"auth": self.placeholder if redacted else self.secret}
        return {}

    def redact(self, text: str) -> str:
        return text.replace(self.secret, self.placeholder) if self.secret else text

    def with_secret(self, secret: str, user_id: str | None = None) -> Credentials:
        """The same portal with other credentials (a wrong code, another user's webhook)."""
        return Credentials(
            kind=self.kind,
            scheme=self.scheme,
            netloc=self.netloc,
            rest_prefix=self.rest_prefix,
            user_id=user_id if user_id is not None else self.user_id,
            secret=secret,
        )


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _split(url: str, what: str, example: str, allow_insecure: bool) -> tuple[str, str, str]:
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"{what} must look like {example}")
    if parts.query or parts.fragment:
        raise UsageError(f"{what} must not have a query string or fragment: {example}")
    if parts.scheme == "http" and not (_is_loopback(parts.hostname) or allow_insecure):
        raise UsageError(
            f"refusing plain http:// for {parts.hostname}: the secret would travel unencrypted "
            "(use https://, or --allow-insecure for an on-premise portal you trust)"
        )
    return parts.scheme, parts.netloc, parts.path


def parse_webhook(url: str, *, allow_insecure: bool = False) -> Credentials:
    """Credentials from an inbound webhook URL `https://<portal>/rest/<user_id>/<code>/`."""
    example = "https://<portal>/rest/<user_id>/<webhook_code>/"
    scheme, netloc, path = _split(url, "the webhook URL", example, allow_insecure)
    match = _WEBHOOK_PATH.match(path)
    if not match:
        raise UsageError(f"the webhook URL must look like {example} (got {scheme}://{netloc}/…)")
    return Credentials(
        kind="webhook",
        scheme=scheme,
        netloc=netloc,
        rest_prefix=match["prefix"],
        user_id=match["user"],
        secret=match["code"],
    )


def parse_oauth(portal_url: str, token: str, *, allow_insecure: bool = False) -> Credentials:
    """Credentials from a portal address and an OAuth access token."""
    example = "https://<portal>/"
    scheme, netloc, path = _split(portal_url, "the portal URL", example, allow_insecure)
    if not token or not token.strip():
        raise UsageError("an OAuth access token is required with --oauth-portal")
    path = path.rstrip("/")
    prefix = path if path.endswith("/rest") else f"{path}/rest"
    return Credentials(
        kind="oauth", scheme=scheme, netloc=netloc, rest_prefix=prefix, secret=token.strip()
    )

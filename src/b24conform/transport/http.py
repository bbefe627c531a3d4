"""`RequestsTransport`: requests over the network, one keep-alive `requests.Session`."""

from __future__ import annotations

from urllib.parse import urlsplit

import requests

from b24conform.transport.model import Request, Response
from b24conform.transport.tls import tls_failure


class RequestsTransport:
    """Sends requests with `requests`; a timeout, reset or TLS failure becomes `Response.failure`.

    `verify` is passed per request, not set on the session: requests lets `REQUESTS_CA_BUNDLE`
    override a session's own setting, and `--ca-bundle` must win. Redirects are never followed
    (the URL carries a webhook's secret: it must not travel to a host nobody named).
    """

    def __init__(self, *, timeout: float = 30.0, verify: bool | str = True) -> None:
        self.timeout = timeout
        self.verify = verify
        self.session = requests.Session()

    def send(self, request: Request) -> Response:
        try:
            http = self.session.request(
                request.method,
                request.url,
                data=request.body or None,
                headers=request.headers,
                timeout=self.timeout,
                verify=self.verify,
                allow_redirects=False,
            )
            body = http.content
        except requests.Timeout:
            return Response(status=None, failure="timeout")
        except requests.RequestException as exc:
            if isinstance(exc, requests.exceptions.SSLError):
                parts = urlsplit(request.url)
                port = parts.port or (443 if parts.scheme == "https" else 80)
                text = _without_url(str(exc), request.url)
                return Response(
                    status=None,
                    failure=tls_failure(text, parts.hostname or "", port, self.verify),
                )
            return Response(status=None, failure=short_failure(exc))
        return Response(status=http.status_code, headers=dict(http.headers), body=body)

    def close(self) -> None:
        self.session.close()


def short_failure(exc: Exception) -> str:
    """Why no answer came, in a few words and with no URL in them."""
    text = str(exc).lower()
    if "timed out" in text:  # a body slower than the timeout: requests calls it ConnectionError
        return "timeout"
    if "reset" in text or "aborted" in text or "remotedisconnected" in text:
        return "connection reset"
    if "refused" in text:
        return "connection refused"
    if "name or service" in text or "nodename" in text or "resolve" in text:
        return "host not found"
    if isinstance(exc, requests.exceptions.ChunkedEncodingError):
        return "truncated answer"
    return type(exc).__name__


def _without_url(text: str, url: str) -> str:
    """The exception's text without the URL's path and query: a webhook's secret is in the path,
    an OAuth token in the query of a GET."""
    parts = urlsplit(url)
    for piece in (url, f"{parts.path}?{parts.query}", parts.path, parts.query):
        if piece and piece != "?":
            text = text.replace(piece, "<url>")
    return text

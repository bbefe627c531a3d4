"""`RequestsTransport`: requests over the network, one keep-alive `requests.Session`."""

from __future__ import annotations

import requests

from b24conform.transport.model import Request, Response


class RequestsTransport:
    """Sends requests with `requests`; a timeout, reset or TLS failure becomes `Response.failure`.

    `verify` is passed per request, not set on the session: requests lets `REQUESTS_CA_BUNDLE`
    override a session's own setting, and `--ca-bundle` must win.
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
            )
            body = http.content
        except requests.Timeout:
            return Response(status=None, failure="timeout")
        except requests.RequestException as exc:
            # the exception's text holds the URL, and with it a webhook's secret: never keep it
            return Response(status=None, failure=short_failure(exc))
        return Response(status=http.status_code, headers=dict(http.headers), body=body)

    def close(self) -> None:
        self.session.close()


def short_failure(exc: Exception) -> str:
    """Why no answer came, in a few words and with no URL in them."""
    text = str(exc).lower()
    if "reset" in text or "aborted" in text or "remotedisconnected" in text:
        return "connection reset"
    if "refused" in text:
        return "connection refused"
    if "name or service" in text or "nodename" in text or "resolve" in text:
        return "host not found"
    if isinstance(exc, requests.exceptions.SSLError):
        return "TLS error"
    if isinstance(exc, requests.exceptions.ChunkedEncodingError):
        return "truncated answer"
    return type(exc).__name__

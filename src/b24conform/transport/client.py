"""The HTTP client: one `requests.Session`, a shared leaky bucket, bounded retries, `batch`.

It never raises for what a portal answers: timeouts, resets, HTML error pages and truncated JSON
come back as `Response`s for the checks to judge. It raises only for the caller's own mistakes,
and before any byte is sent: a write method (`ReadOnlyViolation`). It never follows a redirect:
the webhook code (in the URL) or the `auth` parameter must not travel to a host nobody named, so
a 3xx is an answer like any other, for the checks to judge.
"""

from __future__ import annotations

import json
import logging
import shlex
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from b24conform.errors import UsageError
from b24conform.transport.credentials import Credentials
from b24conform.transport.encoding import batch_command, encode_query
from b24conform.transport.model import NOT_JSON, Call, Response
from b24conform.transport.ratelimit import STANDARD_PLAN, LeakyBucket, RateLimit
from b24conform.transport.tls import tls_failure

if TYPE_CHECKING:
    import requests

log = logging.getLogger("b24conform.transport")

#: Methods that only read. Nothing else leaves the client, inside `batch` or not.
READ_METHODS = frozenset(
    {
        "im.department.get",
        "im.department.managers.get",
        "im.department.employees.get",
        "im.department.colleagues.list",
        "im.revision.get",
        "department.get",
        "batch",
        # Exists on no portal: what an unknown method answers is itself a documented claim.
        "b24conform.unknown.method",
    }
)
THROTTLE_CODES = frozenset({"QUERY_LIMIT_EXCEEDED", "OVERLOAD_LIMIT"})
TIME_BUDGET_CODE = "OPERATION_TIME_LIMIT"
BATCH_LIMIT = 50


class ReadOnlyViolation(UsageError):
    """A call to a method that is not on the read-only allow-list."""


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to insist: attempts per call, and the backoff between them (seconds)."""

    attempts: int = 4
    failure_attempts: int = 2
    base_delay: float = 0.5
    max_delay: float = 8.0


@dataclass
class ClientStats:
    requests: int = 0
    throttled: int = 0
    retries: int = 0
    failures: int = 0
    refused_by_budget: int = 0


def _method_name(method: str) -> str:
    return method[:-5] if method.endswith(".json") else method


def ensure_read_only(method: str) -> None:
    if _method_name(method) not in READ_METHODS:
        raise ReadOnlyViolation(
            f"refusing to call {method!r}: b24conform only calls read methods "
            f"({', '.join(sorted(READ_METHODS - {'b24conform.unknown.method'}))})"
        )


class Client:
    """Sends calls to one portal under one set of credentials."""

    def __init__(
        self,
        credentials: Credentials,
        *,
        rate_limit: RateLimit | None = STANDARD_PLAN,
        bucket: LeakyBucket | None = None,
        timeout: float = 30.0,
        retry: RetryPolicy | None = None,
        verify: bool | str = True,
        max_requests: int | None = None,
        deadline: float | None = None,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        stats: ClientStats | None = None,
    ) -> None:
        self.credentials = credentials
        self.bucket = (
            bucket if bucket is not None else (LeakyBucket(rate_limit) if rate_limit else None)
        )
        self.timeout = timeout
        self.retry = retry or RetryPolicy()
        self.max_requests = max_requests
        self.deadline = deadline
        if session is None:
            import requests  # imported with the first client: `b24conform --help` needs none

            session = requests.Session()
        self.session = session
        # per request, not on the session: requests lets REQUESTS_CA_BUNDLE override a session's
        self.verify = verify
        self.sleep = sleep
        self.stats = stats if stats is not None else ClientStats()
        self.blocked_methods: set[str] = set()

    def __repr__(self) -> str:
        return f"Client({self.credentials.public_target})"

    def with_credentials(self, credentials: Credentials) -> Client:
        """Another user on the same portal, sharing this client's bucket, budget and stats."""
        clone = Client(
            credentials,
            bucket=self.bucket,
            timeout=self.timeout,
            retry=self.retry,
            verify=self.verify,
            max_requests=self.max_requests,
            deadline=self.deadline,
            session=self.session,
            sleep=self.sleep,
            stats=self.stats,
        )
        clone.blocked_methods = self.blocked_methods
        return clone

    def close(self) -> None:
        self.session.close()

    # -- single calls -------------------------------------------------------------------------

    def call(self, call: Call) -> Response:
        ensure_read_only(call.method)
        if _method_name(call.method) in self.blocked_methods:
            return Response(status=None, throttled=True, failure=None, attempts=0)
        method = call.method + (".json" if call.suffix else "")
        return self._send(method, call.params, call.transport)

    def batch(
        self, calls: list[Call], *, halt: bool = False
    ) -> tuple[list[Response], list[Response]]:
        """Send calls packed as `batch` commands (50 a request).

        Returns the answer to every call (in order) and the raw answers of the `batch` requests
        themselves, so the envelope of `batch` can be judged as well.
        """
        for call in calls:
            ensure_read_only(call.method)
        answers: list[Response] = []
        raw: list[Response] = []
        for start in range(0, len(calls), BATCH_LIMIT):
            chunk = calls[start : start + BATCH_LIMIT]
            commands = {f"c{i}": batch_command(c.method, c.params) for i, c in enumerate(chunk)}
            response = self._send("batch", {"cmd": commands, "halt": 1 if halt else 0}, "json")
            raw.append(response)
            answers.extend(split_batch(response, list(commands)))
        return answers, raw

    # -- the wire -----------------------------------------------------------------------------

    def _send(self, method: str, params: dict[str, Any], transport: str) -> Response:
        attempts = 0
        failures = 0
        delay = self.retry.base_delay
        while True:
            if self.max_requests is not None and self.stats.requests >= self.max_requests:
                return self._refused(f"request budget used up ({self.max_requests} requests)")
            if self.deadline is not None and time.monotonic() >= self.deadline:
                return self._refused("run time limit reached")
            if self.bucket:
                waited = self.bucket.acquire()
                if waited >= 1:
                    log.info(
                        "rate limit %s: waited %.1fs before %s", self.bucket.limit, waited, method
                    )
            attempts += 1
            self.stats.requests += 1
            response = self._once(method, params, transport)
            response.attempts = attempts
            code = _error_code(response)
            if code == TIME_BUDGET_CODE:
                log.info(
                    "%s: %s, the method's time budget is used up: not called again", method, code
                )
                self.blocked_methods.add(_method_name(method))
                self.stats.throttled += 1
                response.throttled = True
                return response
            retry_after: float | None = None
            if code in THROTTLE_CODES:
                log.info("%s throttled by the portal (%s), attempt %d", method, code, attempts)
                self.stats.throttled += 1
                if self.bucket:
                    self.bucket.penalize()
                if attempts >= self.retry.attempts:
                    response.throttled = True
                    return response
                retry_after = _retry_after(response)
            elif response.failure is not None:
                failures += 1
                if failures >= self.retry.failure_attempts or response.failure == "timeout":
                    self.stats.failures += 1
                    return response
            else:
                return response
            self.stats.retries += 1
            wait = retry_after if retry_after is not None else min(delay, self.retry.max_delay)
            log.info("retrying %s in %.1fs (%s)", method, wait, code or response.failure)
            self.sleep(wait)
            delay *= 2

    def _refused(self, reason: str) -> Response:
        """A call not sent because a budget is spent; said once on the log."""
        if not self.stats.refused_by_budget:
            log.info("%s: the calls left are not sent and reported as not checked", reason)
        self.stats.refused_by_budget += 1
        return Response(status=None, failure=reason.split(" (")[0], not_sent=True)

    def _once(self, method: str, params: dict[str, Any], transport: str) -> Response:
        import requests

        url = self.credentials.method_url(method)
        payload = {**params, **self.credentials.auth_params()}
        started = time.monotonic()
        try:
            if transport == "query":
                query = encode_query(payload)
                http = self.session.get(
                    f"{url}?{query}" if query else url,
                    timeout=self.timeout,
                    verify=self.verify,
                    allow_redirects=False,
                )
            elif transport == "form":
                http = self.session.post(
                    url,
                    data=encode_query(payload),
                    headers={"Content-Type": "application/x-www-form-urlencoded"},
                    timeout=self.timeout,
                    verify=self.verify,
                    allow_redirects=False,
                )
            else:
                http = self.session.post(
                    url,
                    data=json.dumps(payload),
                    headers={"Content-Type": "application/json", "Accept": "application/json"},
                    timeout=self.timeout,
                    verify=self.verify,
                    allow_redirects=False,
                )
            body = http.content
        except requests.Timeout:
            return Response(status=None, failure="timeout", elapsed=time.monotonic() - started)
        except requests.RequestException as exc:
            reason = self.credentials.redact(f"{type(exc).__name__}: {exc}")
            log.debug("no answer from %s: %s", self.credentials.public_target, reason)
            if isinstance(exc, requests.exceptions.SSLError):
                failure = tls_failure(reason, *self.credentials.host_port, self.verify)
            else:
                failure = _short_failure(exc)
            return Response(status=None, failure=failure, elapsed=time.monotonic() - started)
        log.debug(
            "%s %s → %s",
            transport,
            self.credentials.method_url(method, redacted=True),
            http.status_code,
        )
        return Response(
            status=http.status_code,
            headers=dict(http.headers),
            body=body,
            json=parse_json(body),
            elapsed=time.monotonic() - started,
        )

    # -- reproduction -------------------------------------------------------------------------

    def reproduce(self, call: Call) -> str:
        """A curl command showing the call, with the secret replaced by a placeholder."""
        return curl_line(self.credentials, call)


def curl_line(credentials: Credentials, call: Call) -> str:
    method = call.method + (".json" if call.suffix else "")
    if call.transport == "batch":
        params: dict[str, Any] = {"cmd": {"c0": batch_command(call.method, call.params)}, "halt": 0}
        method = "batch"
        transport = "json"
    else:
        params, transport = call.params, call.transport
    url = credentials.method_url(method, redacted=True)
    payload = {**params, **credentials.auth_params(redacted=True)}
    if transport == "query":
        query = encode_query(payload)
        return f"curl {shlex.quote(f'{url}?{query}' if query else url)}"
    if transport == "form":
        return f"curl -X POST --data {shlex.quote(encode_query(payload))} {shlex.quote(url)}"
    body = json.dumps(payload, ensure_ascii=False)
    return (
        "curl -X POST -H 'Content-Type: application/json' -H 'Accept: application/json' "
        f"-d {shlex.quote(body)} {shlex.quote(url)}"
    )


def parse_json(body: bytes) -> Any:
    if not body:
        return NOT_JSON
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return NOT_JSON


def split_batch(response: Response, keys: Iterable[str]) -> list[Response]:
    """Turn one `batch` answer into the answer of each command, as if each had been called."""
    keys = list(keys)
    body = response.json if response.answered else None
    envelope = body.get("result") if isinstance(body, dict) else None
    if not isinstance(envelope, dict):
        reason = response.failure or (
            "throttled" if response.throttled else "batch answer unusable"
        )
        return [
            Response(
                status=None,
                failure=reason,
                throttled=response.throttled,
                not_sent=response.not_sent,
                via_batch=True,
            )
            for _ in keys
        ]
    results = _member(envelope, "result")
    errors = _member(envelope, "result_error")
    times = _member(envelope, "result_time")
    totals = _member(envelope, "result_total")
    nexts = _member(envelope, "result_next")
    answers = []
    for key in keys:
        if key in errors and isinstance(errors[key], dict):
            answers.append(Response(status=None, json=errors[key], via_batch=True))
        elif key in results:
            synthesized: dict[str, Any] = {"result": results[key]}
            if key in totals:
                synthesized["total"] = totals[key]
            if key in nexts:
                synthesized["next"] = nexts[key]
            if key in times:
                synthesized["time"] = times[key]
            answers.append(Response(status=None, json=synthesized, via_batch=True))
        else:
            answers.append(
                Response(status=None, failure="batch answer lacks this command", via_batch=True)
            )
    return answers


def _member(envelope: dict[str, Any], name: str) -> dict[str, Any]:
    value = envelope.get(name)
    return value if isinstance(value, dict) else {}


def _error_code(response: Response) -> str | None:
    body = response.json
    if isinstance(body, dict) and isinstance(body.get("error"), str):
        return body["error"]
    return None


def _retry_after(response: Response) -> float | None:
    value = response.header("Retry-After")
    try:
        return min(float(value), 60.0) if value is not None else None
    except ValueError:
        return None


def _short_failure(exc: Exception) -> str:
    import requests

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

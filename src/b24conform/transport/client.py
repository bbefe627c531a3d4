"""The client: calls become requests on a transport, under a shared leaky bucket, bounded retries,
the run's budget and the read-only guard; `batch` packs and splits.

It never raises for what a portal answers: timeouts, resets, HTML error pages and truncated JSON
come back as `Response`s for the checks to judge. It raises only for the caller's own mistakes,
and before any byte is sent: a write method (`ReadOnlyViolation`). Its transports never follow a
redirect: the webhook code (in the URL) or the `auth` parameter must not travel to a host nobody
named, so a 3xx is an answer like any other, for the checks to judge.
"""

from __future__ import annotations

import json
import logging
import shlex
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from b24conform.errors import UsageError
from b24conform.spec import read_methods
from b24conform.transport.base import Transport
from b24conform.transport.credentials import Credentials
from b24conform.transport.encoding import batch_command, encode_query, form_pairs, multipart_body
from b24conform.transport.model import NOT_JSON, Call, Request, Response
from b24conform.transport.ratelimit import STANDARD_PLAN, LeakyBucket, RateLimit

log = logging.getLogger("b24conform.transport")

#: The platform's methods the suite reads besides the department methods: discovery, `batch`,
#: and one that exists on no portal (what an unknown method answers is itself a documented claim).
#: With the methods the contracts say only read (`spec.read_methods`), nothing else leaves the
#: client, inside `batch` or not.
PLATFORM_READS = frozenset(
    {"im.revision.get", "department.get", "batch", "b24conform.unknown.method"}
)
THROTTLE_CODES = frozenset({"QUERY_LIMIT_EXCEEDED", "OVERLOAD_LIMIT"})
TIME_BUDGET_CODE = "OPERATION_TIME_LIMIT"
BATCH_LIMIT = 50
BUDGET_USED_UP = "request budget used up"
TIME_LIMIT_REACHED = "run time limit reached"


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


#: failures the same request would meet again at once: a timeout (the method is slow; sending it
#: again doubles the wait), nothing listening or no such host (a wrong URL), and a TLS verdict on
#: the portal's certificate: set-ups to fix, not glitches. A reset or a truncated answer is tried
#: once more.
FINAL_FAILURES = ("timeout", "connection refused", "host not found")


def _final(failure: str) -> bool:
    return failure in FINAL_FAILURES or failure.startswith("TLS")


def _method_name(method: str) -> str:
    return method[:-5] if method.endswith(".json") else method


def ensure_read_only(method: str) -> None:
    name = _method_name(method)
    if name not in PLATFORM_READS and name not in read_methods():
        known = (PLATFORM_READS | read_methods()) - {"b24conform.unknown.method"}
        raise ReadOnlyViolation(
            f"refusing to call {method!r}: b24conform only calls read methods "
            f"({', '.join(sorted(known))})"
        )


@dataclass
class Budget:
    """What a run may spend, shared by every client of the run (every role, every target).

    `deadline` is a `time.monotonic()` instant; `for_run` starts the clock when the run starts.
    """

    max_requests: int | None = None
    deadline: float | None = None

    @classmethod
    def for_run(cls, max_requests: int | None, max_time: float | None) -> Budget:
        return cls(max_requests, time.monotonic() + max_time if max_time is not None else None)

    def refusal(self, stats: ClientStats) -> str | None:
        """Why one more request may not be sent, or None."""
        if self.max_requests is not None and stats.requests >= self.max_requests:
            return BUDGET_USED_UP
        if self.deadline is not None and time.monotonic() >= self.deadline:
            return TIME_LIMIT_REACHED
        return None


class Client:
    """Sends calls to one portal under one set of credentials, over any `Transport`.

    The one place that applies the read-only guard, the rate limit, retries and the run's budget,
    whatever carries the bytes (the network, a cassette being replayed or recorded, a test's fake).
    """

    def __init__(
        self,
        credentials: Credentials,
        transport: Transport,
        *,
        rate_limit: RateLimit | None = STANDARD_PLAN,
        bucket: LeakyBucket | None = None,
        retry: RetryPolicy | None = None,
        budget: Budget | None = None,
        sleep: Callable[[float], None] = time.sleep,
        stats: ClientStats | None = None,
    ) -> None:
        self.credentials = credentials
        self.transport = transport
        self.bucket = (
            bucket if bucket is not None else (LeakyBucket(rate_limit) if rate_limit else None)
        )
        self.retry = retry or RetryPolicy()
        self.budget = budget or Budget()
        self.sleep = sleep
        self.stats = stats if stats is not None else ClientStats()
        self.blocked_methods: set[str] = set()

    def __repr__(self) -> str:
        return f"Client({self.credentials.public_target})"

    def with_credentials(self, credentials: Credentials) -> Client:
        """Another user on the same portal, sharing this client's transport, bucket, budget, stats."""
        clone = Client(
            credentials,
            self.transport,
            bucket=self.bucket,
            retry=self.retry,
            budget=self.budget,
            sleep=self.sleep,
            stats=self.stats,
        )
        clone.blocked_methods = self.blocked_methods
        return clone

    def close(self) -> None:
        self.transport.close()

    # -- single calls -------------------------------------------------------------------------

    def call(self, call: Call) -> Response:
        ensure_read_only(call.method)
        if _method_name(call.method) in self.blocked_methods:
            return Response(status=None, throttled=True, failure=None, attempts=0)
        method = call.method + (".json" if call.suffix else "")
        return self._send(method, call.params, call.transport, indexed=call.indexed)

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
            commands = {
                f"c{i}": batch_command(c.method, c.params, indexed=c.indexed)
                for i, c in enumerate(chunk)
            }
            response = self._send("batch", {"cmd": commands, "halt": 1 if halt else 0}, "json")
            raw.append(response)
            answers.extend(split_batch(response, list(commands)))
        return answers, raw

    # -- the wire -----------------------------------------------------------------------------

    def _send(
        self, method: str, params: dict[str, Any], transport: str, *, indexed: bool = False
    ) -> Response:
        attempts = 0
        failures = 0
        delay = self.retry.base_delay
        while True:
            refusal = self.budget.refusal(self.stats)
            if refusal:
                return self._refused(refusal)
            if self.bucket:
                waited = self.bucket.acquire()
                if waited >= 1:
                    log.info(
                        "rate limit %s: waited %.1fs before %s", self.bucket.limit, waited, method
                    )
            attempts += 1
            self.stats.requests += 1
            response = self._once(method, params, transport, indexed)
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
                if failures >= self.retry.failure_attempts or _final(response.failure):
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
            detail = f" ({self.budget.max_requests} requests)" if reason == BUDGET_USED_UP else ""
            log.info(
                "%s%s: the calls left are not sent and reported as not checked", reason, detail
            )
        self.stats.refused_by_budget += 1
        return Response(status=None, failure=reason, not_sent=True)

    def _once(self, method: str, params: dict[str, Any], transport: str, indexed: bool) -> Response:
        request = self.request(method, params, transport, indexed=indexed)
        started = time.monotonic()
        response = self.transport.send(request)
        response.elapsed = time.monotonic() - started
        where = self.credentials.method_url(method, redacted=True)
        if response.failure is not None:
            log.debug("no answer from %s: %s", where, response.failure)
            return response
        log.debug("%s %s → %s", transport, where, response.status)
        response.json = parse_json(response.body)
        return response

    def request(
        self, method: str, params: dict[str, Any], transport: str, *, indexed: bool = False
    ) -> Request:
        """The HTTP request of one call: URL, auth, and the parameters in the given encoding
        (`indexed`: arrays as `ID[0]=` keys in the encoded ones)."""
        url = self.credentials.method_url(method)
        payload = {**params, **self.credentials.auth_params()}
        if transport == "query":
            query = encode_query(payload, indexed=indexed)
            return Request("GET", f"{url}?{query}" if query else url)
        if transport == "form":
            return Request(
                "POST",
                url,
                {"Content-Type": "application/x-www-form-urlencoded"},
                encode_query(payload, indexed=indexed).encode(),
            )
        if transport == "multipart":
            content_type, body = multipart_body(form_pairs(payload, indexed=indexed))
            return Request("POST", url, {"Content-Type": content_type}, body)
        return Request(
            "POST",
            url,
            {"Content-Type": "application/json", "Accept": "application/json"},
            json.dumps(payload).encode(),
        )

    # -- reproduction -------------------------------------------------------------------------

    def reproduce(self, call: Call) -> str:
        """A curl command showing the call, with the secret replaced by a placeholder."""
        return curl_line(self.credentials, call)


def curl_line(credentials: Credentials, call: Call) -> str:
    method = call.method + (".json" if call.suffix else "")
    if call.transport == "batch":
        command = batch_command(call.method, call.params, indexed=call.indexed)
        params: dict[str, Any] = {"cmd": {"c0": command}, "halt": 0}
        method = "batch"
        transport = "json"
    else:
        params, transport = call.params, call.transport
    url = credentials.method_url(method, redacted=True)
    payload = {**params, **credentials.auth_params(redacted=True)}
    indexed = call.indexed and call.transport != "batch"
    if transport == "query":
        query = encode_query(payload, indexed=indexed)
        return f"curl {shlex.quote(f'{url}?{query}' if query else url)}"
    if transport == "form":
        body = encode_query(payload, indexed=indexed)
        return f"curl -X POST --data {shlex.quote(body)} {shlex.quote(url)}"
    if transport == "multipart":
        fields = " ".join(
            f"--form-string {shlex.quote(f'{k}={v}')}"
            for k, v in form_pairs(payload, indexed=indexed)
        )
        return f"curl {fields} {shlex.quote(url)}"
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

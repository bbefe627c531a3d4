"""One request through the portal: route, credentials, limits, method, faults, envelope, bytes.

The HTTP server (``server.py``) hands every request to ``Service.handle`` and writes back the
``Wire`` it returns; nothing here knows about sockets, so the pipeline can be tested directly.

Order of checks (the docs do not fix it): a REST URL → the credential (401 ``NO_AUTH_FOUND`` /
``expired_token``) → the rate limit (503 ``QUERY_LIMIT_EXCEEDED``) → the method exists (404
``ERROR_METHOD_NOT_FOUND``) → the scope (403 ``insufficient_scope``) → the time budget (429
``OPERATION_TIME_LIMIT``) → access (403 ``ACCESS_ERROR``) → the method. Error answers carry no
``time`` object (as the docs' error example); success answers always do, with an integer
``start`` in every second answer of a method and without the operating keys in every fifth (both
as the docs allow).
"""

from __future__ import annotations

import itertools
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .company import Company, make_secret
from .faults import Fault, Wire
from .methods import METHODS, Call, Caller, Reply, run_method
from .protocol import (
    JSON_CONTENT_TYPE,
    ApiError,
    BadBody,
    Params,
    bearer,
    dumps,
    parse_params,
    parse_query,
    parse_route,
    split_method,
    time_object,
)
from .ratelimit import METHOD_COST, LeakyBucket, TimeBudget

ROLES = ("employee", "head", "extranet", "bot", "admin", "noscope", "nodepartment")
FULL_SCOPES = frozenset({"im", "department"})
#: the employee's second and third webhooks, each missing one scope (a common set-up mistake)
PARTIAL_SCOPES = {"noscope": frozenset({"department"}), "nodepartment": frozenset({"im"})}
BATCH_LIMIT = 50


@dataclass(frozen=True)
class Credential:
    role: str
    user_id: int
    secret: str
    scopes: frozenset[str]


class Service:
    """The portal's request pipeline and its state (credentials, limits, counters)."""

    def __init__(
        self,
        company: Company,
        profile: str,
        faults: tuple[Fault, ...],
        seed: int,
        rate_limit: tuple[float, int] | None,
        operating_limit: float | None,
    ) -> None:
        self.company = company
        self.profile = profile
        self.faults = faults
        self.bucket = LeakyBucket(*rate_limit) if rate_limit else None
        self.budget = TimeBudget(operating_limit)
        self.webhooks: dict[str, Credential] = {}
        self.tokens: dict[str, Credential] = {}
        self.expired: dict[str, Credential] = {}
        for role in ROLES:
            user_id = company.role_users["employee" if role in PARTIAL_SCOPES else role]
            scopes = PARTIAL_SCOPES.get(role, FULL_SCOPES)
            code = make_secret(seed, f"webhook/{role}", 16)
            self.webhooks[role] = Credential(role, user_id, code, scopes)
            self.tokens[role] = Credential(
                role, user_id, make_secret(seed, f"oauth/{role}", 40), FULL_SCOPES
            )
            self.expired[role] = Credential(
                role, user_id, make_secret(seed, f"expired/{role}", 40), FULL_SCOPES
            )
        self._by_code = {(c.user_id, c.secret): c for c in self.webhooks.values()}
        self._by_token = {c.secret: c for c in self.tokens.values()}
        self._expired_tokens = {c.secret for c in self.expired.values()}
        self._counters: dict[str, Callable[[], int]] = {}
        self._counter_lock = threading.Lock()
        self._served = itertools.count(1)
        self.requests_served = 0

    # -- bookkeeping ------------------------------------------------------------------------
    def _seq(self, method: str) -> int:
        counter = self._counters.get(method)
        if counter is None:
            with self._counter_lock:
                counter = self._counters.setdefault(method, itertools.count(1).__next__)
        return counter()

    def _caller(self, cred: Credential, webhook: bool) -> Caller:
        kind = "webhook" if webhook else "oauth"
        return Caller(
            cred.role,
            self.company.users[cred.user_id],
            f"{kind}:{cred.role}",
            cred.scopes,
            webhook,
        )

    def _authenticate(
        self, user_id: int | None, code: str | None, params: dict[str, Any], header: str | None
    ) -> Caller:
        if user_id is not None:
            cred = self._by_code.get((user_id, code or ""))
            if cred is None:
                raise ApiError.system("NO_AUTH_FOUND")
            return self._caller(cred, True)
        token = params.pop("auth", None) or params.pop("access_token", None) or bearer(header)
        if not isinstance(token, str) or not token:
            raise ApiError.system("NO_AUTH_FOUND")
        cred = self._by_token.get(token)
        if cred is None:
            if token in self._expired_tokens:
                raise ApiError.system("expired_token")
            raise ApiError.system("NO_AUTH_FOUND")
        return self._caller(cred, False)

    # -- the pipeline -----------------------------------------------------------------------
    def handle(
        self,
        path: str,
        query: str,
        content_type: str,
        body: bytes,
        authorization: str | None,
        method: str = "POST",
    ) -> Wire:
        """Answer one HTTP request (already read off the socket); the HTTP method does not matter."""
        self.requests_served = next(self._served)
        start = time.time()
        route = parse_route(path)
        if route is None:
            return self._wire_error(
                404, "ERROR_METHOD_NOT_FOUND", "Not a REST URL: use /rest/<method>"
            )
        try:
            parsed = parse_params(query, content_type, body)
        except BadBody:
            parsed = Params(parse_query(query), "json")
        raw = parsed.values
        call = Call(
            method=route.method,
            params={},
            transport=parsed.transport,
            json_suffix=route.json_suffix,
            company=self.company,
            profile=self.profile,
            via_webhook=route.webhook_user is not None,
        )
        try:
            call.caller = self._authenticate(
                route.webhook_user, route.webhook_code, raw, authorization
            )
            raw.pop("auth", None)
            raw.pop("access_token", None)
            call.params = {str(k).upper(): v for k, v in raw.items()}
            if self.bucket is not None and not self.bucket.try_acquire(start):
                raise ApiError.system("QUERY_LIMIT_EXCEEDED")
            if call.method == "batch":
                reply = self._batch(call, start)
            else:
                reply = self._execute(call, start)
        except ApiError as exc:
            reply = Reply.from_error(exc)
            self._apply_reply_faults(call, reply)
        return self._to_wire(call, reply)

    def _apply_reply_faults(self, call: Call, reply: Reply) -> None:
        for fault in self.faults:
            if fault.reply is not None:
                fault.reply(call, reply)

    def _execute(self, call: Call, start: float) -> Reply:
        """Run one method call (direct or in batch); the reply has its ``time`` when it succeeds."""
        call.seq = self._seq(call.method)
        caller = call.caller
        assert caller is not None
        key = (caller.key, call.method)
        spent: tuple[float, int] | None = None
        try:
            spec = METHODS.get(call.method)
            if spec is None:
                raise ApiError.system("ERROR_METHOD_NOT_FOUND")
            if spec.scope is not None and spec.scope not in caller.scopes:
                raise ApiError.system("insufficient_scope")
            if self.budget.exhausted(key, start):
                raise ApiError.system("OPERATION_TIME_LIMIT")
            for fault in self.faults:
                if fault.prepare is not None:
                    fault.prepare(call)
            try:
                reply = run_method(call)
            finally:
                spent = self.budget.spend(key, start, METHOD_COST)
        except ApiError as exc:
            reply = Reply.from_error(exc)
        self._apply_reply_faults(call, reply)
        if reply.ok:  # a fault may turn an error into a success: it still gets its envelope
            operating, reset_at = spent or self.budget.spend(key, start, METHOD_COST)
            finish = max(time.time(), start + METHOD_COST)
            reply.body["time"] = time_object(
                start,
                finish,
                METHOD_COST,
                operating,
                reset_at,
                self.company.tz,
                whole_start=call.seq % 2 == 0,
                with_operating=call.seq % 5 != 0,
            )
        return reply

    def _to_wire(self, call: Call, reply: Reply) -> Wire:
        for fault in self.faults:
            if fault.envelope is not None:
                fault.envelope(call, reply)
        wire = Wire(reply.status, reply.content_type, dumps(reply.body))
        for fault in self.faults:
            if fault.wire is not None:
                fault.wire(call, wire)
        return wire

    def _wire_error(self, status: int, code: str, description: str) -> Wire:
        return Wire(
            status, JSON_CONTENT_TYPE, dumps({"error": code, "error_description": description})
        )

    # -- batch ------------------------------------------------------------------------------
    def _batch(self, call: Call, start: float) -> Reply:
        cmd = call.params.get("CMD")
        halt = str(call.params.get("HALT", "0")).strip().lower() in ("1", "true", "y")
        if isinstance(cmd, list):
            items = [(str(i), v) for i, v in enumerate(cmd)]
        elif isinstance(cmd, dict):
            items = [(str(k), v) for k, v in cmd.items()]
        else:
            items = []
        result: dict[str, Any] = {}
        errors: dict[str, Any] = {}
        totals: dict[str, Any] = {}
        nexts: dict[str, Any] = {}
        times: dict[str, Any] = {}
        for index, (key, text) in enumerate(items):
            if index >= BATCH_LIMIT:
                errors[key] = ApiError.system("ERROR_BATCH_LENGTH_EXCEEDED").body()
                if halt:
                    break
                continue
            reply = self._batch_command(call, str(text), result, start)
            if not reply.ok:
                errors[key] = {
                    "error": reply.body.get("error"),
                    "error_description": reply.body.get("error_description", ""),
                }
                if halt:
                    break
                continue
            result[key] = reply.body.get("result")
            if "total" in reply.body:
                totals[key] = reply.body["total"]
            if "next" in reply.body:
                nexts[key] = reply.body["next"]
            if "time" in reply.body:
                times[key] = reply.body["time"]
        call.seq = self._seq("batch")
        assert call.caller is not None
        operating, reset_at = self.budget.spend((call.caller.key, "batch"), start, METHOD_COST)
        finish = max(time.time(), start + METHOD_COST)
        body = {
            "result": {
                "result": result or [],
                "result_error": errors or [],
                "result_total": totals or [],
                "result_next": nexts or [],
                "result_time": times or [],
            },
            "time": time_object(start, finish, METHOD_COST, operating, reset_at, self.company.tz),
        }
        return Reply(200, body)

    def _batch_command(self, batch: Call, text: str, done: dict[str, Any], start: float) -> Reply:
        text = _substitute(text, done)
        name, _, query = text.partition("?")
        method, suffix = split_method(name)
        call = Call(
            method=method,
            params={str(k).upper(): v for k, v in parse_query(query).items()},
            transport="batch",
            json_suffix=suffix,
            company=self.company,
            profile=self.profile,
            caller=batch.caller,
            via_webhook=batch.via_webhook,
            direct=False,
        )
        if method == "batch":
            reply = Reply.from_error(ApiError.system("ERROR_BATCH_METHOD_NOT_ALLOWED"))
            self._apply_reply_faults(call, reply)
            return reply
        return self._execute(call, start)


_REFERENCE = re.compile(r"\$result\[([^\]]*)\]((?:\[[^\]]*\])*)")


def _substitute(text: str, done: dict[str, Any]) -> str:
    """Replace ``$result[key][field]...`` by the value of an earlier command's result."""

    def value(match: re.Match[str]) -> str:
        node: Any = done.get(match.group(1))
        for part in re.findall(r"\[([^\]]*)\]", match.group(2)):
            if isinstance(node, dict):
                node = node.get(part)
            elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            else:
                node = None
        if node is None:
            return ""
        return str(node)

    return _REFERENCE.sub(value, text)

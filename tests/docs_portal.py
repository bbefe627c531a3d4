"""A portal made of the documentation's own example answers, as a `FakeTransport` handler.

The docs page's examples are real answers (departments 3 and 7, users 13 and 103); a portal that
answers exactly them is as conforming as the docs can show. Tests break one thing in it and
expect the suite to notice. A live (webhook, HTTPS) target is what runs, over this transport.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from b24conform.spec import load_spec
from b24conform.transport import FakeTransport, Request, Response, respond
from b24conform.transport.encoding import decode_query

HOST = "https://acme.bitrix24.com"
SECRET = "d0cs3xampl3s3cr3t"
WEBHOOK = f"{HOST}/rest/1/{SECRET}/"
EXAMPLES = load_spec("current").method("im.department.get").examples
DEPARTMENTS = {d["id"]: d for d in json.loads(EXAMPLES[1]["text"])["result"]}
TIME = json.loads(EXAMPLES[0]["text"])["time"]
INVALID_FORMAT = json.loads(EXAMPLES[2]["text"])


class DocsPortal:
    """Answers im.revision.get, department.get, im.department.get and batch like the docs show."""

    def __init__(self) -> None:
        self.mutate: Callable[[dict[str, Any], dict[str, Any]], None] = lambda body, params: None
        self.invalid_status = 400
        self.transport = FakeTransport(self._answer)

    def _answer(self, request: Request) -> Response:
        method = request.rest_method.removesuffix(".json")
        if f"/{SECRET}/" not in urlsplit(request.url).path:
            return respond(
                {"error": "NO_AUTH_FOUND", "error_description": "Wrong authorization data"}, 401
            )
        params = request.params()
        if method == "batch":
            return respond(self._batch(params))
        status, answer = self.call(method, params)
        return respond(answer, status)

    def call(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if method == "im.revision.get":
            return 200, {
                "result": {
                    "rest": 32,
                    "web": 130,
                    "mobile": 22,
                    "desktop": 6,
                    "im_revision_mobile": 22,
                },
                "time": TIME,
            }
        if method == "department.get":
            rows = [
                {
                    "ID": str(i),
                    "NAME": d["name"],
                    "SORT": "500",
                    "UF_HEAD": str(d["manager_user_id"]),
                }
                for i, d in DEPARTMENTS.items()
            ]
            return 200, {"result": rows, "total": len(rows), "time": TIME}
        if method != "im.department.get":
            return 404, {
                "error": "ERROR_METHOD_NOT_FOUND",
                "error_description": "Method not found!",
            }
        ids = params.get("ID")
        if isinstance(ids, str):
            try:
                ids = json.loads(ids)
            except ValueError:
                ids = None
        if not isinstance(ids, list) or not ids:
            return self.invalid_status, INVALID_FORMAT
        wanted = {int(i) for i in ids if str(i).lstrip("-").isdigit()}
        result = []
        for department_id in sorted(wanted, reverse=True):
            if department_id in DEPARTMENTS:
                item = copy.deepcopy(DEPARTMENTS[department_id])
                if params.get("USER_DATA") != "Y":
                    del item["manager_user_data"]
                result.append(item)
        body = {"result": result, "time": dict(TIME)}
        self.mutate(body, params)
        return 200, body

    def _batch(self, params: dict[str, Any]) -> dict[str, Any]:
        results, errors, times = {}, {}, {}
        for key, command in params["cmd"].items():
            method, _, query = command.partition("?")
            _status, body = self.call(method, decode_query(query) if query else {})
            if "error" in body:
                errors[key] = body
            else:
                results[key] = body["result"]
                if "time" in body:
                    times[key] = body["time"]
        empty = lambda d: d or []  # noqa: E731  (the platform serializes empty members as [])
        return {
            "result": {
                "result": empty(results),
                "result_error": empty(errors),
                "result_total": [],
                "result_next": [],
                "result_time": empty(times),
            },
            "time": TIME,
        }

"""What is sent (`Call`, and on the wire a `Request`) and what came back (`Response`)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urlsplit

from b24conform.transport.encoding import decode_query

Transport = Literal["json", "form", "query", "batch"]
NOT_JSON: Any = type("NotJson", (), {"__repr__": lambda self: "<not JSON>"})()


@dataclass(frozen=True)
class Call:
    """One REST call: the method, its parameters and how they travel.

    `params` is kept as the caller built it (a JSON-like value), so that a report can show it and a
    replay can send it again; `suffix` adds the optional `.json` to the method in the URL.
    """

    method: str
    params: dict[str, Any] = field(default_factory=dict)
    transport: Transport = "json"
    suffix: bool = False

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "method": self.method,
            "params": self.params,
            "transport": self.transport,
        }
        if self.suffix:
            data["suffix"] = True
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Call:
        return cls(
            method=data["method"],
            params=data.get("params", {}),
            transport=data.get("transport", "json"),
            suffix=bool(data.get("suffix", False)),
        )

    def size(self) -> int:
        """How big the request is, to keep the smallest one that shows a deviation."""
        return len(json.dumps(self.params, sort_keys=True, default=str)) + len(self.method)


@dataclass(frozen=True)
class Request:
    """One HTTP request as a transport sends it: what `Client` builds from a `Call`.

    The URL of a webhook carries its secret, so `repr` shows only the HTTP method and the REST
    method at the end of the path.
    """

    method: Literal["GET", "POST"]
    url: str
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    def __repr__(self) -> str:
        return f"Request({self.method} …/{self.rest_method})"

    @property
    def rest_method(self) -> str:
        """The REST method the URL names (`im.department.get`, `batch`), `.json` suffix kept."""
        return urlsplit(self.url).path.rstrip("/").rsplit("/", 1)[-1]

    def params(self) -> dict[str, Any]:
        """The parameters as the portal reads them: the query string, then a JSON or form body."""
        params: dict[str, Any] = decode_query(urlsplit(self.url).query)
        if self.body:
            text = self.body.decode("utf-8", "replace")
            if "json" in self.headers.get("Content-Type", ""):
                loaded = json.loads(text)
                params.update(loaded if isinstance(loaded, dict) else {})
            else:
                params.update(decode_query(text))
        return params


@dataclass
class Response:
    """One answer, or the reason there was none.

    `status` is None for a command answered inside `batch` (its HTTP status is the batch's) and
    for a call that got no answer at all (`failure` then says why: timeout, reset, ...).
    """

    status: int | None
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    json: Any = NOT_JSON
    failure: str | None = None
    throttled: bool = False
    via_batch: bool = False
    #: never sent: the run's request budget or time limit was used up first
    not_sent: bool = False
    attempts: int = 1
    elapsed: float = 0.0

    @property
    def answered(self) -> bool:
        return self.failure is None and not self.throttled

    @property
    def is_json(self) -> bool:
        return self.json is not NOT_JSON

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        for key, value in self.headers.items():
            if key.lower() == lowered:
                return value
        return None

    def outcome(self) -> dict[str, Any]:
        """A short, comparable summary for observations of what the docs leave open."""
        if not self.answered:
            return {"answered": False, "reason": self.failure or "throttled"}
        data: dict[str, Any] = {"status": self.status} if self.status is not None else {}
        body = self.json
        if isinstance(body, dict) and "error" in body:
            data["error"] = body.get("error")
        elif isinstance(body, dict) and "result" in body:
            data["result"] = _shape(body["result"])
            data.update({k: body[k] for k in ("total", "next") if k in body})
        else:
            data["body"] = "not JSON" if not self.is_json else type(body).__name__
        return data


def _shape(result: Any) -> Any:
    """Ids returned, in order, or the result's type: what a probe's outcome is compared on."""
    if isinstance(result, list):
        return [item.get("id") if isinstance(item, dict) else item for item in result]
    if isinstance(result, dict):
        return {"keys": sorted(result)}
    return result

"""The Bitrix24 REST wire protocol: URLs, credentials, parameters, the envelope, errors.

Parameters are read the way a PHP portal reads ``$_REQUEST``: the query string first, the body
over it. A body is JSON when its Content-Type says so (then the JSON object wins over the query
string), form-encoded or multipart otherwise. Bracketed names build arrays and objects as PHP
does: ``ID[]=3&ID[]=7`` and ``ID[0]=3&ID[1]=7`` both give ``[3, 7]`` (as strings, like PHP);
``cmd[a]=...`` gives ``{"a": ...}``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any
from urllib.parse import parse_qsl, unquote

JSON_CONTENT_TYPE = "application/json; charset=utf-8"

#: System errors of platform.md §3 used by the portal: code -> (HTTP status, description).
SYSTEM_ERRORS: dict[str, tuple[int, str]] = {
    "INTERNAL_SERVER_ERROR": (
        500,
        "An internal server error has occurred, please contact the server administrator "
        "or Bitrix24 technical support",
    ),
    "QUERY_LIMIT_EXCEEDED": (503, "Too many requests"),
    "OPERATION_TIME_LIMIT": (429, "Method is blocked due to operation time limit."),
    "ERROR_BATCH_METHOD_NOT_ALLOWED": (
        405,
        "The current method is not allowed to be called using batch",
    ),
    "ERROR_BATCH_LENGTH_EXCEEDED": (
        400,
        "The maximum length of parameters passed to the batch method has been exceeded",
    ),
    "NO_AUTH_FOUND": (401, "Invalid access token or webhook code"),
    "insufficient_scope": (
        403,
        "The request requires higher privileges than those provided by the webhook token",
    ),
    "expired_token": (401, "The provided access token has expired"),
    "ERROR_METHOD_NOT_FOUND": (404, "Method not found!"),
}


class ApiError(Exception):
    """An error answer: HTTP status, error code and description."""

    def __init__(self, status: int, code: str, description: str) -> None:
        super().__init__(f"{status} {code}: {description}")
        self.status = status
        self.code = code
        self.description = description

    @classmethod
    def system(cls, code: str) -> ApiError:
        """The system error ``code`` with its documented status and description."""
        status, description = SYSTEM_ERRORS[code]
        return cls(status, code, description)

    def body(self) -> dict[str, Any]:
        return {"error": self.code, "error_description": self.description}


@dataclass
class Route:
    """What the URL path says: a webhook (user id + code) or an OAuth call, and the method."""

    method: str
    json_suffix: bool
    webhook_user: int | None = None
    webhook_code: str | None = None


_WEBHOOK = re.compile(r"^/rest/(\d+)/([^/]+)/([^/]*)/?$")
_OAUTH = re.compile(r"^/rest/([^/]*)/?$")


def split_method(name: str) -> tuple[str, bool]:
    """``"im.department.get.json"`` -> ``("im.department.get", True)``; lower-cased like Bitrix."""
    name = name.strip().lower()
    if name.endswith(".json"):
        return name[:-5], True
    return name, False


def parse_route(path: str) -> Route | None:
    """Parse the path part of a REST URL; ``None`` when it is not a REST URL at all."""
    path = unquote(path)
    match = _WEBHOOK.match(path)
    if match:
        method, suffix = split_method(match.group(3))
        return Route(method, suffix, int(match.group(1)), match.group(2))
    match = _OAUTH.match(path)
    if match:
        method, suffix = split_method(match.group(1))
        return Route(method, suffix)
    return None


_BRACKETS = re.compile(r"\[([^\]]*)\]")


def _insert(target: dict[str, Any], name: str, value: str) -> None:
    """Insert one ``name=value`` pair the way PHP builds ``$_REQUEST`` from bracketed names."""
    first = name.find("[")
    if first <= 0 or not name.endswith("]"):
        target[name] = value
        return
    keys = [name[:first], *_BRACKETS.findall(name[first:])]
    node: Any = target
    for index, key in enumerate(keys):
        last = index == len(keys) - 1
        if key == "":
            key = str(sum(1 for k in node if k.isdigit()))
        if last:
            node[key] = value
        else:
            child = node.get(key)
            if not isinstance(child, dict):
                child = {}
                node[key] = child
            node = child


def _listify(value: Any) -> Any:
    """Turn PHP "arrays" whose keys are 0..n-1 into lists, recursively."""
    if isinstance(value, dict):
        value = {k: _listify(v) for k, v in value.items()}
        if value and all(k.isdigit() for k in value):
            keys = sorted(value, key=int)
            if [int(k) for k in keys] == list(range(len(keys))):
                return [value[k] for k in keys]
    return value


def parse_pairs(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """Build a parameter dict from decoded ``(name, value)`` pairs, PHP style."""
    out: dict[str, Any] = {}
    for name, value in pairs:
        _insert(out, name, value)
    return {k: _listify(v) for k, v in out.items()}


def parse_query(query: str) -> dict[str, Any]:
    """Parse a query string (``ID[]=3&ID[]=7&USER_DATA=Y``)."""
    if not query:
        return {}
    return parse_pairs(parse_qsl(query, keep_blank_values=True))


def _parse_multipart(content_type: str, body: bytes) -> dict[str, Any]:
    message = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body
    )
    pairs: list[tuple[str, str]] = []
    if message.is_multipart():
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            if name is None:
                continue
            payload = part.get_payload(decode=True) or b""
            pairs.append((str(name), payload.decode("utf-8", "replace")))
    return parse_pairs(pairs)


@dataclass
class Params:
    """Parsed parameters and how they came: ``json``, ``form``, ``multipart`` or ``query``."""

    values: dict[str, Any] = field(default_factory=dict)
    transport: str = "query"


class BadBody(ValueError):
    """The body claims to be JSON but is not a JSON object."""


def parse_params(query: str, content_type: str, body: bytes) -> Params:
    """Merge query-string and body parameters; the body wins, a JSON body wins outright."""
    values = parse_query(query)
    transport = "query"
    ctype = content_type.split(";", 1)[0].strip().lower()
    if body:
        if ctype.endswith("/json") or ctype.endswith("+json"):
            try:
                decoded = json.loads(body)
            except ValueError as exc:
                raise BadBody("the request body is not valid JSON") from exc
            if not isinstance(decoded, dict):
                raise BadBody("the request body must be a JSON object")
            values.update(decoded)
            transport = "json"
        elif ctype == "multipart/form-data":
            values.update(_parse_multipart(content_type, body))
            transport = "multipart"
        else:
            form = body.decode("utf-8", "replace")
            values.update(parse_pairs(parse_qsl(form, keep_blank_values=True)))
            transport = "form"
    return Params(values, transport)


def atom(ts: float, tz: timezone) -> str:
    """An ATOM date with offset (``2026-03-03T11:52:46+01:00``), as the docs' ``time`` shows."""
    return datetime.fromtimestamp(ts, tz).isoformat(timespec="seconds")


def time_object(
    start: float,
    finish: float,
    processing: float,
    operating: float,
    reset_at: int,
    tz: timezone,
    *,
    whole_start: bool = False,
    with_operating: bool = True,
) -> dict[str, Any]:
    """The ``time`` member of platform.md §2: ``duration`` is exactly ``finish - start``.

    ``whole_start``: ``start`` as an integer, as current cloud portals and the docs' own examples
    print it; ``with_operating=False``: without ``operating``/``operating_reset_at``, as some
    answers come ("its set of fields may differ by method and environment").
    """
    begun: float = int(start) if whole_start else start
    out: dict[str, Any] = {
        "start": begun,
        "finish": finish,
        "duration": finish - begun,
        "processing": processing,
        "date_start": atom(begun, tz),
        "date_finish": atom(finish, tz),
    }
    if with_operating:
        out["operating_reset_at"] = reset_at
        out["operating"] = operating
    return out


def dumps(body: Any) -> bytes:
    """Compact JSON, UTF-8, like the portal's own encoder."""
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def bearer(header: str | None) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header."""
    if header and header[:7].lower() == "bearer ":
        return header[7:].strip() or None
    return None

"""A replay without vcrpy: `cassette.json` read once, its answers looked up by canonical key.

A replay needs neither vcrpy's patch of the HTTP stack nor the HTTP clients vcrpy imports to patch
them (aiohttp, httpx...: a third of a replay's start-up). The file is vcrpy's JSON serializer's
output, and the answer chosen is vcrpy's (`record_mode="none"`, `allow_playback_repeats=True`,
matched on method and `matching.key`): the first recorded answer to the same call, however often it
is asked. `tests/cover/test_cassettes.py` compares the two on every recorded request.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from b24conform.cassettes.layout import CASSETTE, CassetteOutOfDate
from b24conform.cassettes.matching import key, params_of
from b24conform.errors import UsageError
from b24conform.transport import Request, Response


@dataclass(frozen=True)
class RecordedRequest:
    """A request as `matching.key` reads it (vcrpy's names: `uri`, `headers` of lists)."""

    method: str
    uri: str
    body: str | bytes | None
    headers: dict[str, Any]

    @classmethod
    def sent(cls, request: Request) -> RecordedRequest:
        return cls(request.method, request.url, request.body, dict(request.headers))


@dataclass(frozen=True)
class RecordedAnswer:
    status: int
    headers: dict[str, str]
    body: bytes

    def response(self) -> Response:
        return Response(status=self.status, headers=dict(self.headers), body=self.body)


class ReplayTransport:
    """Answers each request from the cassette in `folder`; a request it lacks is
    `CassetteOutOfDate`, naming the call and the command that re-records it."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.answers: dict[tuple[str, str, str], RecordedAnswer] = {}
        for interaction in _interactions(folder):
            request, answer = interaction["request"], interaction["response"]
            recorded = RecordedRequest(
                request["method"], request["uri"], request.get("body"), request["headers"]
            )
            self.answers.setdefault(key(recorded), _answer(answer))

    def send(self, request: Request) -> Response:
        wanted = RecordedRequest.sent(request)
        found = self.answers.get(key(wanted))
        if found is None:
            raise self._out_of_date(wanted)
        return found.response()

    def close(self) -> None:
        pass

    def _out_of_date(self, request: RecordedRequest) -> CassetteOutOfDate:
        method = request.uri.rsplit("/", 1)[-1].split("?")[0]
        what = f" for {method} {json.dumps(params_of(request), sort_keys=True)[:120]}"
        return CassetteOutOfDate(
            f"cassette {self.folder} is out of date: no recorded answer{what}; "
            f"re-record with: b24conform run --webhook URL --record {self.folder}"
        )


def _answer(recorded: dict[str, Any]) -> RecordedAnswer:
    body = recorded["body"]["string"]
    headers = {name: ", ".join(values) for name, values in recorded.get("headers", {}).items()}
    return RecordedAnswer(
        recorded["status"]["code"],
        headers,
        body.encode("utf-8") if isinstance(body, str) else (body or b""),
    )


def _interactions(folder: Path) -> list[dict[str, Any]]:
    """The recorded exchanges; a cassette that cannot be read is a one-line UsageError."""
    path = folder / CASSETTE
    raw = path.read_bytes()
    if not raw.strip():
        raise UsageError(f"cassette {folder}: {path.name} is empty; re-record it")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise UsageError(f"cassette {folder}: {path.name} is not UTF-8 text") from None
    try:
        data = json.loads(text)
    except ValueError as exc:
        line = getattr(exc, "lineno", None)
        where = f" at line {line}" if line else ""
        raise UsageError(
            f"cassette {folder}: {path.name} is not valid JSON{where} (truncated?); re-record it"
        ) from None
    interactions = data.get("interactions") if isinstance(data, dict) else None
    if not isinstance(interactions, list) or not all(
        isinstance(i, dict) and "request" in i and "response" in i for i in interactions
    ):
        raise UsageError(
            f"cassette {folder}: {path.name} is not a vcrpy recording (no interactions list)"
        )
    return interactions

"""Request matching for replays: method, path and the parameters as Bitrix24 reads them.

vcrpy's default matching ignores the body, and Bitrix24 accepts `ID[]=3`, `ID[0]=3` and JSON
alike; a replay must find the recorded answer to the same call, however it was encoded.

vcrpy finds an answer by comparing the request with every recorded one, several times per
request: a replay's cost grew with the square of the cassette's size. `IndexedCassette` keeps the
recorded requests in a dict by their `key`, built once as the cassette loads (and extended as a
recording grows), so a look-up costs one canonical key whatever the cassette's size.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import unquote, urlsplit

from vcr.cassette import Cassette

from b24conform.transport.encoding import canonical_text, decode_query


def params_of(request: Any) -> dict[str, Any]:
    """The parameters of a recorded or live vcrpy request: query string plus body."""
    params: dict[str, Any] = decode_query(urlsplit(request.uri).query)
    body = request.body
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    if body:
        content_type = ""
        for name, value in request.headers.items():
            if name.lower() == "content-type":
                content_type = value if isinstance(value, str) else value[0]
        if "json" in content_type:
            try:
                loaded = json.loads(body)
            except ValueError:
                loaded = {"<body>": body}
            params.update(loaded if isinstance(loaded, dict) else {"<body>": loaded})
        else:
            params.update(decode_query(body))
    return params


def key(request: Any) -> tuple[str, str, str]:
    parts = urlsplit(request.uri)
    return (
        request.method,
        f"{parts.netloc}{unquote(parts.path)}",
        canonical_text(params_of(request)),
    )


def bitrix_matcher(r1: Any, r2: Any) -> None:
    """vcrpy matcher: raise AssertionError when the two requests are different calls."""
    if key(r1) != key(r2):
        raise AssertionError(f"{key(r1)} != {key(r2)}")


class IndexedCassette(Cassette):
    """A vcrpy cassette whose look-ups go through an index by `key` (same matches as
    `match_on=["method", "bitrix"]`: `key` starts with the HTTP method)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._by_key: dict[tuple[str, str, str], list[int]] = {}
        self._indexed = 0

    def _responses(self, request: Any) -> Iterator[tuple[int, Any]]:
        request = self._before_record_request(request)
        if not request:
            return
        for position in range(self._indexed, len(self.data)):
            self._by_key.setdefault(key(self.data[position][0]), []).append(position)
        self._indexed = len(self.data)
        for position in self._by_key.get(key(request), ()):
            yield position, self.data[position][1]

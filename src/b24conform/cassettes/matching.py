"""Request matching for replays: method, path and the parameters as Bitrix24 reads them.

vcrpy's default matching ignores the body, and Bitrix24 accepts `ID[]=3`, `ID[0]=3` and JSON
alike; a replay must find the recorded answer to the same call, however it was encoded.

`key` is what a look-up compares: a replay (`replay.py`) and a served cassette keep the recorded
requests in a dict by it, so a look-up costs one canonical key whatever the cassette's size.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote, urlsplit

from b24conform.transport.encoding import canonical_text, decode_multipart, decode_query


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
        if content_type.startswith("multipart/"):
            params.update(decode_multipart(content_type, body.encode("utf-8", "replace")))
        elif "json" in content_type:
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

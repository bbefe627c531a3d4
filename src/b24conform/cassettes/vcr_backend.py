"""What needs vcrpy: recording (its patch of the HTTP stack, its filters and persister), and the
vcrpy cassette a served cassette (`serve.py`) answers from.

Imported only when a recording starts or a cassette is served: importing vcrpy imports every
HTTP client it can patch (aiohttp, httpx, ...), which a replay does not need (`replay.py`).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import vcr
from vcr.cassette import Cassette
from vcr.persisters.filesystem import (
    CassetteDecodeError,
    CassetteNotFoundError,
    FilesystemPersister,
)

from b24conform.cassettes.matching import bitrix_matcher, key
from b24conform.cassettes.scrub import Scrubber
from b24conform.errors import UsageError


def _vcr(mode: str, scrubber: Scrubber | None) -> vcr.VCR:
    def before_request(request: Any) -> Any:
        if scrubber is not None:
            request.uri = scrubber.text(request.uri)
            if request.body:
                body = request.body
                text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
                text = scrubber.text(text)
                request.body = text.encode() if isinstance(body, bytes) else text
        return request

    def before_response(response: dict[str, Any]) -> dict[str, Any]:
        if scrubber is not None:
            response["body"]["string"] = scrubber.body(response["body"]["string"])
            headers = response.get("headers", {})
            for name in list(headers):
                if name.lower() in ("set-cookie", "content-length"):
                    del headers[name]
        return response

    recorder = vcr.VCR(
        serializer="compact-json",
        record_mode=mode,
        match_on=["method", "bitrix"],
        decode_compressed_response=True,
        filter_headers=["authorization", "cookie"],
        before_record_request=before_request,
        before_record_response=before_response,
        record_on_exception=False,
    )
    recorder.register_matcher("bitrix", bitrix_matcher)
    recorder.register_serializer("compact-json", CompactJson)
    recorder.register_persister(StrictPersister)
    return recorder


def _use_cassette(recorder: vcr.VCR, path: Path, **options: Any) -> Any:
    """`recorder.use_cassette(path)`, with the cassette indexed for look-ups (`IndexedCassette`)."""
    config = functools.partial(recorder.get_merged_config, path=str(path), **options)
    return IndexedCassette.use_arg_getter(config)


class StrictPersister(FilesystemPersister):
    """vcrpy's file persister, but a recording that exists and cannot be read is an error.

    vcrpy treats an empty or undecodable cassette as no cassette (and logs a traceback), and lets
    a parse error escape as a traceback; either way a replay would say "out of date" or crash.
    """

    @classmethod
    def load_cassette(cls, cassette_path: Any, serializer: Any) -> Any:
        path = Path(cassette_path)
        folder = path.parent
        try:
            return super().load_cassette(cassette_path, serializer)
        except CassetteNotFoundError:
            if path.is_file():
                raise UsageError(f"cassette {folder}: {path.name} is empty; re-record it") from None
            raise
        except CassetteDecodeError:
            raise UsageError(f"cassette {folder}: {path.name} is not UTF-8 text") from None
        except ValueError as exc:
            if path.is_file() and not path.read_bytes().strip():  # vcrpy < 9 gets here when empty
                raise UsageError(f"cassette {folder}: {path.name} is empty; re-record it") from None
            line = getattr(exc, "lineno", None)
            where = f" at line {line}" if line else ""
            raise UsageError(
                f"cassette {folder}: {path.name} is not valid JSON{where} (truncated?); re-record it"
            ) from None
        except (KeyError, TypeError, AttributeError):
            raise UsageError(
                f"cassette {folder}: {path.name} is not a vcrpy recording (no interactions list)"
            ) from None


class CompactJson:
    """vcrpy's JSON serializer without its four-space indent: a third smaller, still diffable."""

    @staticmethod
    def serialize(cassette: dict[str, Any]) -> str:
        return json.dumps(cassette, indent=1, ensure_ascii=False) + "\n"

    @staticmethod
    def deserialize(text: str) -> dict[str, Any]:
        return json.loads(text)


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

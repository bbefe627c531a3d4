"""Record and replay: a run's traffic in a vcrpy cassette, beside the frozen corpus it sent.

A cassette directory holds `cassette.json` (vcrpy, JSON serializer: the scrubbed exchanges),
`corpus.json` (the cases the run sent, in order, so a replay sends exactly the same requests
whatever Hypothesis version is installed) and `meta.json` (where and when it was recorded, the
placeholder credentials a replay uses). A recording is written to a temporary directory and
moved into place only when the run completes: a failed run never damages the cassette a team had.

Both are a `CassetteTransport` over the network transport, for the lifetime of a `with` block
(`replaying`, `recording`): the client above it applies the same rate limit, retries and budgets
as on any other target. vcrpy patches the HTTP stack for that block, so only network transports
(`RequestsTransport`) are recorded or replayed.
"""

from __future__ import annotations

import functools
import json
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import vcr
from vcr.errors import CannotOverwriteExistingCassetteException
from vcr.persisters.filesystem import (
    CassetteDecodeError,
    CassetteNotFoundError,
    FilesystemPersister,
)

from b24conform import __version__
from b24conform.cassettes.matching import IndexedCassette, bitrix_matcher, params_of
from b24conform.cassettes.scrub import Scrubber
from b24conform.errors import UsageError
from b24conform.transport import (
    Credentials,
    Request,
    Response,
    Transport,
    parse_oauth,
    parse_webhook,
)

FORMAT = "b24conform.cassette/1"
CASSETTE, CORPUS, META = "cassette.json", "corpus.json", "meta.json"
MAIN_PLACEHOLDER = "WEBHOOK_CODE"
TOKEN_PLACEHOLDER = "ACCESS_TOKEN"


class CassetteOutOfDate(UsageError):
    """A replay sent a request the cassette has no answer for."""


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


class CassetteTransport:
    """The transport of a replay or a recording: the inner transport, inside vcrpy's cassette.

    On a replay, a request the cassette lacks is a `CassetteOutOfDate` naming the call and the
    command that re-records it.
    """

    def __init__(self, inner: Transport, folder: Path) -> None:
        self.inner = inner
        self.folder = folder

    def send(self, request: Request) -> Response:
        try:
            return self.inner.send(request)
        except CannotOverwriteExistingCassetteException as exc:
            raise self._out_of_date(getattr(exc, "failed_request", None)) from None

    def close(self) -> None:
        self.inner.close()

    def _out_of_date(self, request: Any) -> CassetteOutOfDate:
        what = ""
        if request is not None:
            method = request.uri.rsplit("/", 1)[-1].split("?")[0]
            what = f" for {method} {json.dumps(params_of(request), sort_keys=True)[:120]}"
        return CassetteOutOfDate(
            f"cassette {self.folder} is out of date: no recorded answer{what}; "
            f"re-record with: b24conform run --webhook URL --record {self.folder}"
        )


# -- replay -------------------------------------------------------------------------------------


@contextmanager
def replaying(folder: Path, inner: Transport) -> Iterator[CassetteTransport]:
    """Answer every request of the block from the cassette in `folder`; nothing reaches a network."""
    with _use_cassette(_vcr("none", None), folder / CASSETTE, allow_playback_repeats=True):
        yield CassetteTransport(inner, folder)


def replay_credentials(meta: dict[str, Any]) -> tuple[Credentials, dict[str, Credentials]]:
    """The placeholder credentials a recording was made with: the main ones, and each role's."""
    if meta.get("kind") == "oauth":
        main = parse_oauth(
            meta["endpoint"].rsplit("/rest/", 1)[0], TOKEN_PLACEHOLDER, allow_insecure=True
        )
    else:
        main = parse_webhook(meta["endpoint"], allow_insecure=True)
    roles = {
        role: parse_webhook(url, allow_insecure=True) for role, url in meta.get("roles", {}).items()
    }
    return main, roles


def cassette_name(folder: Path, meta: dict[str, Any]) -> str:
    """A replay's target, named by the cassette (as the user gave it) and where it came from.

    The recorded host is kept only for a live recording: the reference portal's loopback port of
    the day it was recorded means nothing to a reader.
    """
    source = meta.get("source")
    if source == "reference":
        origin = "recorded from the reference portal"
    elif source == "docs-examples":
        origin = "the documentation's example answers"
    else:
        origin = f"recorded from {meta.get('target') or 'an unnamed portal'}"
    return f"cassette {folder} ({origin})"


def read_cassette(folder: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """meta.json and corpus.json of a cassette directory; a broken one is a one-line UsageError."""
    folder = Path(folder)
    if not folder.exists():
        raise UsageError(f"cassette {folder}: no such directory")
    if not folder.is_dir():
        raise UsageError(f"cassette {folder}: not a directory (give the cassette's directory)")
    for name in (META, CORPUS, CASSETTE):
        if not (folder / name).is_file():
            raise UsageError(f"cassette {folder}: no {name} (not a b24conform cassette directory)")
    try:
        meta = json.loads((folder / META).read_text(encoding="utf-8"))
        corpus = json.loads((folder / CORPUS).read_text(encoding="utf-8"))
    except (ValueError, OSError) as exc:
        raise UsageError(f"cassette {folder}: unreadable ({exc})") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT or not isinstance(corpus, dict):
        raise UsageError(f"cassette {folder}: not a {FORMAT} cassette")
    return meta, corpus


# -- recording ----------------------------------------------------------------------------------


class Recording:
    """A cassette being written; `complete(corpus)` keeps it when the block ends without error."""

    def __init__(self, transport: CassetteTransport) -> None:
        self.transport = transport
        self.corpus: dict[str, Any] | None = None

    def complete(self, corpus: dict[str, Any]) -> None:
        self.corpus = corpus


@contextmanager
def recording(
    destination: Path,
    inner: Transport,
    credentials: Credentials,
    roles: Mapping[str, Credentials],
    source: str,
) -> Iterator[Recording]:
    """Record every exchange of the block; swap the cassette into `destination` if completed.

    Secrets (the main credentials' and each role's) are replaced by placeholders and personal
    data by stable fakes before anything is written.
    """
    destination = Path(destination)
    if destination.exists() and not destination.is_dir():
        raise UsageError(f"--record {destination}: exists and is not a directory")
    placeholders = {
        credentials.secret: MAIN_PLACEHOLDER if credentials.kind == "webhook" else TOKEN_PLACEHOLDER
    }
    role_urls: dict[str, str] = {}
    for role, other in roles.items():
        placeholder = f"{role.upper()}_CODE"
        placeholders[other.secret] = placeholder
        role_urls[role] = other.with_secret(placeholder).method_url("")
    meta = {
        "format": FORMAT,
        "tool": {"name": "b24conform", "version": __version__},
        "recorded": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "source": source,
        "target": credentials.public_target,
        "kind": credentials.kind,
        "endpoint": credentials.with_secret(placeholders[credentials.secret]).method_url(""),
        "roles": role_urls,
    }
    try:
        destination.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{destination.name}.", dir=destination.parent))
    except (FileExistsError, NotADirectoryError):
        raise UsageError(f"--record {destination}: a part of that path is a file") from None
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise UsageError(f"--record {destination}: cannot create it ({reason})") from None
    try:
        staging.chmod(0o755)
        handle = Recording(CassetteTransport(inner, destination))
        with _use_cassette(_vcr("all", Scrubber(placeholders)), staging / CASSETTE):
            yield handle
        if handle.corpus is not None:
            (staging / META).write_text(json.dumps(meta, indent=2) + "\n")
            (staging / CORPUS).write_text(
                json.dumps(handle.corpus, indent=1, ensure_ascii=False) + "\n"
            )
            _swap_into_place(staging, destination)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _swap_into_place(staging: Path, destination: Path) -> None:
    """Replace the old cassette by the new one; the old one survives any failure before the swap."""
    if destination.exists():
        retired = destination.with_name(f".{destination.name}.old")
        shutil.rmtree(retired, ignore_errors=True)
        destination.rename(retired)
        staging.rename(destination)
        shutil.rmtree(retired, ignore_errors=True)
    else:
        destination.parent.mkdir(parents=True, exist_ok=True)
        staging.rename(destination)

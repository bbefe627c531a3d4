"""Record and replay: a run's traffic in a vcrpy cassette, beside the frozen corpus it sent.

A cassette directory holds `cassette.json` (vcrpy, JSON serializer: the scrubbed exchanges),
`corpus.json` (the cases the run sent, in order, so a replay sends exactly the same requests
whatever Hypothesis version is installed) and `meta.json` (where and when it was recorded, the
placeholder credentials a replay uses). A recording is written to a temporary directory and
moved into place only when the run completes: a failed run never damages the cassette a team had.

A recording is vcrpy patching the HTTP stack under the network transport for a `with` block
(`recording`, `vcr_backend.py`); a replay reads `cassette.json` itself (`replay.py`) and never
imports vcrpy, which imports every HTTP client it could patch. Either way the client above
applies the same rate limit, retries and budgets as on any other target.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from b24conform import __version__
from b24conform.cassettes.layout import (
    CASSETTE,
    CORPUS,
    FORMAT,
    MAIN_PLACEHOLDER,
    META,
    TOKEN_PLACEHOLDER,
    CassetteOutOfDate,
    cassette_name,
    read_cassette,
    replay_credentials,
)
from b24conform.cassettes.replay import ReplayTransport
from b24conform.errors import UsageError
from b24conform.transport import Credentials, Transport

__all__ = [
    "CASSETTE",
    "CORPUS",
    "FORMAT",
    "MAIN_PLACEHOLDER",
    "META",
    "TOKEN_PLACEHOLDER",
    "CassetteOutOfDate",
    "ReplayTransport",
    "cassette_name",
    "read_cassette",
    "recording",
    "replay_credentials",
    "replaying",
]


def replaying(folder: Path) -> ReplayTransport:
    """A transport answering every request from the cassette in `folder`; nothing reaches a
    network."""
    return ReplayTransport(Path(folder))


# -- recording ----------------------------------------------------------------------------------


class Recording:
    """A cassette being written; `complete(corpus)` keeps it when the block ends without error."""

    def __init__(self, transport: Transport) -> None:
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
        from b24conform.cassettes.scrub import Scrubber
        from b24conform.cassettes.vcr_backend import _use_cassette, _vcr

        # the network transport as it is: vcrpy records below it, in the HTTP stack it patches
        handle = Recording(inner)
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

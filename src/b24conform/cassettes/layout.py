"""A cassette directory's layout and reading it: no vcrpy here.

`cassette.json` (vcrpy's JSON serializer: the scrubbed exchanges), `corpus.json` (the cases the run
sent, in order) and `meta.json` (where and when it was recorded, the placeholder credentials).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from b24conform.errors import UsageError
from b24conform.transport import Credentials, parse_oauth, parse_webhook

FORMAT = "b24conform.cassette/1"
CASSETTE, CORPUS, META = "cassette.json", "corpus.json", "meta.json"
MAIN_PLACEHOLDER = "WEBHOOK_CODE"
TOKEN_PLACEHOLDER = "ACCESS_TOKEN"


class CassetteOutOfDate(UsageError):
    """A replay sent a request the cassette has no answer for."""


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

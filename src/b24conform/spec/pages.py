"""The documentation pages a doc reference can name, from the docs folder's index (`pages.json`).

A `DocRef.source` is the name of a file in `docs/bitrix/` (`000_5d603a129c77dabe.txt`,
`platform.md`): exact, but meaningless to a reader. The index gives each page its title, the
revision it documents and its public address where one is known, so reports cite pages the way
a person looks them up. A source the index lacks keeps its file name as its title.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path


@dataclass(frozen=True)
class Page:
    """One documentation page as a reader finds it."""

    source: str
    title: str
    revision: str | None = None
    url: str | None = None
    #: why there is no public address (None when there is one, or nobody said)
    no_url: str | None = None


def docs_root() -> Path:
    """The installed copy of `docs/bitrix/` if there is one, else the source tree's."""
    packaged = Path(__file__).resolve().parent.parent / "_data" / "docs"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[3] / "docs" / "bitrix"


@cache
def pages() -> dict[str, Page]:
    """Every page of the index, by source name (empty if the index cannot be read)."""
    try:
        index = json.loads((docs_root() / "pages.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {
        source: Page(
            source=source,
            title=str(entry.get("title") or source),
            revision=entry.get("revision"),
            url=entry.get("url"),
            no_url=entry.get("no_url"),
        )
        for source, entry in (index.get("pages") or {}).items()
        if isinstance(entry, dict)
    }


def page(source: str) -> Page:
    """The page a doc reference's `source` names; an unknown one keeps its file name as title."""
    return pages().get(source) or Page(source=source, title=source)

"""Deviations in words: the one place that turns a deviation (as in `deviations.json`) into text.

The terminal summary, `b24conform diff`, the JUnit file, the pytest plugin and the HTML report all
say the same things the same way, from here:

- a doc reference is cited by the page's title and section (`pages.json` of the docs folder),
  never by the seed file's hashed name, with the page's public address where one is known;
- a location is given first, then the documented claim it contradicts, in that order everywhere;
  a location inside the docs (`doc:<source>#<section>/<pointer>`) reads as "page § section, at
  /pointer";
- a field that is not there is "absent", a field that is there with the value null is "null";
- counts agree with their nouns ("1 error", "2 warnings", "5 info").
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from b24conform.spec.pages import Page, page

ABSENT = "absent"
#: nouns whose plural is the same word
_UNCOUNTED = {"info"}


def plural(n: int, noun: str, nouns: str | None = None) -> str:
    """`n` and the noun in the number that agrees with it: "1 error", "0 errors", "3 info"."""
    if n == 1 or noun in _UNCOUNTED:
        return f"{n} {noun}"
    return f"{n} {nouns or noun + 's'}"


def severity_counts(summary: Mapping[str, Any]) -> str:
    """'1 error, 0 warnings, 5 info' for a document's summary."""
    return ", ".join(
        plural(int(summary.get(sev) or 0), sev) for sev in ("error", "warning", "info")
    )


# -- the documentation ---------------------------------------------------------------------------


def doc_page(doc: Mapping[str, Any] | None) -> Page | None:
    """The page a doc reference points to (None when the reference has no source)."""
    source = (doc or {}).get("source")
    return page(str(source)) if source else None


def cite(doc: Mapping[str, Any] | None) -> str:
    """'Page title § Section': where a reader finds the claim."""
    found = doc_page(doc)
    if found is None:
        return "no documentation reference"
    section = (doc or {}).get("section")
    return f"{found.title} § {section}" if section else found.title


def quoted(doc: Mapping[str, Any] | None) -> str:
    """The cited claim in quotes, followed by where it stands."""
    quote = str((doc or {}).get("quote") or "").strip()
    return f"“{quote}” ({cite(doc)})" if quote else cite(doc)


def split_doc_location(location: str) -> tuple[str, str, str] | None:
    """`doc:<source>#<section><pointer>` as (source, section, pointer); None for other locations.

    The pointer is what follows the section's first "/" (sections name headings, which carry no
    slash in the pages indexed).
    """
    if not location.startswith("doc:") or "#" not in location:
        return None
    source, rest = location[4:].split("#", 1)
    section, slash, pointer = rest.partition("/")
    return source, section, slash + pointer


def where(location: Any) -> str:
    """A location for a reader: answer locations as they are, doc locations by page title."""
    text = str(location or "")
    parts = split_doc_location(text)
    if parts is None:
        return text or "?"
    source, section, pointer = parts
    place = cite({"source": source, "section": section})
    return f"{place}, at {pointer}" if pointer else place


# -- values --------------------------------------------------------------------------------------


def compact(value: Any) -> str:
    """One-line JSON."""
    return json.dumps(value, ensure_ascii=False, default=str)


def is_absent(deviation: Mapping[str, Any]) -> bool:
    """Whether the deviation's actual value is a field that is not there (not a null)."""
    return deviation.get("kind") == "missing_field" and deviation.get("actual") is None


def actual_text(deviation: Mapping[str, Any]) -> str:
    """The actual value in words: "absent" for a missing field, JSON otherwise (so null is null)."""
    return ABSENT if is_absent(deviation) else compact(deviation.get("actual"))


# -- whole deviations ----------------------------------------------------------------------------


def headline(deviation: Mapping[str, Any]) -> str:
    """One line: severity, method, check, message, then the location in brackets."""
    return (
        f"{deviation.get('severity', '?'):7} {deviation.get('method')} {deviation.get('check')}: "
        f"{deviation.get('message')} [{where(deviation.get('location'))}]"
    )


def times(n: Any) -> str:
    return "once" if n in (None, 1) else f"{n} times"


def describe(deviation: Mapping[str, Any]) -> str:
    """A deviation as an indented block: location, expected/actual, the claim, how to reproduce."""
    lines = [
        f"[{deviation.get('severity')}] {deviation.get('kind')} at {where(deviation.get('location'))}: "
        f"{deviation.get('message')}",
        f"  expected:  {compact(deviation.get('expected'))}",
        f"  actual:    {actual_text(deviation)}",
        f"  docs:      {quoted(deviation.get('doc'))}",
    ]
    url = (doc_page(deviation.get("doc")) or Page("", "")).url
    if url:
        lines.append(f"  page:      {url}")
    lines.append(
        f"  seen:      {times(deviation.get('occurrences'))}, "
        f"{'known in the baseline' if deviation.get('baseline') == 'known' else 'new'}"
    )
    if deviation.get("accepted_reason"):
        lines.append(f"  accepted:  {deviation['accepted_reason']}")
    if deviation.get("reproduce"):
        lines.append(f"  reproduce: {deviation['reproduce']}")
    return "\n".join(lines)

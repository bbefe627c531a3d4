"""The HTML report: one self-contained file (inline CSS, inline SVG, a little inline JavaScript).

Readable without JavaScript (sections, <details> for collapsing); the script only adds filtering
(by toggling a class on existing rows, never re-rendering), expand/collapse-all and copy buttons.
Jinja2 autoescapes everything; the one place that builds HTML by hand (`json_html`, the JSON
viewer that marks a deviation's location) escapes every piece of text it emits.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jinja2 import Environment, FileSystemLoader, Undefined, select_autoescape
from markupsafe import Markup, escape

from b24conform import __version__
from b24conform.deviations import (
    SEVERITIES,
    blocks,
    not_checked_count,
    not_checked_reasons,
    verdict,
)
from b24conform.report.json import fail_on, ordered
from b24conform.report.text import cite, compact, doc_page, plural, split_doc_location, where

TEMPLATES = Path(__file__).parent / "templates"
COVERAGE_ORDER = {"parameter": 0, "field": 1, "error": 2, "rule": 3}
COVERAGE_STATUSES = ("passed", "not_exercised", "failed")
OPEN_ALL_UP_TO = 25  # deviations shown expanded when there are at most this many
MAX_STRING = 4000  # a longer string in a JSON value is cut (the JSON log keeps it whole)
MAX_ITEMS = 60  # list items / object members shown per level
MAX_DEPTH = 12
INLINE_WIDTH = 72  # containers of scalars up to this many characters print on one line
MAX_NOT_CHECKED_LISTED = 200


@lru_cache(maxsize=1)
def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["json_html"] = json_html
    env.filters["located"] = located_html
    env.filters["compact"] = compact
    env.filters["cite"] = cite
    env.filters["page"] = doc_page
    env.filters["where"] = where
    env.filters["breakable"] = breakable
    env.globals["plural"] = plural
    env.filters["duration"] = _duration
    env.filters["when"] = _when
    return env


@lru_cache(maxsize=1)
def _asset(name: str) -> Markup:
    # CSS and JS are ours, read verbatim (not Jinja templates, so braces need no escaping).
    return Markup((TEMPLATES / name).read_text(encoding="utf-8"))


def render_html(document: dict[str, Any]) -> str:
    """The document as a self-contained HTML page."""
    template = _environment().get_template("report.html.j2")
    return template.render(
        **build_view(document),
        css=_asset("report.css"),
        js=_asset("report.js"),
    )


# -- the view model ----------------------------------------------------------------------------


def host_only(target: Any) -> str:
    """The portal's host (and port), whatever the target string carries (a URL, a path, userinfo).

    A description in words ("reference portal", "cassette cassettes/acme (recorded from …)") is
    kept as it is, less any `/rest/…` tail a hand-edited log might carry.
    """
    if not target:
        return "unknown"
    text = str(target).strip()
    if " " in text and "://" not in text:
        return re.sub(r"/rest/\S*", "", text)
    if "://" in text:
        parts = urlsplit(text)
        host = parts.hostname or ""
        try:
            port = parts.port
        except ValueError:
            port = None
        return f"{host}:{port}" if port else host or "unknown"
    text = text.split("/", 1)[0]
    return text.rsplit("@", 1)[-1] or "unknown"


def build_view(document: dict[str, Any]) -> dict[str, Any]:
    run = dict(document.get("run") or {})
    threshold = fail_on(document)
    all_devs = ordered([d for d in document.get("deviations") or [] if isinstance(d, dict)])
    api_devs = [d for d in all_devs if d.get("kind") != "docs_inconsistency"]
    doc_devs = [d for d in all_devs if d.get("kind") == "docs_inconsistency"]
    fixed = ordered([d for d in document.get("fixed") or [] if isinstance(d, dict)])

    by_severity = Counter(d.get("severity") for d in all_devs)
    by_kind: dict[str, Counter[str]] = {}
    for d in all_devs:
        by_kind.setdefault(str(d.get("kind")), Counter())[str(d.get("severity"))] += 1
    kinds = sorted(by_kind, key=lambda k: (-sum(by_kind[k].values()), k))
    methods = sorted({str(d.get("method")) for d in all_devs})
    by_method = []
    run_methods = [str(m) for m in run.get("methods") or []]
    for method in run_methods + [m for m in methods if m not in run_methods]:
        devs = [d for d in all_devs if d.get("method") == method]
        c = Counter(d.get("severity") for d in devs)
        by_method.append(
            {
                "method": method,
                "error": c["error"],
                "warning": c["warning"],
                "info": c["info"],
                "new": sum(d.get("baseline") != "known" for d in devs),
            }
        )
    blocking = [d for d in all_devs if blocks(d, threshold)]
    has_baseline = bool(run.get("baseline")) or any(d.get("baseline") == "known" for d in all_devs)

    return {
        "version": __version__,
        "tool": document.get("tool") or {},
        "format": document.get("format"),
        "run": run,
        "target": host_only(run.get("target")),
        "revision": run.get("revision"),
        "summary": document.get("summary") or {},
        "threshold": threshold,
        "blocking": blocking,
        "has_baseline": has_baseline,
        "severities": SEVERITIES,
        "by_severity": {s: by_severity.get(s, 0) for s in SEVERITIES},
        "new_count": sum(d.get("baseline") != "known" for d in all_devs),
        "known_count": sum(d.get("baseline") == "known" for d in all_devs),
        "total": len(all_devs),
        "kinds": kinds,
        "by_kind": by_kind,
        "chart": kind_chart(by_kind, kinds),
        "methods": methods,
        "by_method": by_method,
        "deviations": api_devs,
        "doc_deviations": doc_devs,
        "doc_groups": doc_groups(doc_devs, str(run.get("docs") or "current")),
        "judged_label": revision_label(str(run.get("docs") or "current")).replace(
            "The ", "the ", 1
        ),
        "open_all": len(all_devs) <= OPEN_ALL_UP_TO,
        "fixed": fixed,
        "observations": sorted(
            [o for o in document.get("observations") or [] if isinstance(o, dict)],
            key=lambda o: (0 if o.get("changed") else 1, str(o.get("method")), str(o.get("probe"))),
        ),
        "coverage": coverage_view(document.get("coverage") or []),
        "has_coverage": "coverage" in document,
        "checks": checks_view(document.get("checks") or [], all_devs, threshold),
        "has_checks": "checks" in document,
        "not_checked": not_checked_view(document.get("not_checked") or []),
        "not_planned": [e for e in document.get("not_planned") or [] if isinstance(e, dict)],
        "not_checked_count": not_checked_count(document),
        "not_checked_reasons": sorted(not_checked_reasons(document).items(), key=lambda r: -r[1]),
        "verdict": verdict(document, threshold),
    }


def revision_label(revision: str) -> str:
    """'current' → 'The current documentation', 'rev18' → 'Revision 18'."""
    if revision.startswith("rev") and revision[3:].isdigit():
        return f"Revision {revision[3:]}"
    return f"The {revision} documentation"


def doc_groups(deviations: list[dict[str, Any]], judged: str) -> list[dict[str, Any]]:
    """The docs' contradictions grouped by the revision of the page they were found in.

    The judged revision comes first. The docs are checked against themselves in every revision
    a method has, whichever one the portal is judged against, so a group of another revision
    carries a note that says why it is listed.
    """
    groups: dict[str, list[dict[str, Any]]] = {}
    for d in deviations:
        parts = split_doc_location(str(d.get("location") or ""))
        found = doc_page({"source": parts[0]}) if parts else doc_page(d.get("doc"))
        revision = (found.revision if found else None) or judged
        groups.setdefault(revision, []).append(d)
    order = sorted(groups, key=lambda r: (r != judged, r != "current", r))
    return [
        {
            "revision": revision,
            "label": revision_label(revision),
            "judged": revision == judged,
            "deviations": groups[revision],
        }
        for revision in order
    ]


def kind_chart(by_kind: dict[str, Counter[str]], kinds: list[str]) -> dict[str, Any]:
    """Geometry of the inline SVG bar chart: one bar per kind, stacked by severity."""
    label_w, bar_w, row_h, count_w = 190, 330, 24, 56
    peak = max((sum(c.values()) for c in by_kind.values()), default=0) or 1
    rows = []
    for i, kind in enumerate(kinds):
        x = label_w
        segments = []
        for sev in SEVERITIES:
            n = by_kind[kind].get(sev, 0)
            if not n:
                continue
            w = max(2.0, bar_w * n / peak)
            segments.append({"x": round(x, 1), "w": round(w, 1), "severity": sev, "n": n})
            x += w
        rows.append(
            {
                "kind": kind,
                "y": i * row_h,
                "total": sum(by_kind[kind].values()),
                "segments": segments,
                "end": round(x, 1),
            }
        )
    return {
        "rows": rows,
        "width": label_w + bar_w + count_w,
        "height": max(row_h * len(rows), row_h),
        "row_h": row_h,
        "label_w": label_w,
    }


def coverage_view(items: list[Any]) -> list[dict[str, Any]]:
    """Per method: the documented items (with their status bar), then the request pairs."""
    methods: dict[str, list[dict[str, Any]]] = {}
    for item in items:
        if isinstance(item, dict):
            methods.setdefault(str(item.get("method")), []).append(item)
    view = []
    for method, every in methods.items():
        pairs = [r for r in every if r.get("category") == "pair"]
        rows = [r for r in every if r.get("category") != "pair"]
        rows = sorted(rows, key=lambda r: COVERAGE_ORDER.get(str(r.get("category")), 9))
        counts = Counter(str(r.get("status")) for r in rows)
        total = len(rows) or 1
        view.append(
            {
                "method": method,
                "rows": rows,
                "counts": {s: counts.get(s, 0) for s in COVERAGE_STATUSES},
                "share": {s: round(100 * counts.get(s, 0) / total, 2) for s in COVERAGE_STATUSES},
                "total": len(rows),
                # pairs not sent first: they are what a reader looks for
                "pairs": sorted(pairs, key=lambda r: r.get("status") != "not_exercised"),
                "pairs_sent": sum(r.get("status") != "not_exercised" for r in pairs),
            }
        )
    return view


def checks_view(
    checks: list[Any], deviations: list[dict[str, Any]], threshold: str
) -> list[dict[str, Any]]:
    counts: Counter[tuple[str, str]] = Counter()
    failing: Counter[tuple[str, str]] = Counter()
    for d in deviations:
        key = (str(d.get("method")), str(d.get("check")))
        counts[key] += 1
        failing[key] += blocks(d, threshold)
    rows = []
    for c in checks:
        if not isinstance(c, dict):
            continue
        key = (str(c.get("method")), str(c.get("check")))
        rows.append({**c, "deviations": counts.get(key, 0), "failing": failing.get(key, 0)})
    return rows


def not_checked_view(entries: list[Any]) -> dict[str, Any]:
    groups: Counter[tuple[str, str]] = Counter()
    for e in entries:
        if isinstance(e, dict):
            groups[(str(e.get("method")), str(e.get("reason", "unknown")))] += 1
    listed = [e for e in entries if isinstance(e, dict)][:MAX_NOT_CHECKED_LISTED]
    return {
        "groups": [{"method": m, "reason": r, "count": n} for (m, r), n in sorted(groups.items())],
        "listed": listed,
        "more": max(0, len(entries) - len(listed)),
    }


# -- filters -----------------------------------------------------------------------------------


def breakable(text: Any) -> Markup:
    """Text that may wrap after a dot, slash or underscore (`im.department.<wbr>get`): a narrow
    table column breaks names where a reader expects, not in the middle of a word."""
    return Markup("<wbr>").join(escape(part) for part in re.split(r"(?<=[./_])", str(text)))


def _duration(seconds: Any) -> str:
    if isinstance(seconds, (Undefined, bool)):
        return "—"
    try:
        s = float(seconds)
    except (TypeError, ValueError):
        return "—"
    if s < 60:
        return f"{s:.1f} s"
    minutes, rest = divmod(round(s), 60)
    if minutes < 60:
        return f"{minutes} min {rest} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min"


def _when(value: Any) -> str:
    if not value:
        return "—"
    text = str(value)
    return text.replace("T", " ", 1).replace("+00:00", " UTC").replace("Z", " UTC")


def _scalar(value: Any) -> Markup:
    if isinstance(value, str) and len(value) > MAX_STRING:
        cut = json.dumps(value[:MAX_STRING], ensure_ascii=False)[:-1]
        return Markup('<span class="j-s">{}</span><span class="j-cut">… ({} chars)"</span>').format(
            cut, len(value)
        )
    text = json.dumps(value, ensure_ascii=False, default=str)
    cls = {
        str: "j-s",
        bool: "j-b",
        type(None): "j-n",
    }.get(type(value), "j-d" if isinstance(value, (int, float)) else "j-s")
    return Markup('<span class="{}">{}</span>').format(cls, text)


def _fits_line(value: Any) -> bool:
    """Small enough to print on one line."""
    if not isinstance(value, (dict, list)):
        return True
    return len(json.dumps(value, ensure_ascii=False, default=str)) <= INLINE_WIDTH


def _inline(value: Any) -> Markup:
    if isinstance(value, dict):
        members = [
            Markup('<span class="j-k">{}</span>: {}').format(
                json.dumps(str(k), ensure_ascii=False), _inline(v)
            )
            for k, v in value.items()
        ]
        return Markup("{") + Markup(", ").join(members) + Markup("}")
    if isinstance(value, list):
        return Markup("[") + Markup(", ").join(_inline(v) for v in value) + Markup("]")
    return _scalar(value)


def _pp(value: Any, indent: int, mark_key: str | None = None, depth: int = 0) -> Markup:
    """Pretty-printed JSON as escaped HTML; `mark_key` marks one member of an object."""
    pad = "  " * indent
    inner = "  " * (indent + 1)
    if depth > MAX_DEPTH and isinstance(value, (dict, list)):
        return Markup('<span class="j-cut">…</span>')
    if mark_key is None and _fits_line(value):
        return _inline(value)
    if isinstance(value, dict):
        if not value:
            return Markup("{}")
        parts = []
        items = list(value.items())
        for key, member in items[:MAX_ITEMS]:
            line = Markup('{}<span class="j-k">{}</span>: {}').format(
                inner,
                json.dumps(str(key), ensure_ascii=False),
                _pp(member, indent + 1, None, depth + 1),
            )
            if mark_key is not None and str(key) == mark_key:
                line = Markup('<mark class="loc">{}</mark>').format(line)
            parts.append(line)
        if len(items) > MAX_ITEMS:
            parts.append(
                Markup('{}<span class="j-cut">… {} more</span>').format(
                    inner, len(items) - MAX_ITEMS
                )
            )
        return Markup("{\n") + Markup(",\n").join(parts) + Markup("\n{}}}").format(pad)
    if isinstance(value, list):
        if not value:
            return Markup("[]")
        parts = [
            Markup("{}{}").format(inner, _pp(item, indent + 1, None, depth + 1))
            for item in value[:MAX_ITEMS]
        ]
        if len(value) > MAX_ITEMS:
            parts.append(
                Markup('{}<span class="j-cut">… {} more</span>').format(
                    inner, len(value) - MAX_ITEMS
                )
            )
        return Markup("[\n") + Markup(",\n").join(parts) + Markup("\n{}]").format(pad)
    return _scalar(value)


def json_html(value: Any) -> Markup:
    """A JSON value, pretty-printed and syntax-coloured, as safe HTML."""
    return _pp(value, 0)


def _segments(pointer: str) -> list[str]:
    return [s.replace("~1", "/").replace("~0", "~") for s in pointer.split("/")[1:]]


def located_html(actual: Any, location: Any, kind: Any = None) -> Markup:
    """The actual value shown where it sits in the answer, its location marked.

    A JSON pointer becomes the skeleton of the answer down to the location (`[*]` for any array
    index or id key, `…` for the members left out), with the actual value marked at the end; if
    the actual value is the object holding the location, that member is marked inside it.
    `status`, `header:NAME` and `body` are shown as what they are.
    """
    loc = str(location or "")
    missing = kind == "missing_field"
    if loc == "status":
        if isinstance(actual, dict) and "status" in actual:
            return _pp(actual, 0, mark_key="status")
        return Markup('HTTP <mark class="loc">{}</mark>').format(_scalar(actual))
    if loc.startswith("header:"):
        name = loc.split(":", 1)[1]
        shown = Markup('<span class="j-n">(absent)</span>') if actual is None else escape(actual)
        return Markup('<span class="j-k">{}</span>: <mark class="loc">{}</mark>').format(
            name, shown
        )
    if loc == "body":
        if isinstance(actual, str):
            return Markup('<mark class="loc">{}</mark>').format(
                actual if len(actual) <= MAX_STRING else actual[:MAX_STRING] + "…"
            )
        return Markup('<mark class="loc">{}</mark>').format(_pp(actual, 0))
    if not loc.startswith("/"):
        return _pp(actual, 0)
    segments = _segments(loc)
    leaf = segments[-1] if segments else ""
    holder = isinstance(actual, dict) and leaf not in ("", "*") and leaf in actual
    path = segments[:-1] if holder else segments
    # Group "*" segments with the key before them: ["result", "*", "x"] -> [("result", 1), ("x", 0)]
    keys: list[tuple[str | None, int]] = []
    for seg in path:
        if seg == "*" and keys:
            keys[-1] = (keys[-1][0], keys[-1][1] + 1)
        elif seg == "*":
            keys.append((None, 1))
        else:
            keys.append((seg, 0))
    lines: list[Markup] = []
    depth = 0
    for n, (key, stars) in enumerate(keys):
        last = n == len(keys) - 1
        label = Markup("")
        if key is not None:
            label = Markup('<span class="j-k">{}</span>').format(
                json.dumps(key, ensure_ascii=False)
            )
        if stars:
            label += Markup('<span class="j-w">{}</span>').format("[*]" * stars)
        pad = "  " * (depth + 1)
        if n == 0:
            lines.append(Markup("{"))
        lines.append(Markup('{}<span class="j-cut">…</span>').format(pad))
        if last and not holder:
            if missing:
                shown = Markup('<span class="j-n">(absent)</span>')
            else:
                shown = _pp(actual, depth + 1)
            lines.append(Markup('{}<mark class="loc">{}: {}</mark>').format(pad, label, shown))
        elif last:
            lines.append(
                Markup("{}{}: {}").format(pad, label, _pp(actual, depth + 1, mark_key=leaf))
            )
        else:
            lines.append(Markup("{}{}: {{").format(pad, label))
        depth += 1
    if not keys:  # the pointer is "" or "/x" with the actual object holding x
        return _pp(actual, 0, mark_key=leaf if holder else None)
    for d in range(depth - 1, 0, -1):
        lines.append(Markup("{}}}").format("  " * d))
    lines.append(Markup("}"))
    return Markup("\n").join(lines)

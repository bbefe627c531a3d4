"""The outcome document as JSON: reading and validating a `deviations.json`, writing one, and the
few rules the renderers share (severity order, what fails the gate).

The report layer knows nothing of checks or transports: everything it shows comes from the
document, so a report can be rebuilt from a log alone.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from b24conform.defaults import DEFAULTS
from b24conform.deviations import FAIL_ON, FORMAT, SEVERITY_RANK
from b24conform.errors import UsageError

DEFAULT_FAIL_ON = DEFAULTS.fail_on

_REQUIRED_DEVIATION = ("id", "method", "check", "kind", "severity", "location", "message")
_LISTS = ("deviations", "observations", "checks", "coverage", "fixed", "not_checked")


class ReportError(UsageError):
    """A report could not be read or written; the message is one line for the user."""


def dumps(document: dict[str, Any]) -> str:
    """The document as `deviations.json` text (stable key order as given, UTF-8, indented)."""
    return json.dumps(document, ensure_ascii=False, indent=2, default=str) + "\n"


def load_document(path: Path) -> dict[str, Any]:
    """Read and validate a `deviations.json`; a bad file raises a one-line `ReportError`."""
    path = Path(path)

    def bad(reason: str) -> ReportError:
        return ReportError(f"{path}: not a b24conform deviations log ({reason})")

    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise bad("no such file") from None
    except IsADirectoryError:
        raise bad("is a directory") from None
    except UnicodeDecodeError:
        raise bad("not UTF-8 text") from None
    except OSError as exc:
        raise bad(f"cannot read: {exc.strerror or exc}") from None
    try:
        document = json.loads(text)
    except ValueError as exc:
        line = getattr(exc, "lineno", None)
        raise bad(f"invalid JSON at line {line}" if line else "invalid JSON") from None
    problem = validate(document)
    if problem:
        raise bad(problem)
    return document


def validate(document: Any) -> str | None:
    """Why `document` is not an outcome document, or None when it is one."""
    if not isinstance(document, dict):
        return f"top level is {_type(document)}, not an object"
    fmt = document.get("format")
    if fmt != FORMAT:
        return f"format is {fmt!r}, expected {FORMAT!r}" if fmt else "no 'format' member"
    if not isinstance(document.get("run"), dict):
        return "'run' is missing or not an object"
    if "deviations" not in document:
        return "no 'deviations' member"
    for name in _LISTS:
        if name in document and not isinstance(document[name], list):
            return f"'{name}' is {_type(document[name])}, not a list"
    if "summary" in document and not isinstance(document["summary"], dict):
        return "'summary' is not an object"
    for section in ("deviations", "fixed"):
        for i, dev in enumerate(document.get(section) or []):
            if not isinstance(dev, dict):
                return f"{section}[{i}] is {_type(dev)}, not an object"
            missing = [k for k in _REQUIRED_DEVIATION if k not in dev]
            if missing:
                return f"{section}[{i}] lacks {', '.join(missing)}"
            if dev["severity"] not in SEVERITY_RANK:
                return f"{section}[{i}] has unknown severity {dev['severity']!r}"
    for section in ("checks", "coverage", "observations", "not_checked"):
        for i, entry in enumerate(document.get(section) or []):
            if not isinstance(entry, dict):
                return f"{section}[{i}] is {_type(entry)}, not an object"
    fail_on = document["run"].get("fail_on")
    if fail_on is not None and fail_on not in FAIL_ON:
        return f"run.fail_on is {fail_on!r}, expected one of {', '.join(FAIL_ON)}"
    return None


def _type(value: Any) -> str:
    return {
        dict: "an object",
        list: "a list",
        str: "a string",
        int: "a number",
        float: "a number",
        bool: "a boolean",
        type(None): "null",
    }.get(type(value), type(value).__name__)


# -- rules shared by the renderers ----------------------------------------------------------------


def fail_on(document: dict[str, Any]) -> str:
    value = (document.get("run") or {}).get("fail_on") or DEFAULT_FAIL_ON
    return value if value in FAIL_ON else DEFAULT_FAIL_ON


def ordered(deviations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Most severe first, new before known, then method, check, kind, location."""
    return sorted(
        deviations,
        key=lambda d: (
            SEVERITY_RANK.get(d.get("severity", ""), 9),
            d.get("baseline") == "known",
            str(d.get("method", "")),
            str(d.get("check", "")),
            str(d.get("kind", "")),
            str(d.get("location", "")),
        ),
    )

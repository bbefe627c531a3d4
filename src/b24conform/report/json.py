"""The outcome document as JSON: reading and validating a `deviations.json`, writing one, and the
few rules the renderers share (severity order, what fails the gate).

The report layer knows nothing of checks or transports: everything it shows comes from the
document, so a report can be rebuilt from a log alone.
"""

from __future__ import annotations

import functools
import json
from importlib import resources
from pathlib import Path
from typing import Any

from b24conform.defaults import DEFAULTS, FAIL_ON
from b24conform.deviations import SEVERITY_RANK
from b24conform.errors import UsageError
from b24conform.spec.validation import surely_valid

DEFAULT_FAIL_ON = DEFAULTS.fail_on


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
    """Why `document` is not an outcome document (by the shipped JSON Schema), or None.

    jsonschema-rs says whether it is valid (a default run's log in ~1 ms, not jsonschema's
    ~120 ms); jsonschema says why not, when it is not."""
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import best_match

    if surely_valid(_fast_validator(), document):
        return None
    error = best_match(Draft202012Validator(schema()).iter_errors(document))
    if error is None:
        return None
    where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)
    return f"{where.lstrip('.') or 'top level'}: {_message(error)}"


@functools.cache
def _fast_validator() -> Any:
    import jsonschema_rs

    return jsonschema_rs.Draft202012Validator(schema(), validate_formats=False)


def _message(error: Any) -> str:
    """jsonschema's message, without echoing a whole object or list back at the user."""
    if error.validator == "required":
        return error.message
    if error.validator == "type":
        wanted = (
            error.validator_value
            if isinstance(error.validator_value, list)
            else [error.validator_value]
        )
        return (
            f"is {_type(error.instance)}, not {' or '.join(_JSON_TYPES.get(t, t) for t in wanted)}"
        )
    if error.validator in ("enum", "const"):
        allowed = error.validator_value if error.validator == "enum" else [error.validator_value]
        return f"is {error.instance!r}, expected {' or '.join(map(repr, allowed))}"
    return error.message[:200]


_JSON_TYPES = {
    "object": "an object",
    "array": "a list",
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "a boolean",
}


@functools.cache
def schema() -> dict[str, Any]:
    """The JSON Schema of `b24conform.deviations/1`, shipped in the package."""
    text = resources.files("b24conform").joinpath("schemas/deviations.schema.json").read_text()
    return json.loads(text)


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

"""Realistic outcome documents (`b24conform.deviations/1` + extensions) for the report tests.

Deterministic: the same arguments give the same document. `sample_document()` has several
methods, every severity, several kinds, doc quotes from the seed files, observations (one changed
since the baseline), coverage, fixed deviations, not-checked cases, and a portal value carrying
`<script>alert(1)</script>` (the report must show it as text, never run it).
"""

from __future__ import annotations

import hashlib
import json
import shlex
from typing import Any

HOSTILE = "<script>alert(1)</script>"
#: The ids of the report's sections, in page order.
SECTIONS = (
    "summary",
    "deviations",
    "docs-inconsistencies",
    "observations",
    "coverage",
    "checks",
    "not-checked",
    "fixed",
)
HOST = "acme.bitrix24.com"
METHODS = (
    "im.department.get",
    "im.department.managers.get",
    "im.department.employees.get",
    "im.department.colleagues.list",
)
DEPT_DOC = "000_5d603a129c77dabe.txt"
SIBLINGS_DOC = "003_83a7d5f0caab7084.txt"
PLATFORM_DOC = "platform.md"

# (check, kind, severity, location, message, expected, actual, doc)
_TEMPLATES: list[tuple[str, str, str, str, str, Any, Any, dict[str, str]]] = [
    (
        "response_schema",
        "type_mismatch",
        "error",
        "/result/*/manager_user_id",
        "manager_user_id is a string, the docs say integer",
        {"type": "integer"},
        "103",
        {
            "source": DEPT_DOC,
            "section": "Department Object",
            "quote": "manager_user_id | integer | Identifier of the department head",
        },
    ),
    (
        "response_schema",
        "missing_field",
        "error",
        "/result/*/full_name",
        "full_name is missing from a department",
        {"type": "string"},
        None,
        {
            "source": DEPT_DOC,
            "section": "Department Object",
            "quote": "full_name | Full name of the department in the company structure",
        },
    ),
    (
        "response_schema",
        "undocumented_field",
        "warning",
        "/result/*/manager_user_data/phones/inner_phone",
        "inner_phone is not in the docs' user object",
        None,
        "101",
        {
            "source": DEPT_DOC,
            "section": "User Object",
            "quote": "phones | object | Phone numbers of the user",
        },
    ),
    (
        "response_schema",
        "format_mismatch",
        "error",
        "/time/date_start",
        "date_start is not an ISO 8601 date-time",
        {"format": "date-time"},
        "03.03.2026 11:52:46",
        {
            "source": PLATFORM_DOC,
            "section": "The time object",
            "quote": "date_start | string | Date and time the request started, ISO 8601",
        },
    ),
    (
        "errors",
        "error_code",
        "error",
        "/error",
        "expected error INVALID_FORMAT, got ERROR_ARGUMENT",
        "INVALID_FORMAT",
        "ERROR_ARGUMENT",
        {
            "source": DEPT_DOC,
            "section": "Error Handling",
            "quote": "INVALID_FORMAT | The ID parameter is not an array of identifiers",
        },
    ),
    (
        "errors",
        "status_code",
        "error",
        "status",
        "ACCESS_DENIED should come with HTTP 403, came with 200",
        403,
        200,
        {
            "source": DEPT_DOC,
            "section": "Error Handling",
            "quote": "403 | ACCESS_DENIED | Access denied for bots and extranet users",
        },
    ),
    (
        "http",
        "content_type",
        "warning",
        "header:Content-Type",
        "Content-Type is text/html, not application/json",
        "application/json; charset=utf-8",
        "text/html; charset=UTF-8",
        {
            "source": PLATFORM_DOC,
            "section": "Response format",
            "quote": "Every answer is JSON, with Content-Type: application/json",
        },
    ),
    (
        "http",
        "not_json",
        "error",
        "body",
        "the body is not JSON",
        "a JSON object",
        "<html><body>502 Bad Gateway</body></html>",
        {
            "source": PLATFORM_DOC,
            "section": "Response format",
            "quote": "The answer to a successful call is {result, time}",
        },
    ),
    (
        "input_validation",
        "accepted_invalid_input",
        "error",
        "status",
        "ID=[] was accepted; the docs require at least one identifier",
        {"status": 400, "error": "INVALID_FORMAT"},
        {"status": 200, "result": "…"},
        {
            "source": DEPT_DOC,
            "section": "Method Parameters",
            "quote": "ID* | An array of department identifiers",
        },
    ),
    (
        "rules",
        "invariant",
        "error",
        "/result/*/manager_user_data/id",
        "manager_user_data is user 13, manager_user_id is 103",
        103,
        13,
        {
            "source": DEPT_DOC,
            "section": "Response Handling",
            "quote": "manager_user_data | Data about the department head, if USER_DATA = 'Y'",
        },
    ),
    (
        "response_schema",
        "undocumented_field",
        "warning",
        "/result/*/*/work_position",
        "work_position value carries markup",
        None,
        HOSTILE,
        {
            "source": SIBLINGS_DOC,
            "section": "User Object",
            "quote": "work_position | string | Position",
        },
    ),
    (
        "docs",
        "docs_inconsistency",
        "info",
        f"doc:{DEPT_DOC}#Response Handling",
        "the USER_DATA=Y example has key 'bot_data' not in the User Object table",
        "described",
        "example only",
        {
            "source": DEPT_DOC,
            "section": "Response Handling",
            "quote": '"bot_data": null',
        },
    ),
    (
        "http",
        "server_error",
        "error",
        "status",
        "the portal failed with HTTP 500",
        "a documented answer",
        500,
        {
            "source": PLATFORM_DOC,
            "section": "HTTP statuses",
            "quote": "200 | The call succeeded",
        },
    ),
    (
        "input_validation",
        "rejected_valid_input",
        "error",
        "/error",
        "ID as a JSON string '[3,7]' was rejected",
        {"result": "…"},
        {"error": "INVALID_FORMAT", "error_description": "ID must be an array"},
        {
            "source": DEPT_DOC,
            "section": "Method Parameters",
            "quote": "You can pass a string with a JSON array of identifiers",
        },
    ),
    (
        "docs",
        "docs_inconsistency",
        "info",
        f"doc:{SIBLINGS_DOC}#User Object",
        "gender is 'M|F' in the table, '' in the example",
        "M or F",
        "",
        {
            "source": SIBLINGS_DOC,
            "section": "User Object",
            "quote": "gender | string | M or F",
        },
    ),
]


def _id(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:16]


def _curl(method: str, params: dict[str, Any]) -> str:
    url = f"https://{HOST}/rest/1/<WEBHOOK_CODE>/{method}"
    body = json.dumps(params, ensure_ascii=False)
    return (
        "curl -X POST -H 'Content-Type: application/json' -H 'Accept: application/json' "
        f"-d {shlex.quote(body)} {shlex.quote(url)}"
    )


def _params(method: str, i: int) -> dict[str, Any]:
    if method == "im.department.get":
        return {"ID": [3 + i % 5, 7], "USER_DATA": "Y" if i % 2 else "N"}
    if method == "im.department.colleagues.list":
        return {"USER_DATA": "Y", "LIMIT": 10, "OFFSET": i % 3}
    return {"ID": [7], "USER_DATA": "Y"}


def make_deviation(
    i: int,
    *,
    method: str | None = None,
    template: int | None = None,
    baseline: str | None = None,
) -> dict[str, Any]:
    """The i-th sample deviation (cycling through methods and templates)."""
    t = _TEMPLATES[template if template is not None else i % len(_TEMPLATES)]
    check, kind, severity, location, message, expected, actual, doc = t
    method = method or METHODS[i % len(METHODS)]
    if i >= len(_TEMPLATES) and location.startswith("/"):
        location = f"{location}/x{i // len(_TEMPLATES)}"  # distinct ids in big documents
    params = _params(method, i)
    docs_only = kind == "docs_inconsistency"  # found in the docs: no request shows it
    return {
        "id": _id(method, check, kind, location),
        "method": method,
        "check": check,
        "kind": kind,
        "severity": severity,
        "location": location,
        "message": message,
        "expected": expected,
        "actual": actual,
        "doc": dict(doc),
        "request": None if docs_only else {"method": method, "params": params, "transport": "json"},
        "reproduce": None if docs_only else _curl(method, params),
        "occurrences": 1 + (i * 7) % 40,
        "baseline": baseline or ("known" if i % 5 == 3 else "new"),
    }


def _coverage() -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    rows = [
        ("ID", "parameter", "passed", "Method Parameters", "ID* | An array of department ids"),
        ("USER_DATA", "parameter", "passed", "Method Parameters", "USER_DATA | Return data"),
        ("/result/*/id", "field", "passed", "Department Object", "id | integer | Department id"),
        ("/result/*/name", "field", "passed", "Department Object", "name | string | Name"),
        (
            "/result/*/full_name",
            "field",
            "failed",
            "Department Object",
            "full_name | Full name of the department in the company structure",
        ),
        ("/result/*/manager_user_id", "field", "failed", "Department Object", "manager_user_id"),
        (
            "/result/*/manager_user_data/bot_data",
            "field",
            "not_exercised",
            "User Object",
            "bot_data | object | Bot data, null for users",
        ),
        ("INVALID_FORMAT", "error", "failed", "Error Handling", "INVALID_FORMAT | bad ID"),
        ("ACCESS_DENIED", "error", "not_exercised", "Error Handling", "ACCESS_DENIED | bots"),
        (
            "user_data_only_when_asked",
            "rule",
            "passed",
            "Response Handling",
            "manager_user_data | only if USER_DATA = 'Y'",
        ),
    ]
    for method in METHODS[:2]:
        for item, category, status, section, quote in rows:
            items.append(
                {
                    "method": method,
                    "item": item,
                    "category": category,
                    "status": status,
                    "doc": {"source": DEPT_DOC, "section": section, "quote": quote},
                }
            )
    return items


def _checks(deviations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    names = ("http", "response_schema", "errors", "input_validation", "rules")
    failed = {(d["method"], d["check"]) for d in deviations}
    checks = []
    for n, method in enumerate(METHODS):
        for k, check in enumerate(names):
            if method == METHODS[-1] and check == "rules":
                status = "not_run"
            else:
                status = "failed" if (method, check) in failed else "passed"
            checks.append(
                {
                    "method": method,
                    "check": check,
                    "cases": 0 if status == "not_run" else 40 + 17 * n + 5 * k,
                    "status": status,
                }
            )
    return checks


def sample_document(n_deviations: int = 12, with_baseline: bool = True) -> dict[str, Any]:
    """A realistic outcome document with `n_deviations` deviations."""
    deviations = [make_deviation(i) for i in range(n_deviations)]
    if not with_baseline:
        for d in deviations:
            d["baseline"] = "new"
    counts = {s: sum(d["severity"] == s for d in deviations) for s in ("error", "warning", "info")}
    observations: list[dict[str, Any]] = [
        {
            "probe": "id_as_comma_string",
            "method": "im.department.get",
            "request": {
                "method": "im.department.get",
                "params": {"ID": "3,7"},
                "transport": "json",
            },
            "outcome": {"status": 200, "result_count": 2},
            "doc": "silent",
        },
        {
            "probe": "user_data_lowercase_y",
            "method": "im.department.get",
            "request": {
                "method": "im.department.get",
                "params": {"ID": [7], "USER_DATA": "y"},
                "transport": "form",
            },
            "outcome": {"status": 200, "manager_user_data": "absent", "note": HOSTILE},
            "doc": "ambiguous",
        },
        {
            "probe": "unknown_id",
            "method": "im.department.managers.get",
            "request": {
                "method": "im.department.managers.get",
                "params": {"ID": [999999]},
                "transport": "json",
            },
            "outcome": {"status": 200, "result": []},
            "doc": "silent",
        },
    ]
    if with_baseline:
        observations[2]["changed"] = {"before": {"status": 200, "result": {}}}
    doc: dict[str, Any] = {
        "format": "b24conform.deviations/1",
        "tool": {"name": "b24conform", "version": "0.1.0"},
        "run": {
            "started": "2026-03-03T11:52:46+00:00",
            "finished": "2026-03-03T11:54:02+00:00",
            "mode": "live",
            "target": HOST,
            "docs": "current",
            "seed": 12345,
            "revision": {"rest": 30, "web": 130, "mobile": 21, "desktop": 7},
            "requests": 318,
            "throttled": 4,
            "duration": 76.4,
            "cases_per_request": 3.2,
            "not_checked": 3,
            "methods": list(METHODS),
            "fail_on": "error",
            "baseline": "baseline.json" if with_baseline else None,
            "interrupted": False,
        },
        "summary": {**counts, "cases": 1018, "checks": len(METHODS) * 5},
        "checks": _checks(deviations),
        "deviations": deviations,
        "observations": observations,
        "coverage": _coverage(),
        "fixed": [],
        "not_checked": [
            {
                "method": "im.department.get",
                "request": {"method": "im.department.get", "params": {"ID": [3]}},
                "reason": "throttled",
            },
            {
                "method": "im.department.get",
                "request": {"method": "im.department.get", "params": {"ID": [5]}},
                "reason": "throttled",
            },
            {
                "method": "im.department.employees.get",
                "request": {"method": "im.department.employees.get", "params": {"ID": [7]}},
                "reason": "timeout",
            },
        ],
    }
    if with_baseline:
        fixed = make_deviation(10_001, method="im.department.managers.get", template=4)
        fixed["message"] = "expected error NOT_FOUND, got ERROR_CORE (fixed)"
        fixed["baseline"] = "known"
        doc["fixed"] = [fixed]
    return doc


def real_docs_deviations() -> list[dict[str, Any]]:
    """The documentation's real contradictions (both revisions), as a run logs them."""
    from b24conform.checks.docs import docs_findings
    from b24conform.deviations import Deviation, deviation_id

    out = []
    for method in ("im.department.get", "im.department.employees.get"):
        for finding in docs_findings(method):
            key = deviation_id(method, "docs_examples", finding.kind, finding.location)
            out.append(Deviation(key, method, "docs_examples", finding, None, None).to_json())
    return out

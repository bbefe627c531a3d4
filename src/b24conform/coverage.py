"""Docs coverage: every documented parameter, field, error and rule, and what the run did with it.

"The suite passed" and "the suite did not look" must not read the same: each documented item is
`passed` (exercised, no deviation), `failed` (a deviation names it) or `not_exercised`.
"""

from __future__ import annotations

from typing import Any

from b24conform.deviations import Deviation
from b24conform.spec import MethodContract
from b24conform.spec.fields import documented_pointers


def method_coverage(
    contract: MethodContract,
    *,
    sent_params: set[str],
    seen_fields: set[str],
    case_results: dict[str, str],
    checks_run: set[str],
    deviations: list[Deviation],
) -> list[dict[str, Any]]:
    """`case_results` maps a case name to passed / failed / unanswered; `checks_run` names the
    checks that judged at least one answer of this method."""
    mine = [d for d in deviations if d.method == contract.name]
    items: list[dict[str, Any]] = []

    def add(item: str, category: str, exercised: bool, failed: bool, doc: dict[str, Any]) -> None:
        status = "failed" if failed else "passed" if exercised else "not_exercised"
        items.append(
            {
                "method": contract.name,
                "item": item,
                "category": category,
                "status": status,
                "doc": doc,
            }
        )

    def case(name: str) -> tuple[bool, bool]:
        result = case_results.get(name)
        return result in ("passed", "failed"), result == "failed"

    rejected = any(d.finding.kind == "rejected_valid_input" for d in mine)
    for name, sub in contract.request_schema.get("properties", {}).items():
        add(name, "parameter", name in sent_params, rejected and name in sent_params, sub["x-doc"])
    for pointer, doc in documented_pointers(contract):
        failed = any(d.finding.location == pointer for d in mine)
        add(pointer, "field", pointer in seen_fields, failed, doc)
    for error in contract.errors:
        add(f"{error['error']} ({error['name']})", "error", *case(error["name"]), error["doc"])
    access = contract.access
    if access:
        results = [case(name) for name in case_results if name.startswith("access:")]
        exercised = any(r[0] for r in results)
        add(access["error"], "error", exercised, any(r[1] for r in results), access["doc"])
    for rule in contract.raw.get("rules", []):
        failed = any(
            d.check == rule["check"] and d.finding.doc.quote == rule["doc"]["quote"] for d in mine
        )
        add(rule["name"], "rule", rule["check"] in checks_run, failed, rule["doc"])
    return items

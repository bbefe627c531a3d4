"""`build_document`: the outcome of a run as the `deviations.json` document (docs/output.md).

It reads what the run's listeners recorded (`events`: the tally, the coverage record, the
deviation log) and what the checks observed (`CheckContext`), never the runner's internals, and
assembles the sections the reports render: the summary, the deviations (with what they quote of
a person faked), the observations, the coverage tables, the checks table and what was left
unchecked or unplanned.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from b24conform import __version__
from b24conform.cassettes.scrub import PersonalData
from b24conform.checks import CheckContext
from b24conform.coverage import method_coverage
from b24conform.deviations import FORMAT, Deviation, DeviationLog
from b24conform.dimensions import pair_status
from b24conform.events import CaseTally, CoverageRecord
from b24conform.planner import Plan
from b24conform.spec import MethodContract
from b24conform.transport.client import ClientStats

#: the `run` section's keys, in the order the document lists them
RUN_KEYS = (
    *("started", "finished", "duration", "mode", "target", "docs", "seed", "revision"),
    *("requests", "throttled", "cases_per_request", "not_checked", "methods", "fail_on"),
    *("baseline", "interrupted", "budget"),
)


@dataclass(frozen=True)
class RunRecords:
    """Everything a finished run kept, as the document is made of it."""

    plan: Plan
    log: DeviationLog
    tally: CaseTally
    coverage: CoverageRecord
    context: CheckContext
    stats: ClientStats
    personal: PersonalData


def build_document(
    header: dict[str, Any], contracts: Sequence[MethodContract], records: RunRecords
) -> dict[str, Any]:
    """The document of a run; `header` holds the run's own facts (when, where, which docs)."""
    deviations = records.log.ordered()
    stats, tally = records.stats, records.tally
    summary = {severity: 0 for severity in ("error", "warning", "info")}
    for deviation in deviations:
        summary[deviation.finding.effective_severity] += 1
    counted = {
        "requests": stats.requests,
        "throttled": stats.throttled,
        "cases_per_request": round(tally.done / stats.requests, 2) if stats.requests else 0,
        "not_checked": len(tally.not_checked),
        "methods": [c.name for c in contracts],
        "baseline": None,
        "budget": records.plan.budget,
    }
    merged = {**header, **counted}
    run = {key: merged[key] for key in RUN_KEYS}
    return {
        "format": FORMAT,
        "tool": {"name": "b24conform", "version": __version__},
        "run": run,
        "summary": {
            **summary,
            "cases": tally.done,
            "checks": sum(records.coverage.cases_per_check.values()),
        },
        "deviations": [_without_personal_data(d, records.personal) for d in deviations],
        "observations": _unique_observations(records.context.observations),
        "fixed": [],
        "coverage": _coverage(contracts, records, deviations),
        "checks": _checks_table(contracts, records.coverage, deviations),
        "not_checked": tally.not_checked,
        "not_planned": records.plan.not_planned,
    }


def _coverage(
    contracts: Sequence[MethodContract], records: RunRecords, deviations: list[Deviation]
) -> list[dict[str, Any]]:
    """Docs coverage (parameters, fields, cases, checks) and the pairs, method by method."""
    record, plan = records.coverage, records.plan
    items: list[dict[str, Any]] = []
    for contract in contracts:
        items.extend(
            method_coverage(
                contract,
                sent_params=record.sent_params.get(contract.name, set()),
                seen_fields=records.context.seen_fields.get(contract.name, set()),
                case_results={
                    n: r for (m, n), r in record.case_results.items() if m == contract.name
                },
                checks_run=record.checks_run.get(contract.name, set()),
                deviations=deviations,
            )
        )
        pairs = plan.pairs.get(contract.name)
        if pairs is not None:
            results = record.pair_results.get(contract.name, [])
            dropped = plan.left_out_rows.get(contract.name, {})
            items.extend(pair_status(pairs, results, dropped))
    return items


def _checks_table(
    contracts: Sequence[MethodContract], record: CoverageRecord, deviations: list[Deviation]
) -> list[dict[str, Any]]:
    """Each (method, check) that judged something: its cases, and passed or failed. A check that
    only judged the run as a whole (`after_run`) is listed with 0 cases."""
    failing = {(d.method, d.check) for d in deviations}

    def row(method: str, name: str, cases: int) -> dict[str, Any]:
        status = "failed" if (method, name) in failing else "passed"
        return {"method": method, "check": name, "cases": cases, "status": status}

    rows = [row(m, n, count) for (m, n), count in sorted(record.cases_per_check.items())]
    for contract in contracts:
        for name in sorted(record.checks_run.get(contract.name, set())):
            if (contract.name, name) not in record.cases_per_check:
                rows.append(row(contract.name, name, 0))
    return rows


def _without_personal_data(deviation: Deviation, personal: PersonalData) -> dict[str, Any]:
    """A deviation as the reports show it: what it quotes of a person replaced by a fake."""
    data = deviation.to_json()
    for key in ("actual", "expected", "message"):
        data[key] = personal.mask(data[key])
    return data


def _unique_observations(observations: list[Any]) -> list[dict[str, Any]]:
    seen: dict[str, dict[str, Any]] = {}
    for observation in observations:
        data = observation.to_json()
        key = json.dumps([data["probe"], data["method"], data["request"]], sort_keys=True)
        seen.setdefault(key, data)
    return sorted(
        seen.values(),
        key=lambda o: (o["method"], o["probe"], json.dumps(o["request"], sort_keys=True)),
    )

"""What a run tells its listeners: one event per case, judged or left unchecked.

The runner (`engine.Session`) sends and judges; what a run keeps of it (the case tally, the
coverage tables, the checks table, the deviation log, the progress line) is a listener of these
events, so a new output is a new listener rather than another field of the runner. Modelled on
Schemathesis's engine events. `RunOptions.listeners` takes a user's own, called after the run's.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from b24conform.cases import Case, Exchange, probe_outcome
from b24conform.checks import CheckContext
from b24conform.deviations import DeviationLog, Finding


@dataclass(frozen=True)
class CaseJudged:
    """A case answered and judged: each check that ran, with its findings.

    `planned` is False for what the runner judges besides the plan (a `batch` request's
    envelope): it counts for the checks and the deviations, not as a case."""

    exchange: Exchange
    results: tuple[tuple[str, tuple[Finding, ...]], ...]
    planned: bool = True

    @property
    def case(self) -> Case:
        return self.exchange.case

    @property
    def failed(self) -> bool:
        return any(findings for _, findings in self.results)


@dataclass(frozen=True)
class CaseSkipped:
    """A case with no answer to judge, and why (throttled, no answer, interrupted...).

    `sent` says whether its request went out (an unanswered one) or never did (interrupted);
    `planned` is False for a `batch` request left unanswered (its commands are skipped each)."""

    case: Case
    reason: str
    sent: bool = True
    planned: bool = True


Event = CaseJudged | CaseSkipped
Listener = Callable[[Event], None]


@dataclass
class CaseTally:
    """How many planned cases were reached, which, and those left unchecked with why."""

    done: int = 0
    reached: set[int] = field(default_factory=set)  # id() of the planned cases reached
    not_checked: list[dict[str, Any]] = field(default_factory=list)

    def __call__(self, event: Event) -> None:
        if event.planned:
            self.done += 1
            self.reached.add(id(event.case))
        if isinstance(event, CaseSkipped):
            case = event.case
            self.not_checked.append(
                {"method": case.method, "request": case.call.to_json(), "reason": event.reason}
            )


@dataclass
class CoverageRecord:
    """What the coverage tables and the checks table are made of: parameters sent, each case's
    and pairwise row's outcome, and how many cases each check judged."""

    sent_params: dict[str, set[str]] = field(default_factory=dict)
    case_results: dict[tuple[str, str], str] = field(default_factory=dict)
    pair_results: dict[str, list[tuple[dict[str, str], str]]] = field(default_factory=dict)
    checks_run: dict[str, set[str]] = field(default_factory=dict)
    cases_per_check: dict[tuple[str, str], int] = field(default_factory=dict)

    def __call__(self, event: Event) -> None:
        case = event.case
        if isinstance(event, CaseSkipped):
            if event.sent and case.kind == "valid":
                self.sent_params.setdefault(case.method, set()).update(case.call.params)
            self.case_results.setdefault((case.method, case.name), "unanswered")
            self._pair(case, event.reason)
            return
        if case.kind == "valid":
            self.sent_params.setdefault(case.method, set()).update(case.call.params)
        for name, _ in event.results:
            counted = (case.method, name)
            self.cases_per_check[counted] = self.cases_per_check.get(counted, 0) + 1
            self.checks_run.setdefault(case.method, set()).add(name)
        outcome = "failed" if event.failed else "passed"
        key = (case.method, case.name)
        if event.failed or self.case_results.get(key) != "failed":
            self.case_results[key] = outcome
        self._pair(case, outcome)

    def _pair(self, case: Case, outcome: str) -> None:
        if case.pair:
            self.pair_results.setdefault(case.method, []).append((dict(case.pair), outcome))


@dataclass
class ProbeObserver:
    """What each answered probe of docs-silent input got, as an observation (with the counts of
    ids sent and answered)."""

    context: CheckContext

    def __call__(self, event: Event) -> None:
        if isinstance(event, CaseJudged) and event.case.kind == "probe":
            case = event.case
            outcome = probe_outcome(case, event.exchange.response)
            self.context.observe(case.name, case.method, case.call.to_json(), outcome, case.doc)


@dataclass
class DeviationRecorder:
    """Every finding into the deviation log, with the `curl` line that reproduces its case; a
    denied role's finding names the role (its webhook's user id, never its code)."""

    log: DeviationLog
    reproduce: Callable[[Case], str]

    def __call__(self, event: Event) -> None:
        if not isinstance(event, CaseJudged) or not event.failed:
            return
        case = event.case
        line = self.reproduce(case)
        role = None if case.credentials in ("main", "wrong_code") else case.credentials
        for name, findings in event.results:
            for finding in findings:
                if role:
                    finding = dataclasses.replace(finding, message=f"as {role}: {finding.message}")
                self.log.add(case.method, name, finding, case.call, line, role)

"""One run: discover the target, build the corpus, send it, judge every answer, build the log.

The engine owns the order of things and nothing else: what to expect comes from `spec`, which
requests from `generation`, how to send them from `transport`/`targets`, how to judge from
`checks`, and how to show the outcome from `report`. It returns the outcome document (the
`deviations.json` content) and the exit code; writing files is the caller's choice.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from b24conform.baseline import Baseline, exit_code
from b24conform.budget import Allowance, budget_for, fit
from b24conform.cases import Case, Exchange
from b24conform.checks import (
    CHECKS,
    CheckContext,
    applicable_checks,
    envelope_checks,
    unknown_rule_checks,
)
from b24conform.defaults import DEFAULTS
from b24conform.deviations import DeviationLog
from b24conform.dimensions import Company
from b24conform.discovery import discover, refuse_missing_scope
from b24conform.document import RunRecords, build_document
from b24conform.errors import UsageError
from b24conform.events import (
    CaseJudged,
    CaseSkipped,
    CaseTally,
    CoverageRecord,
    DeviationRecorder,
    Event,
    Listener,
    ProbeObserver,
)
from b24conform.generation import unknown_probes
from b24conform.planner import Plan, PlanOptions, plan_run
from b24conform.spec import MethodContract, Spec, load_spec
from b24conform.targets import Target, TargetOptions, open_target
from b24conform.transport import Call, Client, Response
from b24conform.walks import page_case, pages_left, walk_pages

DEFAULT_METHODS = DEFAULTS.methods
log = logging.getLogger("b24conform.engine")


@dataclass
class Progress:
    cases_done: int
    cases_total: int
    requests: int
    deviations: int


@dataclass
class RunOptions:
    target: TargetOptions = field(default_factory=TargetOptions)
    docs: str = DEFAULTS.docs
    methods: tuple[str, ...] = DEFAULT_METHODS
    max_examples: int = DEFAULTS.max_examples
    seed: int = DEFAULTS.seed
    batch: bool = True
    department_ids: tuple[int, ...] | None = None
    fail_on: str = DEFAULTS.fail_on
    baseline: Baseline | None = None
    progress: Callable[[Progress], None] | None = None
    #: called with every event of the run (`events`), after the run's own listeners
    listeners: tuple[Listener, ...] = ()


@dataclass
class Outcome:
    document: dict[str, Any]
    exit_code: int


def run(options: RunOptions) -> Outcome:
    """Run the suite once. Raises UsageError / TargetUnavailable before anything is judged."""
    spec = load_spec(options.docs)
    _refuse_unchecked_contracts(spec)
    undocumented: list[str] = []
    if options.methods == DEFAULT_METHODS:
        # the default set, not a choice: check what this revision documents, say what it does not
        undocumented = [name for name in options.methods if name not in spec.methods]
    contracts = [spec.method(name) for name in options.methods if name not in undocumented]
    started = _now()
    clock = time.monotonic()
    with open_target(options.target) as target:
        session = Session(spec, target, options)
        session.discover()
        if target.corpus is not None:
            session.plan = Plan.from_corpus(target.corpus, spec, session.context)
            contracts = [spec.methods[m] for m in session.plan.methods]
        else:
            session.plan = plan_run(
                spec,
                contracts,
                session.company,
                target.roles,
                PlanOptions(options.max_examples, options.seed, options.batch),
                session.context,
                defer_examples=True,
            )
        walks = [c for c in contracts if c.name in session.plan.walks]
        firsts = session.fit_to_budget(walks, time.monotonic() - clock)
        try:
            session.execute()
            for contract in walks:
                session.walk_pages(contract, firsts.get(contract.name))
        except KeyboardInterrupt:
            session.interrupted = True
            session.skip_unreached(walks)
        session.finish(contracts)
        if not session.interrupted and not session.tally.not_checked:
            # complete: only then may a recording replace the cassette that was there
            target.complete(session.plan.to_corpus())
            recording = "kept"
        else:
            recording = "not kept"
    document = session.document(started, _now(), time.monotonic() - clock, contracts)
    document["run"]["not_documented"] = undocumented
    if options.target.record:
        document["run"]["recording"] = recording
    if options.baseline is not None:
        options.baseline.apply(document)
    return Outcome(document, exit_code(document, options.fail_on))


def _refuse_unchecked_contracts(spec: Spec) -> None:
    """A probe no request sends, or a rule no check judges, would go unchecked without a word:
    a contract naming one stops the run before any request."""
    unsendable = unknown_probes(list(spec.methods.values()))
    if unsendable:
        raise UsageError(
            f"the {spec.revision} contracts name probes with no requests: {unsendable}"
        )
    unjudged = unknown_rule_checks(spec)
    if unjudged:
        raise UsageError(f"the {spec.revision} contracts name rules no check judges: {unjudged}")


def _now() -> str:
    return datetime.now(timezone.utc).astimezone().isoformat(timespec="seconds")


class Session:
    """The state of one run against one target."""

    def __init__(self, spec: Spec, target: Target, options: RunOptions) -> None:
        self.spec = spec
        self.target = target
        self.options = options
        user = target.client.credentials.user_id
        self.context = CheckContext(spec, caller=int(user) if user else None)
        self.log = DeviationLog()
        self.revision: dict[str, Any] | None = None
        self.company = Company(())
        self.discovery_seconds = 0.0
        self.plan = Plan([], self.company)
        self.interrupted = False
        self.walked: set[str] = set()
        from b24conform.cassettes.scrub import PersonalData

        self.personal = PersonalData()  # what the reports must not quote
        self.tally = CaseTally()
        self.record = CoverageRecord()
        #: who hears of each case: the run's own records, then the caller's (`RunOptions`)
        self.listeners: list[Listener] = [
            self.tally,
            self.record,
            DeviationRecorder(self.log, self._reproduce),
            ProbeObserver(self.context),
            self._collect_personal_data,
            self._report_progress,
            *options.listeners,
        ]
        self._applicable: dict[str, tuple[str, ...]] = {}

    @property
    def client(self) -> Client:
        return self.target.client

    # -- discovery ----------------------------------------------------------------------------

    def discover(self) -> None:
        """What the target is: its API revision and its department ids (never hard-coded)."""
        given = (self.target.corpus or {}).get("department_ids") or self.options.department_ids
        found = discover(self.client, self.spec, self.target.description, given)
        self.revision, self.company = found.revision, found.company
        self.discovery_seconds = found.seconds

    # -- execution ----------------------------------------------------------------------------

    @property
    def total(self) -> int:
        return self.plan.total

    def execute(self) -> None:
        for case in self.plan.direct:
            self._judge(self._send(case))
        batched = self.plan.complete().batched
        for start in range(0, len(batched), 50):
            chunk = batched[start : start + 50]
            answers, raw = self.client.batch([c.call for c in chunk])
            for response in raw:
                self._judge_batch_envelope(response, chunk)
            for case, response in zip(chunk, answers, strict=True):
                self._judge(Exchange(case, response))

    # -- the budget ---------------------------------------------------------------------------

    def fit_to_budget(self, walks: list[MethodContract], elapsed: float) -> dict[str, Exchange]:
        """Cut the plan to `--max-requests` / `--max-time` (`budget`); returns each walk's first
        page, sent now to learn how many pages the walk will take."""
        target = self.options.target
        bucket = self.client.bucket
        budget = budget_for(
            max_requests=target.max_requests,
            max_time=target.max_time,
            rate_limit=bucket.limit if bucket else None,
            used=self.client.stats.requests,
            elapsed=elapsed,
            seconds_per_request=self.discovery_seconds / max(1, self.client.stats.requests),
        )
        if budget is None:
            return {}
        self.plan.complete()  # fitting weighs every case
        log.info(
            "%s: %d requests left after discovery, the plan is cut to fit",
            budget.reason,
            budget.requests,
        )
        firsts: dict[str, Exchange] = {}
        costs: dict[str, int] = {}
        for contract in walks:
            first = firsts[contract.name] = self._send(page_case(contract, 0))
            costs[contract.name] = pages_left(first, contract)
        fit(
            self.plan,
            Allowance(budget.requests - len(firsts), budget.reason),
            costs,
            frozen_batches=self.target.corpus is not None,
        )
        return firsts

    # -- the paging walk (sequential: each page's request depends on the previous answer) -----

    def walk_pages(self, contract: MethodContract, first: Exchange | None = None) -> None:
        """Walk a list method's pages (contract `paging`, `walks`); the `paging` check judges the
        walk whole at the end."""
        if not contract.raw.get("paging") or self.interrupted:
            return
        self.walked.add(contract.name)
        most = self.plan.walk_pages.get(contract.name)
        walk = walk_pages(contract, self._send, self._judge, first=first, most=most)
        self.context.walks.append(walk)

    def _send(self, case: Case) -> Exchange:
        return Exchange(case, self._client_for(case).call(case.call))

    def _client_for(self, case: Case) -> Client:
        if case.credentials == "main":
            return self.client
        if case.credentials == "wrong_code":
            credentials = self.client.credentials
            return self.client.with_credentials(credentials.with_secret("b24conform0wrong0code"))
        return self.target.roles[case.credentials]

    def skip_unreached(self, walks: list[MethodContract]) -> None:
        """After Ctrl-C: every planned case not reached, and every walk not finished, is not checked."""
        self.plan.complete()
        for case in [*self.plan.direct, *self.plan.batched]:
            if id(case) not in self.tally.reached:
                self._emit(CaseSkipped(case, "interrupted", sent=False))
        for contract in walks:
            if contract.raw.get("paging") and contract.name not in self.walked:
                self._emit(CaseSkipped(page_case(contract, 0), "interrupted", sent=False))

    def _emit(self, event: Event) -> None:
        for listener in self.listeners:
            listener(event)

    def _judge(self, exchange: Exchange, checks: tuple[str, ...] | None = None) -> None:
        """Judge one answer with every applicable check (or `checks`), and say so."""
        case, response = exchange.case, exchange.response
        refuse_missing_scope(response, case.method, case.credentials, self.spec, self.client)
        planned = checks is None
        if not response.answered and (
            response.throttled or response.via_batch or response.not_sent
        ):
            reason = "throttled" if response.throttled else response.failure or "unanswered"
            self._emit(CaseSkipped(case, reason, planned=planned))
            return
        results = tuple(
            (name, tuple(CHECKS[name].run(self.context, exchange)))
            for name in checks or self.checks_for(case.method)
        )
        self._emit(CaseJudged(exchange, results, planned=planned))

    def _collect_personal_data(self, event: Event) -> None:
        # a recording holds fakes already (cassettes/scrub.py): nothing to keep out of a replay's
        if isinstance(event, CaseJudged) and self.target.mode != "replay":
            self.personal.collect(event.exchange.response.json)

    def _judge_batch_envelope(self, response: Response, chunk: list[Case]) -> None:
        if response.throttled or response.not_sent:
            return  # nothing to judge; its commands are listed as not checked, each
        case = Case("batch", "valid", "batch", Call("batch", {"commands": len(chunk)}, "json"))
        self._judge(Exchange(case, response), envelope_checks())  # not a planned case

    def _reproduce(self, case: Case) -> str:
        client = self._client_for(case)
        return client.reproduce(case.call)

    def _report_progress(self, _event: Event) -> None:
        if self.options.progress:
            self.options.progress(
                Progress(
                    self.tally.done, self.total, self.client.stats.requests, len(self.log.entries)
                )
            )

    # -- the end ------------------------------------------------------------------------------

    def checks_for(self, method: str) -> tuple[str, ...]:
        if method not in self._applicable:
            self._applicable[method] = applicable_checks(self.spec, method)
        return self._applicable[method]

    def finish(self, contracts: list[MethodContract]) -> None:
        for contract in contracts:
            for name in self.checks_for(contract.name):
                check = CHECKS[name]
                for finding, exchange in check.finish(self.context, contract.name):
                    call = exchange.case.call if exchange else None
                    self.log.add(contract.name, check.name, finding, call, None)
                    self.record.checks_run.setdefault(contract.name, set()).add(check.name)

    def document(
        self, started: str, finished: str, duration: float, contracts: list[MethodContract]
    ) -> dict[str, Any]:
        header = {
            "started": started,
            "finished": finished,
            "duration": round(duration, 3),
            "mode": self.target.mode,
            "target": self.target.description,
            "docs": self.spec.revision,
            "seed": self.options.seed,
            "revision": self.revision,
            "fail_on": self.options.fail_on,
            "interrupted": self.interrupted,
        }
        records = RunRecords(
            self.plan,
            self.log,
            self.tally,
            self.record,
            self.context,
            self.client.stats,
            self.personal,
        )
        return build_document(header, contracts, records)

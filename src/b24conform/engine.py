"""One run: discover the target, build the corpus, send it, judge every answer, build the log.

The engine owns the order of things and nothing else: what to expect comes from `spec`, which
requests from `generation`, how to send them from `transport`/`targets`, how to judge from
`checks`, and how to show the outcome from `report`. It returns the outcome document (the
`deviations.json` content) and the exit code; writing files is the caller's choice.
"""

from __future__ import annotations

import contextlib
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from b24conform import __version__
from b24conform.baseline import Baseline, exit_code
from b24conform.budget import Allowance, budget_for, fit
from b24conform.cases import Case, Exchange
from b24conform.checks import CHECKS, CheckContext, applicable_checks
from b24conform.checks.siblings import Walk, record_walk, walk_bound
from b24conform.coverage import method_coverage
from b24conform.defaults import DEFAULTS
from b24conform.deviations import FORMAT, DeviationLog
from b24conform.dimensions import Company, pair_status
from b24conform.errors import TargetUnavailable, UsageError
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

DEFAULT_METHODS = DEFAULTS.methods
#: Checks a raw `batch` answer gets: the platform's claims, not a method's.
PLATFORM_CHECKS = ("answered", "status_code", "content_type", "json_body", "envelope")
DISCOVERY_PAGES = 20
log = logging.getLogger("b24conform.engine")
#: The scope of the methods discovery calls (platform.md §6: "`im.revision.get` (scope `im`…)",
#: "`department.get` (scope `department`)"); the department methods name theirs in their contract.
DISCOVERY_SCOPES = {"im.revision.get": "im", "department.get": "department"}
WEBHOOK_SCOPES_AT = "Settings → Developer resources → your inbound webhook → scopes"


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
    unsendable = unknown_probes(list(spec.methods.values()))
    if unsendable:
        raise UsageError(
            f"the {spec.revision} contracts name probes with no requests: {unsendable}"
        )
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
        started = time.monotonic()
        try:
            self._discover()
        finally:
            self.discovery_seconds = time.monotonic() - started

    def _discover(self) -> None:
        answer = self.client.call(Call("im.revision.get"))
        self._require_answer(answer, "im.revision.get")
        self._refuse_missing_scope(answer, "im.revision.get", "main")
        body = answer.json
        if isinstance(body, dict) and isinstance(body.get("result"), dict):
            self.revision = body["result"]
        given = (self.target.corpus or {}).get("department_ids") or self.options.department_ids
        if given:
            self.company = Company(tuple(given))
            return
        ids: list[int] = []
        parents: dict[int, int] = {}
        headed: set[int] = set()
        start = 0
        for _ in range(DISCOVERY_PAGES):
            page = self.client.call(Call("department.get", {"start": start} if start else {}))
            self._require_answer(page, "department.get")
            self._refuse_missing_scope(page, "department.get", "main")
            body = page.json
            if not isinstance(body, dict) or not isinstance(body.get("result"), list):
                code = body.get("error") if isinstance(body, dict) else f"HTTP {page.status}"
                raise TargetUnavailable(
                    f"cannot list the departments of {self.target.description}: department.get "
                    f"answered {code}; pass their ids with --department-ids 1,3,7"
                )
            for item in body["result"]:
                try:
                    ids.append(int(item["ID"]))
                except (KeyError, TypeError, ValueError):
                    continue
                with contextlib.suppress(TypeError, ValueError):
                    parents[ids[-1]] = int(item.get("PARENT") or 0)
                    if int(item.get("UF_HEAD") or 0) > 0:
                        headed.add(ids[-1])
            if not isinstance(body.get("next"), int) or body["next"] <= start:
                break
            start = body["next"]
        if not ids:
            raise TargetUnavailable(f"{self.target.description} has no departments to check")
        self.company = Company(tuple(ids), _depths(parents), frozenset(headed))

    def _require_answer(self, response: Response, method: str) -> None:
        where = self.target.description
        if response.not_sent:
            raise TargetUnavailable(
                f"nothing checked: {response.failure} before {method} could be sent "
                "(--max-requests / --max-time)"
            )
        if response.failure:
            raise TargetUnavailable(f"cannot reach {where}: {response.failure}")
        if response.throttled:
            raise TargetUnavailable(f"{where} throttled every attempt to call {method}")
        body = response.json
        if isinstance(body, dict) and body.get("error") in (
            "NO_AUTH_FOUND",
            "expired_token",
            "INVALID_CREDENTIALS",
        ):
            raise TargetUnavailable(
                f"{where} refused the credentials: {method} answered {response.status} {body['error']}"
            )

    def _refuse_missing_scope(self, response: Response, method: str, credentials: str) -> None:
        """An `insufficient_scope` answer is a set-up mistake, not a deviation: stop and say which
        scope to tick where (exit 3), instead of judging every refused case as an error."""
        body = response.json
        if not (isinstance(body, dict) and body.get("error") == "insufficient_scope"):
            return
        contract = self.spec.methods.get(method)
        scope = DISCOVERY_SCOPES.get(method) or (contract.raw.get("scope") if contract else None)
        named = f"the {scope!r} scope" if scope else "a scope it needs"
        if credentials != "main":
            who, fix = (
                f"the webhook of denied role {credentials} (--denied-webhook)",
                WEBHOOK_SCOPES_AT,
            )
        elif self.client.credentials.kind == "oauth":
            who, fix = "the OAuth token", "the application's scopes in Developer resources"
        else:
            who, fix = "the webhook", WEBHOOK_SCOPES_AT
        hint = f"tick {scope or 'it'} in {fix}"
        if method == "department.get":
            hint += ", or give the department ids with --department-ids 1,3,7"
        raise TargetUnavailable(
            f"{who} lacks {named}: {method} answered insufficient_scope; {hint} "
            "(a set-up mistake, not a deviation: nothing was judged)"
        )

    # -- execution ----------------------------------------------------------------------------

    @property
    def total(self) -> int:
        return self.plan.total

    def execute(self) -> None:
        for case in self.plan.direct:
            self._judge(Exchange(case, self._client_for(case).call(case.call)))
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
            paging = contract.raw["paging"]
            limit = paging["walk_limit"]
            first = self._page(contract, 0)
            firsts[contract.name] = first
            body = first.response.json
            total = body.get("total") if isinstance(body, dict) else None
            costs[contract.name] = walk_bound(total, limit) - 1 if isinstance(total, int) else 0
        fit(
            self.plan,
            Allowance(budget.requests - len(firsts), budget.reason),
            costs,
            frozen_batches=self.target.corpus is not None,
        )
        return firsts

    # -- the paging walk (sequential: each page's request depends on the previous answer) -----

    def _page(self, contract: MethodContract, offset: int) -> Exchange:
        paging = contract.raw["paging"]
        limit = paging["walk_limit"]
        params = {paging["limit"]: limit, **({paging["offset"]: offset} if offset else {})}
        case = Case(contract.name, "valid", "paging_walk", Call(contract.name, params, "json"))
        return Exchange(case, self.client.call(case.call))

    def walk_pages(self, contract: MethodContract, first: Exchange | None = None) -> None:
        """Follow `next` from OFFSET 0 through every page of a list method (contract `paging`).

        Every page is judged like any case; the walk itself (distinct users against `total`, and
        that it ends) is judged by the `paging` check's `after_run`. It stops at the first answer
        without `next`, at a `next` that does not move forward, at an answer that is no page, and
        after `ceil(total / LIMIT) + 2` pages whatever the portal keeps sending.
        """
        paging = contract.raw.get("paging")
        if not paging or self.interrupted:
            return
        self.walked.add(contract.name)
        limit = paging["walk_limit"]
        walk = Walk(contract.name, limit, [], "failed")
        offset, bound = 0, None
        most = self.plan.walk_pages.get(contract.name)
        while bound is None or len(walk.exchanges) < bound:
            if most is not None and len(walk.exchanges) >= most:
                walk.stopped = "planned"
                break
            exchange = first if first is not None and not offset else self._page(contract, offset)
            self._judge(exchange)
            body = exchange.response.json
            if not exchange.response.answered or not isinstance(body, dict):
                break
            if not isinstance(body.get("result"), list) or not isinstance(body.get("total"), int):
                break
            walk.exchanges.append(exchange)
            if bound is None:
                walk.total = body["total"]
                bound = walk_bound(body["total"], limit)
            nxt = body.get("next")
            if nxt is None:
                walk.stopped = "end"
                break
            if not isinstance(nxt, int) or nxt <= offset:
                walk.stopped = "stuck"
                break
            offset = nxt
        else:
            walk.stopped = "bound"
        record_walk(self.context, walk)

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
            paging = contract.raw.get("paging")
            if paging and contract.name not in self.walked:
                call = Call(contract.name, {paging["limit"]: paging["walk_limit"]}, "json")
                case = Case(contract.name, "valid", "paging_walk", call)
                self._emit(CaseSkipped(case, "interrupted", sent=False))

    def _emit(self, event: Event) -> None:
        for listener in self.listeners:
            listener(event)

    def _judge(self, exchange: Exchange, checks: tuple[str, ...] | None = None) -> None:
        """Judge one answer with every applicable check (or `checks`), and say so."""
        case, response = exchange.case, exchange.response
        self._refuse_missing_scope(response, case.method, case.credentials)
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
        self._judge(Exchange(case, response), PLATFORM_CHECKS)  # not a planned case

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

    def _without_personal_data(self, deviation: dict[str, Any]) -> dict[str, Any]:
        """A deviation as the reports show it: what it quotes of a person replaced by a fake."""
        for key in ("actual", "expected", "message"):
            deviation[key] = self.personal.mask(deviation[key])
        return deviation

    def document(
        self, started: str, finished: str, duration: float, contracts: list[MethodContract]
    ) -> dict[str, Any]:
        deviations = self.log.ordered()
        stats = self.client.stats
        summary = {severity: 0 for severity in ("error", "warning", "info")}
        for deviation in deviations:
            summary[deviation.finding.effective_severity] += 1
        coverage = []
        for contract in contracts:
            coverage.extend(
                method_coverage(
                    contract,
                    sent_params=self.record.sent_params.get(contract.name, set()),
                    seen_fields=self.context.seen_fields.get(contract.name, set()),
                    case_results={
                        n: r for (m, n), r in self.record.case_results.items() if m == contract.name
                    },
                    checks_run=self.record.checks_run.get(contract.name, set()),
                    deviations=deviations,
                )
            )
            pairs = self.plan.pairs.get(contract.name)
            if pairs is not None:
                results = self.record.pair_results.get(contract.name, [])
                dropped = self.plan.left_out_rows.get(contract.name, {})
                coverage.extend(pair_status(pairs, results, dropped))
        failing = {(d.method, d.check) for d in deviations}
        checks = [
            {
                "method": method,
                "check": name,
                "cases": count,
                "status": "failed" if (method, name) in failing else "passed",
            }
            for (method, name), count in sorted(self.record.cases_per_check.items())
        ]
        for contract in contracts:
            for name in sorted(self.record.checks_run.get(contract.name, set())):
                if (contract.name, name) not in self.record.cases_per_check:
                    status = "failed" if (contract.name, name) in failing else "passed"
                    checks.append(
                        {"method": contract.name, "check": name, "cases": 0, "status": status}
                    )
        return {
            "format": FORMAT,
            "tool": {"name": "b24conform", "version": __version__},
            "run": {
                "started": started,
                "finished": finished,
                "duration": round(duration, 3),
                "mode": self.target.mode,
                "target": self.target.description,
                "docs": self.spec.revision,
                "seed": self.options.seed,
                "revision": self.revision,
                "requests": stats.requests,
                "throttled": stats.throttled,
                "cases_per_request": round(self.tally.done / stats.requests, 2)
                if stats.requests
                else 0,
                "not_checked": len(self.tally.not_checked),
                "methods": [c.name for c in contracts],
                "fail_on": self.options.fail_on,
                "baseline": None,
                "interrupted": self.interrupted,
                "budget": self.plan.budget,
            },
            "summary": {
                **summary,
                "cases": self.tally.done,
                "checks": sum(self.record.cases_per_check.values()),
            },
            "deviations": [self._without_personal_data(d.to_json()) for d in deviations],
            "observations": _unique_observations(self.context.observations),
            "fixed": [],
            "coverage": coverage,
            "checks": checks,
            "not_checked": self.tally.not_checked,
            "not_planned": self.plan.not_planned,
        }


def _depths(parents: dict[int, int]) -> dict[int, int]:
    """Levels below the root of each department, from `department.get`'s PARENT (cycles stop)."""
    depths: dict[int, int] = {}
    for start in parents:
        chain, node = [], start
        while node in parents and node not in depths and node not in chain:
            chain.append(node)
            node = parents[node]
        base = depths.get(node, -1) if node in parents else -1
        for offset, item in enumerate(reversed(chain), start=1):
            depths[item] = base + offset
    return depths


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

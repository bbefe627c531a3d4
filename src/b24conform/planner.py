"""The plan of a run: which requests to send, decided before the first one goes out.

planner → runner: the planner turns the contracts and what discovery learnt of the target into a
`Plan` (cases sent alone, cases packed 50 to a `batch`, the methods whose pages are walked, and the
pairwise rows behind the cases); the runner (`engine.Session`) sends it and judges the answers.
A recording stores the plan as its corpus; a replay takes it back (`Plan.from_corpus`) instead of
planning again, so it sends exactly the same requests.

What a method gets, in this order:
1. its pairwise cases: every pair of request dimensions (`dimensions`), the direct ones alone,
   the `batch` ones packed;
2. its documented errors, the wrong-code and unknown-method cases (once a run), the denied roles;
3. Hypothesis's valid examples and the rule cases (packed), and the probes of what the docs leave
   open (packed);
4. the paging walk, for a contract with `paging`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from b24conform.cases import Case, Expectation
from b24conform.checks import CheckContext
from b24conform.checks.http import system_error
from b24conform.defaults import DEFAULTS
from b24conform.dimensions import (
    Company,
    PairPlan,
    dimensions,
    pair_cases,
    plan_pairs,
)
from b24conform.generation import (
    draw_in_background,
    error_cases,
    probe_cases,
    rule_cases,
    valid_cases,
)
from b24conform.spec import DocRef, MethodContract, Spec
from b24conform.transport import Call

UNKNOWN_METHOD = "b24conform.unknown.method"


@dataclass
class PlanOptions:
    max_examples: int = DEFAULTS.max_examples
    seed: int = DEFAULTS.seed
    batch: bool = True


@dataclass
class Plan:
    """The cases of a run, split by how they travel, with the pairwise rows they stand for."""

    methods: list[str]
    company: Company
    direct: list[Case] = field(default_factory=list)
    batched: list[Case] = field(default_factory=list)
    walks: list[str] = field(default_factory=list)
    pairs: dict[str, PairPlan] = field(default_factory=dict)
    #: per method, the pairwise rows left out of the plan (`dimensions.row_key`) and why
    left_out_rows: dict[str, dict[str, str]] = field(default_factory=dict)
    #: the most pages a walk may take (a budget left the rest out); absent: every page
    walk_pages: dict[str, int] = field(default_factory=dict)
    #: what a budget left out: [{"method", "what", "count", "reason"}] (`budget.fit`)
    not_planned: list[dict[str, Any]] = field(default_factory=list)
    budget: dict[str, Any] | None = None
    #: adds the cases still being drawn (`plan_run(defer_examples=True)`); None once complete
    pending: Callable[[], None] | None = field(default=None, repr=False)

    @property
    def total(self) -> int:
        return len(self.direct) + len(self.batched)

    def complete(self) -> Plan:
        """The plan with every case in it (waits for the examples drawn in the background)."""
        if self.pending is not None:
            pending, self.pending = self.pending, None
            pending()
        return self

    def to_corpus(self) -> dict[str, Any]:
        """What this run sends, to be replayed exactly (the paging walk follows the answers)."""
        self.complete()
        corpus: dict[str, Any] = {
            "methods": self.methods,
            "department_ids": list(self.company.department_ids),
            "walks": self.walks,
            "direct": [c.to_json() for c in self.direct],
            "batched": [c.to_json() for c in self.batched],
        }
        if self.company.depths is not None:
            corpus["department_depths"] = {str(k): v for k, v in self.company.depths.items()}
        return corpus

    @classmethod
    def from_corpus(cls, corpus: Mapping[str, Any], spec: Spec, context: CheckContext) -> Plan:
        """The recorded cases instead of new ones; judged by the docs chosen now, not then."""
        depths = corpus.get("department_depths")
        company = Company(
            tuple(corpus.get("department_ids", ())),
            {int(k): v for k, v in depths.items()} if depths is not None else None,
        )
        methods = [m for m in corpus.get("methods", []) if m in spec.methods]
        plan = cls(methods, company, walks=list(corpus.get("walks", methods)))
        for name, into in (("direct", plan.direct), ("batched", plan.batched)):
            for data in corpus.get(name, []):
                expect = expectation(spec, context, data["kind"], data["name"], data["method"])
                into.append(Case.from_json(data, expect))
        for method in methods:
            rows = [
                dict(c.pair) for c in plan.direct + plan.batched if c.method == method and c.pair
            ]
            plan.pairs[method] = PairPlan(method, dimensions(spec.method(method), company), rows)
        return plan


def plan_run(
    spec: Spec,
    contracts: list[MethodContract],
    company: Company,
    roles: Mapping[str, Any],
    options: PlanOptions,
    context: CheckContext,
    *,
    defer_examples: bool = False,
) -> Plan:
    """Every case of a run against a target with these departments and these other roles.

    With `defer_examples`, the batched examples are drawn in the background and join the plan
    at `Plan.complete()`, which the runner calls before it needs them."""
    plan = Plan([c.name for c in contracts], company)
    packed = "batch" if options.batch else "json"
    ids = list(company.department_ids)
    for contract in contracts:
        pairs = plan_pairs(contract, company, batch=options.batch)
        plan.pairs[contract.name] = pairs
        for case in pair_cases(contract, pairs, company, options.seed):
            (plan.batched if case.call.transport == "batch" else plan.direct).append(case)
    for contract in contracts:
        plan.direct.extend(error_cases(contract))
        plan.direct.extend(
            _refusals(spec, context, contract, ids, roles, first=contract is contracts[0])
        )
    plan.walks = [c.name for c in contracts if c.raw.get("paging")]

    def add_examples() -> None:
        for contract in contracts:
            examples = valid_cases(contract, ids, options.max_examples, options.seed)
            extra = [*rule_cases(contract), *examples]
            target = plan.batched if options.batch else plan.direct
            target.extend(_retransport(c, packed) for c in extra)
            target.extend(probe_cases(contract, ids, packed))

    if defer_examples and options.batch:
        # the batches go last: their examples are drawn while the direct cases are sent
        draw_in_background(contracts, ids, options.max_examples, options.seed)
        plan.pending = add_examples
    else:
        add_examples()
    return plan


def _refusals(
    spec: Spec,
    context: CheckContext,
    contract: MethodContract,
    ids: list[int],
    roles: Mapping[str, Any],
    *,
    first: bool,
) -> list[Case]:
    """The smallest valid request sent with wrong credentials (once a run), by each denied role,
    and an unknown method (once a run): the documented refusals."""
    params = {"ID": [ids[0]]} if "ID" in contract.request_schema.get("properties", {}) else {}
    cases = []
    if first:
        cases.append(
            Case(
                contract.name,
                "auth",
                "wrong_webhook_code",
                Call(contract.name, params),
                expect=expectation(spec, context, "auth", "wrong_webhook_code", contract.name),
                credentials="wrong_code",
            )
        )
    for role in roles if contract.access else ():  # every denied role the target knows
        name = f"access:{role}"
        cases.append(
            Case(
                contract.name,
                "access",
                name,
                Call(contract.name, params),
                expect=expectation(spec, context, "access", name, contract.name),
                credentials=role,
            )
        )
    if first:
        cases.append(
            Case(
                "platform",
                "unknown_method",
                "unknown_method",
                Call(UNKNOWN_METHOD),
                expect=expectation(spec, context, "unknown_method", "unknown_method", "platform"),
            )
        )
    return cases


def expectation(
    spec: Spec, context: CheckContext, kind: str, name: str, method: str
) -> Expectation | None:
    """What the docs promise a case of this kind and name: the judged revision's claim."""
    if kind == "auth":
        return system_error(context, "NO_AUTH_FOUND")
    if kind == "unknown_method":
        return system_error(context, "ERROR_METHOD_NOT_FOUND")
    contract = spec.methods.get(method)
    if contract is None:
        return None
    if kind == "error":
        return next(
            (Expectation.from_contract(e) for e in contract.errors if e["name"] == name), None
        )
    if kind == "access" and contract.access:
        access = contract.access
        return Expectation(
            status=access["status"],
            error=access["error"],
            doc=DocRef.from_json(access["doc"]),
            status_doc=DocRef.from_json(access["status_doc"]),
            description=access.get("description"),
        )
    return None


def _retransport(case: Case, transport: str) -> Case:
    call = dataclasses.replace(case.call, transport=transport)
    return dataclasses.replace(case, call=call)

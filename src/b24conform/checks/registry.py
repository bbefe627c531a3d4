"""The check registry and the context checks share during one run."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from b24conform.cases import Case, Exchange, Walk
from b24conform.deviations import Finding
from b24conform.spec import DocRef, MethodContract, Spec
from b24conform.spec.fields import FieldPresence

CheckFunction = Callable[["CheckContext", Exchange], Iterable[Finding]]

#: Where a check judges, declared where it is defined (`@check(..., scope=...)`,
#: `RunCheck.scope`):
#: the platform's claims on every answer, a raw `batch` answer's envelope included (platform.md)
PLATFORM = "platform"
#: every answer of every documented method (its schema, its documented errors, its examples)
METHOD = "method"
#: a documented rule of some methods: judges only the methods whose contract names it in `rules`,
#: so no report lists a check as passed where it could not have failed
RULE = "rule"
SCOPES = (PLATFORM, METHOD, RULE)


class RunCheck:
    """A check with state for one run, Schemathesis-style: one instance per run (per
    `CheckContext`), its state set up in `__init__`; `judge` sees every answer, `after_run` is
    called once per method at the end for what only the whole run shows (a walk that never ends,
    two methods that disagree). Register a subclass with `@lifecycle`."""

    name: ClassVar[str]
    description: ClassVar[str]
    scope: ClassVar[str]

    def judge(self, ctx: CheckContext, exchange: Exchange) -> Iterable[Finding]:
        return ()

    def after_run(
        self, ctx: CheckContext, method: str
    ) -> Iterable[tuple[Finding, Exchange | None]]:
        return ()


@dataclass(frozen=True)
class Check:
    """A registered check: its stable name, what it judges, where (`scope`), and how a run gets
    its instance."""

    name: str
    description: str
    scope: str
    factory: Callable[[], RunCheck]

    def run(self, ctx: CheckContext, exchange: Exchange) -> Iterable[Finding]:
        """This run's instance judging one answer."""
        return ctx.instance(self).judge(ctx, exchange)

    def finish(self, ctx: CheckContext, method: str) -> Iterable[tuple[Finding, Exchange | None]]:
        """This run's instance, once per method at the end."""
        return ctx.instance(self).after_run(ctx, method)


CHECKS: dict[str, Check] = {}


def _register(entry: Check) -> None:
    if entry.name in CHECKS:
        raise ValueError(f"check {entry.name!r} registered twice")
    if entry.scope not in SCOPES:
        raise ValueError(f"check {entry.name!r}: scope {entry.scope!r} is none of {SCOPES}")
    CHECKS[entry.name] = entry


class _Stateless(RunCheck):
    def __init__(self, function: CheckFunction) -> None:
        self.function = function

    def judge(self, ctx: CheckContext, exchange: Exchange) -> Iterable[Finding]:
        return self.function(ctx, exchange)


def check(name: str, description: str, *, scope: str) -> Callable[[CheckFunction], CheckFunction]:
    """Register a check without state: a function judging one answer, where `scope` says."""

    def register(function: CheckFunction) -> CheckFunction:
        _register(Check(name, description, scope, functools.partial(_Stateless, function)))
        return function

    return register


def lifecycle(cls: type[RunCheck]) -> type[RunCheck]:
    """Register a check with state (`RunCheck`): a fresh instance for every run."""
    _register(Check(cls.name, cls.description, cls.scope, cls))
    return cls


def silent_severity(case: Case) -> str | None:
    """The probe severity rule, in one place: what goes wrong on input the docs do not cover (a
    probe, or a valid case holding docs-silent input) is a warning; on documented input, the
    finding kind's own severity (None)."""
    return "warning" if case.docs_silent else None


def applicable_checks(spec: Spec, method: str) -> tuple[str, ...]:
    """The checks that judge a method: the platform's and the method's, and the rules its
    contract names."""
    contract = spec.methods.get(method)
    named = {r["check"] for r in contract.raw.get("rules", [])} if contract else set()
    return tuple(name for name, c in CHECKS.items() if c.scope != RULE or name in named)


def envelope_checks() -> tuple[str, ...]:
    """The checks a raw `batch` answer gets: the platform's claims, not a method's."""
    return tuple(name for name, c in CHECKS.items() if c.scope == PLATFORM)


def unknown_rule_checks(spec: Spec) -> list[str]:
    """`method: rule → check` for every rule a contract hands to no rule check: a typo there
    would leave the rule unjudged without a word, so the run refuses to start."""
    return [
        f"{contract.name}: {rule['name']} → {rule['check']}"
        for contract in spec.methods.values()
        for rule in contract.raw.get("rules", [])
        if rule["check"] not in CHECKS or CHECKS[rule["check"]].scope != RULE
    ]


@dataclass
class Observation:
    probe: str
    method: str
    request: dict[str, Any]
    outcome: Any
    doc: str

    def to_json(self) -> dict[str, Any]:
        return {
            "probe": self.probe,
            "method": self.method,
            "request": self.request,
            "outcome": self.outcome,
            "doc": self.doc,
        }


@dataclass
class CheckContext:
    """What checks may read (the spec) and where they may leave run-wide state or observations."""

    spec: Spec
    observations: list[Observation] = field(default_factory=list)
    #: method → the documented field pointers some answer had (docs coverage)
    seen_fields: dict[str, set[str]] = field(default_factory=dict)
    #: the walks the runner made along `next`, for the `paging` check to judge whole
    walks: list[Walk] = field(default_factory=list)
    _fields: dict[str, FieldPresence] = field(default_factory=dict, repr=False)
    _instances: dict[str, RunCheck] = field(default_factory=dict, repr=False)
    #: the user id behind the main credentials (a webhook's), None when unknown (OAuth)
    caller: int | None = None

    def contract(self, method: str) -> MethodContract:
        return self.spec.method(method)

    def rule(self, method: str, name: str) -> DocRef | None:
        """The doc line of a rule the method's contract states, or None when it states none."""
        contract = self.spec.methods.get(method)
        return contract.rule_doc(name) if contract and contract.has_rule(name) else None

    def documents(self, method: str) -> bool:
        """Whether the judged revision has a contract for this method (platform probes have none)."""
        return method in self.spec.methods

    def see_fields(self, contract: MethodContract, body: Any) -> None:
        """Note which documented fields of the method's answer this body has."""
        if contract.name not in self._fields:
            self._fields[contract.name] = FieldPresence(contract)
            self.seen_fields[contract.name] = self._fields[contract.name].seen
        self._fields[contract.name].visit(body)

    def observe(
        self, probe: str, method: str, request: dict[str, Any], outcome: Any, doc: str
    ) -> None:
        self.observations.append(Observation(probe, method, request, outcome, doc))

    def instance(self, entry: Check) -> Any:
        """This run's instance of a check (made on first use: a run's state starts empty)."""
        if entry.name not in self._instances:
            self._instances[entry.name] = entry.factory()
        return self._instances[entry.name]


def pointer(path: Iterable[Any]) -> str:
    """A JSON pointer with array indices and id keys generalized to `*`."""
    parts = []
    for part in path:
        if isinstance(part, int) or (isinstance(part, str) and part.isdigit()):
            parts.append("*")
        else:
            parts.append(str(part).replace("~", "~0").replace("/", "~1"))
    return "".join(f"/{p}" for p in parts)

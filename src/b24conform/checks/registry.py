"""The check registry and the context checks share during one run."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from b24conform.cases import Case, Exchange
from b24conform.deviations import Finding
from b24conform.spec import DocRef, MethodContract, Spec, available_revisions, load_spec
from b24conform.spec.fields import FieldPresence

CheckFunction = Callable[["CheckContext", Exchange], Iterable[Finding]]
FinishFunction = Callable[["CheckContext", str], Iterable[tuple[Finding, Exchange | None]]]


@dataclass(frozen=True)
class Check:
    name: str
    description: str
    run: CheckFunction
    finish: FinishFunction | None = None


CHECKS: dict[str, Check] = {}


def check(name: str, description: str) -> Callable[[CheckFunction], CheckFunction]:
    """Register a per-exchange check under a stable name."""

    def register(function: CheckFunction) -> CheckFunction:
        if name in CHECKS:
            raise ValueError(f"check {name!r} registered twice")
        CHECKS[name] = Check(name, description, function)
        return function

    return register


def finisher(name: str) -> Callable[[FinishFunction], FinishFunction]:
    """Attach a run-wide step to a registered check (called once per method at the end)."""

    def register(function: FinishFunction) -> FinishFunction:
        existing = CHECKS[name]
        CHECKS[name] = Check(existing.name, existing.description, existing.run, function)
        return function

    return register


def silent_severity(case: Case) -> str | None:
    """The probe severity rule, in one place: what goes wrong on input the docs do not cover (a
    probe, or a valid case holding docs-silent input) is a warning; on documented input, the
    finding kind's own severity (None)."""
    return "warning" if case.docs_silent else None


@functools.cache
def rule_checks() -> frozenset[str]:
    """Checks that judge a documented rule: those named by some contract of some revision."""
    return frozenset(
        rule["check"]
        for revision in available_revisions()
        for contract in load_spec(revision).methods.values()
        for rule in contract.raw.get("rules", [])
    )


def applicable_checks(spec: Spec, method: str) -> tuple[str, ...]:
    """The checks that judge a method: the platform's, and the rules its contract names.

    A rule check judges only the methods whose contract names it, so no report (nor JUnit file,
    nor pytest run) lists a check as passed where it could not have failed.
    """
    contract = spec.methods.get(method)
    named = {r["check"] for r in contract.raw.get("rules", [])} if contract else set()
    return tuple(name for name in CHECKS if name not in rule_checks() or name in named)


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
    state: dict[str, Any] = field(default_factory=dict)
    observations: list[Observation] = field(default_factory=list)
    #: method → the documented field pointers some answer had (docs coverage)
    seen_fields: dict[str, set[str]] = field(default_factory=dict)
    _fields: dict[str, FieldPresence] = field(default_factory=dict, repr=False)
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

    def bucket(self, name: str, factory: Callable[[], Any]) -> Any:
        """Run-wide state of one check (created on first use)."""
        if name not in self.state:
            self.state[name] = factory()
        return self.state[name]


def pointer(path: Iterable[Any]) -> str:
    """A JSON pointer with array indices and id keys generalized to `*`."""
    parts = []
    for part in path:
        if isinstance(part, int) or (isinstance(part, str) and part.isdigit()):
            parts.append("*")
        else:
            parts.append(str(part).replace("~", "~0").replace("/", "~1"))
    return "".join(f"/{p}" for p in parts)

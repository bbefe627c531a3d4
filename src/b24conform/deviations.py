"""The deviation model: findings from the checks, deduplicated under stable ids.

A check yields `Finding`s; the engine turns each into a `Deviation` keyed by a hash of
method + check + kind + location, so that the same fault seen in a hundred answers is one entry
with `occurrences: 100` and the smallest request that showed it, and so that two runs (or a run
and a baseline) can be compared entry by entry.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from b24conform.spec import DocRef
from b24conform.transport import Call

FORMAT = "b24conform.deviations/1"
SEVERITIES = ("error", "warning", "info")
SEVERITY_RANK = {"error": 0, "warning": 1, "info": 2}
KINDS = (
    "status_code",
    "content_type",
    "not_json",
    "envelope",
    "missing_field",
    "undocumented_field",
    "type_mismatch",
    "format_mismatch",
    "error_code",
    "rejected_valid_input",
    "accepted_invalid_input",
    "invariant",
    "server_error",
    "docs_inconsistency",
)
DEFAULT_SEVERITY = {"undocumented_field": "warning", "docs_inconsistency": "info"}


@dataclass(frozen=True)
class Finding:
    """One documented claim contradicted by one answer (or by the docs themselves)."""

    kind: str
    location: str
    message: str
    doc: DocRef
    expected: Any = None
    actual: Any = None
    severity: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown deviation kind {self.kind!r}")

    @property
    def effective_severity(self) -> str:
        return self.severity or DEFAULT_SEVERITY.get(self.kind, "error")


def blocks(deviation: dict[str, Any], fail_on: str) -> bool:
    """Whether a deviation (as in deviations.json) fails the gate: new, at or above `fail_on`."""
    if fail_on == "never" or deviation.get("baseline") == "known":
        return False
    rank = SEVERITY_RANK.get(deviation.get("severity", ""), len(SEVERITY_RANK))
    return rank <= SEVERITY_RANK[fail_on]


#: A run's verdict and its exit code (2, a usage error, ends a run before it has a verdict).
EXIT_CODES = {"passed": 0, "failed": 1, "unchecked": 3, "incomplete": 4}


def not_checked_reasons(document: dict[str, Any]) -> dict[str, int]:
    """Why cases went unchecked (budget, time limit, throttling, interruption), and how many each."""
    reasons: dict[str, int] = {}
    for entry in document.get("not_checked") or []:
        reason = str(entry.get("reason", "unknown")) if isinstance(entry, dict) else "unknown"
        reasons[reason] = reasons.get(reason, 0) + 1
    return reasons


def not_checked_count(document: dict[str, Any]) -> int:
    count = (document.get("run") or {}).get("not_checked")
    return count if isinstance(count, int) else len(document.get("not_checked") or [])


def verdict(document: dict[str, Any], fail_on: str) -> str:
    """The gate rule, one place for the exit code, the report's banner and the JUnit file.

    `unchecked`: not one case got an answer to judge (the target could not be checked at all);
    `failed`: a new deviation at or above `fail_on`, whatever was left unchecked (what was found
    stands); `incomplete`: nothing failed, but some planned cases were not checked (a budget, the
    time limit, throttling to the end, Ctrl-C), so the run cannot say the portal passed;
    `passed`: every planned case was checked and nothing fails.
    """
    cases = (document.get("summary") or {}).get("cases")
    missed = not_checked_count(document)
    if isinstance(cases, int) and cases <= missed:
        return "unchecked"
    if any(blocks(d, fail_on) for d in document.get("deviations") or []):
        return "failed"
    if missed or (document.get("run") or {}).get("interrupted"):
        return "incomplete"
    return "passed"


def deviation_id(method: str, check: str, kind: str, location: str) -> str:
    key = "\x1f".join((method, check, kind, location))
    return hashlib.sha256(key.encode()).hexdigest()[:16]


@dataclass
class Deviation:
    id: str
    method: str
    check: str
    finding: Finding
    request: dict[str, Any] | None
    reproduce: str | None
    occurrences: int = 1
    size: int = 0
    baseline: str = "new"
    #: the denied roles (webhook user ids) whose calls showed it, when it is an access finding
    roles: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        f = self.finding
        return {
            "id": self.id,
            "method": self.method,
            "check": self.check,
            "kind": f.kind,
            "severity": f.effective_severity,
            "location": f.location,
            "message": f.message,
            "expected": f.expected,
            "actual": f.actual,
            "doc": f.doc.to_json(),
            "request": self.request,
            "reproduce": self.reproduce,
            "occurrences": self.occurrences,
            "baseline": self.baseline,
            **({"roles": self.roles} if self.roles else {}),
        }


@dataclass
class DeviationLog:
    """Collects findings, merging repeats; keeps the most severe finding, then the smallest request.

    A rule may weigh the same break differently by input (a `next` that does not advance is an
    error for a documented LIMIT, a warning for LIMIT=0): the entry shows the worst it saw.
    """

    entries: dict[str, Deviation] = field(default_factory=dict)

    def add(
        self,
        method: str,
        check: str,
        finding: Finding,
        call: Call | None = None,
        reproduce: str | None = None,
        role: str | None = None,
    ) -> Deviation:
        key = deviation_id(method, check, finding.kind, finding.location)
        size = call.size() if call else 0
        existing = self.entries.get(key)
        if existing is None:
            entry = Deviation(
                key,
                method,
                check,
                finding,
                call.to_json() if call else None,
                reproduce,
                size=size,
                roles=[role] if role else [],
            )
            self.entries[key] = entry
            return entry
        existing.occurrences += 1
        if role and role not in existing.roles:
            existing.roles.append(role)
        rank = SEVERITY_RANK[finding.effective_severity]
        known = SEVERITY_RANK[existing.finding.effective_severity]
        if rank < known or (
            rank == known
            and call is not None
            and (existing.request is None or size < existing.size)
        ):
            existing.finding = finding
            existing.request = call.to_json() if call else None
            existing.reproduce = reproduce
            existing.size = size
        return existing

    def ordered(self) -> list[Deviation]:
        """Most severe first, then by method, check, location: the same order on every run."""
        return sorted(
            self.entries.values(),
            key=lambda d: (
                SEVERITY_RANK[d.finding.effective_severity],
                d.method,
                d.check,
                d.finding.kind,
                d.finding.location,
            ),
        )

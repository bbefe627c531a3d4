"""The detection matrix: the suite run once per reference-portal fault, and what it caught.

Used by the test that proves every check catches its fault (tests/nocover) and by
`bench/matrix.py`, which prints the table the README shows.
"""

from __future__ import annotations

from dataclasses import dataclass

from b24conform.engine import DEFAULT_METHODS, RunOptions, run
from b24conform.portal import CATALOGUE, Fault
from b24conform.targets import TargetOptions
from b24conform.transport import RateLimit

Expected = tuple[str, str, str]


@dataclass
class MatrixRow:
    fault: Fault
    missed: list[Expected]
    requests: int
    cases: int

    @property
    def caught(self) -> bool:
        return not self.missed


def methods_for(fault: Fault) -> tuple[str, ...]:
    named = {method for method, _, _ in fault.expect if method != "*"}
    # the first method carries the once-a-run cases (wrong webhook code, unknown method)
    return tuple(m for m in DEFAULT_METHODS if m in named or m == DEFAULT_METHODS[0])


def run_fault(name: str, *, seed: int = 0, timeout: float = 2.0) -> MatrixRow:
    fault = CATALOGUE[name]
    options = RunOptions(
        target=TargetOptions(rate_limit=RateLimit(2, 50), portal_faults=(name,), timeout=timeout),
        methods=methods_for(fault),
        seed=seed,
    )
    document = run(options).document
    found = {
        (d["method"], d["kind"], d["location"])
        for d in document["deviations"]
        if d["severity"] in ("error", "warning")
    }
    missed = [
        expected
        for expected in fault.expect
        if not any(
            expected[0] in ("*", method) and expected[1:] == (kind, location)
            for method, kind, location in found
        )
    ]
    return MatrixRow(fault, missed, document["run"]["requests"], document["summary"]["cases"])

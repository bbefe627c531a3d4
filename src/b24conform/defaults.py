"""The one set of defaults, shared by the command line, the pytest plugin and the Python API.

`b24conform run`, `pytest --b24-*` and `engine.run(RunOptions())` behave the same when given
nothing: every method the current docs have a contract for, against the bundled reference
portal, under the standard plan's rate limit (2/s, burst 50), 200 generated requests per method,
reports in `reports/`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from b24conform.transport.ratelimit import STANDARD_PLAN, RateLimit

#: the lowest severity that fails a run, or never
FAIL_ON = ("error", "warning", "info", "never")


@dataclass(frozen=True)
class Defaults:
    rate_limit: RateLimit | None = STANDARD_PLAN
    max_requests: int | None = None
    max_time: float | None = None
    timeout: float = 30.0
    docs: str = "current"
    max_examples: int = 200
    seed: int = 0
    fail_on: str = "error"
    report_dir: Path = Path("reports")
    portal_profile: str = "docs"
    portal_seed: int = 0
    portal_departments: int = 12

    @property
    def methods(self) -> tuple[str, ...]:
        """Every method the current docs have a contract for, in their run order (a new contract
        file is a new method of the default run). Read when asked: a pytest run that uses no
        suite loads no contract."""
        from b24conform.spec import load_spec

        return load_spec(self.docs).default_methods


DEFAULTS = Defaults()

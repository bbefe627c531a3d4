"""The oracles: each check judges answers against one kind of documented claim.

Checks are registered by name (`@check`), so that the engine, the JUnit report and the docs
coverage all speak of the same stable names. A check gets one exchange (a case and its answer)
and yields `Finding`s, each citing the doc line it contradicts; it never raises for what a portal
answers. Run-wide checks (consistency across calls, the docs' own examples) have a `finish` step.
"""

from b24conform.checks import docs, http, rules, schema, siblings  # noqa: F401  (registers the checks)
from b24conform.checks.registry import CHECKS, Check, CheckContext, applicable_checks, check

__all__ = ["CHECKS", "Check", "CheckContext", "applicable_checks", "check"]

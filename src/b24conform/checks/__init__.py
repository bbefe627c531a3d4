"""The oracles: each check judges answers against one kind of documented claim.

Checks are registered by name (`@check`), so that the engine, the JUnit report and the docs
coverage all speak of the same stable names. A check gets one exchange (a case and its answer)
and yields `Finding`s, each citing the doc line it contradicts; it never raises for what a portal
answers. A check with state for the run (consistency across calls, the paging walk, the methods
agreeing with each other) is a `RunCheck` class registered with `@lifecycle`: one instance per
run, its state in `__init__`, and an `after_run` step once per method at the end. Each check
declares where it judges (`scope`): the platform's claims on every answer, every method's
answers, or only the methods whose contract names it in a rule.
"""

from b24conform.checks import docs, http, rules, schema, siblings  # noqa: F401  (registers the checks)
from b24conform.checks.registry import (
    CHECKS,
    METHOD,
    PLATFORM,
    RULE,
    Check,
    CheckContext,
    RunCheck,
    applicable_checks,
    check,
    envelope_checks,
    lifecycle,
    unknown_rule_checks,
)

__all__ = [
    "CHECKS",
    "METHOD",
    "PLATFORM",
    "RULE",
    "Check",
    "CheckContext",
    "RunCheck",
    "applicable_checks",
    "check",
    "envelope_checks",
    "lifecycle",
    "unknown_rule_checks",
]

"""Guards: which answers a check judges at all, said once as a decorator instead of the same
early-return lines at the top of every check (Schemathesis's check guards).

    @check("time", "...", scope=RULE)
    @requires(success)
    def time_object(ctx, exchange): ...

An answer a guard stops gets no finding from that check: another check speaks of it (no answer
at all is `answered`'s, a body that is no JSON is `json_body`'s).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

from b24conform.cases import Exchange
from b24conform.deviations import Finding

if TYPE_CHECKING:
    from b24conform.checks.registry import CheckContext

Guard = Callable[["CheckContext", Exchange], bool]


def requires(
    *guards: Guard,
) -> Callable[[Callable[..., Iterable[Finding]]], Callable[..., Iterator[Finding]]]:
    """Judge only the exchanges every guard lets through (on a check function, or on a
    `RunCheck`'s `judge` method)."""

    def wrap(function: Callable[..., Iterable[Finding]]) -> Callable[..., Iterator[Finding]]:
        @functools.wraps(function)
        def guarded(*args: Any) -> Iterator[Finding]:
            ctx, exchange = args[-2:]  # a check function's (ctx, exchange), or a RunCheck's judge
            if all(guard(ctx, exchange) for guard in guards):
                yield from function(*args)

        return guarded

    return wrap


def is_success(exchange: Exchange) -> bool:
    body = exchange.response.json
    return isinstance(body, dict) and "result" in body and "error" not in body


def is_error(exchange: Exchange) -> bool:
    body = exchange.response.json
    return isinstance(body, dict) and "error" in body


def has_answer(ctx: CheckContext, exchange: Exchange) -> bool:
    """An HTTP answer came (not a timeout, a reset, a command a `batch` did not run)."""
    return exchange.response.answered


def with_status(ctx: CheckContext, exchange: Exchange) -> bool:
    """An answer with an HTTP status of its own (a `batch` command has none)."""
    return exchange.response.answered and exchange.response.status is not None


def json_answer(ctx: CheckContext, exchange: Exchange) -> bool:
    return exchange.response.answered and exchange.response.is_json


def success(ctx: CheckContext, exchange: Exchange) -> bool:
    """A success envelope: `result` and no `error`."""
    return exchange.response.answered and is_success(exchange)


def documented(ctx: CheckContext, exchange: Exchange) -> bool:
    """The judged revision has a contract for the method (platform probes have none)."""
    return ctx.documents(exchange.case.method)

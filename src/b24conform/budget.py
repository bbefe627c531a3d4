"""A budget-aware plan: `--max-requests` and `--max-time` as requests, and the plan cut to fit.

A run that hits its budget half-way has checked an arbitrary part of what it meant to; a run
that plans for its budget checks the most valuable part, completely, and says what it left out.
The time budget becomes requests through the rate limit: a leaky bucket of burst b draining r a
second lets at most b + r·T requests through in T seconds (a run of R requests cannot finish
faster than max(0, R − b) / r), and a fifth of the time is kept for judging. Nor can requests
go faster than the portal answers: the time each discovery request took bounds them too.
Without a rate limit or a measured answer time the deadline alone stops the run.

What is kept, in this order, each tier shared out across the methods in turn:
1. the pairwise cases (every pair of request dimensions), 2. the documented errors and refusals,
3. the paging walks, 4. the rule cases, 5. Hypothesis's examples, 6. the probes of what the docs
leave open. A case of a later tier is still kept when it fits where an earlier one did not
(a `batch` command in a batch that is sent anyway).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from b24conform.cases import Case
from b24conform.dimensions import row_key
from b24conform.planner import Plan
from b24conform.transport import RateLimit
from b24conform.transport.ratelimit import BUCKET_MARGIN

BATCH_SIZE = 50
#: the share of the time budget that requests may take; the rest is for judging and the network
TIME_SHARE = 0.8
TIERS = ("pair", "documented error", "paging walk", "rule case", "example", "probe")


@dataclass(frozen=True)
class Allowance:
    """How many more requests the plan may send, and the option that says so (the client's
    `transport.client.Budget` enforces the option; this is what the planner makes of it)."""

    requests: int
    reason: str


def budget_for(
    *,
    max_requests: int | None,
    max_time: float | None,
    rate_limit: RateLimit | None,
    used: int,
    elapsed: float,
    seconds_per_request: float | None = None,
) -> Allowance | None:
    """The tighter of the budgets after `used` requests in `elapsed` seconds; None if none.

    `seconds_per_request`: how long a request took so far (discovery's), when known."""
    found: list[Allowance] = []
    if max_requests is not None:
        found.append(Allowance(max_requests - used, f"--max-requests {max_requests}"))
    if max_time is not None:
        usable = max(0.0, max_time - elapsed) * TIME_SHARE
        if rate_limit is not None:
            level = max(0.0, used - rate_limit.per_second * elapsed)  # what the bucket holds
            room = rate_limit.burst - BUCKET_MARGIN - level + rate_limit.per_second * usable
            found.append(Allowance(math.floor(room), f"--max-time {max_time:g} s at {rate_limit}"))
        if seconds_per_request:
            room = usable / seconds_per_request
            found.append(Allowance(math.floor(room), f"--max-time {max_time:g} s"))
    if not found:
        return None
    tightest = min(found, key=lambda b: b.requests)
    return Allowance(max(0, tightest.requests), tightest.reason)


def tier(case: Case) -> str:
    if case.pair:
        return "pair"
    if case.kind in ("error", "auth", "access", "unknown_method"):
        return "documented error"
    if case.kind == "probe":
        return "probe"
    return "example" if case.name == "valid" else "rule case"


def fit(
    plan: Plan, budget: Allowance, walk_costs: Mapping[str, int], *, frozen_batches: bool = False
) -> None:
    """Cut `plan` to `budget`, in place: keep by priority, record what was left out and why.

    `walk_costs` gives the requests each walk still needs. `frozen_batches` (a replay) keeps the
    recorded `batch` groups whole, since a cassette answers only the batches it recorded.
    """
    order = {m: i for i, m in enumerate(plan.methods)}
    items: list[tuple[tuple[int, int, int], str, Any]] = []
    seen: Counter[tuple[str, str]] = Counter()
    direct_cases = [(c, "direct") for c in plan.direct]
    batched_cases = [] if frozen_batches else [(c, "batched") for c in plan.batched]
    for case, how in direct_cases + batched_cases:
        name = tier(case)
        rank = seen[(case.method, name)]
        seen[(case.method, name)] += 1
        key = (TIERS.index(name), rank, order.get(case.method, -1))
        items.append((key, how, case))
    for method in walk_costs:
        items.append(((TIERS.index("paging walk"), 0, order.get(method, -1)), "walk", method))
    items.sort(key=lambda item: item[0])
    if frozen_batches:
        for start in range(0, len(plan.batched), BATCH_SIZE):
            chunk = plan.batched[start : start + BATCH_SIZE]
            items.append(((len(TIERS), start, 0), "chunk", chunk))

    spent_direct = spent_walks = packed = 0
    kept_direct: list[Case] = []
    kept_batched: list[Case] = []
    left: Counter[tuple[str, str]] = Counter()

    def spent() -> int:
        return spent_direct + spent_walks + math.ceil(packed / BATCH_SIZE)

    for _, how, item in items:
        if how == "direct":
            fits = spent() + 1 <= budget.requests
            spent_direct += fits
        elif how == "batched":
            fits = (
                spent_direct + spent_walks + math.ceil((packed + 1) / BATCH_SIZE) <= budget.requests
            )
            packed += fits
        elif how == "chunk":
            fits = spent() + 1 <= budget.requests
            packed += BATCH_SIZE * fits
        else:  # a walk: all its pages or none beyond the first
            fits = spent() + walk_costs[item] <= budget.requests
            spent_walks += walk_costs[item] * fits
        if how == "walk":
            if not fits:
                plan.walk_pages[item] = 1
                left[(item, "paging walk")] += 1
            continue
        cases = item if how == "chunk" else [item]
        if fits:
            (kept_batched if how in ("batched", "chunk") else kept_direct).extend(cases)
            continue
        for case in cases:
            left[(case.method, tier(case))] += 1
            if case.pair:
                rows = plan.left_out_rows.setdefault(case.method, {})
                rows[row_key(dict(case.pair))] = f"left out of the plan: {budget.reason}"
    keep = {id(c) for c in kept_direct + kept_batched}
    plan.direct = [c for c in plan.direct if id(c) in keep]
    plan.batched = [c for c in plan.batched if id(c) in keep]
    plan.not_planned = [
        {"method": method, "what": what, "count": count, "reason": budget.reason}
        for (method, what), count in sorted(
            left.items(), key=lambda i: (order.get(i[0][0], -1), TIERS.index(i[0][1]))
        )
    ]
    plan.budget = {"requests": budget.requests, "reason": budget.reason}

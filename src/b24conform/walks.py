"""The paging walk: follow `next` from OFFSET 0 through every page of a list method.

It is sequential (each page's request depends on the previous answer), so it is no planned case
but a loop of its own. Every page is judged like any case, through the runner's `judge`; the walk
as a whole (distinct users against `total`, and that it ends) is the `paging` check's, which gets
the finished `Walk` at the end of the run.
"""

from __future__ import annotations

from collections.abc import Callable

from b24conform.cases import Case, Exchange, Walk, walk_bound
from b24conform.spec import MethodContract
from b24conform.transport import Call


def page_case(contract: MethodContract, offset: int) -> Case:
    """The request for one page of the walk, by the contract's `paging` (its walk LIMIT)."""
    paging = contract.raw["paging"]
    params = {
        paging["limit"]: paging["walk_limit"],
        **({paging["offset"]: offset} if offset else {}),
    }
    return Case(contract.name, "valid", "paging_walk", Call(contract.name, params, "json"))


def walk_pages(
    contract: MethodContract,
    send: Callable[[Case], Exchange],
    judge: Callable[[Exchange], None],
    *,
    first: Exchange | None = None,
    most: int | None = None,
) -> Walk:
    """Walk the method's pages: `send` each page's case, `judge` each answer.

    It stops at the first answer without `next`, at a `next` that does not move forward, at an
    answer that is no page, after `most` pages when a budget planned fewer (`first`, the first
    page, may have been sent already to learn how many), and after `ceil(total / LIMIT) + 2`
    pages whatever the portal keeps sending.
    """
    limit = contract.raw["paging"]["walk_limit"]
    walk = Walk(contract.name, limit, [], "failed")
    offset, bound = 0, None
    while bound is None or len(walk.exchanges) < bound:
        if most is not None and len(walk.exchanges) >= most:
            walk.stopped = "planned"
            break
        exchange = first if first is not None and not offset else send(page_case(contract, offset))
        judge(exchange)
        body = exchange.response.json
        if not exchange.response.answered or not isinstance(body, dict):
            break
        if not isinstance(body.get("result"), list) or not isinstance(body.get("total"), int):
            break
        walk.exchanges.append(exchange)
        if bound is None:
            walk.total = body["total"]
            bound = walk_bound(body["total"], limit)
        nxt = body.get("next")
        if nxt is None:
            walk.stopped = "end"
            break
        if not isinstance(nxt, int) or nxt <= offset:
            walk.stopped = "stuck"
            break
        offset = nxt
    else:
        walk.stopped = "bound"
    return walk


def pages_left(first: Exchange, contract: MethodContract) -> int:
    """How many more pages a walk may take after `first` (for fitting a budget): 0 when the first
    answer is no page."""
    body = first.response.json
    total = body.get("total") if isinstance(body, dict) else None
    return (
        walk_bound(total, contract.raw["paging"]["walk_limit"]) - 1 if isinstance(total, int) else 0
    )

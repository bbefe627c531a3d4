"""The sibling methods of im.department.get: managers.get, employees.get, colleagues.list.

Their answers differ in shape from im.department.get's: `managers.get` and `employees.get` answer
an object keyed by department id (or `[]` when it is empty) whose values are arrays of user ids
(`USER_DATA=N`) or user objects (`USER_DATA=Y`); `colleagues.list` answers one page of such an
array with top-level `total` and `next`. The schema check judges the fields; these checks judge
what a schema cannot say:

- `sibling_keys`: a keyed result holds only the departments asked for;
- `sibling_user_data`: USER_DATA decides between ids and user objects, never a mix;
- `paging`: `next` comes exactly when another page exists and names the next OFFSET, a page holds
  LIMIT users (10 by default, never more than 50) unless fewer remain, and a walk along `next`
  (sent by the engine, `Session.walk_pages`) yields `total` distinct users and ends;
- `cross_method`: the heads managers.get names are im.department.get's `manager_user_id`, and one
  user reads the same (stable fields) in every method that returned it.

Each applies only to methods whose contract names its rule.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from b24conform.cases import Exchange, Walk
from b24conform.checks.guards import is_success, requires, success
from b24conform.checks.registry import (
    RULE,
    CheckContext,
    RunCheck,
    check,
    lifecycle,
    silent_severity,
)
from b24conform.deviations import Finding

GET = "im.department.get"
MANAGERS = "im.department.managers.get"
#: User fields that describe the person, not the moment: they must agree between methods.
STABLE_USER_FIELDS = (
    "id",
    "active",
    "name",
    "first_name",
    "last_name",
    "work_position",
    "email",
    "gender",
    "birthday",
    "extranet",
    "bot",
    "external_auth_id",
    "type",
)


def _valid_result(ctx: CheckContext, exchange: Exchange) -> Any:
    """The `result` of a valid request's success on a documented method, else None."""
    case, response = exchange.case, exchange.response
    if case.kind != "valid" or not response.answered or not is_success(exchange):
        return None
    if not ctx.documents(case.method):
        return None
    return response.json["result"]


def _keyed(result: Any) -> dict[str, Any] | None:
    """A keyed result as a dict (`[]` is the empty one), None when it is no keyed result."""
    if isinstance(result, dict):
        return result
    if result == []:
        return {}
    return None


# -- keys -------------------------------------------------------------------------------------


@lifecycle
class SiblingKeys(RunCheck):
    name = "sibling_keys"
    description = "A department-keyed result holds only the departments asked for"
    scope = RULE

    def __init__(self) -> None:
        #: methods whose left-out departments were observed already (once a method)
        self.left_out_observed: set[str] = set()

    def judge(self, ctx: CheckContext, exchange: Exchange) -> Iterator[Finding]:
        return sibling_keys(ctx, exchange, self.left_out_observed)


def sibling_keys(ctx: CheckContext, exchange: Exchange, observed: set[str]) -> Iterator[Finding]:
    doc = ctx.rule(exchange.case.method, "keys_are_requested_departments")
    keyed = _keyed(_valid_result(ctx, exchange)) if doc else None
    if keyed is None:
        return
    requested = {str(i) for i in exchange.case.requested_ids}
    _observe_left_out(ctx, exchange, requested - set(keyed), observed)
    extra = sorted(k for k in keyed if k not in requested)
    if extra:
        yield Finding(
            kind="invariant",
            location="/result/*",
            message=f"departments {extra[:5]} returned but not asked for",
            doc=doc,
            expected=sorted(requested, key=_as_int),
            actual=sorted(keyed, key=_as_int),
        )


def _observe_left_out(
    ctx: CheckContext, exchange: Exchange, left_out: set[str], observed: set[str]
) -> None:
    """Departments asked for but absent from the keyed result: observed, once a method.

    The docs do not say whether a department without a head (managers.get) or without employees
    (employees.get) gets a key with an empty list or no key at all; real portals leave it out.
    """
    method = exchange.case.method
    if not left_out or method in observed:
        return
    observed.add(method)
    ctx.observe(
        "departments_left_out",
        method,
        exchange.case.call.to_json(),
        {
            "asked": len(exchange.case.requested_ids),
            "left_out": len(left_out),
            "ids": sorted(left_out, key=_as_int)[:10],
        },
        "silent",
    )


def _as_int(key: str) -> Any:
    return (0, int(key)) if key.isdigit() else (1, key)


# -- ids or user objects ----------------------------------------------------------------------


def _entries(result: Any) -> Iterator[tuple[str, Any]]:
    """(location, entry) of every user entry of a keyed or a list result."""
    keyed = _keyed(result)
    if keyed is not None:
        for users in keyed.values():
            if isinstance(users, list):
                for user in users:
                    yield "/result/*/*", user
    elif isinstance(result, list):
        for user in result:
            yield "/result/*", user


def _is_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@check(
    "sibling_user_data",
    "USER_DATA=Y gives user objects, otherwise user ids, never a mix",
    scope=RULE,
)
def sibling_user_data(ctx: CheckContext, exchange: Exchange) -> Iterator[Finding]:
    doc = ctx.rule(exchange.case.method, "ids_or_users_by_user_data")
    if doc is None:
        return
    result = _valid_result(ctx, exchange)
    if result is None:
        return
    asked = exchange.case.user_data
    for location, entry in _entries(result):
        wrong = not isinstance(entry, dict) if asked else not _is_id(entry)
        if wrong:
            shown = entry if not isinstance(entry, dict) else {"id": entry.get("id"), "…": "…"}
            yield Finding(
                kind="invariant",
                location=location,
                message=f"USER_DATA={'Y' if asked else 'N'} asked, got "
                f"{'a user id' if _is_id(entry) else type(entry).__name__} {shown!r}",
                doc=doc,
                expected="a user object" if asked else "a user id (integer)",
                actual=shown,
            )
            return  # one finding an answer: the rest of the list is the same mistake


# -- paging -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    """How a colleagues.list request asked to page, as the docs read it."""

    offset: int
    limit: int
    asked_limit: int | None


def requested_page(params: dict[str, Any], paging: dict[str, Any]) -> Page | None:
    """The OFFSET and effective LIMIT a documented request asks for, None if not documented."""
    offset = params.get(paging["offset"], 0)
    limit = params.get(paging["limit"])
    if not _is_id(offset) or offset < 0 or (limit is not None and (not _is_id(limit) or limit < 1)):
        return None
    effective = paging["default_limit"] if limit is None else min(limit, paging["max_limit"])
    return Page(offset, effective, limit)


@lifecycle
class Paging(RunCheck):
    name = "paging"
    description = "next comes exactly when another page exists; LIMIT is honoured, at most 50"
    scope = RULE

    def judge(self, ctx: CheckContext, exchange: Exchange) -> Iterator[Finding]:
        return paging(ctx, exchange)

    def after_run(
        self, ctx: CheckContext, method: str
    ) -> Iterator[tuple[Finding, Exchange | None]]:
        """The walks the runner made along `next` (`CheckContext.walks`), each judged whole."""
        return _walks(ctx, method, ctx.walks)


def paging(ctx: CheckContext, exchange: Exchange) -> Iterator[Finding]:
    method = exchange.case.method
    result = _valid_result(ctx, exchange)
    if result is None or not isinstance(result, list):
        return
    contract = ctx.contract(method)
    settings = contract.raw.get("paging")
    if not settings:
        return
    page = requested_page(exchange.case.call.params, settings)
    body = exchange.response.json
    total = body.get("total")
    if page is None or not _is_id(total):
        return
    nxt = body.get("next")
    remaining = max(0, total - page.offset)
    more = page.offset + len(result) < total
    only_when = ctx.rule(method, "next_only_when_another_page")
    if only_when and ("next" in body) != more:
        yield Finding(
            kind="invariant",
            location="/next",
            message=f"OFFSET {page.offset}, {len(result)} users of {total}: next is "
            f"{'present' if 'next' in body else 'absent'}, though "
            f"{'another page exists' if more else 'this is the last page'}",
            doc=only_when,
            expected="present" if more else "absent",
            actual=nxt if "next" in body else "absent",
        )
    is_offset = ctx.rule(method, "next_is_next_offset")
    if is_offset and more and "next" in body and nxt != page.offset + len(result):
        yield Finding(
            kind="invariant",
            location="/next",
            message=f"OFFSET {page.offset} with {len(result)} users: next is {nxt!r}, "
            f"not the next page's OFFSET {page.offset + len(result)}",
            doc=is_offset,
            expected=page.offset + len(result),
            actual=nxt,
        )
    cap = ctx.rule(method, "limit_at_most_50")
    default = ctx.rule(method, "limit_default_10")
    doc = (default if page.asked_limit is None else None) or cap
    if doc and len(result) > page.limit:
        yield Finding(
            kind="invariant",
            location="/result",
            message=f"LIMIT {page.asked_limit if page.asked_limit is not None else '(default)'}: "
            f"{len(result)} users in one page, more than {page.limit}",
            doc=doc,
            expected=f"at most {page.limit}",
            actual=len(result),
        )
    elif doc and len(result) < min(page.limit, remaining):
        yield Finding(
            kind="invariant",
            location="/result",
            message=f"OFFSET {page.offset}, LIMIT {page.limit}: {len(result)} users, though "
            f"{remaining} remain of {total}",
            doc=doc,
            expected=min(page.limit, remaining),
            actual=len(result),
        )


@check(
    "next_advances",
    "next moves past OFFSET: a client following it must not loop forever",
    scope=RULE,
)
@requires(success)
def next_advances(ctx: CheckContext, exchange: Exchange) -> Iterator[Finding]:
    """A `next` at or before the OFFSET asked names this page again: a client loops.

    Judged on probes too (LIMIT=0, negative values): an error for a documented request (LIMIT 1
    to 50 or none), a warning where the docs are silent, as platform.md §8 advises for LIMIT=0.
    """
    case, response = exchange.case, exchange.response
    doc = ctx.rule(case.method, "next_advances")
    settings = ctx.contract(case.method).raw.get("paging") if doc else None
    if not settings or case.kind not in ("valid", "probe"):
        return
    body = response.json
    offset = case.call.params.get(settings["offset"], 0)
    nxt = body.get("next")
    if not _is_id(nxt) or not _is_id(offset) or nxt > offset:
        return
    page = requested_page(case.call.params, settings)
    # a LIMIT past the documented range (or none the docs read) is docs-silent input too
    in_range = page is not None and (
        page.asked_limit is None or page.asked_limit <= settings["max_limit"]
    )
    yield Finding(
        kind="invariant",
        location="/next",
        message=f"OFFSET {offset}, LIMIT {case.call.params.get(settings['limit'], '(default)')}: "
        f"next is {nxt}, which does not move past OFFSET; a client following next loops forever",
        doc=doc,
        expected=f"> {offset}",
        actual=nxt,
        severity=silent_severity(case) if in_range else "warning",
    )


def _walks(
    ctx: CheckContext, method: str, walks: list[Walk]
) -> Iterator[tuple[Finding, Exchange | None]]:
    doc = ctx.rule(method, "walk_yields_total")
    for walk in walks:
        if walk.method != method or doc is None or not walk.exchanges:
            continue
        last = walk.exchanges[-1]
        if walk.stopped in ("bound", "stuck"):
            yield (
                Finding(
                    kind="invariant",
                    location="/next",
                    message=f"walking colleagues.list by LIMIT {walk.limit}: next still came after "
                    f"{len(walk.exchanges)} pages"
                    + (" without advancing" if walk.stopped == "stuck" else "")
                    + f" (total {walk.total})",
                    doc=ctx.rule(method, "next_only_when_another_page") or doc,
                    expected="no next on the last page",
                    actual=last.response.json.get("next"),
                ),
                last,
            )
        if walk.stopped in ("failed", "planned") or walk.total is None:
            continue
        seen: list[Any] = []
        for exchange in walk.exchanges:
            for _, entry in _entries(exchange.response.json.get("result")):
                seen.append(entry.get("id") if isinstance(entry, dict) else entry)
        distinct = set(seen)
        if len(distinct) != walk.total or len(seen) != len(distinct):
            repeated = sorted({u for u in seen if seen.count(u) > 1}, key=str)[:5]
            yield (
                Finding(
                    kind="invariant",
                    location="/total",
                    message=f"walking every page by LIMIT {walk.limit} gave {len(distinct)} "
                    f"distinct users"
                    + (f" ({len(seen)} in all, {repeated} repeated)" if repeated else "")
                    + f", total says {walk.total}",
                    doc=doc,
                    expected=walk.total,
                    actual=len(distinct),
                ),
                walk.exchanges[0],
            )


# -- across methods ---------------------------------------------------------------------------


@dataclass
class Seen:
    """What one method said, kept for the comparisons across methods at the end of the run."""

    heads: dict[int, tuple[int, Exchange]]  # im.department.get: department -> manager_user_id
    named: dict[int, tuple[set[int], Exchange]]  # managers.get: department -> the heads it names
    users: dict[int, dict[str, tuple[dict[str, Any], Exchange]]]  # user id -> method -> object


def _user_id(entry: Any) -> Any:
    return entry.get("id") if isinstance(entry, dict) else entry


@lifecycle
class CrossMethod(RunCheck):
    name = "cross_method"
    description = "The methods agree: heads with im.department.get, a user with itself"
    scope = RULE

    def __init__(self) -> None:
        self.seen = Seen({}, {}, {})

    def judge(self, ctx: CheckContext, exchange: Exchange) -> Iterator[Finding]:
        return cross_method(ctx, exchange, self.seen)

    def after_run(
        self, ctx: CheckContext, method: str
    ) -> Iterator[tuple[Finding, Exchange | None]]:
        return _agree(ctx, method, self.seen)


def cross_method(ctx: CheckContext, exchange: Exchange, seen: Seen) -> Iterator[Finding]:
    """Keep what each method says of heads and users (compared in `_agree`); finds nothing itself."""
    result = _valid_result(ctx, exchange)
    if result is None:
        return iter(())
    method = exchange.case.method

    def keep_user(user: Any) -> None:
        if isinstance(user, dict) and _is_id(user.get("id")):
            seen.users.setdefault(user["id"], {}).setdefault(method, (user, exchange))

    if method == GET and isinstance(result, list):
        for item in result:
            if not isinstance(item, dict) or not _is_id(item.get("id")):
                continue
            if _is_id(item.get("manager_user_id")):  # a missing or mistyped one is not compared
                seen.heads.setdefault(item["id"], (item["manager_user_id"], exchange))
                keep_user(item.get("manager_user_data"))
        return iter(())
    keyed = _keyed(result)
    for _, entry in _entries(result):
        keep_user(entry)
    if method == MANAGERS and keyed:
        for key, users in keyed.items():
            if key.isdigit() and isinstance(users, list):
                seen.named.setdefault(int(key), ({_user_id(u) for u in users}, exchange))
    return iter(())


def _agree(ctx: CheckContext, method: str, seen: Seen) -> Iterator[tuple[Finding, Exchange | None]]:
    heads_doc = ctx.rule(method, "heads_agree_with_department_get")
    if heads_doc:
        for department, (named, exchange) in sorted(seen.named.items()):
            if department not in seen.heads:
                continue
            head, _ = seen.heads[department]
            expected = {head} if head else set()
            if named != expected:
                yield (
                    Finding(
                        kind="invariant",
                        location="/result/*",
                        message=f"department {department}: managers.get names {sorted(named)}, "
                        f"im.department.get's manager_user_id is {head}",
                        doc=heads_doc,
                        expected=sorted(expected),
                        actual=sorted(named, key=str),
                    ),
                    exchange,
                )
    users_doc = ctx.rule(method, "users_agree_across_methods")
    if users_doc is None:
        return
    for user_id, by_method in sorted(seen.users.items()):
        if method not in by_method or len(by_method) < 2:
            continue
        reference_method = GET if GET in by_method else sorted(by_method)[0]
        if reference_method == method:
            continue
        reference, _ = by_method[reference_method]
        mine, exchange = by_method[method]
        for field in STABLE_USER_FIELDS:
            if field in reference and field in mine and reference[field] != mine[field]:
                keyed = isinstance(exchange.response.json.get("result"), dict)
                location = "/result/*/*" if keyed else "/result/*"
                yield (
                    Finding(
                        kind="invariant",
                        location=f"{location}/{field}",
                        message=f"user {user_id}: {field} is {mine[field]!r} here, "
                        f"{reference[field]!r} in {reference_method}",
                        doc=users_doc,
                        expected=reference[field],
                        actual=mine[field],
                    ),
                    exchange,
                )

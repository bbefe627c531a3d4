"""The rules the docs state in prose, beyond what a schema can say.

Each rule is named in the method's contract with the doc line that states it; a method whose
contract lacks a rule is not judged by it. Rules are judged on the answers to valid requests only:
what a portal does with input the docs are silent about is observed, not judged.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

from b24conform.cases import Exchange
from b24conform.checks.guards import is_success, requires, success
from b24conform.checks.registry import RULE, CheckContext, RunCheck, check, lifecycle
from b24conform.deviations import Finding
from b24conform.spec import DocRef

DURATION_TOLERANCE = 1e-3  # seconds: the docs' examples agree to 1e-10; floats are printed rounded
DATE_TOLERANCE = 1.5  # seconds: dates are printed to the second, `start` may carry a fraction


def _departments(ctx: CheckContext, exchange: Exchange) -> list[dict[str, Any]] | None:
    """The department objects of a valid request's success, or None when the rule does not apply."""
    if exchange.case.kind != "valid" or not exchange.response.answered or not is_success(exchange):
        return None
    if not ctx.documents(exchange.case.method):
        return None
    result = exchange.response.json["result"]
    if not isinstance(result, list):
        return None
    return [item for item in result if isinstance(item, dict)]


@check("user_data", "manager_user_data comes exactly when USER_DATA=Y asks for it", scope=RULE)
def user_data(ctx: CheckContext, exchange: Exchange) -> Iterator[Finding]:
    items = _departments(ctx, exchange)
    if items is None:
        return
    asked = exchange.case.user_data
    only_when_asked = ctx.rule(exchange.case.method, "user_data_only_when_asked")
    when_asked = ctx.rule(exchange.case.method, "user_data_when_asked")
    for item in items:
        has = "manager_user_data" in item
        if has and not asked and only_when_asked:
            yield Finding(
                kind="invariant",
                location="/result/*/manager_user_data",
                message=f"department {item.get('id')}: manager_user_data returned without USER_DATA=Y",
                doc=only_when_asked,
                expected="absent",
                actual="present",
            )
        elif not has and asked and item.get("manager_user_id") and when_asked:
            yield Finding(
                kind="invariant",
                location="/result/*/manager_user_data",
                message=f"department {item.get('id')}: USER_DATA=Y asked, manager_user_data missing",
                doc=when_asked,
                expected="present",
                actual="absent",
            )


@check("manager_id", "manager_user_data.id is the department's manager_user_id", scope=RULE)
def manager_id(ctx: CheckContext, exchange: Exchange) -> Iterator[Finding]:
    items = _departments(ctx, exchange)
    doc = ctx.rule(exchange.case.method, "manager_id_matches")
    if items is None or doc is None:
        return
    for item in items:
        data = item.get("manager_user_data")
        if item.get("manager_user_id") == 0 and isinstance(data, dict):
            whose = (
                f"the caller's own profile (user {data.get('id')})"
                if ctx.caller is not None and data.get("id") == ctx.caller
                else f"the profile of user {data.get('id')}"
            )
            yield Finding(
                kind="invariant",
                location="/result/*/manager_user_data",
                message=f"department {item.get('id')} has no head (manager_user_id 0), "
                f"yet its manager_user_data is {whose}.",
                doc=doc,
                expected="no head's data (the department has no head)",
                actual={"id": data.get("id"), "name": data.get("name")},
            )
            continue
        if isinstance(data, dict) and "id" in data and data["id"] != item.get("manager_user_id"):
            yield Finding(
                kind="invariant",
                location="/result/*/manager_user_data/id",
                message=f"department {item.get('id')}: head is {item.get('manager_user_id')}, "
                f"manager_user_data is user {data['id']}",
                doc=doc,
                expected=item.get("manager_user_id"),
                actual=data["id"],
            )


@check(
    "requested_departments",
    "The result holds the departments asked for, each once, and no other",
    scope=RULE,
)
def requested_departments(ctx: CheckContext, exchange: Exchange) -> Iterator[Finding]:
    items = _departments(ctx, exchange)
    if items is None:
        return
    requested = set(exchange.case.requested_ids)
    ids = [item.get("id") for item in items]
    only = ctx.rule(exchange.case.method, "only_requested_departments")
    once = ctx.rule(exchange.case.method, "each_department_once")
    if only:
        extra = [i for i in ids if i not in requested]
        if extra:
            yield Finding(
                kind="invariant",
                location="/result/*/id",
                message=f"departments {extra[:5]} returned but not asked for",
                doc=only,
                expected=sorted(requested),
                actual=ids,
            )
        missing = sorted(requested - set(ids))
        if missing:
            yield Finding(
                kind="invariant",
                location="/result",
                message=f"departments {missing[:5]} asked for (and existing) but not returned",
                doc=only,
                expected=sorted(requested),
                actual=ids,
            )
    if once and len(ids) != len(set(ids)):
        repeated = sorted({i for i in ids if ids.count(i) > 1}, key=str)
        yield Finding(
            kind="invariant",
            location="/result/*/id",
            message=f"departments {repeated[:5]} returned more than once",
            doc=once,
            expected="each department once",
            actual=ids,
        )


@check(
    "time", "The time object is consistent: finish >= start, duration = finish - start", scope=RULE
)
@requires(success)
def time_object(ctx: CheckContext, exchange: Exchange) -> Iterator[Finding]:
    timing = exchange.response.json.get("time")
    if not isinstance(timing, dict):
        return
    yield from durations_agree(ctx.rule(exchange.case.method, "time_consistent"), timing)
    yield from dates_agree(ctx.rule(exchange.case.method, "time_dates_agree"), timing)


def durations_agree(doc: DocRef | None, timing: dict[str, Any]) -> Iterator[Finding]:
    start, finish, duration = (timing.get(k) for k in ("start", "finish", "duration"))
    if doc is None or not all(_number(v) for v in (start, finish)):
        return
    if finish < start:
        yield Finding(
            kind="invariant",
            location="/time/finish",
            message=f"time.finish ({finish}) is before time.start ({start})",
            doc=doc,
            expected=f">= {start}",
            actual=finish,
        )
    elif _number(duration) and not math.isclose(
        duration, finish - start, abs_tol=DURATION_TOLERANCE
    ):
        yield Finding(
            kind="invariant",
            location="/time/duration",
            message=f"time.duration is {duration}, finish - start is {finish - start:.6f}",
            doc=doc,
            expected=round(finish - start, 6),
            actual=duration,
        )


def dates_agree(doc: DocRef | None, timing: dict[str, Any]) -> Iterator[Finding]:
    """`date_start`/`date_finish` name the instants `start`/`finish` give as Unix time.

    A warning, not an error: the docs give both as "when the request started / finished" without
    saying in so many words that they must agree, and the docs' own examples do not always agree.
    """
    if doc is None:
        return
    for unix, date in (("start", "date_start"), ("finish", "date_finish")):
        instant, text = timing.get(unix), timing.get(date)
        parsed = parse_instant(text)
        if _number(instant) and parsed is not None and abs(parsed - instant) > DATE_TOLERANCE:
            yield Finding(
                kind="invariant",
                location=f"/time/{date}",
                message=f"time.{date} {text} is {parsed - instant:+.0f} s from time.{unix} {instant}",
                doc=doc,
                expected=datetime.fromtimestamp(instant, timezone.utc).isoformat(),
                actual=text,
                severity="warning",
            )


_ISO_DATE = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d+))?"
    r"(?:(Z)|([+-])(\d{2}):?(\d{2})?)?"
)


def parse_instant(text: Any) -> float | None:
    """The Unix time an ISO 8601 date with an offset names; None without an offset or not a date.

    Written out rather than `datetime.fromisoformat`, which on Python 3.10 rejects forms 3.11
    accepts (`Z`, `+0100`, `.5` seconds): the same answer must be judged the same on every
    supported interpreter, not silently skipped on one of them.
    """
    match = _ISO_DATE.fullmatch(text) if isinstance(text, str) else None
    if match is None or not (match[8] or match[9]):
        return None
    year, month, day, hour, minute, second = (int(part) for part in match.groups()[:6])
    offset = timedelta(0)
    if match[9]:
        offset = timedelta(hours=int(match[10]), minutes=int(match[11] or 0))
        offset = -offset if match[9] == "-" else offset
    try:
        moment = datetime(year, month, day, hour, minute, second, tzinfo=timezone(offset))
    except ValueError:
        return None
    return moment.timestamp() + float(f"0.{match[7] or 0}")


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


CONSISTENT_FIELDS = ("name", "full_name", "manager_user_id")


@lifecycle
class Consistency(RunCheck):
    name = "consistency"
    description = "The same department reads the same over every call and transport"
    scope = RULE

    def __init__(self) -> None:
        #: method → department id → its first answer, and the exchange it came in
        self.first: dict[str, dict[Any, tuple[dict[str, Any], Exchange]]] = {}

    def judge(self, ctx: CheckContext, exchange: Exchange) -> Iterator[Finding]:
        items = _departments(ctx, exchange)
        doc = ctx.rule(exchange.case.method, "consistent_across_calls")
        if items is None or doc is None:
            return
        first = self.first.setdefault(exchange.case.method, {})
        for item in items:
            known = first.get(item.get("id"))
            if known is None:
                first[item.get("id")] = (item, exchange)
                continue
            before, earlier = known
            for name in CONSISTENT_FIELDS:
                if name in before and name in item and before[name] != item[name]:
                    yield Finding(
                        kind="invariant",
                        location=f"/result/*/{name}",
                        message=f"department {item.get('id')}: {name} was {before[name]!r} "
                        f"(over {earlier.case.call.transport}), now {item[name]!r} "
                        f"(over {exchange.case.call.transport})",
                        doc=doc,
                        expected=before[name],
                        actual=item[name],
                    )

    def after_run(
        self, ctx: CheckContext, method: str
    ) -> Iterator[tuple[Finding, Exchange | None]]:
        self.first.pop(method, None)  # nothing more to compare: the memory goes
        return iter(())

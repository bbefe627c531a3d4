"""The request dimensions of a method, and the pairwise cases that cross them.

A portal may read a parameter right in one encoding and wrong in another (`USER_DATA` ignored in
the query string, `ID[0]=` keys dropped...). So every pair of values of two dimensions is sent at
least once, in a covering array (`pairwise`). The dimensions come from the contracts, not from a
list of methods:

- `transport`: how parameters travel, from `platform.json` `transports` (JSON, form, multipart,
  query string, a `batch` command); `.json suffix` (`platform.json` `json_suffix`) rides on any
  direct transport, so a body transport and the suffix share a request;
- one dimension per `enum` parameter (`USER_DATA`): `absent` (when optional) and each value;
- for a parameter holding target ids (`x-values`): its form (`array`, a `json string` when the
  contract allows one, indexed `keys` `ID[0]=` in the encoded transports) and its set (`one`,
  `several`, `deep`: a department at the bottom of the tree, `over 50`: more than the 50 a
  request is commonly limited to, padded with ids that exist on no department when the company
  has fewer).
Hypothesis draws the rest: which ids, and the other parameters (`LIMIT`, `OFFSET`).

A value the target cannot give (a flat tree has no deep department) is `unavailable` with the
reason; the pairs it is part of are reported as not sent.
"""

from __future__ import annotations

import functools
import json
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from b24conform.cases import Case
from b24conform.generation import (
    ABSENT,
    MAX_IDS_PER_REQUEST,
    draw_one,
    kept_draw,
    strategy_from_schema,
)
from b24conform.pairwise import Row, coverable_pairs, covering_array, pairs_of
from b24conform.spec import MethodContract
from b24conform.transport import Call

if TYPE_CHECKING:
    from hypothesis import strategies as st

TRANSPORT, SUFFIX = "transport", ".json suffix"
#: a `batch` command costs this share of a request (50 commands a request)
BATCH_COST = 1 / 50
ID_SETS = ("one", "several", "deep", "over 50")
#: how deep (levels below the root) a department must be to count as deep
DEEP = 2


@dataclass(frozen=True)
class Company:
    """What the target told us of its departments: their ids and, when `department.get` said
    so, their depths (levels below the root) and which have a head (`UF_HEAD`)."""

    department_ids: tuple[int, ...]
    depths: Mapping[int, int] | None = None
    headed: frozenset[int] | None = None

    def deepest(self) -> tuple[int, ...]:
        if not self.depths:
            return ()
        bottom = max(self.depths.get(i, 0) for i in self.department_ids)
        if bottom < DEEP:
            return ()
        return tuple(i for i in self.department_ids if self.depths.get(i) == bottom)


@dataclass(frozen=True)
class Dimension:
    """A request dimension: its values, where the docs allow each, and what cannot be sent."""

    name: str
    values: tuple[str, ...]
    docs: Mapping[str, dict[str, Any]]
    unavailable: Mapping[str, str] = field(default_factory=dict)

    @property
    def available(self) -> tuple[str, ...]:
        return tuple(v for v in self.values if v not in self.unavailable)


def _id_branches(schema: dict[str, Any]) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """The array branch and the JSON-string branch of a parameter holding target ids."""
    array = string = None
    for branch in schema.get("anyOf", [schema]):
        if branch.get("type") == "array" and "x-values" in branch.get("items", {}):
            array = branch
        elif branch.get("type") == "string" and "x-json-of" in branch:
            string = branch
    return array, string


def dimensions(
    contract: MethodContract, company: Company, *, batch: bool = True
) -> list[Dimension]:
    """The dimensions of this method's valid requests, in a fixed order."""
    platform = contract.spec.platform
    transports = platform.get("transports", {})
    found = [
        Dimension(
            TRANSPORT,
            tuple(transports),
            {k: v["doc"] for k, v in transports.items()},
            {} if batch else {"batch": "--no-batch"},
        ),
    ]
    if "json_suffix" in platform:
        doc = platform["json_suffix"]["doc"]
        found.append(Dimension(SUFFIX, ("no", "yes"), {"no": doc, "yes": doc}))
    request = contract.request_schema
    required = set(request.get("required", []))
    for name, schema in request.get("properties", {}).items():
        doc = schema.get("x-doc", contract.raw["doc"])
        if "enum" in schema:
            values = (() if name in required else ("absent",)) + tuple(schema["enum"])
            found.append(Dimension(name, values, dict.fromkeys(values, doc)))
            continue
        array, string = _id_branches(schema)
        if array is None:
            continue  # Hypothesis draws it
        keys_doc = platform.get("array_keys", {}).get("doc", doc)
        forms = {"array": doc, "json string": (string or {}).get("x-doc", doc), "keys": keys_doc}
        if string is None:
            del forms["json string"]
        found.append(Dimension(f"{name} form", tuple(forms), forms))
        found.append(Dimension(f"{name} set", ID_SETS, dict.fromkeys(ID_SETS, doc), _gaps(company)))
    return found


def _gaps(company: Company) -> dict[str, str]:
    gaps = {}
    if len(company.department_ids) < 2:
        gaps["several"] = "the target has a single department"
    if company.depths is None:
        gaps["deep"] = "department depths unknown (ids given, not discovered)"
    elif not company.deepest():
        gaps["deep"] = f"no department is {DEEP} or more levels below the root"
    return gaps


def allowed(row: Row) -> bool:
    """Rows that make sense: the suffix is on a direct call's URL; `ID[0]=` keys exist only in
    the encoded transports (a JSON body's array is a JSON array)."""
    if row.get(TRANSPORT) == "batch" and row.get(SUFFIX) == "yes":
        return False
    return not (
        row.get(TRANSPORT) == "json"
        and any(n.endswith(" form") and v == "keys" for n, v in row.items())
    )


def cost(row: Row) -> float:
    return BATCH_COST if row.get(TRANSPORT) == "batch" else 1.0


@dataclass
class PairPlan:
    """One method's dimensions, its covering rows, and the pairs they hold."""

    method: str
    dimensions: list[Dimension]
    rows: list[Row]

    @property
    def names(self) -> list[str]:
        return [d.name for d in self.dimensions]

    def pairs(self) -> set[tuple[tuple[str, str], tuple[str, str]]]:
        """Every pair a valid request could hold, whether the target can give its values or not."""
        return coverable_pairs({d.name: d.values for d in self.dimensions}, allowed)


def plan_pairs(contract: MethodContract, company: Company, *, batch: bool = True) -> PairPlan:
    dims = dimensions(contract, company, batch=batch)
    rows = _covering_rows(tuple((d.name, tuple(d.available)) for d in dims))
    return PairPlan(contract.name, dims, [dict(row) for row in rows])


@functools.lru_cache(maxsize=64)
def _covering_rows(available: tuple[tuple[str, tuple[str, ...]], ...]) -> tuple[Row, ...]:
    """The covering array of these dimension values (the same every time: the greedy search is
    worked out once a process, not once a run)."""
    return tuple(covering_array(dict(available), allowed=allowed, cost=cost))


def pair_cases(contract: MethodContract, plan: PairPlan, company: Company, seed: int) -> list[Case]:
    """One valid case per row: the row fixes its dimensions, Hypothesis draws the rest (once a
    process for the same rows, company and seed: `kept_draw`)."""

    def draw() -> Any:
        from hypothesis import strategies as st  # imported when drawing: a replay never needs it

        strategies = [_row_strategy(contract, row, company) for row in plan.rows]
        # each method its own draws: the same rows, other ids
        return draw_one(st.tuples(*strategies), seed + zlib.crc32(contract.name.encode()))

    rows = tuple(row_key(row) for row in plan.rows)
    key = ("pairs", contract.name, contract.revision, rows, _company_key(company), seed)
    drawn = json.loads(kept_draw(key, draw).result()) if rows else []
    validator = contract.request_validator()
    cases = []
    for row, (params, known, indexed) in zip(plan.rows, drawn, strict=True):
        errors = list(validator.iter_errors(params))
        if errors:
            raise AssertionError(f"planned an invalid request {params}: {errors[0].message}")
        transport = row.get(TRANSPORT, "json")
        call = Call(contract.name, params, transport, row.get(SUFFIX) == "yes", indexed)  # type: ignore[arg-type]
        cases.append(
            Case(
                method=contract.name,
                kind="valid",
                name="pairs",
                call=call,
                requested_ids=tuple(known),
                user_data=params.get("USER_DATA") == "Y",
                pair=tuple(row.items()),
            )
        )
    return cases


def _company_key(company: Company) -> tuple[Any, ...]:
    """All of the company a pair draw depends on, hashable."""
    depths = tuple(sorted(company.depths.items())) if company.depths else None
    headed = tuple(sorted(company.headed)) if company.headed is not None else None
    return company.department_ids, depths, headed


def _row_strategy(contract: MethodContract, row: Row, company: Company) -> st.SearchStrategy:
    """(params, the known ids asked for, indexed keys?) for one row.

    A row that asks for the head's data (`USER_DATA=Y`) asks for departments that have a head,
    when the target said which: the head's data of a headless department is another question
    (the `headless_department` probe's), and would leave the row's pair unjudged.
    """
    from hypothesis import strategies as st

    request = contract.request_schema
    required = set(request.get("required", []))
    pools = {"department_ids": list(company.department_ids)}
    fields: dict[str, st.SearchStrategy] = {}
    id_param = None
    for name, schema in request.get("properties", {}).items():
        if name in row:
            value = row[name]
            fields[name] = st.just(ABSENT if value == "absent" else value)
        elif f"{name} set" in row:
            id_param = name
            headed = "Y" in row.values() and company.headed
            fields[name] = _id_set(row[f"{name} set"], company, headed or None)
        else:
            inner = strategy_from_schema(schema, pools)
            fields[name] = inner if name in required else st.one_of(st.just(ABSENT), inner)

    def build(values: dict[str, Any]) -> tuple[dict[str, Any], tuple[int, ...], bool]:
        params = {k: v for k, v in values.items() if v is not ABSENT}
        known: tuple[int, ...] = ()
        indexed = False
        if id_param is not None:
            known, padding = params[id_param]
            ids = [*known, *padding]
            form = row[f"{id_param} form"]
            params[id_param] = (
                json.dumps(ids, separators=(",", ":")) if form == "json string" else ids
            )
            indexed = form == "keys"
        return params, tuple(known), indexed

    return st.fixed_dictionaries(fields).map(build)


def _id_set(kind: str, company: Company, prefer: frozenset[int] | None) -> st.SearchStrategy:
    """(known ids, padding ids that exist on no department) for one kind of id set; a single id
    is taken from `prefer` when it holds one that fits."""
    from hypothesis import strategies as st

    pool = list(company.department_ids)

    def single(candidates: Sequence[int]) -> st.SearchStrategy:
        preferred = [i for i in candidates if prefer and i in prefer]
        return st.sampled_from(preferred or list(candidates)).map(lambda i: ((i,), ()))

    if kind == "deep":
        return single(company.deepest())
    if kind == "one":
        return single(pool)
    # distinct ids drawn one by one (not a permutation of the pool: a company of 10,000
    # departments would be 10,000 draws for the 10 or 50 a request holds)
    if kind == "several":
        several = st.lists(
            st.sampled_from(pool), min_size=2, max_size=min(len(pool), 10), unique=True
        )
        return several.map(lambda ids: (tuple(ids), ()))
    # over 50: at most 50 that exist (a portal answering 50 of them drops none), then ids that
    # exist nowhere up to 51
    count = min(len(pool), MAX_IDS_PER_REQUEST)
    first_unknown = max(pool) + 100_000
    padding = tuple(range(first_unknown, first_unknown + MAX_IDS_PER_REQUEST + 1 - count))
    known = st.lists(st.sampled_from(pool), min_size=count, max_size=count, unique=True)
    return known.map(lambda ids: (tuple(ids), padding))


def pair_status(
    plan: PairPlan, results: Sequence[tuple[Row, str]], left_out: Mapping[str, str]
) -> list[dict[str, Any]]:
    """The coverage of every pair: sent (passed or failed) or not, and why not.

    `results` holds each planned row with its outcome (`passed`, `failed`, or the reason it was
    not answered); `left_out` maps a row's key to the reason the planner dropped it.
    """
    by_dim = {d.name: d for d in plan.dimensions}
    names = plan.names
    seen: dict[Any, list[str]] = {}
    for row, outcome in results:
        for pair in pairs_of(row, names):
            seen.setdefault(pair, []).append(outcome)
    dropped: dict[Any, str] = {}
    for key, reason in left_out.items():
        for pair in pairs_of(dict(json.loads(key)), names):
            dropped.setdefault(pair, reason)
    items = []
    for (a, va), (b, vb) in sorted(
        plan.pairs(), key=lambda p: (names.index(p[0][0]), names.index(p[1][0]), p)
    ):
        pair = ((a, va), (b, vb))
        outcomes = seen.get(pair, [])
        judged = [o for o in outcomes if o in ("passed", "failed")]
        item: dict[str, Any] = {
            "method": plan.method,
            "item": f"{a}={va} × {b}={vb}",
            "category": "pair",
            "dimensions": {a: va, b: vb},
            "cases": len(judged),
            "doc": by_dim[b].docs[vb],
        }
        if judged:
            item["status"] = "failed" if "failed" in judged else "passed"
        else:
            item["status"] = "not_exercised"
            item["reason"] = (
                by_dim[a].unavailable.get(va)
                or by_dim[b].unavailable.get(vb)
                or (f"not answered: {outcomes[0]}" if outcomes else None)
                or dropped.get(pair)
                or "not planned"
            )
        items.append(item)
    return items


def row_key(row: Row) -> str:
    return json.dumps(sorted(row.items()))

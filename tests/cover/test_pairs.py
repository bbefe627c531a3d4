"""Every request dimension crossed: the covering array, the pairwise cases, their request cost."""

from __future__ import annotations

import itertools
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from b24conform.checks import CheckContext
from b24conform.defaults import DEFAULTS
from b24conform.dimensions import (
    SUFFIX,
    TRANSPORT,
    Company,
    allowed,
    cost,
    dimensions,
    plan_pairs,
    row_key,
)
from b24conform.engine import DEFAULT_METHODS, RunOptions, Session, run
from b24conform.pairwise import coverable_pairs, covering_array, lower_bound, pairs_of
from b24conform.planner import Plan, PlanOptions, plan_run
from b24conform.portal import ReferencePortal
from b24conform.portal.faults import CATALOGUE
from b24conform.spec import load_spec
from b24conform.targets import TargetOptions, open_target
from b24conform.transport import Call, RateLimit
from tests.settings import EXAMPLES

SPEC = load_spec("current")
STANDARD = RateLimit(2, 50)
COMPANY = Company((1, 4, 8, 10, 14), {1: 0, 4: 1, 8: 2, 10: 3, 14: 1}, frozenset({1, 4, 10}))


# -- the covering array -----------------------------------------------------------------------

dimension_sets = st.dictionaries(
    st.sampled_from("ABCDEF"),
    st.lists(st.sampled_from("uvwxyz"), min_size=1, max_size=4, unique=True),
    min_size=2,
    max_size=5,
)


@settings(max_examples=60, deadline=None)
@given(dimension_sets, st.data())
def test_the_covering_array_holds_every_pair_that_an_allowed_row_can_hold(dims, data):
    # a random forbidden pair, and a random cheap value, as the request dimensions have them
    names = sorted(dims)
    a, b = data.draw(st.sampled_from(list(itertools.combinations(names, 2))))
    va, vb = data.draw(st.sampled_from(dims[a])), data.draw(st.sampled_from(dims[b]))
    cheap = data.draw(st.sampled_from(dims[names[0]]))

    def ok(row):
        return not (row[a] == va and row[b] == vb)

    def weigh(row):
        return 0.02 if row[names[0]] == cheap else 1.0

    rows = covering_array(dims, allowed=ok, cost=weigh)
    assert all(ok(row) for row in rows)
    held = {pair for row in rows for pair in pairs_of(row, list(dims))}
    assert held == coverable_pairs(dims, ok)
    assert len(rows) <= math.prod(len(v) for v in dims.values())


def test_a_pair_no_allowed_row_can_hold_is_not_asked_for():
    dims = {"transport": ["json", "batch"], SUFFIX: ["no", "yes"]}
    rows = covering_array(dims, allowed=allowed)
    assert {"transport": "batch", SUFFIX: "yes"} not in rows
    assert len(rows) == 3


# -- the dimensions come from the contracts ---------------------------------------------------


def test_dimensions_derive_from_the_contracts():
    get = {d.name: d for d in dimensions(SPEC.method("im.department.get"), COMPANY)}
    assert list(get) == [TRANSPORT, SUFFIX, "ID form", "ID set", "USER_DATA"]
    assert get[TRANSPORT].values == ("json", "form", "multipart", "query", "batch")
    assert get["USER_DATA"].values == ("absent", "Y", "N")
    assert get["ID form"].values == ("array", "json string", "keys")
    assert get["ID set"].values == ("one", "several", "deep", "over 50")
    colleagues = [d.name for d in dimensions(SPEC.method("im.department.colleagues.list"), COMPANY)]
    assert colleagues == [TRANSPORT, SUFFIX, "USER_DATA"]  # no ID: LIMIT and OFFSET are drawn


def test_a_value_the_target_cannot_give_is_unavailable_with_its_reason():
    flat = Company((1, 2), {1: 0, 2: 1})
    [ids] = [d for d in dimensions(SPEC.method("im.department.get"), flat) if d.name == "ID set"]
    assert "deep" in ids.unavailable and "deep" not in ids.available
    given_ids = Company((5,))
    [ids] = [
        d for d in dimensions(SPEC.method("im.department.get"), given_ids) if d.name == "ID set"
    ]
    assert set(ids.unavailable) == {"deep", "several"}


def test_each_method_gets_the_fewest_direct_requests_that_cover_its_pairs():
    for name in DEFAULT_METHODS:
        pairs = plan_pairs(SPEC.method(name), COMPANY)
        dims = {d.name: d.available for d in pairs.dimensions}
        direct = [row for row in pairs.rows if cost(row) == 1]
        assert len(direct) == lower_bound(dims, allowed, lambda row: cost(row) == 1), name
        held = {p for row in pairs.rows for p in pairs_of(row, pairs.names)}
        assert held == coverable_pairs(dims, allowed)


# -- the cases --------------------------------------------------------------------------------


def _plan(methods=DEFAULT_METHODS, company=COMPANY, **kw) -> Plan:
    contracts = [SPEC.method(m) for m in methods]
    roles = {"extranet": None, "bot": None}
    return plan_run(SPEC, contracts, company, roles, PlanOptions(**kw), CheckContext(SPEC))


def test_pair_cases_send_what_their_row_says():
    plan = _plan(("im.department.get",), max_examples=5)
    cases = [c for c in plan.direct + plan.batched if c.pair]
    assert len(cases) == len(plan.pairs["im.department.get"].rows)
    for case in cases:
        row = dict(case.pair)
        call, ids = case.call, case.call.params["ID"]
        assert call.transport == row[TRANSPORT]
        assert call.suffix == (row[SUFFIX] == "yes")
        assert call.params.get("USER_DATA", "absent") == row["USER_DATA"]
        assert isinstance(ids, str) == (row["ID form"] == "json string")
        assert call.indexed == (row["ID form"] == "keys")
        sent = len(ids if isinstance(ids, list) else ids.strip("[]").split(","))
        assert (sent > 50) == (row["ID set"] == "over 50") == case.docs_silent
        assert set(case.requested_ids) <= set(COMPANY.department_ids)
        if row["ID set"] == "deep":
            assert case.requested_ids == (10,)
        if row["ID set"] == "one" and row["USER_DATA"] == "Y":
            assert case.requested_ids[0] in COMPANY.headed


def test_a_company_of_ten_thousand_departments_gets_its_pair_cases():
    """The id sets are drawn id by id: a permutation of 10,000 ids overran Hypothesis."""
    company = Company(tuple(range(1, 10_001)), {i: min(i % 5, 3) for i in range(1, 10_001)})
    plan = _plan(("im.department.get",), company=company, max_examples=5)
    sent = [c for c in plan.direct + plan.batched if c.pair]
    over = [c for c in sent if dict(c.pair)["ID set"] == "over 50"]
    assert over and all(len(c.requested_ids) == 50 == len(set(c.requested_ids)) for c in over)
    several = [c for c in sent if dict(c.pair)["ID set"] == "several"]
    assert several and all(2 <= len(set(c.requested_ids)) <= 10 for c in several)


def test_the_plan_survives_a_recording():
    plan = _plan(max_examples=5)
    again = Plan.from_corpus(plan.to_corpus(), SPEC, CheckContext(SPEC))
    assert [c.to_json() for c in again.direct] == [c.to_json() for c in plan.direct]
    assert [c.docs_silent for c in again.direct] == [c.docs_silent for c in plan.direct]
    assert any(c.docs_silent for c in again.direct)
    for method, pairs in plan.pairs.items():
        assert sorted(map(row_key, again.pairs[method].rows)) == sorted(map(row_key, pairs.rows))


def test_without_batch_the_batch_pairs_are_reported_unavailable():
    plan = _plan(("im.department.get",), batch=False, max_examples=5)
    assert all(c.call.transport != "batch" for c in plan.direct + plan.batched)
    [transport] = [d for d in plan.pairs["im.department.get"].dimensions if d.name == TRANSPORT]
    assert transport.unavailable == {"batch": "--no-batch"}


# -- the request count --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def default_plan():
    """The default run's plan against the reference portal, what discovery cost, and the pages
    each walk takes (every page; the last one, without `next`, ends it).

    The plan is made with one example a method, and `_requests` counts the default 200 in their
    place: a method's distinct examples are at most that many, so the count is an upper bound
    (and drawing 800 examples would cost this module seconds).
    """
    options = RunOptions(target=TargetOptions(rate_limit=None))
    with open_target(options.target) as target:
        session = Session(SPEC, target, options)
        session.discover()
        discovery = target.client.stats.requests
        plan = _plan(DEFAULT_METHODS, session.company, max_examples=1)
        pages = {}
        for method in plan.walks:
            limit = SPEC.method(method).raw["paging"]["walk_limit"]
            total = target.client.call(Call(method, {"LIMIT": limit})).json["total"]
            pages[method] = max(1, math.ceil(total / limit))
    return discovery, plan, pages


def _requests(discovery, plan, pages, methods, examples=DEFAULTS.max_examples) -> int:
    mine = {*methods, "platform"}
    direct = [c for c in plan.direct if c.method in mine]
    batched = [c for c in plan.batched if c.method in mine]
    drawn = [c for c in batched if c.name == "valid"]  # one a method: see `default_plan`
    assert len(drawn) == len(methods)
    packed = len(batched) - len(drawn) + examples * len(methods)
    walks = sum(n for m, n in pages.items() if m in mine)
    return discovery + len(direct) + math.ceil(packed / 50) + walks


def portal_counted_run(methods, **kw):
    """A run against a reference portal limited like the standard plan, counted by the portal."""
    with ReferencePortal(rate_limit=(2, 50)) as portal:
        options = TargetOptions(
            webhook=portal.webhook_url("employee"),
            denied_webhooks=(portal.webhook_url("extranet"), portal.webhook_url("bot")),
            rate_limit=STANDARD,
        )
        document = run(RunOptions(target=options, methods=methods, **kw)).document
        return document, portal.requests_served


@pytest.mark.slow  # the count is computed in cover (`_requests`); this is the portal's own
def test_the_portals_own_count_of_a_one_method_run():
    document, served = portal_counted_run(("im.department.get",))
    assert served == document["run"]["requests"] < 45
    assert document["run"]["throttled"] == 0
    pairs = [c for c in document["coverage"] if c["category"] == "pair"]
    assert pairs and all(c["status"] == "passed" for c in pairs)


# -- the fault only the pairs see ---------------------------------------------------------------


def test_user_data_ignored_in_the_query_string_is_caught_by_a_pair():
    fault = CATALOGUE["query_user_data_ignored"]
    options = TargetOptions(rate_limit=None, portal_faults=(fault.name,))
    document = run(RunOptions(target=options, max_examples=EXAMPLES)).document
    found = {
        (d["method"], d["kind"], d["location"]): d
        for d in document["deviations"]
        if d["severity"] == "error"
    }
    assert set(fault.expect) <= set(found)
    for expected in fault.expect:
        assert found[expected]["request"]["transport"] == "query"
    failed = [
        c for c in document["coverage"] if c["category"] == "pair" and c["status"] == "failed"
    ]
    assert {"transport": "query", "USER_DATA": "Y"} in [c["dimensions"] for c in failed]


def test_without_the_pairs_no_request_could_see_it(default_plan):
    """No case but the pairwise ones sends USER_DATA=Y in a query string."""
    plan = default_plan[1]
    others = [c for c in plan.direct + plan.batched if not c.pair]
    assert not [
        c for c in others if c.call.transport == "query" and c.call.params.get("USER_DATA") == "Y"
    ]


@pytest.mark.slow  # a conforming run fails no check at all: test_siblings' conformance, in cover
@pytest.mark.parametrize("seed", [0, 3])
def test_a_conforming_portal_fails_no_pair(seed):
    options = TargetOptions(rate_limit=None, portal_seed=seed, portal_departments=20)
    document = run(RunOptions(target=options, max_examples=10, seed=seed)).document
    assert [d for d in document["deviations"] if d["severity"] != "info"] == []
    pairs = [c for c in document["coverage"] if c["category"] == "pair"]
    assert {c["status"] for c in pairs} == {"passed"}


def test_the_report_shows_the_pairs_sent_and_why_one_was_not():
    from b24conform.report import render_html
    from tests.report_samples import sample_document

    document = sample_document()
    doc = {"source": "platform.md", "section": "1. Calling a method", "quote": "multipart body"}
    document["coverage"] += [
        {
            "method": "im.department.get",
            "item": "transport=query × USER_DATA=Y",
            "category": "pair",
            "dimensions": {"transport": "query", "USER_DATA": "Y"},
            "cases": 1,
            "status": "failed",
            "doc": doc,
        },
        {
            "method": "im.department.get",
            "item": "ID set=deep × USER_DATA=N",
            "category": "pair",
            "dimensions": {"ID set": "deep", "USER_DATA": "N"},
            "cases": 0,
            "status": "not_exercised",
            "reason": "no department is 2 or more levels below the root",
            "doc": doc,
        },
    ]
    html = render_html(document)
    assert "Request dimensions crossed: 1 of 2 pairs sent" in html
    assert "not sent</span> <span" in html
    assert "no department is 2 or more levels below the root" in html
    assert "transport=query" in html and "USER_DATA=Y" in html  # (breakable: <wbr> between)

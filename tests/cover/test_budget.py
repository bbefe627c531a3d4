"""A budget-aware plan: the plan fits --max-requests / --max-time and says what it left out."""

from __future__ import annotations

import copy
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from b24conform.budget import Allowance, budget_for, fit, tier
from b24conform.checks import CheckContext
from b24conform.dimensions import Company
from b24conform.engine import RunOptions, run
from b24conform.planner import PlanOptions, plan_run
from b24conform.spec import load_spec
from b24conform.targets import TargetOptions
from b24conform.transport import RateLimit
from tests.settings import EXAMPLES

SPEC = load_spec("current")
STANDARD = RateLimit(2, 50)
COMPANY = Company((1, 4, 8, 10, 14), {1: 0, 4: 1, 8: 2, 10: 3, 14: 1}, frozenset({1, 4, 10}))
METHODS = ("im.department.get", "im.department.colleagues.list")


def _plan(**kw):
    contracts = [SPEC.method(m) for m in METHODS]
    options = PlanOptions(max_examples=60, **kw)
    return plan_run(SPEC, contracts, COMPANY, {"extranet": None}, options, CheckContext(SPEC))


def requests_of(plan, walk_costs) -> int:
    walks = sum(c for m, c in walk_costs.items() if plan.walk_pages.get(m) != 1)
    return len(plan.direct) + math.ceil(len(plan.batched) / 50) + walks


# -- the time budget in requests --------------------------------------------------------------


@given(st.floats(1, 600), st.integers(0, 20))
def test_the_time_budget_never_plans_more_than_the_rate_limit_lets_through(seconds, used):
    budget = budget_for(
        max_requests=None, max_time=seconds, rate_limit=STANDARD, used=used, elapsed=0.0
    )
    # a run of R requests cannot finish faster than max(0, R - 50) / 2 seconds
    assert max(0, budget.requests + used - 50) / 2 <= seconds
    assert "--max-time" in budget.reason


def test_the_tighter_budget_wins_and_no_budget_is_none():
    both = budget_for(max_requests=30, max_time=600, rate_limit=STANDARD, used=2, elapsed=1)
    assert both == Allowance(28, "--max-requests 30")
    assert (
        budget_for(max_requests=None, max_time=None, rate_limit=STANDARD, used=2, elapsed=1) is None
    )
    # nor faster than the portal answers: 8 s usable at half a second a request
    slow = budget_for(
        max_requests=None, max_time=10, rate_limit=None, used=2, elapsed=0, seconds_per_request=0.5
    )
    assert slow == Allowance(16, "--max-time 10 s")
    # without a rate limit or an answer time, time cannot be turned into requests
    assert budget_for(max_requests=None, max_time=5, rate_limit=None, used=2, elapsed=1) is None


# -- fitting a plan ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def planned():
    return _plan()


@settings(max_examples=25, deadline=None)
@given(requests=st.integers(0, 80), frozen=st.booleans())
def test_a_fitted_plan_fits_and_records_all_it_left_out(planned, requests, frozen):
    plan = copy.deepcopy(planned)
    before = plan.total
    walk_costs = {"im.department.colleagues.list": 3}
    fit(plan, Allowance(requests, "--max-requests 99"), walk_costs, frozen_batches=frozen)
    assert requests_of(plan, walk_costs) <= requests
    left = sum(e["count"] for e in plan.not_planned if e["what"] != "paging walk")
    assert plan.total + left == before
    assert all(e["reason"] == "--max-requests 99" for e in plan.not_planned)
    dropped_pairs = sum(e["count"] for e in plan.not_planned if e["what"] == "pair")
    assert dropped_pairs == sum(len(rows) for rows in plan.left_out_rows.values())


def test_pairs_come_first_then_documented_errors_then_examples():
    plan = _plan()
    pairs = [c for c in plan.direct + plan.batched if c.pair]
    direct_pairs = sum(1 for c in plan.direct if c.pair)
    fit(plan, Allowance(direct_pairs + 1, "--max-requests 1"), {})  # and one batch
    assert [c for c in plan.direct + plan.batched if c.pair] == pairs
    assert {tier(c) for c in plan.direct} == {"pair"}
    # the batch that carries the packed pairs is filled up, by tier: no probe while an example
    # was left out
    assert len(plan.batched) == 50
    assert "probe" not in {tier(c) for c in plan.batched}
    assert {"example", "probe"} <= {e["what"] for e in plan.not_planned}

    plan = _plan()
    direct = len(plan.direct)
    fit(plan, Allowance(direct + 1, "--max-requests 1"), {})
    assert len(plan.direct) == direct  # the documented errors come next
    assert {"pair", "rule case", "example"} <= {tier(c) for c in plan.batched}
    assert "probe" not in {tier(c) for c in plan.batched}  # last


def test_a_walk_that_does_not_fit_keeps_its_first_page_only():
    plan = _plan()
    fit(plan, Allowance(2, "--max-requests 5"), {"im.department.colleagues.list": 4})
    assert plan.walk_pages == {"im.department.colleagues.list": 1}
    assert {
        "method": "im.department.colleagues.list",
        "what": "paging walk",
        "count": 1,
        "reason": "--max-requests 5",
    } in plan.not_planned


# -- end to end -------------------------------------------------------------------------------


def test_a_budgeted_run_completes_what_it_planned_and_says_what_it_left_out():
    options = TargetOptions(rate_limit=STANDARD, max_requests=12)
    outcome = run(RunOptions(target=options, methods=("im.department.get",), max_examples=60))
    document = outcome.document
    assert document["run"]["requests"] <= 12
    assert document["run"]["not_checked"] == 0 and document["not_checked"] == []
    assert outcome.exit_code == 0
    assert document["run"]["budget"]["reason"] == "--max-requests 12"
    left = {e["what"] for e in document["not_planned"]}
    assert "pair" in left
    not_sent = [
        c
        for c in document["coverage"]
        if c["category"] == "pair" and c["status"] == "not_exercised"
    ]
    assert not_sent and all(
        "left out of the plan: --max-requests 12" in c["reason"] for c in not_sent
    )


def test_an_unbudgeted_run_leaves_nothing_out():
    options = TargetOptions(rate_limit=None)
    document = run(
        RunOptions(target=options, methods=("im.department.get",), max_examples=EXAMPLES)
    ).document
    assert document["not_planned"] == [] and document["run"]["budget"] is None


def test_a_budgeted_replay_keeps_the_recorded_batches(tmp_path):
    record = TargetOptions(rate_limit=None, record=tmp_path / "rec")
    run(RunOptions(target=record, methods=("im.department.get",), max_examples=60))
    replay = TargetOptions(cassette=tmp_path / "rec", max_requests=25)
    outcome = run(RunOptions(target=replay))
    document = outcome.document
    assert document["run"]["requests"] <= 25
    assert document["not_checked"] == [] and outcome.exit_code == 0
    assert document["not_planned"]


def test_the_report_and_stderr_say_what_was_left_out():
    from b24conform.cli import not_planned_line
    from b24conform.report import render_html
    from tests.report_samples import sample_document

    document = sample_document()
    assert not_planned_line(document) is None
    document["not_planned"] = [
        {"method": "im.department.get", "what": "pair", "count": 3, "reason": "--max-requests 12"},
        {
            "method": "im.department.get",
            "what": "example",
            "count": 40,
            "reason": "--max-requests 12",
        },
    ]
    html = render_html(document)
    assert 'id="not-planned"' in html
    assert "43 case(s) left out of the plan" in html
    assert not_planned_line(document) == (
        "planned to fit --max-requests 12: 43 cases left out (pair: 3, example: 40)"
    )

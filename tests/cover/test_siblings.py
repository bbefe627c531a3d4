"""The sibling methods: managers.get, employees.get, colleagues.list (issue 8).

Each check gets a conforming answer (no finding) and a broken one (the right kind and location),
built by hand; then whole runs against the reference portal: conforming with several company
seeds, each sibling fault of the catalogue caught, and a paging walk that ends however long a
portal keeps sending `next`.
"""

from __future__ import annotations

import copy
import json

import pytest

from b24conform.cases import Case, Exchange, Walk, walk_bound
from b24conform.checks import CHECKS, CheckContext
from b24conform.checks.docs import docs_findings
from b24conform.engine import DEFAULT_METHODS, RunOptions, Session, run
from b24conform.errors import UsageError
from b24conform.portal import CATALOGUE
from b24conform.spec import load_spec
from b24conform.targets import Target, TargetOptions, open_target
from b24conform.transport import (
    Call,
    Client,
    FakeTransport,
    RateLimit,
    Response,
    parse_webhook,
    respond,
)
from tests.settings import EXAMPLES

SLOW = pytest.mark.slow  # a whole run or more: selected by --slow (CI)

GET = "im.department.get"
MANAGERS = "im.department.managers.get"
EMPLOYEES = "im.department.employees.get"
COLLEAGUES = "im.department.colleagues.list"
SIBLINGS = (MANAGERS, EMPLOYEES, COLLEAGUES)
FAST = RateLimit(5, 250)
SPEC = load_spec("current")
TIME = json.loads(SPEC.method(MANAGERS).examples[0]["text"])["time"]
USER = json.loads(SPEC.method(GET).examples[1]["text"])["result"][0]["manager_user_data"]


def user(uid, **change):
    return {**copy.deepcopy(USER), "id": uid, **change}


def exchange(method, params, body, kind="valid"):
    ids = params.get("ID") if isinstance(params.get("ID"), list) else []
    case = Case(
        method,
        kind,
        "valid",
        Call(method, params, "json"),
        requested_ids=tuple(ids),
        user_data=params.get("USER_DATA") == "Y",
    )
    response = Response(
        status=200,
        headers={"Content-Type": "application/json; charset=utf-8"},
        json={**body, "time": TIME},
    )
    return Exchange(case, response)


def findings(name, *exchanges, ctx=None):
    ctx = ctx or CheckContext(SPEC)
    return [(f.kind, f.location) for e in exchanges for f in CHECKS[name].run(ctx, e)]


def finished(name, ctx, method):
    return [(f.kind, f.location) for f, _ in CHECKS[name].finish(ctx, method)]


# -- the contracts ------------------------------------------------------------------------------


def test_the_docs_examples_conform_and_the_employees_user_example_lacks_avatar_hr():
    for method in SIBLINGS:
        contract = SPEC.method(method)
        for example in contract.examples:
            if not example.get("partial"):
                value = json.loads(example["text"])
                assert not list(contract.response_validator().iter_errors(value)), example["name"]
    located = {(f.kind, f.location) for f in docs_findings(EMPLOYEES)}
    section = "6. The department methods of the `im` module (scope `im`)"
    assert located == {("docs_inconsistency", f"doc:platform.md#{section}/result/*/*/avatar_hr")}
    assert not list(docs_findings(MANAGERS)) and not list(docs_findings(COLLEAGUES))


def test_keyed_results_may_be_empty_arrays_keys_are_department_ids():
    validator = SPEC.method(MANAGERS).response_validator()
    assert not list(validator.iter_errors({"result": [], "time": TIME}))
    assert not list(validator.iter_errors({"result": {"3": [user(13)]}, "time": TIME}))
    assert list(validator.iter_errors({"result": {"abc": [13]}, "time": TIME}))
    assert list(validator.iter_errors({"result": [13], "time": TIME}))


def test_a_user_object_missing_email_is_a_missing_field_under_its_department():
    body = {"result": {"7": [user(3, email=None)]}}
    del body["result"]["7"][0]["email"]
    got = findings("response_schema", exchange(EMPLOYEES, {"ID": [7], "USER_DATA": "Y"}, body))
    assert ("missing_field", "/result/*/*/email") in got


# -- per-exchange checks ------------------------------------------------------------------------


def test_sibling_keys():
    params = {"ID": [3, 7]}
    assert findings("sibling_keys", exchange(MANAGERS, params, {"result": {"3": [13]}})) == []
    assert findings("sibling_keys", exchange(MANAGERS, params, {"result": []})) == []
    broken = exchange(EMPLOYEES, params, {"result": {"3": [13], "9": [14]}})
    assert findings("sibling_keys", broken) == [("invariant", "/result/*")]


def test_sibling_user_data():
    good = [
        exchange(MANAGERS, {"ID": [3]}, {"result": {"3": [13]}}),
        exchange(MANAGERS, {"ID": [3], "USER_DATA": "Y"}, {"result": {"3": [user(13)]}}),
        exchange(COLLEAGUES, {"USER_DATA": "Y"}, {"result": [user(13)], "total": 1}),
    ]
    assert findings("sibling_user_data", *good) == []
    objects_unasked = exchange(EMPLOYEES, {"ID": [3]}, {"result": {"3": [13, user(14)]}})
    ids_when_asked = exchange(COLLEAGUES, {"USER_DATA": "Y"}, {"result": [13], "total": 1})
    assert findings("sibling_user_data", objects_unasked) == [("invariant", "/result/*/*")]
    assert findings("sibling_user_data", ids_when_asked) == [("invariant", "/result/*")]


def page(params, result, total, nxt=None):
    body = {"result": result, "total": total}
    if nxt is not None:
        body["next"] = nxt
    return exchange(COLLEAGUES, params, body)


def test_paging_conforming_pages():
    assert (
        findings(
            "paging",
            page({"LIMIT": 5}, [9, 547, 408, 103, 290], 7, 5),  # the docs' example
            page({"LIMIT": 5, "OFFSET": 5}, [1, 2], 7),
            page({}, list(range(10)), 12, 10),
            page({"LIMIT": 100}, list(range(50)), 60, 50),
            page({"OFFSET": 99}, [], 7),
        )
        == []
    )


@pytest.mark.parametrize(
    "params, result, total, nxt, location",
    [
        ({"LIMIT": 5, "OFFSET": 5}, [1, 2], 7, 7, "/next"),  # next on the last page
        ({"LIMIT": 5}, [1, 2, 3, 4, 5], 7, None, "/next"),  # no next, though a page remains
        ({"LIMIT": 5}, [1, 2, 3, 4, 5], 7, 3, "/next"),  # next is not the next OFFSET
        ({"LIMIT": 100}, list(range(60)), 60, None, "/result"),  # LIMIT not capped at 50
        ({}, list(range(12)), 12, None, "/result"),  # the default LIMIT is 10
        ({"LIMIT": 5}, [1, 2], 7, 2, "/result"),  # a short page though more remain
    ],
)
def test_paging_broken_pages(params, result, total, nxt, location):
    assert ("invariant", location) in findings("paging", page(params, result, total, nxt))


def test_paging_walk_judged_at_the_end():
    def walk(pages, stopped, total):
        ctx = CheckContext(SPEC)
        exchanges = [page({"LIMIT": 2, "OFFSET": 2 * i}, p, total) for i, p in enumerate(pages)]
        ctx.walks.append(Walk(COLLEAGUES, 2, exchanges, stopped, total))
        return finished("paging", ctx, COLLEAGUES)

    assert walk([[1, 2], [3]], "end", 3) == []
    assert walk([[1, 2], [2]], "end", 3) == [("invariant", "/total")]
    assert walk([[1, 2], [3], [], []], "bound", 3) == [("invariant", "/next")]
    assert walk([[1, 2], [3], []], "stuck", 3) == [("invariant", "/next")]


def test_cross_method_heads_and_users():
    ctx = CheckContext(SPEC)
    get = {"result": [{"id": 3, "name": "F", "full_name": "F", "manager_user_id": 13}]}
    get_y = copy.deepcopy(get)
    get_y["result"][0]["manager_user_data"] = user(13)
    findings("cross_method", exchange(GET, {"ID": [3]}, get), ctx=ctx)
    findings("cross_method", exchange(GET, {"ID": [3], "USER_DATA": "Y"}, get_y), ctx=ctx)
    agreeing = [
        exchange(MANAGERS, {"ID": [3]}, {"result": {"3": [13]}}),
        exchange(EMPLOYEES, {"ID": [3], "USER_DATA": "Y"}, {"result": {"3": [user(13)]}}),
        exchange(COLLEAGUES, {"USER_DATA": "Y"}, {"result": [user(13, status="away")], "total": 1}),
    ]
    findings("cross_method", *agreeing, ctx=ctx)
    assert all(finished("cross_method", ctx, m) == [] for m in (GET, *SIBLINGS))

    ctx = CheckContext(SPEC)
    findings("cross_method", exchange(GET, {"ID": [3], "USER_DATA": "Y"}, get_y), ctx=ctx)
    disagreeing = [
        exchange(MANAGERS, {"ID": [3]}, {"result": {"3": [14]}}),
        exchange(EMPLOYEES, {"ID": [3], "USER_DATA": "Y"}, {"result": {"3": [user(13, name="X")]}}),
    ]
    findings("cross_method", *disagreeing, ctx=ctx)
    assert finished("cross_method", ctx, MANAGERS) == [("invariant", "/result/*")]
    assert finished("cross_method", ctx, EMPLOYEES) == [("invariant", "/result/*/*/name")]


# -- runs against the reference portal ----------------------------------------------------------


def reference_run(faults=(), seed=0, **kw):
    target = TargetOptions(rate_limit=FAST, portal_faults=faults, portal_seed=seed)
    return run(RunOptions(target=target, seed=seed, **kw))


def serious(document):
    return [
        (d["method"], d["kind"], d["location"], d["message"])
        for d in document["deviations"]
        if d["severity"] in ("error", "warning")
    ]


@pytest.mark.parametrize("seed", [0, pytest.param(11, marks=SLOW), pytest.param(2024, marks=SLOW)])
def test_the_reference_portal_conforms_on_all_four_methods(seed):
    outcome = reference_run(seed=seed, max_examples=EXAMPLES)
    document = outcome.document
    assert document["run"]["methods"] == list(DEFAULT_METHODS)
    assert serious(document) == []
    assert outcome.exit_code == 0
    probed = {(o["method"], o["probe"]) for o in document["observations"]}
    assert {(COLLEAGUES, "limit_zero"), (COLLEAGUES, "start_parameter")} <= probed
    assert (MANAGERS, "unknown_ids") in probed
    covered = {(c["method"], c["item"]): c["status"] for c in document["coverage"]}
    for method in SIBLINGS:
        assert covered[(method, "users_agree_across_methods")] == "passed"
    assert covered[(MANAGERS, "ID_EMPTY (id_empty_array)")] == "passed"
    assert covered[(COLLEAGUES, "walk_yields_total")] == "passed"
    assert covered[(EMPLOYEES, "/result/*/*/email")] == "passed"


SIBLING_FAULTS = [
    name
    for name, fault in CATALOGUE.items()
    if any(method in SIBLINGS for method, _, _ in fault.expect)
]


@SLOW  # one run per fault: the detection matrix (tests/nocover) runs them all again
@pytest.mark.parametrize("fault", SIBLING_FAULTS)
def test_each_sibling_fault_is_caught(fault):
    document = reference_run(faults=(fault,), max_examples=EXAMPLES).document
    found = {(m, k, loc) for m, k, loc, _ in serious(document)}
    assert set(CATALOGUE[fault].expect) <= found


def test_the_sibling_faults_are_all_there():
    assert len(SIBLING_FAULTS) >= 6


def test_the_walk_ends_when_next_stops_moving():
    options = RunOptions(
        target=TargetOptions(rate_limit=FAST, portal_faults=("colleagues_next_on_last_page",))
    )
    with open_target(options.target) as target:
        session = Session(SPEC, target, options)
        session.discover()
        contract = SPEC.method(COLLEAGUES)
        session.walk_pages(contract)
        [walk] = session.context.walks
        session.finish([contract])
    assert walk.stopped == "stuck" and walk.total
    assert len(walk.exchanges) <= walk_bound(walk.total, walk.limit)
    located = {(d.finding.kind, d.finding.location) for d in session.log.entries.values()}
    assert located == {("invariant", "/next")}


def endless(request):
    """A portal that always has another page: fresh users and next = OFFSET + LIMIT, forever."""
    params = request.params()
    offset, limit = params.get("OFFSET", 0), params["LIMIT"]
    body = {
        "result": list(range(offset + 1, offset + limit + 1)),
        "next": offset + limit,
        "total": 45,
        "time": TIME,
    }
    return respond(body)


def test_the_walk_ends_when_a_portal_keeps_sending_next():
    transport = FakeTransport(endless)
    client = Client(parse_webhook("https://endless.example/rest/1/c0de/"), transport)
    session = Session(SPEC, Target("live", "endless", client), RunOptions())
    contract = SPEC.method(COLLEAGUES)
    session.walk_pages(contract)
    limit = contract.raw["paging"]["walk_limit"]
    assert len(transport.requests) == -(-45 // limit) + 2
    session.finish([contract])
    located = {(d.finding.kind, d.finding.location) for d in session.log.entries.values()}
    assert ("invariant", "/next") in located  # next on the pages past total, and the walk's end
    assert ("invariant", "/total") in located  # more distinct users than total


# -- revisions and method selection -------------------------------------------------------------


def test_rev18_default_run_checks_what_it_documents_and_refuses_an_explicit_sibling():
    document = run(
        RunOptions(docs="rev18", target=TargetOptions(rate_limit=FAST), max_examples=EXAMPLES)
    ).document
    assert document["run"]["methods"] == [GET]
    assert document["run"]["not_documented"] == list(SIBLINGS)
    with pytest.raises(UsageError, match="not documented in revision 'rev18'"):
        run(RunOptions(docs="rev18", methods=(MANAGERS,)))


@SLOW  # a whole run; test_config.py selects a method from the file in cover
def test_methods_selects_a_subset():
    document = reference_run(methods=(EMPLOYEES, COLLEAGUES), max_examples=EXAMPLES).document
    assert document["run"]["methods"] == [EMPLOYEES, COLLEAGUES]
    assert {d["method"] for d in document["deviations"]} <= {EMPLOYEES, COLLEAGUES}
    assert {c["method"] for c in document["coverage"]} == {EMPLOYEES, COLLEAGUES}

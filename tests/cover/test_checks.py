"""Each check catches the fault it exists for and stays silent on the docs' own examples.

Answers are built from the documentation's examples (real portal answers, per the docs page),
then broken in exactly one way.
"""

from __future__ import annotations

import copy
import json
from datetime import datetime, timedelta, timezone

import pytest

from b24conform.cases import Case, Exchange, Expectation
from b24conform.checks import CHECKS, CheckContext
from b24conform.checks.docs import compare_revisions, docs_findings
from b24conform.spec import load_spec
from b24conform.transport import Call, Response

SPEC = load_spec("current")
CONTRACT = SPEC.method("im.department.get")
RAW_N = json.loads(CONTRACT.examples[0]["text"])
RAW_Y = json.loads(CONTRACT.examples[1]["text"])


def consistent_time(example: dict) -> dict:
    """The docs' example with its dates set to the instants of start/finish.

    The page's own examples print `date_start` two hours off `start` (see
    test_the_docs_examples_dates_disagree_with_their_unix_times), which the `time` check warns
    about; the other checks are tested on answers that are otherwise the docs' examples.
    """
    fixed = copy.deepcopy(example)
    for unix, date in (("start", "date_start"), ("finish", "date_finish")):
        moment = datetime.fromtimestamp(int(fixed["time"][unix]), timezone(timedelta(hours=1)))
        fixed["time"][date] = moment.isoformat()
    return fixed


EXAMPLE_N = consistent_time(RAW_N)
EXAMPLE_Y = consistent_time(RAW_Y)
JSON_HEADERS = {"Content-Type": "application/json; charset=utf-8"}
INVALID_FORMAT = Expectation.from_contract(CONTRACT.errors[0])


def valid_case(user_data: bool, ids=(3, 7), transport="json") -> Case:
    params = {"ID": list(ids), "USER_DATA": "Y" if user_data else "N"}
    return Case(
        "im.department.get",
        "valid",
        "valid",
        Call("im.department.get", params, transport),
        tuple(ids),
        user_data,
    )


def answer(body, status=200, headers=JSON_HEADERS) -> Response:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    try:
        parsed = json.loads(raw)
    except ValueError:
        from b24conform.transport.model import NOT_JSON as parsed
    return Response(status=status, headers=dict(headers), body=raw, json=parsed)


def findings(exchange: Exchange, context: CheckContext | None = None):
    context = context or CheckContext(SPEC)
    return [(name, f) for name, check in CHECKS.items() for f in check.run(context, exchange)]


def kinds(exchange: Exchange, context: CheckContext | None = None):
    return {(name, f.kind, f.location) for name, f in findings(exchange, context)}


@pytest.mark.parametrize("user_data, body", [(False, EXAMPLE_N), (True, EXAMPLE_Y)])
def test_the_docs_examples_pass_every_check(user_data, body):
    assert findings(Exchange(valid_case(user_data), answer(body))) == []


def test_the_docs_examples_dates_disagree_with_their_unix_times():
    found = kinds(Exchange(valid_case(False), answer(RAW_N)))
    assert found == {
        ("time", "invariant", "/time/date_start"),
        ("time", "invariant", "/time/date_finish"),
    }
    assert {
        f.effective_severity for _, f in findings(Exchange(valid_case(False), answer(RAW_N)))
    } == {"warning"}


def test_the_docs_examples_pass_through_batch_as_well():
    body = {"result": EXAMPLE_Y["result"], "time": EXAMPLE_Y["time"]}
    response = Response(status=None, json=body, via_batch=True)
    assert findings(Exchange(valid_case(True, transport="batch"), response)) == []


def broken(mutate, user_data=True):
    body = copy.deepcopy(EXAMPLE_Y if user_data else EXAMPLE_N)
    mutate(body)
    return kinds(Exchange(valid_case(user_data), answer(body)))


@pytest.mark.parametrize(
    "mutate, expected",
    [
        (
            lambda b: b["result"][0].pop("full_name"),
            ("response_schema", "missing_field", "/result/*/full_name"),
        ),
        (
            lambda b: b["result"][1].update(id="3"),
            ("response_schema", "type_mismatch", "/result/*/id"),
        ),
        (
            lambda b: b["result"][0].update(extra=1),
            ("response_schema", "undocumented_field", "/result/*/extra"),
        ),
        (
            lambda b: b["result"][0]["manager_user_data"].update(color="4ba984"),
            ("response_schema", "format_mismatch", "/result/*/manager_user_data/color"),
        ),
        (
            lambda b: b["result"][0]["manager_user_data"].update(birthday="1990-09-10"),
            ("response_schema", "format_mismatch", "/result/*/manager_user_data/birthday"),
        ),
        (
            lambda b: b["result"][0]["manager_user_data"].update(idle="yesterday"),
            ("response_schema", "format_mismatch", "/result/*/manager_user_data/idle"),
        ),
        (
            lambda b: b["result"][0]["manager_user_data"].update(idle=0),
            ("response_schema", "type_mismatch", "/result/*/manager_user_data/idle"),
        ),
        (
            lambda b: b["result"][1]["manager_user_data"]["phones"].update(inner_phone=55),
            ("response_schema", "type_mismatch", "/result/*/manager_user_data/phones/inner_phone"),
        ),
        (
            lambda b: b["result"][0]["manager_user_data"].update(avatar="not a link"),
            ("response_schema", "format_mismatch", "/result/*/manager_user_data/avatar"),
        ),
        (lambda b: b.pop("time"), ("response_schema", "missing_field", "/time")),
        (
            lambda b: b["result"][0]["manager_user_data"].update(id=5),
            ("manager_id", "invariant", "/result/*/manager_user_data/id"),
        ),
        (
            lambda b: b["result"].append(copy.deepcopy(b["result"][0])),
            ("requested_departments", "invariant", "/result/*/id"),
        ),
        (
            lambda b: b["result"][0].pop("manager_user_data"),
            ("user_data", "invariant", "/result/*/manager_user_data"),
        ),
        (
            lambda b: b["time"].update(finish=b["time"]["start"] - 1),
            ("time", "invariant", "/time/finish"),
        ),
        (lambda b: b["time"].update(duration=5.0), ("time", "invariant", "/time/duration")),
        (
            lambda b: b["time"].update(date_start="2026-03-03T11:52:46"),
            ("response_schema", "format_mismatch", "/time/date_start"),
        ),
    ],
)
def test_each_broken_claim_is_reported_where_it_broke(mutate, expected):
    assert expected in broken(mutate)


def test_each_finding_cites_the_doc_line_of_the_broken_field():
    body = copy.deepcopy(EXAMPLE_Y)
    body["result"][0]["manager_user_data"]["color"] = "green"
    [(_, finding)] = findings(Exchange(valid_case(True), answer(body)))
    assert finding.doc.source == "000_5d603a129c77dabe.txt"
    assert finding.doc.section == "Manager User Data Object"
    assert finding.doc.quote == "color | User's color in hex format"


def test_manager_data_without_user_data_is_reported():
    body = copy.deepcopy(EXAMPLE_Y)
    assert ("user_data", "invariant", "/result/*/manager_user_data") in kinds(
        Exchange(valid_case(False), answer(body))
    )


def test_a_department_not_asked_for_and_one_not_returned_are_reported():
    found = kinds(Exchange(valid_case(False, ids=(3, 9)), answer(EXAMPLE_N)))
    assert ("requested_departments", "invariant", "/result/*/id") in found
    assert ("requested_departments", "invariant", "/result") in found


def test_result_order_and_ids_other_than_the_examples_are_not_deviations():
    body = copy.deepcopy(EXAMPLE_N)
    body["result"].reverse()
    for item, new_id in zip(body["result"], (101, 2024), strict=True):
        item["id"] = new_id
        item["name"] = item["full_name"] = "Отдел продаж"
    assert findings(Exchange(valid_case(False, ids=(2024, 101)), answer(body))) == []


def test_a_headless_department_is_observed_not_judged():
    body = copy.deepcopy(EXAMPLE_Y)
    body["result"][0].update(manager_user_id=0, manager_user_data=None)
    context = CheckContext(SPEC)
    assert findings(Exchange(valid_case(True), answer(body)), context) == []
    assert [o.probe for o in context.observations] == ["headless_department"]


def error_case() -> Case:
    return Case(
        "im.department.get",
        "error",
        "id_missing",
        Call("im.department.get", {}),
        expect=INVALID_FORMAT,
    )


INVALID_BODY = {
    "error": "INVALID_FORMAT",
    "error_description": "A wrong format for the ID field is passed",
}


def test_the_documented_error_passes():
    assert findings(Exchange(error_case(), answer(INVALID_BODY, 400))) == []


@pytest.mark.parametrize(
    "body, status, expected",
    [
        (INVALID_BODY, 500, ("status_code", "status_code", "status")),
        (
            {"error": "ID_EMPTY", "error_description": "x"},
            400,
            ("error_code", "error_code", "/error"),
        ),
        ({"error": "INVALID_FORMAT"}, 400, ("envelope", "envelope", "body")),
        (
            {"error": "INVALID FORMAT!", "error_description": "x"},
            400,
            ("envelope", "format_mismatch", "/error"),
        ),
        (EXAMPLE_N, 200, ("status_code", "accepted_invalid_input", "status")),
    ],
)
def test_documented_errors_are_checked_for_status_code_and_body(body, status, expected):
    assert expected in kinds(Exchange(error_case(), answer(body, status)))


def test_a_refused_valid_request_is_rejected_valid_input():
    found = kinds(Exchange(valid_case(False), answer(INVALID_BODY, 400)))
    assert ("status_code", "rejected_valid_input", "status") in found


@pytest.mark.parametrize(
    "response, expected",
    [
        (
            answer(EXAMPLE_N, headers={"Content-Type": "text/html"}),
            ("content_type", "content_type", "header:Content-Type"),
        ),
        (answer(b'{"result": [{"id": 7, "na', 200), ("json_body", "not_json", "body")),
        (
            answer(b"<html>Bad Gateway</html>", 502, {"Content-Type": "text/html"}),
            ("status_code", "server_error", "status"),
        ),
        (answer({"data": []}), ("envelope", "envelope", "body")),
        (Response(status=None, failure="timeout"), ("answered", "server_error", "status")),
    ],
)
def test_platform_claims_are_checked_on_every_answer(response, expected):
    assert expected in kinds(Exchange(valid_case(False), response))


def test_a_throttled_call_is_never_a_deviation():
    response = Response(
        status=503, throttled=True, json={"error": "QUERY_LIMIT_EXCEEDED", "error_description": ""}
    )
    assert findings(Exchange(valid_case(False), response)) == []


def test_consistency_across_calls_and_transports():
    context = CheckContext(SPEC)
    assert findings(Exchange(valid_case(False, transport="form"), answer(EXAMPLE_N)), context) == []
    renamed = copy.deepcopy(EXAMPLE_N)
    renamed["result"][0]["name"] = "Other name"
    found = kinds(Exchange(valid_case(False, transport="query"), answer(renamed)), context)
    assert ("consistency", "invariant", "/result/*/name") in found


def test_docs_contradictions_are_info_and_cite_the_page():
    found = list(docs_findings("im.department.get"))
    assert all(f.kind == "docs_inconsistency" and f.effective_severity == "info" for f in found)
    locations = {f.location for f in found}
    # the revision-18 example is not valid JSON, and shows manager_user_id without describing it
    assert "doc:003_83a7d5f0caab7084.txt#Example of response" in locations
    assert (
        "doc:003_83a7d5f0caab7084.txt#Example of response/department/manager_user_id" in locations
    )
    # the current page's examples print date_start two hours off start
    assert "doc:000_5d603a129c77dabe.txt#Response Handling/time/date_start" in locations


def test_revisions_are_compared_field_by_field():
    current = load_spec("current").method("im.department.get")
    older = load_spec("rev18").method("im.department.get")
    assert list(compare_revisions(current, older)) == []
    changed = copy.deepcopy(older.spec.documents)
    changed["user"]["properties"]["gender"] = {
        "type": "integer",
        "x-doc": changed["user"]["properties"]["gender"]["x-doc"],
    }
    changed["user"]["properties"]["nickname"] = {
        "type": "string",
        "x-doc": changed["user"]["properties"]["name"]["x-doc"],
    }

    class Older:
        revision = "rev18"

        class spec:
            documents = changed

    messages = [f.message for f in compare_revisions(current, Older)]
    assert any("user.gender is integer in rev18, string in current" in m for m in messages)
    assert any(
        "'nickname' of the user object is documented in rev18 but not in current" in m
        for m in messages
    )


# -- where each check judges (its scope, declared where it is defined) --------------------------


def test_a_rule_check_judges_only_the_methods_whose_contract_names_it():
    from b24conform.checks import RULE, applicable_checks

    spec = load_spec("current")
    for method, contract in spec.methods.items():
        named = {rule["check"] for rule in contract.raw.get("rules", [])}
        applied = set(applicable_checks(spec, method))
        assert {n for n in applied if CHECKS[n].scope == RULE} == named, method
        assert {n for n, c in CHECKS.items() if c.scope != RULE} <= applied
    # the paging rules are colleagues.list's alone; the platform's claims are everyone's
    assert "paging" not in applicable_checks(spec, "im.department.get")
    assert "paging" in applicable_checks(spec, "im.department.colleagues.list")


def test_a_raw_batch_answer_gets_the_platform_checks_only():
    from b24conform.checks import PLATFORM, envelope_checks

    assert envelope_checks() == ("answered", "status_code", "content_type", "json_body", "envelope")
    assert all(CHECKS[name].scope == PLATFORM for name in envelope_checks())


def test_a_rule_no_check_judges_is_an_error_before_any_request(monkeypatch):
    from b24conform.checks import unknown_rule_checks
    from b24conform.engine import RunOptions, run
    from b24conform.errors import UsageError
    from b24conform.targets import TargetOptions
    from b24conform.transport import FakeTransport

    spec = load_spec("current")
    assert unknown_rule_checks(spec) == []
    contract = spec.method("im.department.get")
    doc = contract.raw["rules"][0]["doc"]
    typo = {"name": "heads_agree", "doc": doc, "check": "manager_idz"}
    not_a_rule = {"name": "schema_again", "doc": doc, "check": "response_schema"}
    monkeypatch.setitem(contract.raw, "rules", [*contract.raw["rules"], typo, not_a_rule])
    assert unknown_rule_checks(spec) == [
        "im.department.get: heads_agree → manager_idz",
        "im.department.get: schema_again → response_schema",
    ]

    def refuse_all(request):
        raise AssertionError("a request was sent before the contracts were checked")

    webhook = "https://portal.example.test/rest/1/code/"
    target = TargetOptions(webhook=webhook, transport=FakeTransport(refuse_all))
    with pytest.raises(UsageError, match="rules no check judges"):
        run(RunOptions(target=target))


def test_a_check_must_say_where_it_judges():
    from b24conform.checks import check

    with pytest.raises(ValueError, match="scope 'everywhere'"):
        check("made_up", "a check with a scope nobody defined", scope="everywhere")(lambda c, e: [])
    assert "made_up" not in CHECKS

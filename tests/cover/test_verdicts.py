"""Verdicts on real portals: what the docs allow stays silent, what they do not is reported.

Each test takes an answer built from the documentation's own examples, changes it the way real
portals answer (platform.md §8), and asserts the verdict: no finding where the docs' wording or
examples allow it, a finding of the right kind, location and severity where they do not.
"""

from __future__ import annotations

import argparse
import copy
import dataclasses
import json
from types import SimpleNamespace

import pytest

from b24conform.baseline import diff_documents
from b24conform.cases import Case, Exchange, probe_outcome
from b24conform.checks import CHECKS, CheckContext
from b24conform.deviations import DeviationLog, Finding
from b24conform.options import SECRETS, UNSET, add_to_argparse, resolve, to_run_options
from b24conform.plugin import pytest_addoption
from b24conform.spec import DocRef, load_spec
from b24conform.targets import role_name
from b24conform.transport import Call, Response, parse_webhook
from tests.cover.test_checks import EXAMPLE_N, EXAMPLE_Y, INVALID_FORMAT, answer, valid_case

SPEC = load_spec("current")
GET = "im.department.get"
MANAGERS = "im.department.managers.get"
COLLEAGUES = "im.department.colleagues.list"
CALLER = 1  # the user id of the webhook the run calls with


def judged(exchange: Exchange, context: CheckContext | None = None) -> list[tuple[str, Finding]]:
    context = context or CheckContext(SPEC, caller=CALLER)
    return [(name, f) for name, check in CHECKS.items() for f in check.run(context, exchange)]


def verdicts(exchange: Exchange, context: CheckContext | None = None) -> set[tuple[str, str, str]]:
    """(kind, location, severity) of every finding."""
    return {(f.kind, f.location, f.effective_severity) for _, f in judged(exchange, context)}


def with_user_data(change) -> Exchange:
    body = copy.deepcopy(EXAMPLE_Y)
    change(body)
    return Exchange(valid_case(True), answer(body))


def manager(body: dict, index: int = 1) -> dict:
    return body["result"][index]["manager_user_data"]


# -- phones -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "phones",
    [
        False,
        {"work_phone": "+1 555 0100"},
        {"personal_mobile": "12134567890"},
        {"personal_phone": "2030148172", "inner_phone": "55"},
        {"personal_mobile": "1", "work_phone": "2", "inner_phone": "3", "personal_phone": "4"},
    ],
)
def test_phones_may_hold_any_subset_of_its_keys_or_be_false(phones):
    assert judged(with_user_data(lambda b: manager(b).update(phones=phones))) == []


def test_a_phone_key_of_the_wrong_type_is_still_caught():
    found = verdicts(with_user_data(lambda b: manager(b)["phones"].update(inner_phone=55)))
    assert found == {
        ("type_mismatch", "/result/*/manager_user_data/phones/inner_phone", "error"),
    }


# -- version lag --------------------------------------------------------------------------------


def test_a_field_only_the_current_page_documents_is_version_lag_a_warning():
    [(_, finding)] = judged(with_user_data(lambda b: manager(b).pop("email")))
    assert (finding.kind, finding.location) == (
        "missing_field",
        "/result/*/manager_user_data/email",
    )
    assert finding.effective_severity == "warning"
    # the message names both pages, by revision (the doc reference cites the current one by
    # title; a hashed seed file name means nothing to a reader)
    assert "current page" in finding.message and "rev18 page" in finding.message
    assert ".txt" not in finding.message
    assert "version lag" in finding.message


def test_every_field_the_older_page_lacks_is_lag_and_every_field_both_document_an_error():
    current = set(SPEC.schema("user")["required"])
    older = set(load_spec("rev18").schema("user")["required"])
    for field in sorted(current):
        found = verdicts(with_user_data(lambda b, f=field: manager(b).pop(f)))
        severity = "warning" if field not in older else "error"
        assert ("missing_field", f"/result/*/manager_user_data/{field}", severity) in found


def test_judged_by_the_revision_18_page_its_own_fields_decide():
    rev18 = load_spec("rev18")
    body = copy.deepcopy(EXAMPLE_Y)
    for item in body["result"]:
        data = item["manager_user_data"]
        for field in set(data) - set(rev18.schema("user")["properties"]):
            data.pop(field)
    assert judged(Exchange(valid_case(True), answer(body)), CheckContext(rev18)) == []
    manager(body).pop("name")
    found = verdicts(Exchange(valid_case(True), answer(body)), CheckContext(rev18))
    assert ("missing_field", "/result/*/manager_user_data/name", "error") in found


# -- time ---------------------------------------------------------------------------------------


def test_time_with_an_integer_start_and_without_operating_keys_conforms():
    body = copy.deepcopy(EXAMPLE_N)
    time = body["time"]
    time["start"] = int(time["start"])
    time["duration"] = time["finish"] - time["start"]
    del time["operating"], time["operating_reset_at"]
    assert judged(Exchange(valid_case(False), answer(body))) == []


def error_case() -> Case:
    return Case(GET, "error", "id_missing", Call(GET, {}), expect=INVALID_FORMAT)


def test_an_error_body_needs_no_time():
    body = {
        "error": "INVALID_FORMAT",
        "error_description": "A wrong format for the ID field is passed",
    }
    assert judged(Exchange(error_case(), answer(body, 400))) == []


# -- error descriptions -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "description",
    [
        "A wrong format for the ID field is passed.",
        "A wrong format for the ID field is passed ",
        "A wrong  format for the ID field is passed",
    ],
)
def test_descriptions_differing_in_trailing_punctuation_or_spacing_are_the_same(description):
    body = {"error": "INVALID_FORMAT", "error_description": description}
    assert judged(Exchange(error_case(), answer(body, 400))) == []


def test_another_wording_is_info_but_the_code_and_status_stay_strict():
    body = {"error": "INVALID_FORMAT", "error_description": "Invalid ID"}
    assert verdicts(Exchange(error_case(), answer(body, 400))) == {
        ("error_code", "/error_description", "info")
    }
    body = {"error": "ID_EMPTY", "error_description": "A wrong format for the ID field is passed"}
    assert ("error_code", "/error", "error") in verdicts(Exchange(error_case(), answer(body, 400)))
    body = {
        "error": "INVALID_FORMAT",
        "error_description": "A wrong format for the ID field is passed",
    }
    assert ("status_code", "status", "error") in verdicts(Exchange(error_case(), answer(body, 403)))


def test_the_access_error_is_compared_with_the_documented_description():
    contract = SPEC.method(GET)
    assert contract.access["description"] == "Only intranet users have access to this method"
    assert all(error.get("description") for error in contract.errors)


# -- batch --------------------------------------------------------------------------------------


def batched(body: dict, kind: str = "valid") -> Exchange:
    case = Case(
        GET, kind, "valid" if kind == "valid" else "unknown_ids", Call(GET, {"ID": [3]}, "batch")
    )
    return Exchange(case, Response(status=None, json=body, via_batch=True))


def test_a_batch_entry_with_an_empty_error_code_is_a_warning_of_the_envelope():
    found = verdicts(batched({"error": "", "error_description": ""}))
    assert found == {("envelope", "/error", "warning")}


# -- im.department.get --------------------------------------------------------------------------


def test_structure_order_is_never_a_deviation():
    body = copy.deepcopy(EXAMPLE_Y)
    body["result"].reverse()
    assert judged(Exchange(valid_case(True, ids=(3, 7)), answer(body))) == []


def headless(data) -> Exchange:
    def change(body):
        body["result"][0].update(manager_user_id=0, manager_user_data=data)

    return with_user_data(change)


def test_a_headless_department_with_the_callers_profile_is_one_invariant_error():
    caller = {**copy.deepcopy(EXAMPLE_Y["result"][1]["manager_user_data"]), "id": CALLER}
    [(check, finding)] = judged(headless(caller))
    assert (check, finding.kind, finding.location, finding.effective_severity) == (
        "manager_id",
        "invariant",
        "/result/*/manager_user_data",
        "error",
    )
    assert "caller's own profile" in finding.message
    assert finding.message.count(". ") == 0 and finding.message.endswith(".")  # one sentence


def test_a_headless_department_without_data_is_only_observed():
    context = CheckContext(SPEC, caller=CALLER)
    assert judged(headless(None), context) == []
    assert [o.probe for o in context.observations] == ["headless_department"]


@pytest.mark.parametrize(
    "change, location",
    [
        (lambda b: b["result"][0].update(manager_user_data=None), "/result/*/manager_user_data"),
        (
            lambda b: manager(b).update(work_position=None),
            "/result/*/manager_user_data/work_position",
        ),
        (
            lambda b: manager(b).update(last_activity_date=False),
            "/result/*/manager_user_data/last_activity_date",
        ),
    ],
    ids=["deleted_head", "work_position_null", "last_activity_false"],
)
def test_nulls_and_falses_the_docs_do_not_allow_are_type_mismatches(change, location):
    assert ("type_mismatch", location, "error") in verdicts(with_user_data(change))


# -- server errors ------------------------------------------------------------------------------

INTERNAL = {"error": "INTERNAL_SERVER_ERROR", "error_description": "An internal server error"}
UNEXPECTED = {
    "error": "ERROR_UNEXPECTED_ANSWER",
    "error_description": "Server returned an unexpected response.",
}


def probe(transport: str = "json") -> Case:
    return Case(GET, "probe", "unknown_ids", Call(GET, {"ID": [999999]}, transport), doc="silent")


@pytest.mark.parametrize(
    "exchange, expected",
    [
        (Exchange(valid_case(False), answer(INTERNAL, 500)), ("server_error", "status", "error")),
        (Exchange(valid_case(False), answer(UNEXPECTED, 200)), ("server_error", "/error", "error")),
        (batched(INTERNAL), ("server_error", "/error", "error")),
        (batched(UNEXPECTED, kind="probe"), ("server_error", "/error", "warning")),
        (Exchange(probe(), answer(INTERNAL, 500)), ("server_error", "status", "warning")),
        (
            Exchange(probe(), answer(b"<html>502</html>", 502, {"Content-Type": "text/html"})),
            ("server_error", "status", "warning"),
        ),
    ],
    ids=["direct-500", "direct-code", "batch-entry", "batch-probe", "probe-500", "probe-502"],
)
def test_a_server_error_anywhere_is_a_deviation(exchange, expected):
    found = verdicts(exchange)
    assert expected in found
    assert not any(kind == "rejected_valid_input" for kind, _, _ in found)


def test_a_valid_case_holding_docs_silent_input_fails_at_a_probes_severity():
    """The pairs' more-than-50 row is a valid request the docs do not wholly cover: a 500 or a
    refusal there is the probe's warning; its answer's shape is judged as strictly as any."""
    silent = dataclasses.replace(valid_case(False), pair=(("ID set", "over 50"),))
    assert ("server_error", "status", "warning") in verdicts(
        Exchange(silent, answer(INTERNAL, 500))
    )
    refused = {"error": "ERROR_ARGUMENT", "error_description": "Too many ids"}
    assert ("rejected_valid_input", "status", "warning") in verdicts(
        Exchange(silent, answer(refused, 400))
    )
    wrong_shape = {"result": [{"id": "three"}], "time": EXAMPLE_N["time"]}
    assert any(
        severity == "error" for _, _, severity in verdicts(Exchange(silent, answer(wrong_shape)))
    )


def test_a_server_error_of_a_valid_request_outweighs_the_same_on_a_probe():
    log = DeviationLog()
    doc = DocRef("platform.md", "2", "x")
    warning = Finding("server_error", "/error", "probe", doc, severity="warning")
    error = Finding("server_error", "/error", "valid", doc)
    log.add(GET, "status_code", warning, Call(GET, {"ID": [1]}))
    log.add(GET, "status_code", error, Call(GET, {"ID": [1, 2, 3, 4, 5]}))
    log.add(GET, "status_code", warning, Call(GET, {}))
    [entry] = log.ordered()
    assert entry.to_json()["severity"] == "error" and entry.occurrences == 3


# -- ids dropped and departments left out: observations with counts -----------------------------


def test_dropped_ids_are_counted_in_the_probes_observation():
    case = Case(GET, "probe", "duplicate_ids", Call(GET, {"ID": [3, 3, 0, -7, 999]}), doc="silent")
    outcome = probe_outcome(case, answer({"result": [{"id": 3}], "time": EXAMPLE_N["time"]}))
    assert outcome["ids"] == {"sent": 5, "distinct": 4, "answered": 1, "dropped": 4}


def keyed(method: str, params: dict, result) -> Exchange:
    case = Case(
        method,
        "valid",
        "valid",
        Call(method, params, "batch"),
        requested_ids=tuple(params["ID"]),
        user_data=False,
    )
    body = {"result": result, "time": EXAMPLE_N["time"]}
    return Exchange(case, Response(status=None, json=body, via_batch=True))


def test_a_department_left_out_of_managers_get_is_observed_once_not_judged():
    context = CheckContext(SPEC, caller=CALLER)
    assert judged(keyed(MANAGERS, {"ID": [3, 7, 9]}, {"7": [103]}), context) == []
    assert judged(keyed(MANAGERS, {"ID": [3, 7]}, []), context) == []
    [observation] = [o for o in context.observations if o.probe == "departments_left_out"]
    assert observation.outcome == {"asked": 3, "left_out": 2, "ids": ["3", "9"]}
    assert observation.doc == "silent"


# -- colleagues.list: a next that does not advance ----------------------------------------------


def page(params: dict, body: dict, kind: str = "valid") -> Exchange:
    case = Case(
        COLLEAGUES, kind, "valid" if kind == "valid" else "limit_zero", Call(COLLEAGUES, params)
    )
    return answered(case, body)


def answered(case: Case, body: dict) -> Exchange:
    return Exchange(case, answer({**body, "time": EXAMPLE_N["time"]}))


def stuck(params: dict, kind: str) -> set[tuple[str, str, str]]:
    found = {
        (n, f.kind, f.location, f.effective_severity)
        for n, f in judged(
            page(params, {"result": [], "next": params.get("OFFSET", 0), "total": 7}, kind)
        )
    }
    return {
        (kind_, where, severity)
        for name, kind_, where, severity in found
        if name == "next_advances"
    }


def test_a_next_that_does_not_advance_is_an_error_for_a_documented_limit():
    assert stuck({"LIMIT": 5, "OFFSET": 5}, "valid") == {("invariant", "/next", "error")}
    assert stuck({"LIMIT": 50}, "valid") == {("invariant", "/next", "error")}


def test_a_next_that_does_not_advance_is_a_warning_where_the_docs_are_silent():
    assert stuck({"LIMIT": 0}, "probe") == {("invariant", "/next", "warning")}
    assert stuck({"LIMIT": -1, "OFFSET": 3}, "probe") == {("invariant", "/next", "warning")}


def test_paging_edges_that_advance_are_only_observed():
    for params, body in [
        ({"LIMIT": 0}, {"result": [9, 547], "next": 10, "total": 17}),
        ({"OFFSET": -5, "LIMIT": 5}, {"result": [9, 547], "next": 5, "total": 7}),
        ({"OFFSET": 1000, "LIMIT": 5}, {"result": [], "total": 7}),
    ]:
        assert judged(page(params, body, "probe")) == []


def test_the_doc_examples_page_is_silent():
    body = json.loads(SPEC.method(COLLEAGUES).examples[0]["text"])
    assert not [n for n, _ in judged(page({"LIMIT": 5}, body)) if n == "next_advances"]


def test_a_portal_that_starts_dropping_ids_shows_in_a_diff():
    ids = list(range(1, 61))
    case = Case(GET, "probe", "more_than_50_ids", Call(GET, {"ID": ids}, "batch"), doc="silent")

    def observed(answered: int) -> dict:
        body = {"result": [{"id": i} for i in ids[:answered]]}
        outcome = probe_outcome(case, Response(status=None, json=body, via_batch=True))
        return {
            "probe": case.name,
            "method": GET,
            "request": case.call.to_json(),
            "outcome": outcome,
        }

    before = {"run": {}, "deviations": [], "observations": [observed(60)]}
    after = {"run": {}, "deviations": [], "observations": [observed(50)]}
    [changed] = diff_documents(before, after)["changed_observations"]
    assert changed["outcome"]["ids"] == {"sent": 60, "distinct": 60, "answered": 50, "dropped": 10}
    assert changed["changed"]["before"]["ids"]["dropped"] == 0


# -- denied roles: the options ------------------------------------------------------------------

DENIED = [f"https://acme.bitrix24.com/rest/{uid}/c0de{uid}/" for uid in (17, 23, 31)]


def test_denied_webhooks_repeat_and_extranet_webhook_is_their_alias():
    parser = argparse.ArgumentParser()
    add_to_argparse(parser)
    args = ["--denied-webhook", DENIED[0], "--denied-webhook", DENIED[1]]
    namespace = parser.parse_args([*args, "--extranet-webhook", DENIED[2]])
    settings = resolve(lambda name: getattr(namespace, name), environ={}, config=None)
    options = to_run_options(lambda name: settings[name].value)
    assert options.target.denied_webhooks == tuple(DENIED)


def test_denied_webhooks_come_from_the_environment_never_from_a_file():
    environ = {"B24_DENIED_WEBHOOK_URLS": f"{DENIED[0]},{DENIED[1]}"}
    settings = resolve(lambda name: UNSET, environ=environ, config=None)
    assert settings["denied_webhook"].value == DENIED[:2]
    assert "denied_webhook" in SECRETS


def test_pytest_takes_the_same_option_prefixed():
    class Group:
        def __init__(self):
            self.flags = {}

        def addoption(self, flag, **kwargs):
            self.flags[flag] = kwargs

    group = Group()
    pytest_addoption(SimpleNamespace(getgroup=lambda *a: group))
    assert group.flags["--b24-denied-webhook"]["action"] == "append"
    assert group.flags["--b24-extranet-webhook"]["dest"] == "b24_extranet_webhook"


def test_a_denied_role_is_named_by_its_webhooks_user_id_never_its_code():
    assert role_name(parse_webhook(DENIED[0])) == "user-17"

"""Every fault changes some answer against the docs profile, and the targeted ones change what
they claim (and only under the conditions they claim)."""

from __future__ import annotations

import json
import re
from datetime import datetime
from urllib.parse import urlsplit

import pytest
import requests

from b24conform.portal import CATALOGUE, ReferencePortal

KINDS = {
    "status_code", "content_type", "not_json", "envelope", "missing_field", "undocumented_field",
    "type_mismatch", "format_mismatch", "error_code", "rejected_valid_input",
    "accepted_invalid_input", "invariant", "server_error", "docs_inconsistency",
}  # fmt: skip
METHODS = {
    "im.department.get",
    "im.department.managers.get",
    "im.department.employees.get",
    "im.department.colleagues.list",
    "*",
}
TIMEOUT = 2.0
ATOM = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$")


def test_catalogue_shape():
    assert len(CATALOGUE) >= 30
    for name, fault in CATALOGUE.items():
        assert fault.name == name and fault.description and "\n" not in fault.description
        assert fault.expect
        for method, kind, location in fault.expect:
            assert method in METHODS, name
            assert kind in KINDS, name
            assert location in ("status", "body", "header:Content-Type") or location.startswith(
                "/"
            ), name


def _time_shape(time):
    return {
        "keys": sorted(time),
        "order": time.get("finish", 0) >= time.get("start", 0),
        "duration": time.get("duration") == time.get("finish", 0) - time.get("start", 0),
        "dates": all(ATOM.match(str(time.get(k))) for k in ("date_start", "date_finish")),
        "dates_agree": all(
            _same_instant(time, u, d)
            for u, d in (("start", "date_start"), ("finish", "date_finish"))
        ),
    }


def _same_instant(time, unix, date):
    try:
        return abs(datetime.fromisoformat(time[date]).timestamp() - time[unix]) < 2
    except (KeyError, TypeError, ValueError):
        return False


def _normalise(value):
    """Replace every ``time`` object by its shape so two runs compare equal."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if key in ("time",) and isinstance(item, dict):
                out[key] = _time_shape(item)
            elif key == "result_time" and isinstance(item, dict):
                out[key] = {k: _time_shape(v) for k, v in item.items()}
            else:
                out[key] = _normalise(item)
        return out
    if isinstance(value, list):
        return [_normalise(v) for v in value]
    return value


def probe(portal: ReferencePortal, over_http: bool = False) -> list:
    """A fixed sequence of requests covering every condition a fault may hide behind, each
    answered by the portal's service in this process (or, `over_http`, through its socket: the
    two are the same, `test_the_portal_answers_the_same_in_process_and_over_http`)."""
    company = portal.company
    ids = list(company.departments)
    deep = [d.id for d in company.departments.values() if d.depth >= 3]
    employee = portal.webhook_url("employee")
    wrong = employee.rstrip("/").rsplit("/", 1)[0] + "/0000000000000000/"
    colleagues = len(company.colleagues(company.role_users["employee"]))
    requests_ = [
        ("im.department.get", {"json": {"ID": ids, "USER_DATA": "Y"}}),
        ("im.department.get", {"json": {"ID": ids[:2]}}),
        ("im.department.get", {"json": {"ID": deep}}),
        ("im.department.get", {"data": {"ID[]": [str(i) for i in ids[:2]]}}),
        ("im.department.get", {"json": {"ID": "[1]"}}),
        ("im.department.get", {"params": {"ID[0]": ids[0], "USER_DATA": "Y"}}),  # query string
        ("im.department.get", {"json": {}}),
        ("im.department.get", {"json": {"ID": "3,7"}}),
        ("im.department.get.json", {"json": {"ID": [1]}}),
        ("im.department.managers.get", {"json": {}}),
        ("im.department.managers.get", {"json": {"ID": ids}}),
        ("im.department.employees.get", {"json": {}}),
        ("im.department.employees.get", {"json": {"ID": ids[:3], "USER_DATA": "Y"}}),
        ("im.department.colleagues.list", {"json": {"LIMIT": 60}}),
        ("im.department.colleagues.list", {"json": {"OFFSET": colleagues - 5, "LIMIT": 10}}),
        ("no.such.method", {"json": {}}),
        ("batch", {"json": {"cmd": {"a": "im.department.get?ID[]=1&USER_DATA=Y"}}}),
        ("im.department.get", {"json": {"ID": [max(ids) + 1]}}),
        ("im.department.colleagues.list", {"json": {"LIMIT": 0}}),
        ("batch", {"json": {"cmd": {"a": "im.department.get?ID=3,7"}}}),
        ("batch", {"json": {"cmd": {str(k): "im.department.get?ID[]=1" for k in range(7)}}}),
    ]
    sent = [(employee + method, kwargs) for method, kwargs in requests_]
    sent.append((wrong + "im.department.get", {"json": {"ID": [1]}}))
    sent.append((portal.webhook_url("extranet") + "im.department.get", {"json": {"ID": [1]}}))
    # transport faults hit every k-th call, k <= 10
    sent += [(employee + "im.department.get", {"json": {"ID": [1]}})] * 10
    if not over_http:
        return [_answer_in_process(portal, url, kwargs) for url, kwargs in sent]
    with requests.Session() as http:
        return [_answer(http, url, kwargs) for url, kwargs in sent]


def _answer_in_process(portal: ReferencePortal, url: str, kwargs: dict):
    """What `_answer` gets over HTTP, from the portal's service directly: the same request
    bytes (prepared by requests), no socket."""
    prepared = requests.Request("POST", url, **kwargs).prepare()
    parts = urlsplit(prepared.url)
    body = prepared.body or b""
    wire = portal.service.handle(
        parts.path,
        parts.query,
        prepared.headers.get("Content-Type", ""),
        body.encode() if isinstance(body, str) else body,
        prepared.headers.get("Authorization"),
    )
    if wire.reset:
        return "connection error"
    if wire.delay >= TIMEOUT:
        return "timeout"
    try:
        answer = _normalise(json.loads(wire.body))
    except ValueError:
        answer = ("not json", wire.body.decode("utf-8", "replace")[:80])
    return (wire.status, wire.content_type, answer)


def _answer(http: requests.Session, url: str, kwargs: dict):
    try:
        response = http.post(url, timeout=TIMEOUT, **kwargs)
    except requests.Timeout:
        return "timeout"
    except requests.ConnectionError:
        http.close()
        return "connection error"
    try:
        body = _normalise(response.json())
    except ValueError:
        body = ("not json", response.text[:80])
    return (response.status_code, response.headers.get("Content-Type"), body)


@pytest.fixture(scope="module")
def baseline():
    return probe(ReferencePortal())


@pytest.mark.parametrize("name", sorted(CATALOGUE))
def test_every_fault_changes_some_answer(baseline, name):
    answers = probe(ReferencePortal(faults=[name]))
    changed = [i for i, (a, b) in enumerate(zip(baseline, answers, strict=True)) if a != b]
    assert changed, f"{name} changed nothing"


def test_the_docs_profile_is_stable(baseline):
    assert probe(ReferencePortal()) == baseline


@pytest.mark.parametrize("fault", [None, "connection_reset", "invalid_format_status_200"])
def test_the_portal_answers_the_same_in_process_and_over_http(fault):
    faults = [fault] if fault else []
    with ReferencePortal(faults=faults) as portal:
        assert probe(portal, over_http=True) == probe(ReferencePortal(faults=faults))


# -- targeted ------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def http():
    with requests.Session() as session:
        yield session


def get(http, portal, body, role="employee", method="im.department.get", **kwargs):
    kwargs.setdefault("json", body)
    return http.post(portal.webhook_url(role) + method, timeout=5, **kwargs)


def test_missing_full_name_and_rename(http):
    with ReferencePortal(faults=["missing_full_name", "renamed_manager_user_id"]) as portal:
        body = get(http, portal, {"ID": [1]}).json()
        assert set(body["result"][0]) == {"id", "name", "manager_id"}


def test_many_ids_only(http):
    with ReferencePortal(faults=["missing_name_many_ids"]) as portal:
        ids = list(portal.company.departments)
        assert all("name" in d for d in get(http, portal, {"ID": ids[:3]}).json()["result"])
        assert all("name" not in d for d in get(http, portal, {"ID": ids[:4]}).json()["result"])


def test_deep_departments_only(http):
    with ReferencePortal(faults=["deep_manager_id_string"]) as portal:
        deps = portal.company.departments
        for dep in get(http, portal, {"ID": list(deps)}).json()["result"]:
            deep = deps[dep["id"]].depth >= 3
            assert isinstance(dep["manager_user_id"], str) is deep


def test_encoded_only_and_inside_batch(http):
    with ReferencePortal(faults=["encoded_full_name_null"]) as portal:
        assert get(http, portal, {"ID": [1]}).json()["result"][0]["full_name"]
        form = get(http, portal, None, json=None, data={"ID[]": "1"}).json()
        assert form["result"][0]["full_name"] is None
        batch = get(http, portal, {"cmd": {"a": "im.department.get?ID[]=1"}}, method="batch")
        assert batch.json()["result"]["result"]["a"][0]["full_name"] is None


def test_phones_fault_touches_only_the_inner_phones_there_are(http):
    with ReferencePortal(faults=["inner_phone_number"]) as p:
        result = get(http, p, {"ID": list(p.company.departments), "USER_DATA": "Y"}).json()
        users = [d["manager_user_data"] for d in result["result"] if d["manager_user_data"]]
        objects = [u["phones"] for u in users if u["phones"] is not False]
        inner = [ph["inner_phone"] for ph in objects if "inner_phone" in ph]
        assert inner and all(isinstance(number, int) for number in inner)
        assert any("inner_phone" not in ph for ph in objects)  # no key is added
        assert all(
            isinstance(v, str) for ph in objects for k, v in ph.items() if k != "inner_phone"
        )


def test_json_suffix_only(http):
    with ReferencePortal(faults=["json_suffix_without_time"]) as portal:
        assert "time" in get(http, portal, {"ID": [1]}).json()
        assert "time" not in get(http, portal, {"ID": [1]}, method="im.department.get.json").json()


@pytest.mark.parametrize(
    ("fault", "status", "code"),
    [
        ("invalid_format_status_200", 200, "INVALID_FORMAT"),
        ("invalid_format_status_500", 500, "INVALID_FORMAT"),
        ("invalid_format_as_id_empty", 400, "ID_EMPTY"),
        ("invalid_format_as_invalid_argument", 400, "INVALID_ARGUMENT"),
    ],
)
def test_error_faults(http, fault, status, code):
    with ReferencePortal(faults=[fault]) as portal:
        response = get(http, portal, {})
        assert (response.status_code, response.json()["error"]) == (status, code)


def test_input_faults(http):
    with ReferencePortal(faults=["json_string_id_refused", "empty_id_accepted"]) as portal:
        assert get(http, portal, {"ID": "[1]"}).json()["error"] == "INVALID_FORMAT"
        empty = get(http, portal, {"ID": []})
        assert empty.status_code == 200 and empty.json()["result"] == []
        assert "time" in empty.json()
    with ReferencePortal(faults=["encoded_array_id_ignored"]) as portal:
        assert get(http, portal, {"ID": [1]}).status_code == 200
        assert get(http, portal, None, json=None, params={"ID[]": "1"}).status_code == 400


def test_time_faults(http):
    with ReferencePortal(faults=["time_finish_before_start"]) as portal:
        time = get(http, portal, {"ID": [1]}).json()["time"]
        assert time["finish"] < time["start"]
    with ReferencePortal(faults=["time_duration_inconsistent"]) as portal:
        time = get(http, portal, {"ID": [1]}).json()["time"]
        assert time["duration"] != time["finish"] - time["start"]


def test_sibling_faults(http):
    faults = ["managers_disagree", "colleagues_next_on_last_page", "colleagues_limit_uncapped"]
    with ReferencePortal(faults=faults) as portal:
        company = portal.company
        heads = {str(d.id): d.head for d in company.departments.values()}
        managers = get(http, portal, {"ID": list(heads)}, method="im.department.managers.get")
        assert any(v and v != [heads[k]] for k, v in managers.json()["result"].items())
        total = len(company.colleagues(company.role_users["employee"]))
        many = get(http, portal, {"LIMIT": 60}, method="im.department.colleagues.list").json()
        assert len(many["result"]) > 50
        last = get(
            http, portal, {"OFFSET": total - 2}, method="im.department.colleagues.list"
        ).json()
        assert "next" in last and len(last["result"]) == 2


def test_auth_faults(http):
    with ReferencePortal(faults=["wrong_code_status_403", "extranet_not_denied"]) as portal:
        wrong = portal.webhook_url("head").rstrip("/").rsplit("/", 1)[0] + "/x/"
        response = http.post(wrong + "im.department.get", json={"ID": [1]}, timeout=5)
        assert (response.status_code, response.json()["error"]) == (403, "NO_AUTH_FOUND")
        assert get(http, portal, {"ID": [1]}, role="extranet").status_code == 200
        assert get(http, portal, {"ID": [1]}, role="bot").status_code == 403


def test_transport_faults_hit_a_fraction(http):
    with ReferencePortal(faults=["bad_gateway_html", "truncated_json"]) as portal:
        kinds = []
        for _ in range(20):
            response = get(http, portal, {"ID": [1]})
            if response.status_code == 502:
                assert response.headers["Content-Type"].startswith("text/html")
                kinds.append("502")
            else:
                try:
                    response.json()
                    kinds.append("ok")
                except ValueError:
                    kinds.append("cut")
        assert kinds.count("502") == 4 and "cut" in kinds and "ok" in kinds
    with ReferencePortal(faults=["connection_reset"]) as portal, requests.Session() as session:
        outcomes = []
        for _ in range(12):
            try:
                outcomes.append(get(session, portal, {"ID": [1]}).status_code)
            except requests.ConnectionError:
                outcomes.append("reset")
        assert outcomes.count("reset") == 2 and outcomes.count(200) == 10

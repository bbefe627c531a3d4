"""The reference portal speaks the protocol the docs describe: methods, auth, encodings, batch."""

from __future__ import annotations

import re

import pytest
import requests

from b24conform.portal import ReferencePortal

ATOM = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$")
PHONE_KEYS = {"personal_mobile", "work_phone", "inner_phone", "personal_phone"}
DOCS_USER_FIELDS = {
    "id", "active", "name", "first_name", "last_name", "work_position", "color", "avatar",
    "avatar_hr", "gender", "birthday", "extranet", "network", "bot", "connector",
    "external_auth_id", "status", "idle", "last_activity_date", "mobile_last_date",
    "desktop_last_date", "absent", "departments", "phones", "bot_data", "type", "website", "email",
}  # fmt: skip
REV18_USER_FIELDS = {
    "id", "name", "first_name", "last_name", "work_position", "color", "avatar", "gender",
    "birthday", "extranet", "network", "bot", "connector", "external_auth_id", "status", "idle",
    "last_activity_date", "mobile_last_date", "absent",
}  # fmt: skip


@pytest.fixture(scope="module")
def portal():
    with ReferencePortal(seed=0) as running:
        yield running


@pytest.fixture(scope="module")
def http():
    with requests.Session() as session:
        yield session


@pytest.fixture
def call(portal, http):
    def do(method, role="employee", **kwargs):
        return http.post(portal.webhook_url(role) + method, timeout=5, **kwargs)

    return do


def assert_time(time):
    """The docs' `time`: the operating keys only in some answers, `start` sometimes an integer."""
    assert {"start", "finish", "duration", "processing", "date_start", "date_finish"} <= set(time)
    assert set(time) - {
        "start",
        "finish",
        "duration",
        "processing",
        "date_start",
        "date_finish",
    } in (
        set(),
        {"operating_reset_at", "operating"},
    )
    assert time["finish"] >= time["start"]
    assert time["duration"] == time["finish"] - time["start"]
    assert ATOM.match(time["date_start"]) and ATOM.match(time["date_finish"])
    if "operating" in time:
        assert isinstance(time["operating_reset_at"], int)
        assert time["operating"] >= 0


def test_time_varies_as_the_docs_allow(portal, call):
    times = [call("im.department.get", json={"ID": [1]}).json()["time"] for _ in range(10)]
    for time in times:
        assert_time(time)
    assert any(isinstance(t["start"], int) for t in times)
    assert any(isinstance(t["start"], float) for t in times)
    assert any("operating" not in t for t in times)
    assert any("operating" in t for t in times)


def dep_ids(portal):
    return list(portal.company.departments)


# -- im.department.get -----------------------------------------------------------------------
def test_get_envelope_and_department_objects(portal, call):
    ids = dep_ids(portal)[:3]
    response = call("im.department.get", json={"ID": ids})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    body = response.json()
    assert set(body) == {"result", "time"}
    assert_time(body["time"])
    assert sorted(d["id"] for d in body["result"]) == sorted(ids)
    for dep in body["result"]:
        assert set(dep) == {"id", "name", "full_name", "manager_user_id"}
        node = portal.company.departments[dep["id"]]
        assert dep["manager_user_id"] == node.head
        if node.parent is not None:
            assert dep["full_name"] == f"{node.name} / {portal.company.name}"


def test_get_user_data_gives_the_manager_object(portal, call):
    ids = dep_ids(portal)
    body = call("im.department.get", json={"ID": ids, "USER_DATA": "Y"}).json()
    assert len(body["result"]) == len(ids)
    headless = 0
    for dep in body["result"]:
        data = dep["manager_user_data"]
        if dep["manager_user_id"] == 0:
            headless += 1
            assert data is None
            continue
        assert set(data) == DOCS_USER_FIELDS
        assert data["id"] == dep["manager_user_id"]
        assert re.fullmatch(r"#[0-9a-f]{6}", data["color"])
        assert data["birthday"] == "" or re.fullmatch(r"\d\d-\d\d", data["birthday"])
        phones = data["phones"]
        assert phones is False or (phones and set(phones) <= PHONE_KEYS)
        assert ATOM.match(data["last_activity_date"])
        for key in ("idle", "mobile_last_date", "desktop_last_date", "absent"):
            assert data[key] is False or ATOM.match(data[key])
        assert data["type"] == "user" and data["bot_data"] is None
    assert headless >= 1  # the company has headless departments for this to mean something


@pytest.mark.parametrize("value", ["N", "y", "true", "1", ""])
def test_user_data_other_than_Y_means_no(portal, call, value):
    body = call("im.department.get", json={"ID": [1], "USER_DATA": value}).json()
    assert "manager_user_data" not in body["result"][0]


@pytest.mark.parametrize("params", [{}, {"ID": []}, {"ID": ""}, {"ID": 3}, {"ID": "3,7"}])
def test_get_invalid_id_is_invalid_format(call, params):
    response = call("im.department.get", json=params)
    assert response.status_code == 400
    assert response.json() == {
        "error": "INVALID_FORMAT",
        "error_description": "A wrong format for the ID field is passed",
    }


def test_get_silent_cases(portal, call):
    known = dep_ids(portal)[:2]
    body = call("im.department.get", json={"ID": [*known, 999999, known[0], "abc"]}).json()
    ids = [d["id"] for d in body["result"]]
    order = portal.company.structure_order
    assert ids == sorted(set(known), key=order.get)  # unknown skipped, duplicates once
    many = call("im.department.get", json={"ID": [-1, 0, *dep_ids(portal), 999999]}).json()
    answered = [d["id"] for d in many["result"]]
    assert answered == sorted(dep_ids(portal)[:50], key=order.get)  # at most 50, structure order
    lower = call("im.department.get", json={"id": [1], "user_data": "Y"}).json()
    assert lower["result"][0]["manager_user_data"]["id"] == 1


# -- parameter encodings ---------------------------------------------------------------------
@pytest.mark.parametrize(
    "kwargs",
    [
        {"json": {"ID": [1, 4]}},
        {"json": {"ID": "[1,4]"}},
        {"data": {"ID[]": ["1", "4"]}},
        {"data": {"ID[0]": "1", "ID[1]": "4"}},
        {"params": {"ID[]": ["1", "4"]}},
        {"files": {"ID[]": (None, "1"), "ID[1]": (None, "4")}},
    ],
    ids=["json", "json-string", "form", "form-indexed", "query", "multipart"],
)
def test_every_encoding_is_understood(portal, call, kwargs):
    assert 4 in portal.company.departments  # seed 0: departments 1 and 4 exist
    response = call("im.department.get", **kwargs)
    assert response.status_code == 200, response.text
    assert [d["id"] for d in response.json()["result"]] == [1, 4]  # structure order: root first


def test_json_body_wins_over_query(call):
    response = call("im.department.get", params={"ID[]": "999"}, json={"ID": [1]})
    assert [d["id"] for d in response.json()["result"]] == [1]


def test_json_suffix_and_get(portal, http):
    url = portal.webhook_url("employee") + "im.department.get.json?ID[]=1"
    response = http.get(url, timeout=5)
    assert response.status_code == 200 and response.json()["result"][0]["id"] == 1


# -- auth ------------------------------------------------------------------------------------
def test_oauth_paths(portal, http):
    url = portal.base_url + "/rest/im.department.get"
    token = portal.oauth_token("head")
    for kwargs in (
        {"json": {"ID": [1], "auth": token}},
        {"params": {"auth": token}, "json": {"ID": [1]}},
        {"data": {"ID[]": "1", "access_token": token}},
        {"json": {"ID": [1]}, "headers": {"Authorization": f"Bearer {token}"}},
    ):
        response = http.post(url, timeout=5, **kwargs)
        assert response.status_code == 200, (kwargs, response.text)


@pytest.mark.parametrize(
    ("how", "status", "code"),
    [
        ("wrong-code", 401, "NO_AUTH_FOUND"),
        ("wrong-token", 401, "NO_AUTH_FOUND"),
        ("no-token", 401, "NO_AUTH_FOUND"),
        ("expired", 401, "expired_token"),
        ("noscope", 403, "insufficient_scope"),
        ("nodepartment", 403, "insufficient_scope"),
    ],
)
def test_auth_errors(portal, http, how, status, code):
    base = portal.base_url + "/rest/im.department.get"
    if how == "wrong-code":
        url = portal.webhook_url("employee").rstrip("/").rsplit("/", 1)[0] + "/wrong/"
        response = http.post(url + "im.department.get", json={"ID": [1]}, timeout=5)
    elif how == "noscope":
        response = http.post(
            portal.webhook_url("noscope") + "im.department.get", json={"ID": [1]}, timeout=5
        )
    elif how == "nodepartment":
        response = http.post(portal.webhook_url("nodepartment") + "department.get", timeout=5)
    else:
        token = {
            "wrong-token": "nope",
            "no-token": None,
            "expired": portal.oauth_token("employee", expired=True),
        }[how]
        params = {"ID": [1]} | ({"auth": token} if token else {})
        response = http.post(base, json=params, timeout=5)
    assert response.status_code == status
    assert response.json()["error"] == code
    assert response.json()["error_description"]


@pytest.mark.parametrize("role", ["extranet", "bot"])
@pytest.mark.parametrize(
    "method",
    [
        "im.department.get",
        "im.department.managers.get",
        "im.department.employees.get",
        "im.department.colleagues.list",
    ],
)
def test_extranet_and_bot_are_denied(call, role, method):
    response = call(method, role=role, json={"ID": [1]})
    assert response.status_code == 403
    assert (
        response.json()
        == {
            "error": "ACCESS_ERROR",
            "error_description": "Only intranet users have access to this method.",  # the period of the docs' JSON example,
        }
    )


def test_unknown_method(call):
    response = call("im.department.delete", json={"ID": [1]})
    assert response.status_code == 404
    assert response.json()["error"] == "ERROR_METHOD_NOT_FOUND"


def test_roles_and_describe(portal):
    assert set(portal.roles) == {
        "employee",
        "head",
        "extranet",
        "bot",
        "admin",
        "noscope",
        "nodepartment",
    }
    assert portal.webhook_url("admin").startswith(portal.base_url + "/rest/1/")
    text = "\n".join(portal.describe())
    for url in portal.roles.values():
        assert url in text
    with pytest.raises(ValueError, match="valid roles"):
        portal.webhook_url("boss")


# -- the sibling methods ---------------------------------------------------------------------
@pytest.mark.parametrize("method", ["im.department.managers.get", "im.department.employees.get"])
@pytest.mark.parametrize("params", [{}, {"ID": []}, {"ID": ""}])
def test_siblings_empty_id(call, method, params):
    response = call(method, json=params)
    assert response.status_code == 400
    assert response.json() == {
        "error": "ID_EMPTY",
        "error_description": "Department ID can't be empty",
    }


def test_managers_and_employees(portal, call):
    company = portal.company
    ids = dep_ids(portal)
    managers = call("im.department.managers.get", json={"ID": ids}).json()
    assert_time(managers["time"])
    headed = {str(i) for i in ids if company.departments[i].head}
    assert set(managers["result"]) == headed  # departments without a head are left out
    for key, heads in managers["result"].items():
        assert heads == [company.departments[int(key)].head]
    staffed = call("im.department.employees.get", json={"ID": ids}).json()["result"]
    assert set(staffed) == {str(i) for i in ids if company.departments[i].members}
    employees = call("im.department.employees.get", json={"ID": ids[:3], "USER_DATA": "Y"})
    for key, users in employees.json()["result"].items():
        assert [u["id"] for u in users] == company.departments[int(key)].members
        assert all(set(u) == DOCS_USER_FIELDS for u in users)
    empty = call("im.department.employees.get", json={"ID": [999999]}).json()
    assert empty["result"] == []


def test_managers_agree_with_get(portal, call):
    ids = dep_ids(portal)
    got = call("im.department.get", json={"ID": ids}).json()["result"]
    managers = call("im.department.managers.get", json={"ID": ids}).json()["result"]
    for dep in got:
        if dep["manager_user_id"]:
            assert managers[str(dep["id"])] == [dep["manager_user_id"]]


def test_colleagues_paging(portal, call):
    company = portal.company
    me = company.role_users["employee"]
    expected = company.colleagues(me)
    assert len(expected) > 50
    first = call("im.department.colleagues.list", json={}).json()
    assert first["total"] == len(expected) and first["next"] == 10
    assert first["result"] == expected[:10]
    assert me not in expected
    seen, offset = [], 0
    while True:
        page = call("im.department.colleagues.list", json={"OFFSET": offset, "LIMIT": 50}).json()
        assert len(page["result"]) <= 50
        seen += page["result"]
        if "next" not in page:
            break
        offset = page["next"]
    assert seen == expected
    capped = call("im.department.colleagues.list", json={"LIMIT": 500}).json()
    assert len(capped["result"]) == 50
    users = call("im.department.colleagues.list", json={"USER_DATA": "Y", "LIMIT": 3}).json()
    assert [u["id"] for u in users["result"]] == expected[:3]


# -- other methods ---------------------------------------------------------------------------
def test_revision(call):
    body = call("im.revision.get").json()
    assert body["result"] == {
        "rest": 32, "web": 130, "mobile": 22, "desktop": 6, "im_revision_mobile": 22,
    }  # fmt: skip


def test_department_get_pages(http):
    with ReferencePortal(departments=120, seed=3) as big:
        url = big.webhook_url("admin") + "department.get"
        first = http.post(url, json={}, timeout=5).json()
        assert len(first["result"]) == 50 and first["next"] == 50 and first["total"] == 120
        assert all(isinstance(v, str) for item in first["result"] for v in item.values())
        last = http.post(url, json={"start": 100}, timeout=5).json()
        assert len(last["result"]) == 20 and "next" not in last
        ids = [int(i["ID"]) for i in first["result"]]
        assert ids[0] == 1 and ids != list(range(1, 51))


def test_rev18_profile(http):
    with ReferencePortal(profile="rev18") as old:
        url = old.webhook_url("employee")
        body = http.post(url + "im.department.get", json={"ID": [1], "USER_DATA": "Y"}).json()
        assert set(body["result"][0]["manager_user_data"]) == REV18_USER_FIELDS
        assert http.post(url + "im.revision.get").json()["result"]["rest"] == 18


def test_bad_profile_and_fault_names():
    with pytest.raises(ValueError, match="docs, rev18"):
        ReferencePortal(profile="rev99")
    with pytest.raises(ValueError, match="missing_full_name"):
        ReferencePortal(faults=["no_such_fault"])


# -- batch -----------------------------------------------------------------------------------
def test_batch(portal, call):
    served = portal.requests_served
    cmd = {
        "a": "im.department.get?ID[]=1&USER_DATA=Y",
        "b": "im.department.get",
        "c": "im.department.colleagues.list?LIMIT=2",
        "d": "im.department.managers.get?ID[]=$result[a][0][id]",
        "e": "batch?cmd[x]=im.revision.get",
    }
    response = call("batch", json={"cmd": cmd, "halt": 0})
    assert response.status_code == 200
    assert portal.requests_served == served + 1
    body = response.json()
    assert_time(body["time"])
    inner = body["result"]
    assert set(inner) == {"result", "result_error", "result_total", "result_next", "result_time"}
    assert inner["result"]["a"][0]["manager_user_data"]["id"] == 1
    assert inner["result"]["d"] == {"1": [1]}
    assert inner["result_error"]["b"]["error"] == "INVALID_FORMAT"
    assert inner["result_error"]["e"]["error"] == "ERROR_BATCH_METHOD_NOT_ALLOWED"
    me = portal.company.role_users["employee"]
    assert inner["result_total"] == {"c": len(portal.company.colleagues(me))}
    assert inner["result_next"] == {"c": 2}
    for key in ("a", "c", "d"):
        assert_time(inner["result_time"][key])


def test_batch_form_halt_empty_members_and_length(call):
    form = {"cmd[a]": "im.department.get", "cmd[b]": "im.revision.get", "halt": "1"}
    body = call("batch", data=form).json()["result"]
    assert body["result"] == [] and body["result_total"] == [] and body["result_time"] == []
    assert list(body["result_error"]) == ["a"]
    ok = call("batch", json={"cmd": {"r": "im.revision.get"}}).json()["result"]
    assert ok["result_error"] == [] and ok["result_next"] == []
    many = {f"k{i}": "im.revision.get" for i in range(53)}
    long = call("batch", json={"cmd": many}).json()["result"]
    assert len(long["result"]) == 50
    assert set(long["result_error"]) == {"k50", "k51", "k52"}
    assert {e["error"] for e in long["result_error"].values()} == {"ERROR_BATCH_LENGTH_EXCEEDED"}

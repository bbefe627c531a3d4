"""A cassette served as a portal answers what it recorded, matched as a replay matches, and
nothing else (`b24conform portal --cassette DIR`)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from b24conform.cassettes.serve import NOT_RECORDED, CassetteService
from b24conform.errors import UsageError

SHIPPED = Path(__file__).parents[2] / "cassettes" / "reference"
SERVICE = CassetteService(SHIPPED)
PATH = "/rest/" + SERVICE.meta["endpoint"].split("/rest/", 1)[1]
INTERACTIONS = json.loads((SHIPPED / "cassette.json").read_text())["interactions"]


def recorded(uri_end: str, body: str) -> dict:
    (found,) = [
        i["response"]
        for i in INTERACTIONS
        if i["request"]["uri"].endswith(uri_end) and i["request"]["body"] == body
    ]
    return found


def test_a_recorded_request_gets_its_recorded_answer_however_it_is_encoded():
    expected = recorded("/im.department.get", '{"ID": "[1]"}')
    for content_type, body, query in [
        ("application/json", b'{"ID": "[1]"}', ""),
        ("application/x-www-form-urlencoded", b"ID=%5B1%5D", ""),
        ("", b"", "ID=%5B1%5D"),
    ]:
        answer = SERVICE.handle(PATH + "im.department.get", query, content_type, body, None)
        assert answer.status == expected["status"]["code"] == 200
        assert json.loads(answer.body) == json.loads(expected["body"]["string"])


def test_recorded_errors_keep_their_status():
    answer = SERVICE.handle(PATH + "im.department.get", "", "application/json", b"{}", None)
    assert answer.status == 400 and json.loads(answer.body)["error"] == "INVALID_FORMAT"


def test_the_json_suffix_is_optional_as_on_bitrix24():
    answer = SERVICE.handle(
        PATH + "im.department.get.json", "", "application/json", b'{"ID": "[1]"}', None
    )
    assert answer.status == 200 and "result" in json.loads(answer.body)


@pytest.mark.parametrize(
    "path, body",
    [
        ("im.department.get", b'{"ID": [987654]}'),  # parameters never recorded
        ("im.user.get", b"{}"),  # a method never recorded
        ("im.department.get", b'{"ID": "[1]", "USER_DATA": "Y", "extra": 1}'),
    ],
)
def test_anything_else_is_a_404_bitrix_error_that_says_it_was_not_recorded(path, body):
    answer = SERVICE.handle(PATH + path, "", "application/json", body, None)
    error = json.loads(answer.body)
    assert answer.status == 404 and error["error"] == NOT_RECORDED
    assert path.split(".json")[0] in error["error_description"]


def test_the_served_urls_keep_the_recording_placeholders():
    lines = SERVICE.describe("http://127.0.0.1:9")
    assert f"  main      http://127.0.0.1:9{PATH}" in lines


def test_a_folder_that_is_no_cassette_is_a_usage_error(tmp_path):
    with pytest.raises(UsageError, match=r"no meta\.json"):
        CassetteService(tmp_path)

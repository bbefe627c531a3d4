"""`b24conform openapi`: the documented contract as a valid OpenAPI 3.1 document, built from the
same schemas the suite judges by (an answer the suite accepts, the document accepts)."""

from __future__ import annotations

import copy
import json

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from b24conform.cli import main
from b24conform.openapi import build_openapi
from b24conform.spec import load_spec

openapi_spec_validator = pytest.importorskip("openapi_spec_validator")  # the test extra has it
METHODS = {
    "im.department.get",
    "im.department.managers.get",
    "im.department.employees.get",
    "im.department.colleagues.list",
}


@pytest.fixture(scope="module", params=["current", "rev18"])
def document(request):
    return build_openapi(load_spec(request.param))


def test_the_document_is_valid_openapi_3_1(document):
    openapi_spec_validator.OpenAPIV31SpecValidator(document).validate()
    assert document["openapi"] == "3.1.0"


def test_the_validator_would_catch_a_broken_document(document):
    broken = copy.deepcopy(document)
    operation = broken["paths"]["/im.department.get"]["post"]
    del operation["responses"]["200"]["description"]  # required by every OpenAPI validator
    with pytest.raises(openapi_spec_validator.validation.exceptions.OpenAPIValidationError):
        openapi_spec_validator.OpenAPIV31SpecValidator(broken).validate()


def test_current_has_the_four_methods_with_json_and_form_bodies():
    document = build_openapi(load_spec("current"))
    assert {path.lstrip("/") for path in document["paths"]} == METHODS
    for item in document["paths"].values():
        content = item["post"]["requestBody"]["content"]
        assert set(content) == {"application/json", "application/x-www-form-urlencoded"}
    schemes = document["components"]["securitySchemes"]
    assert schemes["oauth_auth"] == {**schemes["oauth_auth"], "in": "query", "name": "auth"}
    assert schemes["oauth_bearer"]["scheme"] == "bearer"
    assert "{webhook_code}" in document["servers"][0]["url"]


def test_documented_errors_keep_their_statuses_and_doc_lines():
    document = build_openapi(load_spec("current"))
    responses = document["paths"]["/im.department.get"]["post"]["responses"]
    invalid = [e for e in responses["400"]["x-errors"] if e["error"] == "INVALID_FORMAT"]
    assert invalid and invalid[0]["doc"]["source"].endswith(".txt")
    assert "ACCESS_ERROR" in [e["error"] for e in responses["403"]["x-errors"]]
    assert "QUERY_LIMIT_EXCEEDED" in [e["error"] for e in responses["503"]["x-errors"]]
    assert "ID_EMPTY" in json.dumps(document["paths"]["/im.department.managers.get"])
    # x-doc references stay on the schemas
    ids = responses["200"]["content"]["application/json"]["schema"]["properties"]["result"]
    assert ids["x-doc"]["section"] == "Returned Data"


def _response_validator(document, method="im.department.get"):
    registry = Registry().with_resource(
        "urn:openapi", Resource.from_contents(document, DRAFT202012)
    )
    pointer = f"/paths/~1{method}/post/responses/200/content/application~1json/schema"
    return Draft202012Validator({"$ref": f"urn:openapi#{pointer}"}, registry=registry)


def test_the_docs_own_example_answer_fits_and_a_broken_one_does_not():
    document = build_openapi(load_spec("current"))
    example = json.loads(load_spec("current").method("im.department.get").examples[1]["text"])
    validator = _response_validator(document)
    assert list(validator.iter_errors(example)) == []
    example["result"][0].pop("full_name")
    assert [e.validator for e in validator.iter_errors(example)] == ["required"]


def test_the_command_writes_the_file(tmp_path, capsys):
    target = tmp_path / "b24.openapi.json"
    assert main(["openapi", "--docs", "rev18", "-o", str(target)]) == 0
    written = json.loads(target.read_text())
    assert (
        list(written["paths"]) == ["/im.department.get"] and written["info"]["version"] == "rev18"
    )
    assert capsys.readouterr().out == f"openapi: {target}\n"

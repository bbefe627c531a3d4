"""The JSON Schema of `deviations.json` (`b24conform.deviations/1`) ships in the package, agrees
with the deviation model and with DESIGN.md, and is what `b24conform report` checks its input by.
(Every document the engine produces in these tests is validated by it: see tests/conftest.py.)"""

from __future__ import annotations

import copy
import json

import pytest
from jsonschema import Draft202012Validator

from b24conform.cli import main
from b24conform.defaults import FAIL_ON
from b24conform.deviations import FORMAT, KINDS, SEVERITIES
from b24conform.report.json import schema, validate
from tests.report_samples import sample_document


def test_the_schema_is_a_valid_2020_12_schema_of_this_format():
    Draft202012Validator.check_schema(schema())
    assert schema()["properties"]["format"] == {"const": FORMAT}
    deviation = schema()["$defs"]["deviation"]["properties"]
    assert tuple(deviation["kind"]["enum"]) == KINDS
    assert tuple(deviation["severity"]["enum"]) == SEVERITIES
    assert tuple(schema()["properties"]["run"]["properties"]["fail_on"]["enum"]) == FAIL_ON


def test_a_sample_report_document_is_valid_and_a_broken_one_is_not():
    document = sample_document()
    assert validate(document) is None
    broken = copy.deepcopy(document)
    broken["deviations"][0]["occurrences"] = 0
    assert validate(broken) == "deviations[0].occurrences: 0 is less than the minimum of 1"
    broken = copy.deepcopy(document)
    broken["run"]["mode"] = "dry-run"
    assert validate(broken).startswith("run.mode: is 'dry-run'")


def test_report_refuses_a_log_the_schema_refuses_with_one_line(tmp_path, capsys):
    log = tmp_path / "deviations.json"
    document = sample_document()
    document["deviations"][1]["kind"] = "looks_odd"
    log.write_text(json.dumps(document))
    assert main(["report", str(log)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.splitlines() == [err]
    assert "deviations[1].kind: is 'looks_odd', expected 'status_code'" in err
    assert not (tmp_path / "report.html").exists()


def test_the_schema_is_package_data():
    from importlib import resources

    assert resources.files("b24conform").joinpath("schemas/deviations.schema.json").is_file()


@pytest.mark.parametrize("every", [pytest.param(1, marks=pytest.mark.slow), 16])
def test_the_fast_check_accepts_exactly_what_jsonschema_accepts(every):
    """`validate` asks jsonschema-rs whether a log is valid and jsonschema only why not: the two
    must agree on every broken variant of a log (each node dropped, nulled, retyped); in cover,
    on every 16th of them."""
    from b24conform.report.json import _fast_validator
    from tests.validation_corpus import mutations

    reference = Draft202012Validator(schema())
    document = sample_document()
    for key, value in document.items():  # one of each kind of entry: every node, fewer repeats
        if isinstance(value, list):
            document[key] = value[:1]
    variants = [document, *list(mutations(document))[::every]]
    assert len(variants) > 100
    disagree = [
        json.dumps(v)[:200]
        for v in variants
        if _fast_validator().is_valid(v) != reference.is_valid(v)
    ]
    assert disagree == []
    broken = sum(not reference.is_valid(v) for v in variants)
    assert len(variants) / 4 < broken < len(variants)  # refused ones, and accepted ones

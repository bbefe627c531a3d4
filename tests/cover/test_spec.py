"""The schemas are the docs' claims: every quote must be in the doc it cites, every field cited."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from b24conform.spec import available_revisions, load_spec

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs" / "bitrix"
SHARED = ROOT.parent / "shared" / "docs"


def normalized(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("|", " ")).strip()


def doc_text(source: str) -> str:
    path = DOCS / source if source == "platform.md" else DOCS / "seeds" / source
    return normalized(path.read_text(encoding="utf-8"))


def all_doc_refs(value, where=""):
    if isinstance(value, dict):
        for key, item in value.items():
            if key in ("x-doc", "doc", "status_doc") and isinstance(item, dict) and "quote" in item:
                yield f"{where}/{key}", item
            else:
                yield from all_doc_refs(item, f"{where}/{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from all_doc_refs(item, f"{where}/{index}")


def schema_files():
    return sorted((ROOT / "schemas").glob("*/*.json"))


@pytest.mark.parametrize("path", schema_files(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_quote_is_in_the_doc_it_cites(path):
    refs = list(all_doc_refs(json.loads(path.read_text())))
    assert refs, f"{path.name} cites nothing"
    for where, ref in refs:
        assert normalized(ref["quote"]) in doc_text(ref["source"]), (
            f"{path.name}{where}: quote not found in {ref['source']}: {ref['quote']!r}"
        )


@pytest.mark.parametrize("path", schema_files(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_documented_property_carries_its_doc_reference(path):
    def walk(schema, where):
        if not isinstance(schema, dict):
            return
        for name, sub in schema.get("properties", {}).items():
            assert "x-doc" in sub, f"{path.name}: {where}/{name} has no x-doc"
            walk(sub, f"{where}/{name}")
        for key in ("items", "additionalProperties"):
            if isinstance(schema.get(key), dict):
                walk(schema[key], f"{where}/{key}")
        for branch in schema.get("anyOf", []):
            walk(branch, where)

    document = json.loads(path.read_text())
    walk(document.get("response", document), "")


def test_vendored_docs_are_the_shared_docs():
    if not SHARED.is_dir():
        pytest.skip("../shared/docs is not beside this checkout")
    for source in SHARED.rglob("*"):
        if source.is_file():
            copy = DOCS / source.relative_to(SHARED)
            assert copy.read_bytes() == source.read_bytes(), f"{copy} differs from {source}"


def test_both_revisions_load_and_document_im_department_get():
    assert {"current", "rev18"} <= set(available_revisions())
    for revision in ("current", "rev18"):
        assert "im.department.get" in load_spec(revision).methods


def test_current_page_examples_conform_to_the_current_schema():
    contract = load_spec("current").method("im.department.get")
    validator = contract.response_validator()
    responses = [e for e in contract.examples if e["kind"] == "response"]
    assert len(responses) == 2
    for example in responses:
        assert list(validator.iter_errors(json.loads(example["text"]))) == []


def test_format_is_really_checked():
    """jsonschema skips `format` without a FormatChecker and date-time without rfc3339-validator."""
    contract = load_spec("current").method("im.department.get")
    example = json.loads(contract.examples[1]["text"])
    example["result"][0]["manager_user_data"]["last_activity_date"] = "2025-11-06 16:59:28"
    errors = list(contract.response_validator().iter_errors(example))
    assert [e.validator for e in errors] == ["format"]


def test_rev18_user_object_lacks_what_revision_18_did_not_document():
    current = load_spec("current").schema("user")["properties"]
    rev18 = load_spec("rev18").schema("user")["properties"]
    assert set(rev18) < set(current)
    assert {"avatar_hr", "phones", "email", "departments"} <= set(current) - set(rev18)


# -- the method lists a contract makes -----------------------------------------------------------


def _revision_with(tmp_path: Path, name: str, **fields) -> Path:
    """The current revision's folder copied, with one more contract (a copy of get's)."""
    import shutil

    from b24conform.spec.loader import schemas_root

    folder = tmp_path / "current"
    shutil.copytree(schemas_root() / "current", folder)
    contract = json.loads((folder / "im.department.get.json").read_text())
    contract.update(method=name, **fields)
    contract.pop("$id", None)
    (folder / f"{name}.json").write_text(json.dumps(contract))
    return folder


def test_the_default_methods_are_the_contracts_in_their_run_order(tmp_path):
    from b24conform.defaults import DEFAULTS
    from b24conform.spec import Spec

    current = load_spec("current")
    assert (
        DEFAULTS.methods
        == current.default_methods
        == (
            "im.department.get",
            "im.department.managers.get",
            "im.department.employees.get",
            "im.department.colleagues.list",
        )
    )
    assert load_spec("rev18").default_methods == ("im.department.get",)
    # a new contract file is a new method of the default run, at its place
    added = Spec("current", _revision_with(tmp_path, "im.department.heads.get", run_order=2))
    assert added.default_methods[:3] == (
        "im.department.get",
        "im.department.heads.get",
        "im.department.managers.get",
    )


def test_only_what_the_contracts_say_only_reads_is_a_read_method(tmp_path):
    from b24conform.errors import UsageError
    from b24conform.spec import Spec, read_methods

    assert read_methods() == set(load_spec("current").methods)
    with pytest.raises(UsageError, match=r"im\.department\.delete .*no read method"):
        Spec("current", _revision_with(tmp_path, "im.department.delete", read_only=True))

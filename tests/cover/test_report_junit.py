"""JUnit XML: suites per method, testcases per check, failure only for new deviations at or
above run.fail_on, everything else in <system-out>, always well-formed."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from b24conform.report import render_junit
from tests.report_samples import HOSTILE, make_deviation, sample_document

TYPE_MISMATCH, UNDOCUMENTED, DOCS_INCONSISTENCY = 0, 2, 11  # templates in report_samples


def _document(deviations: list[dict], fail_on: str | None = "error") -> dict:
    document = sample_document(n_deviations=0)
    document["deviations"] = deviations
    document["run"]["fail_on"] = fail_on
    document["checks"] = [
        {
            "method": "im.department.get",
            "check": "response_schema",
            "cases": 212,
            "status": "failed",
        },
        {"method": "im.department.get", "check": "docs", "cases": 1, "status": "passed"},
        {"method": "im.department.get", "check": "errors", "cases": 30, "status": "passed"},
        {"method": "im.department.managers.get", "check": "rules", "cases": 0, "status": "not_run"},
    ]
    document["not_checked"] = []
    return document


def _dev(template: int, baseline: str = "new", **changes: object) -> dict:
    dev = make_deviation(template, method="im.department.get", template=template, baseline=baseline)
    dev.update(changes)
    return dev


def _case(root: ET.Element, method: str, check: str) -> ET.Element:
    found = root.findall(f"testsuite[@name='{method}']/testcase[@name='{check}']")
    assert len(found) == 1, (method, check)
    assert found[0].get("classname") == method
    return found[0]


def test_structure_one_suite_per_method_one_case_per_check() -> None:
    document = sample_document(n_deviations=20)
    root = ET.fromstring(render_junit(document))
    assert root.tag == "testsuites"
    methods = {c["method"] for c in document["checks"]} | {
        d["method"] for d in document["deviations"]
    }
    assert sorted(s.get("name") for s in root.findall("testsuite")) == sorted(methods)
    for check in document["checks"]:
        _case(root, check["method"], check["check"])
    total = sum(int(s.get("tests")) for s in root.findall("testsuite"))
    assert int(root.get("tests")) == total == len(root.findall("testsuite/testcase"))
    failures = len(root.findall("testsuite/testcase/failure"))
    assert int(root.get("failures")) == failures > 0


def test_a_new_error_fails_its_testcase_with_the_details() -> None:
    dev = _dev(TYPE_MISMATCH)
    root = ET.fromstring(render_junit(_document([dev])))
    case = _case(root, "im.department.get", "response_schema")
    failure = case.find("failure")
    assert failure is not None
    assert failure.get("type") == "type_mismatch"
    assert dev["message"] in failure.get("message")
    text = failure.text
    for needle in (
        dev["message"],
        dev["location"],
        "Get Information About the Department im.department.get",  # the page of doc.source
        dev["doc"]["section"],
        dev["doc"]["quote"],
        dev["reproduce"],
    ):
        assert needle in text
    # Other checks of the method pass.
    assert _case(root, "im.department.get", "errors").find("failure") is None


def test_a_known_error_does_not_fail_but_is_listed() -> None:
    dev = _dev(TYPE_MISMATCH, baseline="known")
    root = ET.fromstring(render_junit(_document([dev])))
    case = _case(root, "im.department.get", "response_schema")
    assert case.find("failure") is None
    out = case.find("system-out")
    assert out is not None and dev["message"] in out.text and "known" in out.text
    assert root.get("failures") == "0"


@pytest.mark.parametrize(
    ("fail_on", "failing"),
    [
        ("error", {"response_schema"}),
        (None, {"response_schema"}),  # default is error
        ("warning", {"response_schema", "http"}),
        ("info", {"response_schema", "http", "docs"}),
        ("never", set()),
    ],
)
def test_fail_on_threshold(fail_on: str | None, failing: set[str]) -> None:
    devs = [
        _dev(TYPE_MISMATCH),  # error, response_schema
        _dev(6, check="http"),  # content_type warning
        _dev(DOCS_INCONSISTENCY),  # info, docs
    ]
    assert [d["severity"] for d in devs] == ["error", "warning", "info"]
    root = ET.fromstring(render_junit(_document(devs, fail_on)))
    failed = {c.get("name") for c in root.iter("testcase") if c.find("failure") is not None}
    assert failed == failing
    for case in root.iter("testcase"):
        if case.get("name") in {"http", "docs", "response_schema"} - failing:
            assert case.find("system-out") is not None  # below the threshold: listed, not failed


def test_deviation_of_an_unlisted_check_gets_a_testcase() -> None:
    dev = _dev(TYPE_MISMATCH, check="brand_new_check", method="im.department.employees.get")
    root = ET.fromstring(render_junit(_document([dev])))
    case = _case(root, "im.department.employees.get", "brand_new_check")
    assert case.find("failure") is not None


def test_a_check_that_did_not_run_is_skipped() -> None:
    root = ET.fromstring(render_junit(_document([])))
    case = _case(root, "im.department.managers.get", "rules")
    assert case.find("skipped") is not None
    assert root.find("testsuite[@name='im.department.managers.get']").get("skipped") == "1"


def test_hostile_text_stays_well_formed_xml() -> None:
    nasty = HOSTILE + ' ]]> & "quotes" \x00\x07\x1b <![CDATA[x]]> \ud800'
    dev = _dev(TYPE_MISMATCH, message=nasty, actual=nasty, location="/result/*/" + nasty)
    dev["doc"]["quote"] = nasty
    document = _document([dev, _dev(UNDOCUMENTED, message=nasty)])
    document["checks"].append(
        {"method": nasty, "check": nasty, "cases": 1, "status": "passed"}  # a hostile name too
    )
    xml = render_junit(document)
    root = ET.fromstring(xml.encode("utf-8"))  # parses: escaped, no illegal characters
    failure = _case(root, "im.department.get", "response_schema").find("failure")
    assert HOSTILE in failure.text and HOSTILE in failure.get("message")
    assert "<script>" not in xml


def test_every_case_not_checked_is_a_skipped_testcase_with_its_reason() -> None:
    document = sample_document()
    root = ET.fromstring(render_junit(document))
    suite = root.find("testsuite[@name='im.department.get']")
    skipped = [c for c in suite.findall("testcase") if c.find("skipped") is not None]
    assert [c.get("name") for c in skipped] == [
        'not checked: {"ID": [3]} [?]',
        'not checked: {"ID": [5]} [?]',
    ]
    assert {c.find("skipped").get("message") for c in skipped} == {"not checked: throttled"}
    assert suite.get("skipped") == "2"
    other = root.find("testsuite[@name='im.department.employees.get']")
    assert other.find("testcase/skipped").get("message") == "not checked: timeout"
    plain = sample_document()
    plain["not_checked"] = []
    before = int(ET.fromstring(render_junit(plain)).get("skipped"))
    assert int(root.get("skipped")) == before + 3  # counted at the top too


def test_a_complete_run_has_no_skipped_testcase() -> None:
    document = sample_document()
    document["not_checked"], document["run"]["not_checked"] = [], 0
    root = ET.fromstring(render_junit(document))
    messages = [s.get("message") for s in root.iter("skipped")]
    assert not [m for m in messages if m.startswith("not checked")]

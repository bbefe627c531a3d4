"""Deviations in words: one formatter (`report/text.py`) for the terminal, JUnit, pytest and HTML.

Each test pins one thing a reader of a report complained about: hashed page names, "missing"
next to a null, "1 errors", a target named twice, a claim quoted as "{", a usage hint naming
the program twice.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from b24conform import cli
from b24conform.cassettes import cassette_name
from b24conform.checks.docs import docs_findings
from b24conform.checks.schema import schema_findings
from b24conform.report import render_html, render_junit
from b24conform.report.html import doc_groups
from b24conform.report.text import (
    actual_text,
    cite,
    describe,
    headline,
    plural,
    severity_counts,
    where,
)
from b24conform.spec import DocRef, load_spec
from b24conform.spec.pages import docs_root, page, pages
from b24conform.targets import TargetOptions, reference_name
from tests.report_samples import real_docs_deviations

ROOT = Path(__file__).resolve().parents[2]
CURRENT_PAGE = "000_5d603a129c77dabe.txt"
REV18_PAGE = "003_83a7d5f0caab7084.txt"
HASHES = ("5d603a129c77dabe", "83a7d5f0caab7084")


def _quotes(value):
    if isinstance(value, dict):
        for key, item in value.items():
            if key in ("x-doc", "doc", "status_doc") and isinstance(item, dict):
                yield item
            else:
                yield from _quotes(item)
    elif isinstance(value, list):
        for item in value:
            yield from _quotes(item)


def _cited_sources() -> set[str]:
    return {
        ref["source"]
        for path in (ROOT / "schemas").glob("*/*.json")
        for ref in _quotes(json.loads(path.read_text()))
    }


def _deviation(**changes) -> dict:
    base = {
        "id": "0123456789abcdef",
        "method": "im.department.get",
        "check": "response_schema",
        "kind": "type_mismatch",
        "severity": "error",
        "location": "/result/*/full_name",
        "message": "'full_name' is null where the docs say string",
        "expected": "string",
        "actual": None,
        "doc": {
            "source": CURRENT_PAGE,
            "section": "Department Object",
            "quote": "full_name | Full name of the department in the company structure",
        },
        "occurrences": 1,
        "baseline": "new",
    }
    return {**base, **changes}


def _document(deviations: list[dict], **run) -> dict:
    return {
        "format": "b24conform.deviations/1",
        "tool": {"name": "b24conform", "version": "0"},
        "run": {"target": "reference portal", "mode": "reference", "docs": "current", **run},
        "summary": {"error": 1, "warning": 0, "info": 0, "cases": 1, "checks": 1},
        "deviations": deviations,
    }


# -- plurals and the summary line ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("n", "noun", "text"),
    [(0, "error", "0 errors"), (1, "error", "1 error"), (2, "warning", "2 warnings"),
     (1, "info", "1 info"), (5, "info", "5 info"), (1, "case", "1 case"), (3, "time", "3 times")],
)  # fmt: skip
def test_counts_agree_with_their_nouns(n: int, noun: str, text: str) -> None:
    assert plural(n, noun) == text


def test_severity_counts() -> None:
    assert severity_counts({"error": 1, "warning": 0, "info": 5}) == "1 error, 0 warnings, 5 info"


def test_the_summary_line_names_the_target_once_with_correct_plurals() -> None:
    document = _document([_deviation()], requests=1, baseline=None)
    line = cli.summary_line(document)
    assert line == (
        "reference portal, judged against the current docs: "
        "1 case in 1 request, 1 error, 0 warnings, 0 info"
    )
    assert "errors" not in line.replace("0 errors", "")
    assert line.count("reference") == 1  # the old line said it twice, in two pairs of brackets


def test_targets_are_named_by_what_they_are() -> None:
    assert reference_name(TargetOptions()) == "reference portal"
    assert (
        reference_name(TargetOptions(portal_profile="rev18")) == "reference portal (profile rev18)"
    )
    assert (
        reference_name(TargetOptions(portal_faults=("a", "b"))) == "reference portal (faults a, b)"
    )
    meta = {"source": "reference", "target": "127.0.0.1:34615"}
    name = cassette_name(Path("cassettes/reference"), meta)
    assert name == "cassette cassettes/reference (recorded from the reference portal)"
    assert "34615" not in name  # the recording's loopback port means nothing to a reader
    live = cassette_name(Path("ci/acme"), {"source": "live", "target": "acme.bitrix24.com"})
    assert live == "cassette ci/acme (recorded from acme.bitrix24.com)"


@pytest.mark.parametrize("command", ["run", "portal", "diff", "report"])
def test_a_usage_error_points_to_the_help_of_its_own_command(command, capsys) -> None:
    with pytest.raises(SystemExit) as exited:
        cli.main([command, "--no-such-option"])
    assert exited.value.code == 2
    err = capsys.readouterr().err.strip()
    assert err.endswith(f"(see b24conform {command} --help)"), err
    assert "b24conform b24conform" not in err


def test_a_usage_error_without_a_command_points_to_the_main_help(capsys) -> None:
    with pytest.raises(SystemExit):
        cli.main(["--no-such-option"])
    assert capsys.readouterr().err.strip().endswith("(see b24conform --help)")


# -- the pages index -----------------------------------------------------------------------------


def test_every_cited_source_is_in_the_pages_index() -> None:
    assert _cited_sources() <= set(pages()), _cited_sources() - set(pages())


def test_page_titles_come_from_the_pages_themselves() -> None:
    """A seed page's title is what its first lines say (not invented)."""
    for source, found in pages().items():
        if source.endswith(".txt"):
            head = (docs_root() / "seeds" / source).read_text(encoding="utf-8")[:400]
            words = re.sub(r"\(.*?\)", "", found.title).strip()
            assert words in head, (source, found.title)


def test_a_page_without_a_public_address_says_why() -> None:
    for found in pages().values():
        assert found.url or found.no_url, found
        if found.url:
            assert found.url.startswith("https://")
    assert page("platform.md").url is None


def test_pages_are_cited_by_title_and_section_never_by_file_name() -> None:
    text = cite({"source": CURRENT_PAGE, "section": "Department Object", "quote": "x"})
    assert text == "Get Information About the Department im.department.get § Department Object"
    assert cite({"source": "unknown.txt", "section": "S"}) == "unknown.txt § S"


def test_a_location_inside_the_docs_reads_as_page_section_and_pointer() -> None:
    location = f"doc:{REV18_PAGE}#Example of response/department/manager_user_id"
    text = where(location)
    assert text.startswith("The method gets department data (im.department.get, Revision 18)")
    assert text.endswith("§ Example of response, at /department/manager_user_id")
    assert where("/result/*/name") == "/result/*/name"


# -- null and absent -----------------------------------------------------------------------------


def _findings(instance: dict) -> list:
    schema = {
        "type": "object",
        "required": ["full_name"],
        "properties": {"full_name": {"type": "string"}},
    }
    fallback = DocRef(CURRENT_PAGE, "Department Object", "full_name")
    errors = Draft202012Validator(schema).iter_errors(instance)
    return [f for e in errors for f in schema_findings(e, fallback)]


def test_an_absent_field_is_absent_and_a_null_one_is_null() -> None:
    (absent,) = _findings({})
    (null,) = _findings({"full_name": None})
    assert absent.kind == "missing_field" and "absent" in absent.message
    assert null.kind == "type_mismatch" and "is null" in null.message
    assert "missing" not in null.message and "None" not in null.message
    as_json = [_deviation(kind=f.kind, message=f.message, actual=f.actual) for f in (absent, null)]
    assert [actual_text(d) for d in as_json] == ["absent", "null"]


def test_type_messages_speak_json_not_python() -> None:
    (finding,) = _findings({"full_name": 7})
    assert finding.message == "'full_name' is a number (7) where the docs say string"
    schema = {"properties": {"ok": {"type": "boolean"}}}
    (error,) = Draft202012Validator(schema).iter_errors({"ok": "Y"})
    (wrong,) = schema_findings(error, DocRef(CURRENT_PAGE, "s", "q"))
    assert wrong.message == "'ok' is a string (\"Y\") where the docs say boolean"


def test_a_field_the_docs_example_lacks_is_absent_not_null() -> None:
    findings = [
        f for f in docs_findings("im.department.employees.get") if "avatar_hr" in f.location
    ]
    assert findings, "the USER_DATA=Y example of platform.md has no avatar_hr key"
    assert all(f.actual == "absent" and "absent" in f.message for f in findings)


# -- whole claims --------------------------------------------------------------------------------


def test_an_example_that_is_not_json_is_quoted_whole() -> None:
    (broken,) = [f for f in docs_findings("im.department.get") if "not valid JSON" in f.message]
    assert broken.doc.quote != "{"
    assert '"full_name": "New York branch / Bitrix24"' in broken.doc.quote
    assert '"manager_user_id": 11,' in broken.doc.quote


def _balanced(text: str) -> bool:
    depth = {"{": 0, "[": 0}
    closing = {"}": "{", "]": "["}
    for char in re.sub(r'"(?:[^"\\]|\\.)*"', '""', text):  # brackets inside strings do not count
        if char in depth:
            depth[char] += 1
        elif char in closing:
            depth[closing[char]] -= 1
    return not any(depth.values())


@pytest.mark.parametrize("revision", ["current", "rev18"])
def test_every_quote_is_a_whole_claim_not_a_fragment(revision: str) -> None:
    """A word at least, and no bracket opened and left open: "{" or `"result": [` is cut off."""
    spec = load_spec(revision)
    for name, document in spec.documents.items():
        for ref in _quotes(document):
            quote = ref["quote"]
            assert re.search(r"[A-Za-z]{2,}", quote) and _balanced(quote), (name, quote)


def test_the_fragment_rule_catches_fragments() -> None:
    assert not _balanced("{") and not _balanced('"result": [')
    assert _balanced('{ "result": [ { "id": 51 } ] }') and _balanced('"manager_user_id": 11,')


# -- one formatter everywhere --------------------------------------------------------------------


def test_describe_gives_location_then_claim_then_page() -> None:
    text = describe(
        _deviation(kind="missing_field", message="documented field 'full_name' is absent")
    )
    lines = text.splitlines()
    assert lines[0].startswith("[error] missing_field at /result/*/full_name:")
    assert "actual:    absent" in text
    docs_line = next(line for line in lines if line.strip().startswith("docs:"))
    assert "Get Information About the Department im.department.get § Department Object" in docs_line
    assert "page:      https://apidocs.bitrix24.com/" in text
    assert lines.index(docs_line) > 0  # the location (line 0) comes before the source
    assert not any(h in text for h in HASHES)
    assert "seen:      once, new" in text


def test_headline_ends_with_the_location_in_words() -> None:
    location = f"doc:{CURRENT_PAGE}#Response Handling/time/date_start"
    line = headline(_deviation(kind="docs_inconsistency", severity="info", location=location))
    assert line.endswith(
        "[Get Information About the Department im.department.get § Response Handling, at /time/date_start]"
    )


def test_junit_uses_the_formatter() -> None:
    xml = render_junit(_document([_deviation()]))
    assert "1 new deviation at or above error" in xml
    assert "(s)" not in xml
    assert describe(_deviation()).splitlines()[1] in xml
    assert not any(h in xml for h in HASHES)


# -- the HTML report -----------------------------------------------------------------------------


def test_html_cites_pages_by_title_with_their_link_and_no_hashed_file_name() -> None:
    html = render_html(_document([_deviation(), *real_docs_deviations()]))
    assert not any(h in html for h in HASHES)
    assert "Get Information About the Department im.department.get</a>" not in html  # § kept
    assert (
        '<a href="https://apidocs.bitrix24.com/api-reference/chats/departments/im-department-get.html"'
        in html
    )
    assert "(no public link: this project&#39;s notes" in html  # platform.md


def test_revision_18_items_are_grouped_under_their_revision_with_a_reason() -> None:
    deviations = real_docs_deviations()
    groups = doc_groups(deviations, "current")
    assert [g["revision"] for g in groups] == ["current", "rev18"]
    assert all(
        "rev18 page" in d["message"] or "rev18" in d["message"] for d in groups[1]["deviations"]
    )
    html = render_html(_document(deviations))
    rev18 = html[html.index('data-revision="rev18"') :]
    assert rev18.index("<h3>Revision 18") < rev18.index("Why this is listed")
    assert "judged against the current documentation" in rev18
    # judged against rev18, the rev18 group comes first and needs no excuse
    again = render_html(_document(deviations, docs="rev18"))
    assert again.index('data-revision="rev18"') < again.index('data-revision="current"')
    first = again[again.index('data-revision="rev18"') : again.index('data-revision="current"')]
    assert "Why this is listed" not in first


def test_html_says_absent_for_a_missing_field_and_null_for_a_null() -> None:
    absent = _deviation(
        id="a", kind="missing_field", message="documented field 'full_name' is absent"
    )
    null = _deviation(id="b", location="/result/*/name")
    html = render_html(_document([absent, null]))
    one = html[html.index('id="d-a"') : html.index("</details>", html.index('id="d-a"'))]
    two = html[html.index('id="d-b"') : html.index("</details>", html.index('id="d-b"'))]
    assert "(absent)" in one and "null" not in one.split("Actual")[1]
    assert "(absent)" not in two and '<span class="j-n">null</span>' in two


def test_html_plurals() -> None:
    html = render_html(_document([_deviation()], fail_on="error"))
    assert "1 new deviation at or above" not in html  # no baseline: not "new"
    assert "<strong>Failed:</strong> 1 deviation at or above" in html
    assert "seen 1 time " in html
    assert "(s)" not in html

"""The HTML report: escaping, sections, counts, the location view, self-containment."""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest

from b24conform.report import render_html
from b24conform.report.html import host_only, located_html
from b24conform.spec.pages import pages
from tests.report_samples import HOSTILE, SECTIONS, make_deviation, sample_document

PAYLOAD = '"><img src=x onerror=alert(1)></script><script>alert(2)</script>&amp;'
KEEP = {"severity", "baseline", "format", "status", "fail_on", "category", "doc"}


def _section(html: str, name: str) -> str:
    start = html.index(f'<section id="{name}"')
    return html[start : html.index("</section>", start)]


def _poison(value: Any, key: str = "") -> Any:
    """Every string (and every free-form key) of a document replaced by markup."""
    if isinstance(value, dict):
        return {
            (k if k in _STRUCTURAL or k in KEEP or not k.islower() else PAYLOAD + k): _poison(v, k)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_poison(v, key) for v in value]
    if isinstance(value, str) and key not in KEEP:
        return PAYLOAD + value
    return value


_STRUCTURAL = {
    "format", "tool", "run", "summary", "checks", "deviations", "observations", "coverage",
    "fixed", "not_checked", "id", "method", "check", "kind", "severity", "location", "message",
    "expected", "actual", "doc", "request", "reproduce", "occurrences", "baseline", "probe",
    "outcome", "changed", "before", "item", "category", "status", "reason", "cases", "params",
    "transport", "source", "section", "quote", "started", "finished", "mode", "target", "docs",
    "seed", "revision", "requests", "throttled", "duration", "cases_per_request", "methods",
    "name", "version", "error", "warning", "info", "interrupted",
}  # fmt: skip


def test_hostile_portal_value_is_shown_as_text() -> None:
    html = render_html(sample_document())
    assert HOSTILE not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert html.count("<script") == 1  # ours, at the end


def test_no_string_anywhere_in_the_document_can_inject_markup() -> None:
    document = _poison(sample_document(n_deviations=15))
    document["run"]["target"] = PAYLOAD
    document["run"]["revision"] = {PAYLOAD: PAYLOAD}
    html = render_html(document)
    assert PAYLOAD.count("<") and "<img" not in html
    assert html.count("<script") == 1
    assert "alert(2)</script>" not in html
    # The payload is there, as text, in attributes and bodies alike.
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert 'data-method="&#34;&gt;&lt;img' in html


def test_all_sections_and_header_facts_are_present() -> None:
    document = sample_document()
    html = render_html(document)
    for name in SECTIONS:
        assert f'<section id="{name}"' in html, name
    run = document["run"]
    header = html[: html.index('<nav class="bar"')]
    for fact in ("acme.bitrix24.com", "live", "current", "12345", "318", "3.2", "1 min 16 s"):
        assert fact in header, fact
    assert '<span class="kv">rest 30</span> · <span class="kv">web 130</span>' in header
    assert "2026-03-03 11:52:46 UTC" in header
    assert f"<dd>{run['throttled']}</dd>" in header


def test_target_shows_the_host_only() -> None:
    document = sample_document()
    document["run"]["target"] = "https://acme.bitrix24.com/rest/1/s3cr3tw3bh00k/"
    html = render_html(document)
    assert "s3cr3tw3bh00k" not in html
    assert "acme.bitrix24.com" in html


@pytest.mark.parametrize(
    ("target", "host"),
    [
        ("acme.bitrix24.com", "acme.bitrix24.com"),
        ("https://acme.bitrix24.com/rest/1/abc123xyz/", "acme.bitrix24.com"),
        ("https://user:pw@acme.bitrix24.com:8443/rest/", "acme.bitrix24.com:8443"),
        ("127.0.0.1:8080/rest/1/code/", "127.0.0.1:8080"),
        ("token@portal.example/x", "portal.example"),
        (None, "unknown"),
    ],
)
def test_host_only(target: str | None, host: str) -> None:
    assert host_only(target) == host


def test_counts_match_the_document() -> None:
    document = sample_document(n_deviations=40)
    devs = document["deviations"]
    html = render_html(document)
    assert html.count('<details class="dev ') == len(devs)
    for sev in ("error", "warning", "info"):
        n = sum(d["severity"] == sev for d in devs)
        assert html.count(f'data-sev="{sev}"') == n
        assert f'data-value="{sev}" aria-pressed="false">{sev} <span class="n">{n}</span>' in html
    new = sum(d["baseline"] == "new" for d in devs)
    known = len(devs) - new
    assert f'data-value="new" aria-pressed="false">new <span class="n">{new}</span>' in html
    assert f'data-value="known" aria-pressed="false">known <span class="n">{known}</span>' in html
    blocking = sum(d["severity"] == "error" and d["baseline"] == "new" for d in devs)
    assert f"<strong>Failed:</strong> {blocking} new deviations at or above" in html
    # The chart has one bar group per kind present.
    kinds = {d["kind"] for d in devs}
    assert _section(html, "summary").count("<g transform=") == len(kinds)


def test_docs_inconsistencies_have_their_own_section() -> None:
    html = render_html(sample_document())
    main = _section(html, "deviations")
    docs = _section(html, "docs-inconsistencies")
    assert 'data-kind="docs_inconsistency"' not in main
    assert docs.count('data-kind="docs_inconsistency"') == 1


def test_deviation_shows_claim_request_and_reproduce() -> None:
    document = sample_document(n_deviations=1)
    dev = document["deviations"][0]
    html = render_html(document)
    body = _section(html, "deviations")
    assert "manager_user_id | integer | Identifier of the department head" in body
    assert "Get Information About the Department im.department.get § Department Object" in body
    assert "000_5d603a129c77dabe.txt" not in body  # pages are cited by title, not file name
    assert "&lt;WEBHOOK_CODE&gt;" in body  # the placeholder, escaped, inside the curl line
    assert f'id="r-{dev["id"]}"' in body and 'class="copy"' in body
    assert '<mark class="loc">' in body
    assert f"×{dev['occurrences']}" in body


def test_observations_coverage_not_checked_and_fixed() -> None:
    document = sample_document()
    html = render_html(document)
    obs = _section(html, "observations")
    assert obs.count('<article class="obs') == len(document["observations"])
    assert "changed since baseline" in obs and "Before (baseline)" in obs
    cov = _section(html, "coverage")
    assert cov.count('<tr class="st-') == len(document["coverage"])
    assert "5 passed · 2 not exercised · 3 failed of 10" in cov
    nc = _section(html, "not-checked")
    assert re.search(
        r"im\.<wbr>department\.<wbr>get</code></td><td>throttled</td><td class=\"r\">2<", nc
    )
    assert re.search(r"employees\.<wbr>get</code></td><td>timeout</td><td class=\"r\">1<", nc)
    fixed = _section(html, "fixed")
    assert "expected error NOT_FOUND, got ERROR_CORE (fixed)" in fixed


def _complete(document: dict) -> dict:
    document["not_checked"], document["run"]["not_checked"] = [], 0
    return document


def _verdict(html: str) -> str:
    return re.search(r'<p class="banner (\w+)" id="verdict">(.*?)</p>', html).group(1, 2)


def test_gate_passes_when_only_known_or_below_threshold() -> None:
    document = _complete(sample_document(n_deviations=3))
    for d in document["deviations"]:
        d["baseline"] = "known"
    assert "<strong>Passed:</strong>" in render_html(document)
    document["run"]["fail_on"] = "never"
    for d in document["deviations"]:
        d["baseline"] = "new"
    assert "Gate off" in render_html(document)


@pytest.mark.parametrize("fail_on", ["error", "never"])
def test_a_run_that_checked_less_is_incomplete_never_passed(fail_on: str) -> None:
    document = sample_document(n_deviations=3)  # 3 of 1018 cases not checked
    for d in document["deviations"]:
        d["baseline"] = "known"
    document["run"]["fail_on"] = fail_on
    html = render_html(document)
    colour, text = _verdict(html)
    assert colour == "warn" and text.startswith("<strong>Incomplete:</strong> 3 of 1018 planned")
    assert "(throttled: 2, timeout: 1)" in text
    assert "Passed" not in html and "Gate off" not in html
    assert "· incomplete</title>" in html


def test_a_failed_run_that_checked_less_says_both() -> None:
    document = sample_document(n_deviations=3)
    html = render_html(document)
    assert _verdict(html)[0] == "bad" and "<strong>Failed:</strong>" in html
    assert "Also incomplete: 3 of 1018 planned cases not checked" in html


def test_a_run_where_nothing_got_an_answer_is_not_passed() -> None:
    document = _complete(sample_document(n_deviations=0))
    document["summary"]["cases"] = 4
    document["not_checked"] = [
        {
            "method": "im.department.get",
            "request": {"params": {}},
            "reason": "run time limit reached",
        }
    ] * 4
    document["run"]["not_checked"] = 4
    colour, text = _verdict(render_html(document))
    assert colour == "bad" and text.startswith("<strong>Nothing checked:</strong> none of the 4")


def test_minimal_document_renders() -> None:
    html = render_html({"format": "b24conform.deviations/1", "run": {}, "deviations": []})
    assert "<strong>Passed:</strong>" in html
    assert "This log carries no coverage data." in html
    assert 'id="fixed"' not in html  # no baseline, no fixed section


def test_self_contained() -> None:
    """Nothing is fetched: the only outside addresses are links a reader may follow, to the
    public documentation pages of the index."""
    html = render_html(sample_document())
    for external in ("<link", 'src="http', "@import", "url("):
        assert external not in html, external
    urls = {p.url for p in pages().values() if p.url}
    links = set(re.findall(r'<a href="(http[^"]*)"', html))
    assert links and {link.replace("&amp;", "&") for link in links} <= urls
    assert "default-src 'none'" in html


def test_interrupted_run_is_flagged_and_not_passed() -> None:
    document = _complete(sample_document(n_deviations=0))
    document["run"]["interrupted"] = True
    html = render_html(document)
    assert "The run was interrupted" in html
    assert "<strong>Incomplete:</strong>" in html and "Passed" not in html


def test_large_values_are_cut_in_the_page_not_in_the_log() -> None:
    document = sample_document(n_deviations=1)
    original = copy.deepcopy(document)
    document["deviations"][0]["actual"] = "x" * 50_000
    document["deviations"][0]["expected"] = list(range(500))
    html = render_html(document)
    assert "x" * 50_000 not in html and "50000 chars" in html
    assert "… 440 more" in html
    assert original["deviations"][0]["id"] == document["deviations"][0]["id"]


# -- the location view -----------------------------------------------------------------------


def test_pointer_location_is_marked_in_a_skeleton() -> None:
    out = str(located_html("101", "/result/*/manager_user_data/phones/inner_phone"))
    assert '<span class="j-k">&#34;result&#34;</span><span class="j-w">[*]</span>: {' in out
    marked = re.findall(r'<mark class="loc">(.*?)</mark>', out, re.S)
    assert len(marked) == 1 and "inner_phone" in marked[0] and "101" in marked[0]
    assert out.startswith("{") and out.endswith("}")
    assert out.count("{") == out.count("}")


def test_actual_object_holding_the_location_marks_that_member() -> None:
    out = str(located_html({"id": 7, "name": "Dev", "full_name": 3}, "/result/*/full_name"))
    marked = re.findall(r'<mark class="loc">(.*?)</mark>', out, re.S)
    assert len(marked) == 1 and "full_name" in marked[0] and "3" in marked[0]
    assert "&#34;name&#34;" in out  # the rest of the object is shown, unmarked


def test_missing_field_location_and_other_kinds() -> None:
    assert "(absent)" in str(located_html(None, "/result/*/full_name", "missing_field"))
    assert (
        str(located_html(200, "status"))
        == 'HTTP <mark class="loc"><span class="j-d">200</span></mark>'
    )
    header = str(located_html("text/html", "header:Content-Type"))
    assert "Content-Type" in header and '<mark class="loc">text/html</mark>' in header
    body = str(located_html("<html>502</html>", "body"))
    assert body == '<mark class="loc">&lt;html&gt;502&lt;/html&gt;</mark>'
    status = str(located_html({"status": 200, "error": None}, "status"))
    assert re.search(r'<mark class="loc">.*status.*200.*</mark>', status)


def test_location_escapes_keys_and_values() -> None:
    out = str(located_html(HOSTILE, f"/result/*/{HOSTILE}"))
    assert "<script>" not in out and "&lt;script&gt;" in out


def test_ordering_new_errors_first() -> None:
    devs = [
        make_deviation(2, baseline="new"),  # warning
        make_deviation(0, baseline="known"),  # error, known
        make_deviation(1, baseline="new"),  # error, new
    ]
    document = sample_document(n_deviations=0)
    document["deviations"] = devs
    html = _section(render_html(document), "deviations")
    order = re.findall(
        r'data-sev="(\w+)" data-kind="\w+" data-method="[^"]+" data-baseline="(\w+)"', html
    )
    assert order == [("error", "new"), ("error", "known"), ("warning", "new")]

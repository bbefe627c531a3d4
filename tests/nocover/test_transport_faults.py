"""Every kind of broken transport ends in a written report, never a crash: through a proxy that
breaks some answers of the reference portal (tests/faulty_proxy.py), each fault alone."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from b24conform import cli
from b24conform.portal import ReferencePortal
from tests.faulty_proxy import FAULTS, FaultyProxy

pytestmark = pytest.mark.slow

#: What the suite must report for each fault on a method's own calls (kind at `status`/`body`).
EXPECTED = {
    "reset_mid_body": {"server_error"},
    "slow_body": {"server_error"},
    "html_200": {"not_json", "content_type"},
    "truncated_json_200": {"not_json"},
    "proxy_502": {"server_error", "not_json", "content_type"},
    "redirect": {"status_code", "not_json"},
}
ARGS = ["--timeout", "1", "--max-examples", "5", "--rate-limit", "off", "--quiet"]


@pytest.fixture(scope="module")
def portal():
    with ReferencePortal(rate_limit=None) as served:
        yield served


def _run(portal, fault: str, method: str, reports: Path, capsys) -> tuple[int, str, FaultyProxy]:
    # every batch request breaks (there are few); one in three of the method's own calls
    proxy = FaultyProxy(portal.base_url, fault, method=method, every=1 if method == "batch" else 3)
    try:
        webhook = proxy.url(portal.webhook_url("employee"))
        argv = ["run", "--webhook", webhook, "--report-dir", str(reports), *ARGS]
        code = cli.main([*argv, "--methods", "im.department.get"])
    finally:
        proxy.close()
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    assert proxy.faulted > 0  # the fault did happen
    assert {p.name for p in reports.iterdir()} == {"deviations.json", "junit.xml", "report.html"}
    secret = portal.webhook_url("employee").rstrip("/").rsplit("/", 1)[-1]
    for path in reports.iterdir():
        assert secret not in path.read_text()
    assert proxy.elsewhere.seen == []  # nothing followed a redirect to another host
    return code, err, proxy


@pytest.mark.parametrize("fault", FAULTS)
def test_a_broken_answer_is_a_finding_and_the_report_is_written(portal, fault, tmp_path, capsys):
    code, _err, _proxy = _run(portal, fault, "im.department.get", tmp_path, capsys)
    document = json.loads((tmp_path / "deviations.json").read_text())
    found = {d["kind"] for d in document["deviations"] if d["method"] == "im.department.get"}
    assert code == 1
    assert EXPECTED[fault] <= found, found


@pytest.mark.parametrize("fault", FAULTS)
def test_a_broken_batch_leaves_its_cases_not_checked_and_says_so(portal, fault, tmp_path, capsys):
    code, err, _proxy = _run(portal, fault, "batch", tmp_path, capsys)
    document = json.loads((tmp_path / "deviations.json").read_text())
    assert code in (1, 4)  # the batch request's own answer may be a finding; never a pass
    assert document["run"]["not_checked"] > 0
    assert "incomplete: " in err

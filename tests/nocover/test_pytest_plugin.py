"""`pytest suites/ --b24-...` does what `b24conform run` does, also under pytest-xdist."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from b24conform.engine import RunOptions, run
from b24conform.portal import ReferencePortal
from b24conform.targets import TargetOptions

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def faulty_cassette(tmp_path_factory):
    folder = tmp_path_factory.mktemp("plugin") / "faulty"
    faults = ("missing_full_name", "colleagues_next_on_last_page")
    run(
        RunOptions(
            target=TargetOptions(rate_limit=None, portal_faults=faults, record=folder),
            max_examples=60,
        )
    )
    return folder


def pytest_suites(*args: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "pytest", "suites/", "-p", "no:cacheprovider", *args]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)


def suites(tmp_path: Path, *args: str) -> tuple[int, set[str], str]:
    """Run the suites; return the exit code, the failed tests (from JUnit) and the output."""
    junit = tmp_path / f"junit{len(args)}.xml"
    result = pytest_suites(
        f"--junitxml={junit}", "--b24-report-dir", str(tmp_path / "reports"), *args
    )
    failed = {
        f"{case.get('classname')}::{case.get('name')}"
        for case in ET.parse(junit).iter("testcase")
        if case.find("failure") is not None
    }
    return result.returncode, failed, result.stdout


def test_the_suite_fails_exactly_the_checks_the_faults_break(faulty_cassette, tmp_path):
    code, failed, out = suites(tmp_path, "--b24-cassette", str(faulty_cassette))
    assert code == 1
    assert {name.rsplit("::", 1)[-1] for name in failed} == {
        "test_im_department_get[response_schema]",
        "test_im_department_colleagues_list[paging]",
        # `next` = total on the last page: the page at OFFSET total answers next = total again,
        # so a client following `next` loops (the next_advances rule)
        "test_im_department_colleagues_list[next_advances]",
    }
    assert "full_name | Full name of the department in the company structure" in out
    assert "<WEBHOOK_CODE>" in out  # the reproduction line, with the secret's placeholder


def test_xdist_finds_the_same(faulty_cassette, tmp_path):
    _, serial, _ = suites(tmp_path, "--b24-cassette", str(faulty_cassette))
    code, parallel, _ = suites(tmp_path, "--b24-cassette", str(faulty_cassette), "-n", "2")
    assert code == 1
    assert {n.rsplit("::", 1)[-1] for n in parallel} == {n.rsplit("::", 1)[-1] for n in serial}


def test_a_bad_option_stops_pytest_with_one_line():
    result = pytest_suites("--b24-webhook", "http://example.com/rest/1/x/")
    assert result.returncode == 2
    assert "refusing plain http://" in result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr


def test_under_xdist_the_portal_sees_one_run_not_one_per_worker(tmp_path):
    """Two workers, one run: the portal serves as many requests as a run without -n."""
    with ReferencePortal() as portal:
        target = ("--b24-webhook", portal.webhook_url("employee"), "--b24-max-examples", "20")
        code, _, out = suites(tmp_path, *target, "--b24-rate-limit", "off")
        assert code == 0, out
        serial = portal.requests_served
        code, _, out = suites(tmp_path, *target, "--b24-rate-limit", "off", "-n", "2")
        assert code == 0, out
        assert portal.requests_served - serial == serial
    written = json.loads((tmp_path / "reports" / "deviations.json").read_text())
    assert written["run"]["requests"] == serial

"""The live path under pressure: budgets, time limits, Ctrl-C, batch equivalence, canary secrets."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time

import pytest

from b24conform.engine import RunOptions, run
from b24conform.portal import ReferencePortal
from b24conform.targets import TargetOptions
from b24conform.transport import RateLimit

pytestmark = pytest.mark.slow
STANDARD = RateLimit(2, 50)


def test_the_request_budget_is_never_exceeded_and_the_rest_is_not_checked():
    document = run(RunOptions(target=TargetOptions(rate_limit=STANDARD, max_requests=12))).document
    assert document["run"]["requests"] <= 12
    assert document["run"]["not_checked"] > 0
    assert {n["reason"] for n in document["not_checked"]} <= {"request budget used up"}
    assert [d for d in document["deviations"] if d["severity"] == "error"] == []


def test_the_run_time_limit_stops_sending():
    started = time.monotonic()
    options = TargetOptions(rate_limit=RateLimit(1, 2), max_time=3)
    document = run(RunOptions(target=options, batch=False, methods=("im.department.get",))).document
    assert time.monotonic() - started < 30
    assert document["run"]["not_checked"] > 0


def test_the_standard_plan_limiter_keeps_a_full_run_unthrottled():
    """The portal enforces 2/s burst 50, the client paces itself: zero QUERY_LIMIT_EXCEEDED."""
    target = TargetOptions(rate_limit=STANDARD)
    options = RunOptions(
        target=target, batch=False, max_examples=50, methods=("im.department.get",)
    )
    document = run(options).document
    assert document["run"]["requests"] > 60  # beyond the burst: the drain rate mattered
    assert document["run"]["throttled"] == 0


BODY_FAULTS = [
    "missing_full_name",
    "manager_data_without_user_data",
    "extra_department",
    "inner_phone_number",
    "missing_name_many_ids",
    "time_duration_inconsistent",
    "employees_missing_email",
]


@pytest.mark.parametrize("fault", BODY_FAULTS)
def test_batched_and_unbatched_runs_find_the_same(fault):
    def findings(batch: bool) -> set[str]:
        target = TargetOptions(rate_limit=None, portal_faults=(fault,))
        document = run(RunOptions(target=target, batch=batch)).document
        return {d["id"] for d in document["deviations"] if d["severity"] in ("error", "warning")}

    batched, direct = findings(True), findings(False)
    assert batched and batched == direct


def test_ctrl_c_stops_cleanly_and_still_writes_the_report(tmp_path):
    with ReferencePortal(rate_limit=None) as portal:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "b24conform.cli",
                "run",
                "--webhook",
                portal.webhook_url("employee"),
                "--report-dir",
                str(tmp_path),
                "--no-batch",
                "--rate-limit",
                "2/s:3",
                "--quiet",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 120
        while portal.requests_served < 5 and time.monotonic() < deadline:  # it is sending
            time.sleep(0.1)
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=60)
    assert "Traceback" not in err
    assert process.returncode == 4, out + err
    document = json.loads((tmp_path / "deviations.json").read_text())
    assert document["run"]["interrupted"] is True
    missed = document["run"]["not_checked"]
    assert 0 < missed < document["summary"]["cases"]
    assert err.startswith(f"b24conform: incomplete: {missed} of ")
    html = (tmp_path / "report.html").read_text()
    assert "<strong>Incomplete:</strong>" in html and "Passed" not in html
    assert f'<span class="big">{missed}</span><span>not checked</span>' in html
    assert "INTERRUPTED" in out


def test_no_secret_in_any_file_a_recorded_live_run_writes(tmp_path):
    with ReferencePortal() as portal:
        webhook, extranet = portal.webhook_url("employee"), portal.webhook_url("extranet")
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "b24conform.cli",
                "run",
                "--webhook",
                webhook,
                "--extranet-webhook",
                extranet,
                "--record",
                str(tmp_path / "cassette"),
                "--report-dir",
                str(tmp_path / "reports"),
                "--portal-fault",
                "missing_full_name",
                "--rate-limit",
                "off",
                "--max-examples",
                "50",
            ],
            capture_output=True,
            text=True,
            timeout=300,
        )
    assert result.returncode in (0, 1), result.stderr
    codes = [re.sub(r".*/", "", url.rstrip("/")) for url in (webhook, extranet)]
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert {p.name for p in written} >= {
        "cassette.json",
        "corpus.json",
        "meta.json",
        "deviations.json",
        "junit.xml",
        "report.html",
    }
    for path in written:
        text = path.read_text(errors="replace")
        for code in codes:
            assert code not in text, f"a webhook code leaked into {path}"
    for code in codes:
        assert code not in result.stdout + result.stderr

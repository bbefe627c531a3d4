"""The command line as a user meets it: exit codes, one-line errors, reports kept safe.

Most cases call `cli.main([...])` in this process (capsys reads what it prints); the first test
runs `b24conform` in a real process, as a user and a CI job do, and another checks a portal that
`b24conform portal` serves from its own process.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from b24conform.cli import main
from tests.settings import EXAMPLES

#: no rate limit: the standard plan makes a whole run wait ~30 s for tokens (tests/nocover keeps it)
FAST = ["--max-examples", str(EXAMPLES), "--rate-limit", "off", "--quiet"]
#: one method: the faults these tests switch on are all in im.department.get's answers
ONE = ["--methods", "im.department.get", *FAST]


@dataclass
class Result:
    returncode: int | str | None
    stdout: str
    stderr: str


@pytest.fixture
def b24(capsys):
    """`b24conform ARGS` in this process: its exit code and what it printed."""

    def invoke(*args: str) -> Result:
        capsys.readouterr()
        try:
            code: int | str | None = main(list(args))
        except SystemExit as exc:  # argparse's own errors and --help
            code = exc.code
        printed = capsys.readouterr()
        return Result(code, printed.out, printed.err)

    return invoke


def b24_process(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "b24conform.cli", *args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=cwd,
    )


def assert_one_line_error(result: Result, code: int, text: str) -> None:
    assert result.returncode == code, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and text in lines[0], result.stderr


def test_default_run_checks_the_bundled_portal_and_writes_the_three_reports(tmp_path):
    result = b24_process("run", "--report-dir", str(tmp_path), *FAST, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert not (tmp_path / ".hypothesis").exists()  # nothing left where the command was started
    assert {p.name for p in tmp_path.iterdir()} >= {"deviations.json", "junit.xml", "report.html"}
    document = json.loads((tmp_path / "deviations.json").read_text())
    assert document["format"] == "b24conform.deviations/1"
    assert document["run"]["mode"] == "reference"
    assert f"report: {tmp_path / 'report.html'}" in result.stdout


def test_a_fault_fails_the_run_and_fail_on_never_lets_it_pass(b24, tmp_path):
    failing = b24("run", "--report-dir", str(tmp_path), "--portal-fault", "missing_full_name", *ONE)
    assert failing.returncode == 1
    assert "missing_field" in (tmp_path / "deviations.json").read_text()
    assert "/result/*/full_name" in failing.stdout
    never = b24(
        "run",
        "--report-dir",
        str(tmp_path),
        "--portal-fault",
        "missing_full_name",
        "--fail-on",
        "never",
        *ONE,
    )
    assert never.returncode == 0


@pytest.mark.parametrize(
    "args, code, text",
    [
        (["run", "--webhook", "acme.bitrix24.com/rest/1/abc"], 2, "webhook URL must look like"),
        (["run", "--webhook", "http://acme.bitrix24.com/rest/1/abc/"], 2, "refusing plain http://"),
        (["run", "--docs", "rev99"], 2, "unknown docs revision 'rev99'"),
        (["run", "--methods", "im.user.update"], 2, "not documented"),
        (["run", "--bogus"], 2, "unrecognized arguments: --bogus"),
        (["run", "--rate-limit", "fast"], 2, "--rate-limit"),
        (["run", "--portal-fault", "no_such_fault"], 2, "no_such_fault"),
        (["run", "--baseline", "/nonexistent/baseline.json"], 2, "no such file"),
        (["run", "--max-examples", "0"], 2, "must be from 1 to"),
        (["diff", "/nonexistent/a.json", "/nonexistent/b.json"], 2, "a.json"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(b24, args, code, text, tmp_path):
    assert_one_line_error(
        b24(*args, "--report-dir", str(tmp_path)) if args[0] == "run" else b24(*args), code, text
    )


def test_an_unreachable_portal_is_exit_3(b24, tmp_path):
    result = b24(
        "run",
        "--webhook",
        "https://127.0.0.1:9/rest/1/abc/",
        "--report-dir",
        str(tmp_path),
        "--quiet",
    )
    assert_one_line_error(result, 3, "cannot reach 127.0.0.1:9")
    assert "abc" not in result.stderr


def test_a_run_that_cannot_start_leaves_the_previous_report_alone(b24, tmp_path):
    for name in ("report.html", "deviations.json", "junit.xml"):
        (tmp_path / name).write_text(f"previous {name}")
    for args in (["--docs", "nope"], ["--webhook", "https://127.0.0.1:9/rest/1/abc/"]):
        assert b24("run", "--report-dir", str(tmp_path), "--quiet", *args).returncode in (2, 3)
        for name in ("report.html", "deviations.json", "junit.xml"):
            assert (tmp_path / name).read_text() == f"previous {name}"


@pytest.mark.slow  # three whole runs; test_baseline.py judges diff and baseline in cover
def test_diff_and_baseline_fail_only_on_what_is_new(b24, tmp_path):
    old, new = tmp_path / "old", tmp_path / "new"
    b24("run", "--report-dir", str(old), "--portal-fault", "missing_full_name", *ONE)
    b24(
        "run",
        "--report-dir",
        str(new),
        "--portal-fault",
        "missing_full_name",
        "--portal-fault",
        "color_without_hash",
        *ONE,
    )
    diff = b24("diff", str(old / "deviations.json"), str(new / "deviations.json"))
    assert diff.returncode == 1
    assert re.search(r"^new: [1-9]", diff.stdout, re.M) and "color" in diff.stdout
    assert re.search(r"^unchanged: [1-9]", diff.stdout, re.M)
    known = b24(
        "run",
        "--report-dir",
        str(tmp_path / "again"),
        "--portal-fault",
        "missing_full_name",
        "--baseline",
        str(old / "deviations.json"),
        *ONE,
    )
    assert known.returncode == 0, known.stdout
    back = b24("diff", str(new / "deviations.json"), str(old / "deviations.json"))
    assert back.returncode == 0 and re.search(r"^fixed: [1-9]", back.stdout, re.M)


def test_report_is_rebuilt_from_a_log(b24, tmp_path):
    b24("run", "--report-dir", str(tmp_path), "--portal-fault", "missing_full_name", *ONE)
    (tmp_path / "report.html").unlink()
    rebuilt = b24("report", str(tmp_path / "deviations.json"))
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert "full_name" in (tmp_path / "report.html").read_text()


def test_a_portal_served_in_another_process_is_checked_like_a_live_one(b24, tmp_path):
    portal = subprocess.Popen(
        [sys.executable, "-m", "b24conform.cli", "portal", "--port", "0", "--rate-limit", "off"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        url = None
        deadline = time.monotonic() + 30
        while url is None and time.monotonic() < deadline:
            line = portal.stdout.readline()
            match = re.search(r"http://127\.0\.0\.1:\d+/rest/\d+/\S+/", line)
            url = match.group(0) if match and "employee" in line else None
        assert url, "the portal printed no employee webhook URL"
        result = b24("run", "--webhook", url, "--report-dir", str(tmp_path), *ONE)
        assert result.returncode == 0, result.stdout + result.stderr
        document = json.loads((tmp_path / "deviations.json").read_text())
        assert document["run"]["mode"] == "live"
        secret = url.rstrip("/").rsplit("/", 1)[-1]
        for written in tmp_path.iterdir():
            assert secret not in written.read_text(), f"the webhook code leaked into {written.name}"
    finally:
        portal.terminate()
        portal.wait(timeout=10)


def test_the_progress_line_rewrites_itself_on_a_terminal():
    import io

    from b24conform.cli import ProgressLine
    from b24conform.engine import Progress

    stream = io.StringIO()
    line = ProgressLine(stream)
    line(Progress(1, 10, 1, 0))
    line(Progress(2, 10, 1, 0))  # within 0.1 s of the last: skipped
    line(Progress(10, 10, 3, 2))  # the last one is always shown
    line.clear()
    text = stream.getvalue()
    assert text.count("\r") == 3
    assert "1/10 cases · 1 requests · 0 deviations" in text
    assert "10/10 cases · 3 requests · 2 deviations" in text
    assert "2/10" not in text

"""A run that checked less than it planned never passes: exit 4, "Incomplete", skipped in JUnit.

The gate rule (`deviations.verdict`): nothing answered → 3; a failing deviation → 1 (what was found
stands, checked or not the rest); cases not checked → 4; else 0.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

from b24conform import cli, engine
from b24conform.baseline import exit_code
from b24conform.engine import RunOptions, run
from b24conform.spec import load_spec
from b24conform.targets import TargetOptions
from tests.settings import EXAMPLES

FAST = [
    *("--methods", "im.department.get", "--max-examples", str(EXAMPLES)),
    *("--rate-limit", "off", "--quiet"),
]


def _document(cases: int, not_checked: int, severities: tuple[str, ...] = (), **run: object):
    return {
        "run": {"not_checked": not_checked, **run},
        "summary": {"cases": cases},
        "deviations": [{"severity": s, "baseline": "new"} for s in severities],
        "not_checked": [{"reason": "request budget used up"}] * not_checked,
    }


@pytest.mark.parametrize(
    "document, fail_on, code",
    [
        (_document(10, 0), "error", 0),
        (_document(10, 0, ("warning",)), "error", 0),
        (_document(10, 0, ("error",)), "error", 1),
        (_document(10, 3), "error", 4),
        (_document(10, 3, ("warning",)), "error", 4),
        (_document(10, 3, ("error",)), "error", 1),  # a failing deviation stands
        (_document(10, 3, ("error",)), "never", 4),  # the gate is off, the run still partial
        (_document(10, 0, interrupted=True), "error", 4),
        (_document(10, 10), "error", 3),  # not one answer: the target could not be checked
        (_document(10, 10, ("info",)), "info", 3),  # docs contradictions are no check of it
    ],
)
def test_the_gate_rule(document, fail_on, code):
    assert exit_code(document, fail_on) == code


@pytest.fixture
def unforeseen_budget(monkeypatch):
    """A budget the plan did not foresee. A budgeted run is planned to fit (`test_budget`); it is
    still hit when retries or a longer walk spend more than planned: as here, where the planner
    is told of no budget and the client still enforces it."""
    monkeypatch.setattr(engine, "budget_for", lambda **kw: None)


@pytest.mark.usefixtures("unforeseen_budget")
def test_a_request_budget_makes_the_run_incomplete_everywhere(tmp_path, capsys):
    code = cli.main(["run", "--max-requests", "4", "--report-dir", str(tmp_path), *FAST])
    out, err = capsys.readouterr()
    assert code == 4
    document = json.loads((tmp_path / "deviations.json").read_text())
    missed = document["run"]["not_checked"]
    assert (
        0
        < missed
        < document["summary"]["cases"]
        == len(document["not_checked"]) + (document["summary"]["cases"] - missed)
    )
    assert {e["reason"] for e in document["not_checked"]} == {"request budget used up"}
    [line] = err.strip().splitlines()
    cases = document["summary"]["cases"]
    assert line == (
        f"b24conform: incomplete: {missed} of {cases} planned cases not checked "
        f"(request budget used up: {missed})"
    )
    assert f"{missed} not checked" in out
    html = (tmp_path / "report.html").read_text()
    assert "<strong>Incomplete:</strong>" in html and "Passed" not in html
    junit = ET.parse(tmp_path / "junit.xml").getroot()
    skipped = [s for s in junit.iter("skipped") if s.get("message", "").startswith("not checked")]
    assert len(skipped) == missed
    assert {s.get("message") for s in skipped} == {"not checked: request budget used up"}


@pytest.mark.usefixtures("unforeseen_budget")
def test_failing_deviations_outrank_incompleteness(tmp_path, capsys):
    args = ["run", "--max-requests", "6", "--portal-fault", "missing_full_name"]
    code = cli.main([*args, "--report-dir", str(tmp_path), *FAST])
    err = capsys.readouterr().err
    assert code == 1
    assert err.startswith("b24conform: incomplete: ")
    html = (tmp_path / "report.html").read_text()
    assert "<strong>Failed:</strong>" in html and "Also incomplete:" in html


def test_a_complete_run_says_nothing_on_stderr_and_exits_0(tmp_path, capsys):
    code = cli.main(["run", "--report-dir", str(tmp_path), *FAST])
    out, err = capsys.readouterr()
    assert (code, err) == (0, "")
    assert "not checked" not in out
    assert "<strong>Passed:</strong>" in (tmp_path / "report.html").read_text()


def test_a_time_limit_spent_before_the_first_call_is_exit_3_with_a_reason(tmp_path, capsys):
    code = cli.main(["run", "--max-time", "0.000001", "--report-dir", str(tmp_path), *FAST])
    [line] = capsys.readouterr().err.strip().splitlines()
    assert code == 3
    assert line.startswith("b24conform: nothing checked: run time limit reached before")


@pytest.mark.usefixtures("unforeseen_budget")
@pytest.mark.slow  # waits out its second; test_shipped_cassettes keeps a replay to --max-time
def test_a_short_time_limit_never_ends_silently(tmp_path, capsys):
    """`--max-time 1` under the standard plan: what is left is said on stderr, never a pass."""
    args = ["run", "--max-time", "1", "--rate-limit", "2/s:3", "--report-dir", str(tmp_path)]
    code = cli.main([*args, *FAST[:4], "--quiet"])
    [line] = capsys.readouterr().err.strip().splitlines()
    assert code in (3, 4)  # how far it got in a second depends on the machine; never 0
    assert line.startswith(("b24conform: incomplete: ", "b24conform: nothing checked: "))
    assert "run time limit reached" in line


class Interrupt:
    """A progress listener that presses Ctrl-C once `after` cases are done."""

    def __init__(self, after: int) -> None:
        self.after = after
        self.pressed = False

    def __call__(self, progress) -> None:
        if progress.cases_done >= self.after and not self.pressed:
            self.pressed = True
            raise KeyboardInterrupt


def _options(*methods: str, **kw) -> RunOptions:
    return RunOptions(
        target=TargetOptions(rate_limit=None), methods=methods, max_examples=EXAMPLES, **kw
    )


def test_ctrl_c_counts_every_case_it_left_unchecked():
    complete = run(_options("im.department.get")).document
    outcome = run(_options("im.department.get", progress=Interrupt(after=15)))
    document = outcome.document
    assert outcome.exit_code == 4
    assert document["run"]["interrupted"] is True
    # every planned case is counted: the checked ones plus the ones Ctrl-C left
    assert document["summary"]["cases"] == complete["summary"]["cases"]
    assert {e["reason"] for e in document["not_checked"]} == {"interrupted"}
    assert document["run"]["not_checked"] == document["summary"]["cases"] - 15


def test_ctrl_c_before_a_paging_walk_lists_the_walk_as_not_checked():
    method = "im.department.colleagues.list"
    first_page = {"LIMIT": load_spec().method(method).raw["paging"]["walk_limit"]}
    document = run(_options(method, progress=Interrupt(after=1))).document
    walk = [e for e in document["not_checked"] if e["request"]["params"] == first_page]
    assert [e["reason"] for e in walk] == ["interrupted"]

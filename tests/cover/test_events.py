"""The run's events: every planned case reaches a listener once, judged or skipped with why."""

from __future__ import annotations

from b24conform.engine import RunOptions, run
from b24conform.events import CaseJudged, CaseSkipped
from b24conform.targets import TargetOptions
from tests.settings import EXAMPLES


def test_a_callers_listener_hears_every_case_once_and_what_the_document_says():
    heard: list = []
    target = TargetOptions(portal_faults=("missing_full_name",), rate_limit=None, max_requests=12)
    options = RunOptions(
        target=target,
        methods=("im.department.get",),
        max_examples=EXAMPLES,
        listeners=(heard.append,),
    )
    document = run(options).document
    planned = [e for e in heard if e.planned]
    assert len(planned) == document["summary"]["cases"]
    assert len({id(e.case) for e in planned}) == len(planned)  # each case once
    skipped = [e for e in heard if isinstance(e, CaseSkipped)]
    assert [e.reason for e in skipped] == [n["reason"] for n in document["not_checked"]]
    failed = {
        name for e in heard if isinstance(e, CaseJudged) for name, findings in e.results if findings
    }
    # the checks that failed on an answer are the deviations with a request to reproduce them
    # (a run-wide step, such as the docs' own examples, reports without one)
    assert failed == {d["check"] for d in document["deviations"] if d["reproduce"]}
    assert "response_schema" in failed

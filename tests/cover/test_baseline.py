"""Baselines and diffs: known deviations do not fail the gate, new ones do, fixed ones are listed."""

from __future__ import annotations

import copy
import json

import pytest

from b24conform.baseline import Baseline, diff_documents, exit_code, failing
from b24conform.errors import UsageError


def deviation(id_: str, severity: str = "error") -> dict:
    return {
        "id": id_,
        "method": "im.department.get",
        "check": "response_schema",
        "kind": "missing_field",
        "severity": severity,
        "location": f"/result/*/{id_}",
        "message": id_,
        "baseline": "new",
    }


def document(*deviations, observations=()) -> dict:
    return {
        "format": "b24conform.deviations/1",
        "run": {"fail_on": "error"},
        "deviations": list(deviations),
        "observations": list(observations),
        "fixed": [],
    }


OBSERVATION = {
    "probe": "unknown_ids",
    "method": "im.department.get",
    "request": {"params": {"ID": [9]}},
    "outcome": {"status": 200, "result": []},
    "doc": "silent",
}


def test_known_deviations_do_not_fail_new_ones_do_fixed_ones_are_listed(tmp_path):
    old = tmp_path / "old.json"
    old.write_text(json.dumps(document(deviation("a"), deviation("gone"))))
    current = document(deviation("a"), deviation("b"))
    Baseline.load(old).apply(current)
    assert [d["baseline"] for d in current["deviations"]] == ["known", "new"]
    assert [d["id"] for d in current["fixed"]] == ["gone"]
    assert [d["id"] for d in failing(current, "error")] == ["b"]
    assert exit_code(current, "error") == 1
    current["deviations"].pop()
    assert exit_code(current, "error") == 0


def test_an_accepted_deviations_file_needs_a_reason_per_id(tmp_path):
    accepted = tmp_path / "accepted.json"
    accepted.write_text(
        json.dumps(
            {
                "format": "b24conform.accepted/1",
                "accepted": [{"id": "a", "reason": "known portal quirk, ticket 42"}],
            }
        )
    )
    current = document(deviation("a"))
    Baseline.load(accepted).apply(current)
    assert current["deviations"][0]["baseline"] == "known"
    assert current["deviations"][0]["accepted_reason"] == "known portal quirk, ticket 42"
    accepted.write_text(json.dumps({"format": "b24conform.accepted/1", "accepted": [{"id": "a"}]}))
    with pytest.raises(UsageError, match="needs an id and a reason"):
        Baseline.load(accepted)


@pytest.mark.parametrize("text", ["{", json.dumps({"format": "other/1"}), json.dumps([1])])
def test_a_bad_baseline_is_a_usage_error(tmp_path, text):
    path = tmp_path / "b.json"
    path.write_text(text)
    with pytest.raises(UsageError):
        Baseline.load(path)


@pytest.mark.parametrize(
    "fail_on, failing_ids",
    [("error", ["e"]), ("warning", ["e", "w"]), ("info", ["e", "w", "i"]), ("never", [])],
)
def test_fail_on_sets_the_severity_that_fails(fail_on, failing_ids):
    doc = document(deviation("e"), deviation("w", "warning"), deviation("i", "info"))
    assert [d["id"] for d in failing(doc, fail_on)] == failing_ids


def test_diff_lists_what_changed_between_two_runs_including_docs_silent_behaviour():
    before = document(deviation("a"), deviation("gone"), observations=[OBSERVATION])
    changed = copy.deepcopy(OBSERVATION)
    changed["outcome"] = {"status": 400, "error": "INVALID_FORMAT"}
    after = document(deviation("a"), deviation("b"), observations=[changed])
    result = diff_documents(before, after)
    assert [d["id"] for d in result["new"]] == ["b"]
    assert [d["id"] for d in result["fixed"]] == ["gone"]
    assert [d["id"] for d in result["unchanged"]] == ["a"]
    [observation] = result["changed_observations"]
    assert observation["changed"] == {"before": {"status": 200, "result": []}}

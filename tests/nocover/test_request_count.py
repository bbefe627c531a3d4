"""The default run of the four methods, counted by the reference portal itself."""

from __future__ import annotations

import pytest

from tests.cover.test_pairs import portal_counted_run


@pytest.mark.slow
def test_the_default_run_stays_within_120_requests_and_is_never_throttled():
    document, served = portal_counted_run(
        (
            "im.department.get",
            "im.department.managers.get",
            "im.department.employees.get",
            "im.department.colleagues.list",
        )
    )
    assert served == document["run"]["requests"] <= 120
    assert document["run"]["throttled"] == 0
    pairs = [c for c in document["coverage"] if c["category"] == "pair"]
    assert len({c["method"] for c in pairs}) == 4
    assert {c["status"] for c in pairs} == {"passed"}

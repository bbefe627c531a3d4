"""Under pytest, a check whose method left planned cases unchecked never passes (the CLI's exit 4)."""

from __future__ import annotations

import pytest

from b24conform.engine import Outcome
from b24conform.plugin import assert_conforms

METHOD = "im.department.get"


def _outcome(not_checked: list[dict]) -> Outcome:
    document = {
        "run": {"methods": [METHOD], "fail_on": "error"},
        "deviations": [],
        "not_checked": not_checked,
    }
    return Outcome(document, 4 if not_checked else 0)


def test_a_check_of_a_fully_checked_method_passes():
    assert_conforms(
        _outcome([{"method": "im.department.managers.get", "reason": "x"}]), METHOD, "envelope"
    )


def test_a_check_of_a_method_with_unchecked_cases_fails_and_says_why():
    left = [{"method": METHOD, "request": {}, "reason": "request budget used up"}] * 3
    with pytest.raises(
        pytest.fail.Exception, match=r"incomplete: 3 planned cases .*budget used up: 3"
    ):
        assert_conforms(_outcome(left), METHOD, "envelope")

"""ATOM dates are read the same on every supported Python (3.10's fromisoformat is narrower)."""

from __future__ import annotations

import pytest

from b24conform.checks.rules import dates_agree, parse_instant
from b24conform.spec import load_spec

START = 1772527966  # 2026-03-03T08:52:46Z, the docs example's `start`
DOC = load_spec("current").method("im.department.get").rule_doc("time_dates_agree")

# The same instant written in every form ISO 8601 allows; 3.10's fromisoformat rejects the last four.
SAME_INSTANT = [
    "2026-03-03T09:52:46+01:00",
    "2026-03-03T08:52:46+00:00",
    "2026-03-03T05:52:46-03:00",
    "2026-03-03T08:52:46Z",
    "2026-03-03T09:52:46+0100",
    "2026-03-03T09:52:46.000+01:00",
    "2026-03-03T09:52:46.5+01:00",
]


@pytest.mark.parametrize("text", SAME_INSTANT)
def test_every_iso_form_of_an_instant_is_read_as_that_instant(text):
    assert parse_instant(text) == pytest.approx(START, abs=0.5)


@pytest.mark.parametrize("text", ["2026-03-03T09:52:46", "yesterday", "2026-13-03T09:52:46Z", 7])
def test_a_date_without_offset_or_not_a_date_names_no_instant(text):
    assert parse_instant(text) is None


@pytest.mark.parametrize("text", SAME_INSTANT)
def test_dates_naming_the_start_instant_agree_in_any_form(text):
    assert list(dates_agree(DOC, {"start": START, "date_start": text})) == []


@pytest.mark.parametrize("text", ["2026-03-03T10:52:46Z", "2026-03-03T11:52:46+0100"])
def test_dates_two_hours_off_are_found_in_forms_3_10_cannot_parse(text):
    found = list(dates_agree(DOC, {"start": START, "date_start": text}))
    assert [(f.kind, f.location) for f in found] == [("invariant", "/time/date_start")]

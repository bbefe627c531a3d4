"""Every fault of the reference portal is caught: the deviation it must cause is reported."""

from __future__ import annotations

import pytest

from b24conform.matrix import run_fault
from b24conform.portal import CATALOGUE

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("name", sorted(CATALOGUE))
def test_fault_is_caught(name):
    row = run_fault(name)
    assert row.caught, f"{name}: expected {row.missed} among the reported deviations"

"""jsonschema-rs and jsonschema agree on validity for every answer of every faulty portal.

The companion of tests/cover/test_validation.py: each fault of the reference portal breaks a
documented claim, many of them in the answers' shape; the suite runs once per fault and every
(schema, instance) it validated, requests drawn by Hypothesis included, is judged by both engines.
"""

from __future__ import annotations

import pytest

from b24conform.engine import RunOptions
from b24conform.portal import CATALOGUE
from b24conform.targets import TargetOptions
from tests.validation_corpus import captured, disagreements, distinct

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("name", sorted(CATALOGUE))
def test_the_engines_agree_on_the_answers_of_a_faulty_portal(name):
    options = RunOptions(
        target=TargetOptions(rate_limit=None, portal_faults=(name,), timeout=5.0),
        max_examples=10,
    )
    pairs = distinct(captured(options))
    assert pairs
    assert disagreements(pairs) == []

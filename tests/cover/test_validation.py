"""jsonschema-rs answers "valid?" exactly as jsonschema does; jsonschema's errors stay the findings.

The fast engine only decides whether jsonschema is asked at all (spec/validation.py), so the
verdicts are jsonschema's as long as the two agree on validity. Compared here on every schema of
both revisions, over the answers of the shipped cassettes judged by either revision, the object
schemas over every kind of object those answers hold, and broken variants of both; the fault
catalogue's answers are compared in tests/nocover/test_validation_faults.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from b24conform.spec import available_revisions, load_spec
from tests.validation_corpus import disagreements, distinct, mutations, nodes, replayed

CASSETTES = Path(__file__).resolve().parents[2] / "cassettes"
PER_SCHEMA = 40
MUTATED = 3


def object_validators(revision: str):
    spec = load_spec(revision)
    return [
        spec.validator({"$ref": f"{name}.json"}, name)
        for name, document in spec.documents.items()
        if "method" not in document and name != "platform"
    ]


@pytest.fixture(scope="module")
def recorded():
    """Distinct (validator, answer) pairs of the shipped cassettes, judged by each revision."""
    pairs = []
    for revision in available_revisions():
        for cassette in ("reference", "docs-examples"):
            pairs += replayed(CASSETTES / cassette, revision)
    return distinct(pairs)


@pytest.mark.parametrize("revision", available_revisions())
def test_every_schema_of_the_revision_compiles_for_the_fast_engine(revision):
    spec = load_spec(revision)
    validators = object_validators(revision)
    for contract in spec.methods.values():
        validators += [contract.response_validator(), contract.request_validator()]
    assert validators
    assert [v.uri for v in validators if v.fast is None] == []


@pytest.mark.slow  # a sweep of four replays' answers: selected by --slow (CI)
def test_the_engines_agree_on_every_recorded_answer(recorded):
    per_schema: dict[str, int] = {}
    sample = []
    for validator, instance in recorded:
        per_schema[validator.uri] = per_schema.get(validator.uri, 0) + 1
        if per_schema[validator.uri] <= PER_SCHEMA:
            sample.append((validator, instance))
    assert len(per_schema) >= 7  # the response schemas of both revisions, error bodies
    assert disagreements(sample) == []
    # and the fast path is the one taken: most recorded answers are valid
    assert sum(v.is_valid_fast(i) for v, i in sample) > len(sample) / 2


@pytest.mark.slow  # the widest sweep (over 1,000 pairs): selected by --slow (CI)
def test_the_engines_agree_on_every_object_schema_and_broken_objects(recorded):
    """Each object schema (department, user, phones, time, error) against every kind of object
    the recorded answers hold, and against broken variants of those it accepts."""
    objects = {}
    for _, instance in recorded:
        for _, value in nodes(instance):
            if isinstance(value, dict):
                objects.setdefault(json.dumps(sorted(value)), value)
    pairs = []
    for revision in available_revisions():
        for validator in object_validators(revision):
            accepted = [value for value in objects.values() if validator.is_valid_fast(value)]
            pairs += [(validator, value) for value in objects.values()]
            pairs += [
                (validator, broken) for value in accepted[:MUTATED] for broken in mutations(value)
            ]
    assert len(pairs) > 1000
    assert disagreements(pairs) == []


@pytest.mark.slow  # broken variants of every recorded answer: selected by --slow (CI)
def test_the_engines_agree_on_broken_answers(recorded):
    first = {}
    for validator, instance in recorded:
        first.setdefault(validator.uri, (validator, instance))
    pairs = [(v, broken) for v, instance in first.values() for broken in mutations(instance, 2)]
    assert disagreements(pairs) == []


def test_the_engines_agree_on_every_recorded_request_and_broken_requests():
    corpus = json.loads((CASSETTES / "reference" / "corpus.json").read_text())
    pairs = []
    for revision in available_revisions():
        for contract in load_spec(revision).methods.values():
            validator = contract.request_validator()
            sent = {
                json.dumps(case["call"]["params"], sort_keys=True): case["call"]["params"]
                for case in corpus["direct"] + corpus["batched"]
                if case["method"] == contract.name
            }
            pairs += [(validator, params) for params in sent.values()]
            for params in list(sent.values())[:MUTATED]:
                pairs += [(validator, broken) for broken in mutations(params)]
    assert len(pairs) > 1000
    assert disagreements(pairs) == []


@pytest.mark.parametrize(
    ("format_", "value", "valid"),
    [
        ("date-time", "2024-01-01T10:00:00+03:00", True),
        ("date-time", "2024-01-01t10:00:00z", True),
        ("date-time", "2024-01-01T10:00:00", False),
        ("date-time", "2024-13-01T10:00:00+03:00", False),
        ("date-time", "2024-02-30T10:00:00+03:00", False),
        ("date-time", "2024-01-01 10:00:00+03:00", False),
        ("uri", "https://cdn.example.com/a.png", True),
        ("uri", "https://[::1]:8080/x?y#z", True),
        ("uri", "mailto:someone@example.com", True),
        ("uri", "relative/path.png", False),
        ("uri", "//cdn.example.com/a.png", False),
        ("uri", "http://exa mple.com/", False),
    ],
)
def test_a_format_is_exactly_as_strict_as_jsonschemas_format_check(format_, value, valid):
    validator = load_spec("current").validator({"type": "string", "format": format_}, format_)
    assert validator.is_valid_fast(value) is valid
    assert (not list(validator.reference.iter_errors(value))) is valid


def test_what_the_fast_engine_cannot_take_is_left_to_jsonschema():
    """NaN and Infinity parse from JSON text in Python but exist in no JSON value."""
    validator = load_spec("current").validator({"type": "number", "maximum": 10}, "n")
    for value in (float("nan"), float("inf"), float("-inf")):
        assert validator.is_valid_fast(value) is False
        messages = [e.message for e in validator.iter_errors(value)]
        assert messages == [e.message for e in validator.reference.iter_errors(value)]
    assert list(validator.iter_errors(float("-inf"))) == []  # as jsonschema says
    assert disagreements([(validator, v) for v in (2**70, -(2**70), 1.0, 11, 1.5)]) == []

"""Docs coverage of fields: which documented fields some answer had, without a pointer per node."""

from __future__ import annotations

from pathlib import Path

from b24conform.spec import load_spec
from b24conform.spec.fields import FieldPresence, documented_pointers
from tests.validation_corpus import replayed

REFERENCE = Path(__file__).resolve().parents[2] / "cassettes" / "reference"


def every_pointer(value, prefix=""):
    """The oracle: the generalized pointer of every node (indices and id keys as `*`)."""
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from every_pointer(item, f"{prefix}/{'*' if key.isdigit() else key}")
    elif isinstance(value, list):
        for item in value:
            yield from every_pointer(item, f"{prefix}/*")


def test_the_fields_seen_are_the_documented_pointers_present_in_the_answers():
    spec = load_spec("current")
    answers = replayed(REFERENCE, "current")
    for contract in spec.methods.values():
        bodies = [i for v, i in answers if v is contract.response_validator()]
        documented = {pointer for pointer, _ in documented_pointers(contract)}
        presence = FieldPresence(contract)
        for body in bodies:
            presence.visit(body)
        present = {p for body in bodies for p in every_pointer(body)}
        assert bodies and documented
        assert presence.seen == documented & present


def test_a_field_first_present_in_a_late_answer_is_seen():
    contract = load_spec("current").method("im.department.get")
    presence = FieldPresence(contract)
    head = {"id": 1, "name": "A", "phones": False}
    presence.visit({"result": [{"id": 1, "manager_user_data": head}], "time": {}})
    assert "/result/*/manager_user_data/name" in presence.seen
    assert "/result/*/manager_user_data/phones/inner_phone" not in presence.seen
    later = {**head, "phones": {"inner_phone": "1"}}
    presence.visit({"result": [{"id": 1}, {"id": 2, "manager_user_data": later}]})
    assert "/result/*/manager_user_data/phones/inner_phone" in presence.seen
    assert "/result/*/undocumented" not in presence.seen

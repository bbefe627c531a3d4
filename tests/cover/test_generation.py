"""Requests come from the request schema and the target's ids, the same for the same seed."""

from __future__ import annotations

import json

import pytest

from b24conform.engine import RunOptions, run
from b24conform.errors import UsageError
from b24conform.generation import (
    draw_valid_params,
    error_cases,
    probe_cases,
    unknown_probes,
    valid_cases,
)
from b24conform.spec import load_spec
from b24conform.targets import TargetOptions
from b24conform.transport import FakeTransport

CONTRACT = load_spec("current").method("im.department.get")
IDS = [5, 17, 23, 42, 99, 1204]


def test_valid_requests_use_only_target_ids_and_cover_every_documented_shape():
    params = draw_valid_params(CONTRACT, {"department_ids": IDS}, 60, seed=1)
    assert len(params) == 60
    validator = CONTRACT.request_validator()
    shapes = set()
    for p in params:
        assert list(validator.iter_errors(p)) == []
        ids = json.loads(p["ID"]) if isinstance(p["ID"], str) else p["ID"]
        assert set(ids) <= set(IDS) and len(ids) == len(set(ids)) >= 1
        shapes.add((type(p["ID"]).__name__, p.get("USER_DATA", "absent")))
    assert shapes == {(t, u) for t in ("list", "str") for u in ("Y", "N", "absent")}


def test_same_seed_same_corpus_other_seed_other_corpus():
    first = draw_valid_params(CONTRACT, {"department_ids": IDS}, 20, seed=3)
    assert first == draw_valid_params(CONTRACT, {"department_ids": IDS}, 20, seed=3)
    assert first != draw_valid_params(CONTRACT, {"department_ids": IDS}, 20, seed=4)


@pytest.mark.slow  # a whole run or more: selected by --slow (CI)
def test_max_examples_scales_the_corpus():
    assert len(valid_cases(CONTRACT, IDS, 400, seed=0)) == 400
    assert len(valid_cases(CONTRACT, IDS, 20, seed=0)) == 20


def test_requested_ids_and_user_data_are_recorded_for_the_rules():
    for case in valid_cases(CONTRACT, IDS, 30, seed=0):
        params = case.call.params
        ids = json.loads(params["ID"]) if isinstance(params["ID"], str) else params["ID"]
        assert case.requested_ids == tuple(ids)
        assert case.user_data == (params.get("USER_DATA") == "Y")


def test_documented_invalid_requests_expect_invalid_format():
    cases = error_cases(CONTRACT)
    assert [c.call.params for c in cases] == [{}, {"ID": []}, {"ID": ""}]
    assert {(c.expect.status, c.expect.error) for c in cases} == {(400, "INVALID_FORMAT")}


def test_every_probe_the_contract_names_has_requests_built_from_target_ids():
    cases = probe_cases(CONTRACT, IDS, "batch")
    names = {c.name for c in cases}
    assert names == {p["name"] for p in CONTRACT.probes} - {"headless_department"}
    more = next(c for c in cases if c.name == "more_than_50_ids")
    assert len(more.call.params["ID"]) > 50
    assert all(c.kind == "probe" and c.doc in ("silent", "ambiguous") for c in cases)


def test_a_probe_the_generator_cannot_send_is_an_error_before_any_request(monkeypatch):
    spec = load_spec("current")
    assert unknown_probes(list(spec.methods.values())) == []
    typo = {"name": "unknown_idz", "doc": "silent", "about": "a typo in a contract"}
    monkeypatch.setitem(CONTRACT.raw, "probes", [*CONTRACT.probes, typo])
    assert unknown_probes([CONTRACT]) == ["im.department.get: unknown_idz"]
    with pytest.raises(UsageError, match="unknown_idz"):
        probe_cases(CONTRACT, IDS, "batch")
    with pytest.raises(UsageError, match="probes with no requests"):
        target = TargetOptions(webhook=WEBHOOK, transport=FakeTransport(refuse_all))
        run(RunOptions(target=target))


WEBHOOK = "https://portal.example.test/rest/1/code/"


def refuse_all(request):
    raise AssertionError("a request was sent before the contracts were checked")


@pytest.mark.slow  # 400 draws: Hypothesis shows its local constants only in a long draw
def test_the_corpus_depends_on_the_seed_not_on_what_is_imported(tmp_path, monkeypatch):
    """Hypothesis mixes constants of local source files into its draws; ours must not follow
    what a process happened to import (nor leave a `.hypothesis/` folder where it ran)."""
    contract = load_spec("current").method("im.department.colleagues.list")
    before = draw_valid_params(contract, {"department_ids": IDS}, 200, seed=9)
    numbers = ", ".join(str(n) for n in range(7, 400_000, 997))
    (tmp_path / "lots_of_constants.py").write_text(f"OFFSETS = [{numbers}]\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.chdir(tmp_path)
    __import__("lots_of_constants")
    assert draw_valid_params(contract, {"department_ids": IDS}, 200, seed=9) == before
    assert not (tmp_path / ".hypothesis").exists()


def test_a_draw_hypothesis_cannot_make_is_one_line_not_a_traceback():
    from hypothesis import strategies as st

    from b24conform.generation import GenerationError, draw_one

    with pytest.raises(GenerationError, match=r"^cannot draw the requests of the pairwise cases: "):
        draw_one(st.lists(st.integers(), min_size=100_000), seed=1)

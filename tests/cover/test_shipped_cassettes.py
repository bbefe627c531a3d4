"""The cassettes shipped in cassettes/ replay offline, and the docs' own exchanges conform."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest

from b24conform.engine import RunOptions, run
from b24conform.targets import TargetOptions

CASSETTES = Path(__file__).resolve().parents[2] / "cassettes"


@pytest.fixture
def no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("a replay tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def replay(name: str) -> dict:
    return run(RunOptions(target=TargetOptions(cassette=CASSETTES / name))).document


def test_the_reference_recording_replays_offline_and_conforms(no_network):
    document = replay("reference")
    assert document["run"]["mode"] == "replay"
    assert document["summary"]["cases"] >= 800
    assert [d for d in document["deviations"] if d["severity"] != "info"] == []


def test_the_docs_own_example_exchanges_conform_to_the_schemas_built_from_them(no_network):
    document = replay("docs-examples")
    assert document["summary"]["cases"] == 6
    serious = {
        (d["method"], d["severity"], d["location"])
        for d in document["deviations"]
        if d["severity"] != "info"
    }
    # the im.department.get page prints date_start two hours off start; platform.md's examples agree
    assert serious == {
        ("im.department.get", "warning", "/time/date_start"),
        ("im.department.get", "warning", "/time/date_finish"),
    }
    kinds = {(d["method"], d["location"]) for d in document["deviations"]}
    assert (
        "im.department.employees.get",
        "doc:platform.md#6. The department methods of the `im` module (scope `im`)/result/*/*/avatar_hr",
    ) in kinds


def test_the_docs_examples_cassette_is_up_to_date(tmp_path):
    subprocess.run(
        [sys.executable, str(CASSETTES / "build_docs_examples.py"), str(tmp_path)], check=True
    )
    for name in ("cassette.json", "corpus.json", "meta.json"):
        assert (tmp_path / name).read_text() == (CASSETTES / "docs-examples" / name).read_text(), (
            f"cassettes/docs-examples/{name} is stale: run python cassettes/build_docs_examples.py"
        )

"""The cassettes shipped in cassettes/ replay offline, and the docs' own exchanges conform."""

from __future__ import annotations

import json
import re
import runpy
import socket
from pathlib import Path

import pytest

from b24conform.cassettes.replay import ReplayTransport
from b24conform.cli import main
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
    build = runpy.run_path(str(CASSETTES / "build_docs_examples.py"))["build"]
    build(tmp_path)
    for name in ("cassette.json", "corpus.json", "meta.json"):
        assert (tmp_path / name).read_text() == (CASSETTES / "docs-examples" / name).read_text(), (
            f"cassettes/docs-examples/{name} is stale: run python cassettes/build_docs_examples.py"
        )


@pytest.fixture
def served(monkeypatch):
    """How many requests the cassette answered: counted below the client, at the transport."""
    sent = []
    send = ReplayTransport.send

    def counting(self, request):
        sent.append(request.rest_method)
        return send(self, request)

    monkeypatch.setattr(ReplayTransport, "send", counting)
    return sent


def test_a_replay_keeps_to_max_requests_and_says_the_budget_ran_out(
    no_network, served, tmp_path, capsys
):
    reference = str(CASSETTES / "reference")
    code = main(
        ["run", "--cassette", reference, "--max-requests", "3", "--report-dir", str(tmp_path)]
    )
    err = capsys.readouterr().err
    document = json.loads((tmp_path / "deviations.json").read_text())
    assert len(served) == 3 == document["run"]["requests"]
    # planned to fit (the recorded batches kept whole): what was planned was checked, the rest
    # is listed as left out of the plan, and stderr says so
    assert document["not_checked"] == []
    assert {entry["reason"] for entry in document["not_planned"]} == {"--max-requests 3"}
    assert re.search(r"planned to fit --max-requests 3: \d+ cases left out", err)
    assert code == 0


def test_a_replay_keeps_to_max_time(no_network, served, monkeypatch):
    class Clock:
        """The client's clock: every request served takes ten seconds."""

        now = 0.0

        def monotonic(self):
            return self.now

    clock = Clock()
    monkeypatch.setattr("b24conform.transport.client.time", clock)
    send = ReplayTransport.send

    def slow(self, request):
        clock.now += 10
        return send(self, request)

    monkeypatch.setattr(ReplayTransport, "send", slow)
    target = TargetOptions(cassette=CASSETTES / "reference", max_time=25)
    document = run(RunOptions(target=target)).document
    assert len(served) == 3 == document["run"]["requests"]
    assert {entry["reason"] for entry in document["not_checked"]} == {"run time limit reached"}

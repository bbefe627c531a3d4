"""No traceback, ever: every option of every subcommand, given a value no one should accept, ends
in one line on stderr and exit 2 (in-process through `cli.main`, so the whole table runs in
seconds). The table is read from the parser itself: a new option is covered when it is added.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from b24conform import cli
from tests.settings import EXAMPLES

#: The values each option gets: none of them is a sensible value for any option.
BAD_VALUES = {
    "empty": "",
    "negative": "-1",
    "huge": "9" * 5000,
    "non-utf8": "\udcff\udcfe",  # the bytes ff fe as Python receives them in argv
    "wrong-type": "abc",
}
#: Values that are legitimately valid for an option (any name is a directory name): not errors.
VALID = {
    ("run", "--report-dir", "negative"),
    ("run", "--report-dir", "non-utf8"),
    ("run", "--report-dir", "wrong-type"),
    ("run", "--record", "negative"),
    ("run", "--record", "non-utf8"),
    ("run", "--record", "wrong-type"),
    ("report", "--report-dir", "negative"),
    ("report", "--report-dir", "non-utf8"),
    ("report", "--report-dir", "wrong-type"),
    ("openapi", "-o", "negative"),  # file names
    ("openapi", "-o", "non-utf8"),
    ("openapi", "-o", "wrong-type"),
    ("portal", "--host", "negative"),  # resolved, not parsed: left to the resolver
    ("portal", "--host", "wrong-type"),
}
#: What a subcommand needs besides the option under test, so that only that option is wrong.
BASE = {
    "run": ["--quiet"],
    "portal": [],
    "diff": [],
    "report": [],
    "openapi": [],
}


def _value_options(parser: argparse.ArgumentParser) -> list[tuple[str, str]]:
    """(subcommand, flag or positional name) for every argument that takes a value."""
    found = []
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for name, subparser in sub.choices.items():
        if name == "config":  # run's option table and types: it shows what `run` would refuse
            continue
        for action in subparser._actions:
            if action.nargs == 0 or isinstance(action, argparse._HelpAction):
                continue
            found.append((name, action.option_strings[0] if action.option_strings else action.dest))
    return found


OPTIONS = _value_options(cli.build_parser())
CASES = [
    pytest.param(command, option, kind, id=f"{command} {option} {kind}")
    for command, option in OPTIONS
    for kind in BAD_VALUES
    if (command, option, kind) not in VALID
]


def _argv(command: str, option: str, value: str, tmp_path: Path) -> list[str]:
    log = tmp_path / "deviations.json"
    if command == "run":
        report = [] if option == "--report-dir" else ["--report-dir", str(tmp_path / "reports")]
        return [command, option, value, *report, *BASE[command]]
    if command in ("portal", "openapi"):
        return [command, option, value]
    if command == "diff":
        other = str(log)
        return [command, value, other] if option == "old" else [command, other, value]
    if option == "log":
        return [command, value]
    return [command, str(log), option, value]


def test_the_table_covers_every_subcommand_and_the_run_options():
    commands = {command for command, _ in OPTIONS}
    assert commands == {"run", "portal", "diff", "report", "openapi"}
    flags = {option for command, option in OPTIONS if command == "run"}
    assert {"--webhook", "--timeout", "--max-time", "--ca-bundle", "--cassette"} <= flags
    assert len(CASES) > 150


@pytest.mark.parametrize("command, option, kind", CASES)
def test_a_bad_value_is_one_line_and_exit_2(command, option, kind, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for name in ("B24_WEBHOOK_URL", "B24_PORTAL_URL", "B24_ACCESS_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    sample = json.loads((Path(__file__).parent / "data" / "minimal_log.json").read_text())
    (tmp_path / "deviations.json").write_text(json.dumps(sample))
    argv = _argv(command, option, BAD_VALUES[kind], tmp_path)
    try:
        code = cli.main(argv)
    except SystemExit as exc:  # argparse exits
        code = exc.code
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    lines = err.strip().splitlines()
    assert code == 2, (argv[:4], out[-300:], err[-300:])
    assert len(lines) == 1 and lines[0].startswith("b24conform"), err
    assert len(lines[0]) < 600
    assert not (tmp_path / "reports").exists()  # nothing written by a run that did not start


SHIPPED = Path(__file__).parents[2] / "cassettes" / "reference"


def _broken_cassette(tmp_path: Path, text: str | bytes) -> str:
    import shutil

    folder = tmp_path / "cassette"
    shutil.copytree(SHIPPED, folder)
    recording = folder / "cassette.json"
    if isinstance(text, bytes):
        recording.write_bytes(text)
    else:
        recording.write_text(text)
    return str(folder)


def _truncated(tmp_path: Path) -> str:
    text = (SHIPPED / "cassette.json").read_text()
    return _broken_cassette(tmp_path, text[: len(text) // 2])


@pytest.mark.parametrize(
    "make_args, first_line",
    [
        (
            lambda tmp: ["--cassette", _truncated(tmp)],
            "cassette.json is not valid JSON at line",
        ),
        (
            lambda tmp: ["--cassette", _broken_cassette(tmp, "<html>not json</html>")],
            "cassette.json is not valid JSON at line 1",
        ),
        (lambda tmp: ["--cassette", _broken_cassette(tmp, "")], "cassette.json is empty"),
        (lambda tmp: ["--cassette", _broken_cassette(tmp, b"\xff\xfe\x00")], "not UTF-8"),
        (
            lambda tmp: ["--cassette", _broken_cassette(tmp, '{"version": 1}')],
            "not a vcrpy recording",
        ),
        (lambda tmp: ["--cassette", str(tmp / "nope")], "nope: no such directory"),
        (lambda tmp: ["--ca-bundle", str(tmp / "ca.pem")], "ca.pem: no such file"),
        (lambda tmp: ["--ca-bundle", str(SHIPPED / "meta.json")], "holds no PEM certificate"),
        (lambda tmp: ["--ca-bundle", str(tmp)], "is a directory"),
        (lambda tmp: ["--timeout", "0"], "--timeout: must be more than 0"),
        (lambda tmp: ["--timeout", "-5"], "--timeout: must be more than 0"),
        (lambda tmp: ["--timeout", "nan"], "--timeout: must be more than 0"),
        (lambda tmp: ["--max-time", "0"], "--max-time: must be more than 0"),
        (lambda tmp: ["--webhook", ""], "--webhook: is empty"),
        (lambda tmp: ["--docs", ""], "unknown docs revision"),
        (
            lambda tmp: ["--record", str(SHIPPED / "meta.json" / "x")],
            "a part of that path is a file",
        ),
        (
            lambda tmp: ["--extranet-webhook", "https://acme.bitrix24.com/rest/9/x/"],
            "--denied-webhook (--extranet-webhook) needs a live target",
        ),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_each_mistake_seen_is_one_line(make_args, first_line, tmp_path, capsys):
    argv = ["run", *make_args(tmp_path), "--report-dir", str(tmp_path / "reports"), "--quiet"]
    try:
        code = cli.main(argv)
    except SystemExit as exc:
        code = exc.code
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err
    [line] = err.strip().splitlines()
    assert first_line in line, line
    assert not (tmp_path / "reports").exists()


@pytest.mark.slow  # a whole recording; test_cassettes.py records in cover
def test_record_creates_missing_parents(tmp_path, capsys):
    """A --record directory whose parents do not exist yet is made, with them."""
    target = tmp_path / "a" / "b" / "cassette"
    argv = ["run", "--record", str(target), "--report-dir", str(tmp_path / "r"), "--quiet"]
    code = cli.main([*argv, "--methods", "im.department.get", "--max-examples", str(EXAMPLES)])
    assert code == 0, capsys.readouterr().err
    assert {p.name for p in target.iterdir()} == {"cassette.json", "corpus.json", "meta.json"}

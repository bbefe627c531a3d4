"""Options from a flag, a B24_* variable, the configuration file or the default, in that order."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from b24conform.cli import main
from b24conform.options import UNSET, env_name, resolve
from b24conform.portal import ReferencePortal
from b24conform.transport import RateLimit
from tests.settings import EXAMPLES

ONE_METHOD = ["--methods", "im.department.get"]

PYPROJECT = """
[project]
name = "acme-integration"

[tool.b24conform]
fail-on = "warning"
max-examples = 5
seed = 3
rate-limit = "5/s:250"
report-dir = "out"
methods = ["im.department.get", "im.department.managers.get"]
no_batch = true
"""


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A repository with settings in pyproject.toml, entered two folders down; no B24_* set."""
    (tmp_path / "pyproject.toml").write_text(PYPROJECT)
    inner = tmp_path / "tests" / "integration"
    inner.mkdir(parents=True)
    monkeypatch.chdir(inner)
    for name in [n for n in __import__("os").environ if n.startswith("B24_")]:
        monkeypatch.delenv(name)
    return tmp_path


def flags(**given):
    return lambda name: given.get(name, UNSET)


def test_flag_beats_environment_beats_file_beats_default(project):
    settings = resolve(flags(seed=11), environ={"B24_SEED": "4", "B24_MAX_EXAMPLES": "7"})
    assert (settings["seed"].value, settings["seed"].source) == (11, "--seed")
    assert (settings["max_examples"].value, settings["max_examples"].source) == (
        7,
        "B24_MAX_EXAMPLES",
    )
    assert settings["fail_on"].value == "warning"
    assert settings["fail_on"].source == f"{project / 'pyproject.toml'} [tool.b24conform]"
    assert settings["rate_limit"].value == RateLimit(5, 250)
    assert settings["methods"].value == "im.department.get,im.department.managers.get"
    assert settings["no_batch"].value is True
    # a path in the file is relative to the file, not to where the command runs
    assert settings["report_dir"].value == project / "out"
    assert (settings["docs"].value, settings["docs"].source) == ("current", "default")


def test_a_flag_that_switches_something_off_still_wins(project):
    settings = resolve(flags(rate_limit=None), environ={})
    assert (settings["rate_limit"].value, settings["rate_limit"].source) == (None, "--rate-limit")


def test_every_option_has_its_variable(project):
    environ = {
        env_name("max_time"): "12.5",
        env_name("no_batch"): "no",
        env_name("portal_fault"): "missing_full_name,truncated_json",
        env_name("department_ids"): "1,3,7",
        env_name("webhook"): "https://acme.bitrix24.com/rest/1/abc/",
    }
    settings = resolve(flags(), environ=environ)
    assert settings["max_time"].value == 12.5 and settings["no_batch"].value is False
    assert settings["portal_fault"].value == ["missing_full_name", "truncated_json"]
    assert settings["department_ids"].value == (1, 3, 7)
    assert settings["webhook"].source == "B24_WEBHOOK_URL"


def test_b24conform_toml_beats_the_pyproject_of_the_same_folder(project):
    (project / "b24conform.toml").write_text('fail-on = "info"\n')
    assert resolve(flags(), environ={})["fail_on"].value == "info"
    assert resolve(flags(), environ={})["seed"].value == 0  # the pyproject table is not merged


def test_without_a_file_the_defaults_hold(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    settings = resolve(flags(), environ={}, config=None)
    assert {s.source for s in settings.values()} == {"default"}
    assert settings["max_examples"].value == 200


def test_config_shows_value_and_source_with_secrets_masked(project, monkeypatch, capsys):
    monkeypatch.setenv("B24_WEBHOOK_URL", "https://acme.bitrix24.com/rest/1/CANARY123code/")
    monkeypatch.setenv("B24_ACCESS_TOKEN", "CANARYtoken456")
    monkeypatch.setenv("B24_MAX_EXAMPLES", "7")
    assert main(["config", "--seed", "11"]) == 0
    out = capsys.readouterr().out
    assert "CANARY" not in out
    lines = {line.split()[0]: line for line in out.splitlines()}
    assert lines["config"].endswith(f"{project / 'pyproject.toml'} [tool.b24conform]")
    assert "https://acme.bitrix24.com/rest/1/****/" in lines["webhook"]
    assert "(B24_WEBHOOK_URL)" in lines["webhook"] and "****" in lines["oauth-token"]
    assert lines["seed"].split()[1:] == ["11", "(--seed)"]
    assert lines["max-examples"].split()[1:] == ["7", "(B24_MAX_EXAMPLES)"]
    assert lines["fail-on"].split()[1] == "warning" and "[tool.b24conform]" in lines["fail-on"]
    assert lines["timeout"].split()[1:] == ["30.0", "(default)"]


@pytest.mark.parametrize(
    "text, message",
    [
        ('webhook = "https://acme.bitrix24.com/rest/1/CANARYsecret/"', "set B24_WEBHOOK_URL"),
        ('oauth-token = "CANARYsecret"', "set B24_ACCESS_TOKEN"),
        (
            'extranet_webhook = "https://a.bitrix24.com/rest/9/CANARYsecret/"',
            "B24_EXTRANET_WEBHOOK_URL",
        ),
        ("max-exampels = 5", "unknown option 'max-exampels'"),
        ("max-examples = 0", "max-examples: must be from 1 to"),
        ('fail-on = "sometimes"', "fail-on: 'sometimes' is not one of"),
        ("seed = true", "seed: not a valid value"),
        ('rate-limit = "fast"', "rate-limit: must be like 2/s:50"),
        ("fail-on = ", "not valid TOML"),
    ],
)
def test_a_bad_file_is_one_line_and_exit_2_for_run_and_config(project, capsys, text, message):
    (project / "b24conform.toml").write_text(text + "\n")
    for command in (["config"], ["run", "--quiet"]):
        assert main(command) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and message in err and "b24conform.toml" in err, err
        assert "CANARY" not in err


def test_a_bad_variable_is_one_line_naming_it(project, monkeypatch, capsys):
    monkeypatch.setenv("B24_MAX_EXAMPLES", "many")
    assert main(["config"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(
        "b24conform: B24_MAX_EXAMPLES: not a whole number"
    )


def test_a_run_takes_its_options_from_the_file(project, capsys):
    (project / "b24conform.toml").write_text(
        'methods = "im.department.get"\nmax-examples = 3\nreport-dir = "from-file"\n'
    )
    assert main(["run", "--quiet", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    document = json.loads((project / "from-file" / "deviations.json").read_text())
    assert document["run"]["methods"] == ["im.department.get"]
    assert summary["reports"]["json"] == str(project / "from-file" / "deviations.json")


def test_verbose_logs_budgets_and_requests_on_stderr_but_never_the_secret(tmp_path, capsys):
    with ReferencePortal() as portal:
        webhook = portal.webhook_url("employee")
        code = webhook.rstrip("/").rsplit("/", 1)[1]
        args = ["run", "-vv", "--webhook", webhook, "--max-requests", "3"]
        main([*args, *ONE_METHOD, "--max-examples", str(EXAMPLES), "--report-dir", str(tmp_path)])
    printed = capsys.readouterr()
    assert code not in printed.err + printed.out + "".join(
        p.read_text() for p in tmp_path.iterdir()
    )
    log = [line for line in printed.err.splitlines() if line.startswith("b24conform: ")]
    # a budget is planned for (the plan is cut to fit it), and the log says so
    assert any("--max-requests 3: 1 requests left after discovery" in line for line in log), (
        printed.err
    )
    assert any("/rest/" in line and "→ 200" in line for line in log), printed.err
    # the log went with the run: a second run in this process logs nothing of its own
    main(["run", "--quiet", *ONE_METHOD, "--max-examples", "3", "--report-dir", str(tmp_path)])
    assert "b24conform: " not in capsys.readouterr().err


def test_json_summary_is_one_object_on_stdout(tmp_path, capsys):
    fault = ["--portal-fault", "missing_full_name"]
    code = main(
        ["run", "--json", *ONE_METHOD, "--max-examples", "3", *fault, "--report-dir", str(tmp_path)]
    )
    summary = json.loads(capsys.readouterr().out)
    assert summary["exit_code"] == code == 1
    assert summary["format"] == "b24conform.summary/1" and summary["errors"] >= 1
    assert Path(summary["reports"]["html"]).is_file()

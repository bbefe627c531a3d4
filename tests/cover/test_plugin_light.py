"""The pytest plugin is loaded by every pytest run of an environment with b24conform installed
(the `pytest11` entry point): a run that uses none of the suites must not load the suite."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = {"jsonschema", "jsonschema_rs", "referencing", "hypothesis", "requests", "jinja2", "vcr"}
CONFTEST = """import json, sys


def pytest_sessionfinish(session):
    with open("loaded.json", "w") as out:
        json.dump(sorted(sys.modules), out)
"""


def test_a_pytest_run_of_an_unrelated_test_file_loads_nothing_heavy(tmp_path):
    (tmp_path / "test_unrelated.py").write_text("def test_nothing():\n    pass\n")
    (tmp_path / "conftest.py").write_text(CONFTEST)
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_unrelated.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    loaded = set(json.loads((tmp_path / "loaded.json").read_text()))
    assert "b24conform.plugin" in loaded  # the plugin was there, with its --b24-* options
    assert {name.split(".")[0] for name in loaded} & HEAVY == set()
    assert not {"b24conform.engine", "b24conform.checks", "b24conform.spec"} & loaded

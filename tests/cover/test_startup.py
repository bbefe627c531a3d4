"""Start-up loads what the command needs: `--help` no validator, HTTP or template library, a
replay no Hypothesis (its corpus is frozen). Timings are printed by bench/speed.py, not asserted."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REFERENCE = Path(__file__).resolve().parents[2] / "cassettes" / "reference"
HEAVY = {"jsonschema", "jsonschema_rs", "referencing", "hypothesis", "requests", "jinja2", "vcr"}


def packages_loaded_by(argv: list[str]) -> set[str]:
    code = (
        "import json, sys\n"
        "from b24conform.cli import main\n"
        "try:\n"
        f"    main({argv!r})\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(json.dumps(sorted({name.split('.')[0] for name in sys.modules})))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    return set(json.loads(result.stdout.splitlines()[-1]))


@pytest.mark.parametrize("argv", [["--help"], ["--version"], ["run", "--help"]])
def test_help_and_version_load_no_heavy_package(argv):
    assert packages_loaded_by(argv) & HEAVY == set()


def test_a_replay_loads_no_hypothesis_no_vcrpy_and_no_http_client(tmp_path):
    """A replay reads the cassette itself: vcrpy would import every HTTP client it can patch."""
    loaded = packages_loaded_by(
        ["run", "--cassette", str(REFERENCE), "--report-dir", str(tmp_path), "--quiet"]
    )
    assert (tmp_path / "deviations.json").is_file()
    assert {"hypothesis", "vcr", "requests", "aiohttp", "httpx"}.isdisjoint(loaded)
    assert "jsonschema_rs" in loaded

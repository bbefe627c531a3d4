"""The public surface: `b24conform.__all__` is what the README's "Python API" section lists."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import b24conform

README = Path(__file__).resolve().parents[2] / "README.md"


def documented_names() -> list[str]:
    section = README.read_text().split("## Python API", 1)[1].split("\n## ", 1)[0]
    listing = section.split("The public names", 1)[1].split(":", 1)[1].split(".\n", 1)[0]
    return re.findall(r"`([A-Za-z_][A-Za-z0-9_]*)`", listing)


def test_all_is_what_the_docs_list():
    assert sorted(documented_names()) == sorted(b24conform.__all__)


def test_every_public_name_resolves_to_the_object_of_its_home():
    from b24conform import engine, errors, targets

    for name in b24conform.__all__:
        assert getattr(b24conform, name) is not None
    assert b24conform.run is engine.run and b24conform.TargetOptions is targets.TargetOptions
    assert b24conform.UsageError is errors.UsageError


def test_importing_the_package_loads_no_module_of_the_suite():
    code = "import sys, b24conform; print(sorted(m for m in sys.modules if m.startswith('b24conform')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "['b24conform']"

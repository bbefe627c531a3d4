"""What an installed b24conform promises besides the suite: entry points, typing, extras."""

from __future__ import annotations

import argparse
import importlib.metadata
import importlib.resources
import subprocess
import sys

import pytest

from b24conform import __version__
from b24conform.portal import ReferencePortal
from b24conform.portal import command as portal_command


def test_python_dash_m_is_the_command_line():
    done = subprocess.run(
        [sys.executable, "-m", "b24conform", "--version"], capture_output=True, text=True
    )
    assert (done.returncode, done.stdout.strip()) == (0, f"b24conform {__version__}")


def test_the_package_says_it_is_typed():
    assert importlib.resources.files("b24conform").joinpath("py.typed").is_file()
    assert "Typing :: Typed" in importlib.metadata.metadata("b24conform").get_all("Classifier")


def test_trustme_is_needed_only_for_tls():
    requires = importlib.metadata.requires("b24conform") or []
    trustme = [line for line in requires if line.startswith("trustme")]
    assert trustme and all("extra ==" in line for line in trustme)
    assert any("tls" in line.split("extra ==")[1] for line in trustme)


def test_tls_without_trustme_is_one_line_naming_the_extra(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "trustme", None)  # import trustme → ImportError
    with pytest.raises(ValueError, match=r"pip install 'b24conform\[tls\]'"):
        ReferencePortal(tls=True).start()
    parser = argparse.ArgumentParser()
    portal_command.add_arguments(parser)
    assert portal_command.run(parser.parse_args(["--tls"])) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "b24conform[tls]" in err

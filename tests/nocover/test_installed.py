"""The built wheel, installed into a fresh venv, runs from another directory: the main job, the
OpenAPI export, a cassette served as a portal and the pytest entry (`--pyargs b24conform.suites`).

The venv gets the wheel alone (`--no-deps`); its dependencies come from this environment's
site-packages through a `.pth` line, so the test needs no network. Which dependency versions
work is `.ci/run`'s lowest-direct run; this test is about what the wheel itself ships.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "cassettes" / "reference"


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """The `bin` directory of a fresh venv holding the wheel built from this tree."""
    base = tmp_path_factory.mktemp("installed")
    wheels = base / "wheels"
    build = [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation"]
    subprocess.run([*build, "-w", str(wheels), str(ROOT)], check=True, capture_output=True)
    (wheel,) = wheels.glob("b24conform-*.whl")
    env_dir = base / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    # the dependencies, after the venv's own site-packages (so its b24conform wins)
    Path(site, "zz_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    install = [sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps"]
    done = subprocess.run([*install, str(wheel)], capture_output=True, text=True)
    if done.returncode:  # pip < 22.3 has no --python: install with the target's own pip
        subprocess.run(
            [str(python), "-m", "pip", "install", "-q", "--no-deps", str(wheel)], check=True
        )
    return env_dir / "bin"


def command(bin_dir: Path, *args: str, cwd: Path, timeout: float = 300):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("B24_", "PYTHON"))}
    return subprocess.run(
        [str(bin_dir / args[0]), *args[1:]],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_the_installed_package_is_the_wheel_with_its_data(installed, tmp_path):
    done = command(
        installed,
        "python",
        "-c",
        "import b24conform, importlib.resources as r; print(b24conform.__file__); "
        "print(r.files('b24conform').joinpath('py.typed').is_file())",
        cwd=tmp_path,
    )
    where, typed = done.stdout.split()
    assert str(installed.parent) in where and str(ROOT) not in where
    assert typed == "True"
    version = command(installed, "python", "-m", "b24conform", "--version", cwd=tmp_path)
    assert version.returncode == 0 and version.stdout.startswith("b24conform ")


def test_the_main_job_runs_from_another_directory(installed, tmp_path):
    done = command(
        installed,
        "b24conform",
        "run",
        "--max-examples",
        "5",
        "--methods",
        "im.department.get,im.department.colleagues.list",
        "--json",
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert {p.name for p in (tmp_path / "reports").iterdir()} >= {
        "report.html",
        "deviations.json",
        "junit.xml",
    }


def test_the_openapi_export(installed, tmp_path):
    done = command(installed, "b24conform", "openapi", "-o", "contract.json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert '"openapi": "3.1.0"' in (tmp_path / "contract.json").read_text()


def _a_recorded_json_call() -> tuple[dict, dict]:
    """An im.department.get call the shipped cassette answered 200, sent as JSON: its parameters
    and its recorded answer (the recording changes when the corpus does; no call is hard-coded)."""
    interactions = json.loads((SHIPPED / "cassette.json").read_text())["interactions"]
    interaction = next(
        i
        for i in interactions
        if i["request"]["uri"].endswith("/im.department.get")
        and (i["request"]["body"] or "").startswith("{")
        and i["response"]["status"]["code"] == 200
    )
    return json.loads(interaction["request"]["body"]), interaction["response"]


def test_a_cassette_served_as_a_portal(installed, tmp_path):
    import requests

    proc = subprocess.Popen(
        [str(installed / "b24conform"), "portal", "--cassette", str(SHIPPED)],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        lines = []
        while not lines or not lines[-1].startswith("Serving"):
            line = proc.stdout.readline()
            assert line, proc.stderr.read()
            lines.append(line)
        main_url = next(line.split()[1] for line in lines if line.strip().startswith("main "))
        params, recorded = _a_recorded_json_call()
        answer = requests.post(main_url + "im.department.get", json=params, timeout=10)
        assert answer.status_code == 200
        assert answer.json() == json.loads(recorded["body"]["string"])
        missing = requests.post(main_url + "im.department.get", json={"ID": [424242]}, timeout=10)
        assert missing.status_code == 404
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=20)
    assert proc.returncode == 0


def test_the_pytest_entry_runs_the_shipped_suites(installed, tmp_path):
    done = command(
        installed,
        "python",
        "-m",
        "pytest",
        "--pyargs",
        "b24conform.suites",
        "-p",
        "no:cacheprovider",
        "--b24-max-examples",
        "5",
        "--b24-report-dir",
        str(tmp_path / "reports"),
        # a private basetemp: the plugin shares its outcome beside it, and other pytest runs of
        # this machine (the plugin tests, other sessions) must not see this one's
        "--basetemp",
        str(tmp_path / "basetemp"),
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert " passed" in done.stdout.splitlines()[-1]
    assert (tmp_path / "reports" / "junit.xml").is_file()

"""Speed as a user waits for it: whole `b24conform` processes started from the shell, timed.

Prints, for start-up (`--help`, `--version`) and for three runs (the default run, 10x the
examples, a company of 10,000 departments):
- replay: `b24conform run --cassette DIR`, wall time of the whole process (median of N) and its
  CPU time; the default run replays the shipped `cassettes/reference`, the others a cassette
  recorded here first;
- validations/s: answers judged by the response schema per second of the run's own duration;
- live: the same run against the bundled reference portal at the standard plan (2/s burst 50),
  its wall time, its requests R and the floor the rate limit sets, max(0, R - 50) / 2 s;
- peak memory (max RSS) of the live process (the portal's company lives in it too).

    python bench/speed.py [--repeat 5] [--parts startup,default,double,ten,departments]
                          [--live default,ten,departments]

A script, not a test: the figures depend on the machine and its load.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "cassettes" / "reference"
STANDARD = "2/s:50"
SCENARIOS = {
    # name: (label, extra run options)
    "default": ("default run", []),
    "double": ("2x examples", ["--max-examples", "400"]),
    "ten": ("10x examples", ["--max-examples", "2000"]),
    "departments": ("10,000 departments", ["--portal-departments", "10000"]),
}


@dataclass
class Timed:
    wall: float
    cpu: float
    max_rss_mb: float
    code: int
    document: dict | None


def command() -> list[str]:
    script = Path(sys.executable).with_name("b24conform")
    return [str(script)] if script.exists() else [shutil.which("b24conform") or "b24conform"]


#: as a user's shell starts it: Python writes its bytecode cache (this machine's environment sets
#: PYTHONDONTWRITEBYTECODE, which makes every process compile every module again: ~0.15 s)
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def timed(args: list[str], report_dir: Path | None = None) -> Timed:
    """One whole process: wall time, CPU time (user + system) and peak memory."""
    argv = command() + args
    if report_dir is not None:
        argv += ["--quiet", "--report-dir", str(report_dir)]
    started = time.perf_counter()
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=ENV)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    stderr = process.stderr.read().decode() if process.stderr else ""
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(args)}: exit {process.returncode}\n{stderr}")
    document = None
    if report_dir is not None:
        document = json.loads((report_dir / "deviations.json").read_text())
    return Timed(
        wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, process.returncode, document
    )


def median_of(repeat: int, args: list[str], report_dir: Path | None = None) -> list[Timed]:
    return sorted((timed(args, report_dir) for _ in range(repeat)), key=lambda t: t.wall)


def startup(repeat: int) -> None:
    print(f"start-up (median of {repeat}, whole process)")
    for flag in ("--help", "--version"):
        runs = median_of(repeat, [flag])
        middle = runs[len(runs) // 2]
        print(f"  b24conform {flag:10} wall {middle.wall:6.3f} s   cpu {middle.cpu:6.3f} s")


def validations_per_second(document: dict) -> float:
    judged = sum(c["cases"] for c in document["checks"] if c["check"] == "response_schema")
    return judged / document["run"]["duration"] if document["run"]["duration"] else 0.0


def scenario(name: str, repeat: int, tmp: Path, live: bool) -> None:
    label, extra = SCENARIOS[name]
    if name == "default":
        cassette = SHIPPED
    else:
        cassette = tmp / f"cassette-{name}"
        timed(["run", "--rate-limit", "off", "--record", str(cassette), *extra], tmp / "rec")
    runs = median_of(repeat, ["run", "--cassette", str(cassette)], tmp / f"replay-{name}")
    middle = runs[len(runs) // 2]
    document = middle.document or {}
    cases, requests = document["summary"]["cases"], document["run"]["requests"]
    print(
        f"{label}: {cases} cases in {requests} recorded requests\n"
        f"  replay  wall {middle.wall:6.2f} s (median of {repeat}; "
        f"min {runs[0].wall:.2f}, max {runs[-1].wall:.2f})   cpu {middle.cpu:6.2f} s   "
        f"validations/s {validations_per_second(document):8.0f}   "
        f"deviations {len(document['deviations'])}"
    )
    if not live:
        return
    run = timed(["run", "--rate-limit", STANDARD, *extra], tmp / f"live-{name}")
    document = run.document or {}
    requests = document["run"]["requests"]
    floor = max(0, requests - 50) / 2
    print(
        f"  live    wall {run.wall:6.2f} s   {requests} requests, floor {floor:.1f} s "
        f"(above it {run.wall - floor:+.2f} s)   throttled {document['run']['throttled']}   "
        f"cpu {run.cpu:6.2f} s   peak {run.max_rss_mb:.0f} MB   "
        f"validations/s {validations_per_second(document):8.0f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--parts", default="startup,default,double,ten,departments")
    parser.add_argument("--live", default="default,ten,departments", help="scenarios run live too")
    args = parser.parse_args()
    parts, live = args.parts.split(","), args.live.split(",")
    print(f"{' '.join(command())}; {os.cpu_count()} cores; load {os.getloadavg()[0]:.1f}")
    if "PYTHONDONTWRITEBYTECODE" in os.environ:
        print("(PYTHONDONTWRITEBYTECODE is set here; the processes timed run without it)")
    timed(["--version"])  # a first start writes the bytecode cache
    if "startup" in parts:
        startup(args.repeat)
    with tempfile.TemporaryDirectory() as tmp:
        for name in SCENARIOS:
            if name in parts:
                scenario(name, args.repeat, Path(tmp), live=name in live)


if __name__ == "__main__":
    main()

"""How long the project's fast tests take: `pytest tests/cover -n 2`, as a developer runs it.

Prints the wall time of each of N whole runs (the slow-marked tests left out, as a plain
`pytest` does), then their median, minimum and maximum. The target is under 30 s on the 2-core
machine here; the runs vary by a few seconds with the machine's load, so the median is the
figure, not any single run.

    python bench/tests.py [--repeat 5] [--workers 2]

A script, not a test: the figures depend on the machine and its load.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def one_run(workers: int) -> float:
    command = [sys.executable, "-m", "pytest", "tests/cover", "-q", "-n", str(workers)]
    started = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        tail = "\n".join(done.stdout.strip().splitlines()[-5:])
        raise SystemExit(f"tests/cover failed (exit {done.returncode}):\n{tail}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="whole runs to time (default 5)")
    parser.add_argument("--workers", type=int, default=2, help="pytest-xdist workers (default 2)")
    args = parser.parse_args()
    times = []
    for index in range(args.repeat):
        times.append(one_run(args.workers))
        print(f"run {index + 1}: {times[-1]:.1f} s", flush=True)
    print(
        f"tests/cover at -n {args.workers}: median {statistics.median(times):.1f} s "
        f"(min {min(times):.1f}, max {max(times):.1f}, {len(times)} runs)"
    )


if __name__ == "__main__":
    main()

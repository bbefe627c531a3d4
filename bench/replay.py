"""Replay speed: the full default suite from a cassette, and how its cost grows with the cases.

Records the default run of the reference portal into a temporary cassette at several sizes
(`--max-examples`), then replays each offline and prints cases, recorded interactions, replay
wall time, time per case, and the ratio to a run against the in-process reference portal.

    python bench/replay.py [--sizes 100,200,400,800]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from b24conform.engine import RunOptions, run
from b24conform.targets import TargetOptions


def timed(options: RunOptions) -> tuple[float, dict]:
    started = time.monotonic()
    document = run(options).document
    return time.monotonic() - started, document


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="100,200,400,800")
    args = parser.parse_args()
    print(
        f"{'max-ex':>6} {'cases':>6} {'interactions':>12} {'replay s':>9} {'ms/case':>8} {'reference s':>12} {'ratio':>6}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        for size in (int(s) for s in args.sizes.split(",")):
            folder = Path(tmp) / f"c{size}"
            reference_time, _ = timed(
                RunOptions(target=TargetOptions(rate_limit=None), max_examples=size)
            )
            run(RunOptions(target=TargetOptions(rate_limit=None, record=folder), max_examples=size))
            interactions = len(json.loads((folder / "cassette.json").read_text())["interactions"])
            replay_time, document = timed(RunOptions(target=TargetOptions(cassette=folder)))
            cases = document["summary"]["cases"]
            print(
                f"{size:>6} {cases:>6} {interactions:>12} {replay_time:>9.2f} "
                f"{1000 * replay_time / cases:>8.2f} {reference_time:>12.2f} {replay_time / reference_time:>6.2f}"
            )


if __name__ == "__main__":
    main()

"""Live-path economy: how many cases each HTTP request checks, batched vs unbatched.

Runs the default suite against the reference portal with its limiter at the standard plan
(2/s, burst 50) and prints cases, HTTP requests, cases per request, throttled calls and wall time,
side by side, plus the physical limit: body-only cases / 50, plus one request per status probe.

    python bench/live.py [--methods im.department.get] [--max-examples 200]
"""

from __future__ import annotations

import argparse
import math
import time

from b24conform.engine import DEFAULT_METHODS, RunOptions, Session, run
from b24conform.planner import PlanOptions, plan_run
from b24conform.spec import load_spec
from b24conform.targets import TargetOptions, open_target
from b24conform.transport import RateLimit

STANDARD = RateLimit(2, 50)


def measure(methods: tuple[str, ...], max_examples: int, batch: bool) -> dict:
    options = RunOptions(
        target=TargetOptions(rate_limit=STANDARD),
        methods=methods,
        max_examples=max_examples,
        batch=batch,
    )
    started = time.monotonic()
    document = run(options).document
    return {
        "cases": document["summary"]["cases"],
        "requests": document["run"]["requests"],
        "throttled": document["run"]["throttled"],
        "wall": time.monotonic() - started,
        "errors": document["summary"]["error"],
    }


def physical_limit(methods: tuple[str, ...], max_examples: int) -> tuple[int, int, int]:
    """(body-only cases, direct requests, the fewest requests that could carry them)."""
    spec = load_spec("current")
    options = RunOptions(target=TargetOptions(), methods=methods, max_examples=max_examples)
    with open_target(TargetOptions(rate_limit=None)) as target:
        session = Session(spec, target, options)
        session.discover()
        contracts = [spec.method(name) for name in methods]
        plan = plan_run(
            spec,
            contracts,
            session.company,
            target.roles,
            PlanOptions(max_examples),
            session.context,
        )
        body_only, direct = len(plan.batched), len(plan.direct)
    return body_only, direct, math.ceil(body_only / 50) + direct


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--methods", default=",".join(DEFAULT_METHODS))
    parser.add_argument("--max-examples", type=int, default=200)
    args = parser.parse_args()
    methods = tuple(args.methods.split(","))
    print(f"methods: {', '.join(methods)}; max-examples {args.max_examples}; rate limit {STANDARD}")
    print(f"{'':10} {'cases':>6} {'requests':>9} {'cases/req':>10} {'throttled':>10} {'wall s':>8}")
    for label, batch in (("batched", True), ("unbatched", False)):
        m = measure(methods, args.max_examples, batch)
        print(
            f"{label:10} {m['cases']:>6} {m['requests']:>9} {m['cases'] / m['requests']:>10.1f} "
            f"{m['throttled']:>10} {m['wall']:>8.1f}"
        )
    body_only, direct, fewest = physical_limit(methods, args.max_examples)
    print(
        f"physical limit: {body_only} body-only cases / 50 + {direct} direct (pairs, documented "
        f"errors) = {fewest} requests "
        "(+ discovery: im.revision.get, department.get pages; + paging walk)"
    )


if __name__ == "__main__":
    main()

"""Print the detection matrix (Markdown): each reference-portal fault, what it must cause, caught?

python bench/matrix.py            # every fault
python bench/matrix.py NAME ...   # some
"""

from __future__ import annotations

import sys
import time

from b24conform.matrix import run_fault
from b24conform.portal import CATALOGUE


def main(names: list[str]) -> int:
    print("| fault | breaks | expected deviation (method, kind, location) | caught | requests |")
    print("|---|---|---|---|---|")
    started = time.monotonic()
    missed = 0
    for name in names or sorted(CATALOGUE):
        row = run_fault(name)
        missed += not row.caught
        expected = "<br>".join(f"`{m}` {k} `{loc}`" for m, k, loc in row.fault.expect)
        mark = "yes" if row.caught else f"**NO** ({row.missed})"
        print(f"| `{name}` | {row.fault.description} | {expected} | {mark} | {row.requests} |")
    print(
        f"\n{len(names or CATALOGUE)} faults, {missed} missed, {time.monotonic() - started:.0f} s"
    )
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

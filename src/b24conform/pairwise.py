"""All-pairs (strength-2 covering array) planning: every pair of values of every two dimensions
in at least one row, in few rows.

A greedy generator in the AETG family: each step takes, among all allowed rows, the one that
covers the most pairs not yet covered per unit of cost (ties to the cheaper row, then the first
in a fixed order). Cost lets a caller say that some rows are nearly free (a `batch` command is
1/50 of a request), so pairs that a cheap row can cover are covered there and the expensive rows
only carry what needs them. Rows are enumerated exhaustively: the request dimensions of a method
span a few hundred rows. Deterministic: the same dimensions give the same rows.

allpairspy (PyPI) does the same without costs or a minimal-cost choice; the algorithm is short.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Mapping, Sequence

Row = dict[str, str]
Pair = tuple[tuple[str, str], tuple[str, str]]


def pairs_of(row: Mapping[str, str], names: Sequence[str]) -> Iterator[Pair]:
    """The value pairs a row covers, each as ((dim, value), (dim, value)) in `names` order."""
    present = [n for n in names if n in row]
    for a, b in itertools.combinations(present, 2):
        yield (a, row[a]), (b, row[b])


def all_rows(
    dimensions: Mapping[str, Sequence[str]], allowed: Callable[[Row], bool] | None = None
) -> list[Row]:
    names = list(dimensions)
    rows = [
        dict(zip(names, values, strict=True)) for values in itertools.product(*dimensions.values())
    ]
    return [row for row in rows if allowed is None or allowed(row)]


def coverable_pairs(
    dimensions: Mapping[str, Sequence[str]], allowed: Callable[[Row], bool] | None = None
) -> set[Pair]:
    """Every pair that some allowed row holds (a pair no allowed row holds cannot be sent)."""
    names = list(dimensions)
    return {pair for row in all_rows(dimensions, allowed) for pair in pairs_of(row, names)}


def covering_array(
    dimensions: Mapping[str, Sequence[str]],
    *,
    allowed: Callable[[Row], bool] | None = None,
    cost: Callable[[Row], float] | None = None,
) -> list[Row]:
    """Rows that together hold every coverable pair of values of two dimensions.

    `allowed` rules rows out (a value that makes no sense with another); `cost` weighs rows
    (default 1). With fewer than two dimensions every allowed value is one row's worth.
    """
    names = list(dimensions)
    candidates = all_rows(dimensions, allowed)
    weigh = cost or (lambda row: 1.0)
    if len(names) < 2:
        return candidates
    costs = [max(weigh(row), 1e-9) for row in candidates]
    covers = [set(pairs_of(row, names)) for row in candidates]
    uncovered = set().union(*covers) if covers else set()
    chosen: list[Row] = []
    while uncovered:
        best, best_key = -1, (0.0, 0.0)
        for index, pairs in enumerate(covers):
            gain = len(pairs & uncovered)
            if not gain:
                continue
            key = (gain / costs[index], -costs[index])
            if best < 0 or key > best_key:
                best, best_key = index, key
        chosen.append(candidates[best])
        uncovered -= covers[best]
    return chosen


def lower_bound(
    dimensions: Mapping[str, Sequence[str]],
    allowed: Callable[[Row], bool] | None = None,
    counted: Callable[[Row], bool] | None = None,
) -> int:
    """A floor on how many `counted` rows any covering array needs: for two dimensions, the pairs
    that only counted rows can hold, at most one such pair per row for each pair of dimensions."""
    names = list(dimensions)
    rows = all_rows(dimensions, allowed)
    free = set()
    for row in rows:
        if counted is not None and not counted(row):
            free.update(pairs_of(row, names))
    floor = 0
    for a, b in itertools.combinations(names, 2):
        needed = {
            ((a, row[a]), (b, row[b])) for row in rows if ((a, row[a]), (b, row[b])) not in free
        }
        floor = max(floor, len(needed))
    return floor

"""The two limits of platform.md §4: the request-rate leaky bucket and the method time budget.

Both are thread-safe and take the current time as an argument, so tests can drive them without
sleeping. The portal never sleeps to simulate work: every method call "costs" a small fixed
``METHOD_COST`` seconds of budget, reported in ``time.processing`` and summed in
``time.operating``.
"""

from __future__ import annotations

import threading
from collections import deque

#: Simulated execution time of one method call, in seconds.
METHOD_COST = 0.001
#: The window of the method time budget: ten minutes.
BUDGET_WINDOW = 600.0


class LeakyBucket:
    """Each request adds 1; above ``burst`` it is refused; the bucket drains ``drain``/s."""

    def __init__(self, drain_per_s: float, burst: int) -> None:
        if drain_per_s <= 0 or burst < 1:
            raise ValueError("rate_limit needs a positive drain rate and a burst of at least 1")
        self.drain = float(drain_per_s)
        self.burst = int(burst)
        self._level = 0.0
        self._last: float | None = None
        self._lock = threading.Lock()

    def try_acquire(self, now: float) -> bool:
        """Add one request at ``now``; ``False`` (and nothing added) when the bucket is full."""
        with self._lock:
            if self._last is not None:
                self._level = max(0.0, self._level - (now - self._last) * self.drain)
            self._last = now
            if self._level + 1 > self.burst:
                return False
            self._level += 1
            return True


class TimeBudget:
    """Seconds of method time used per (credential, method) over the last ten minutes.

    ``limit`` ``None`` means no limit (the sum is still reported in ``time.operating``).
    A running total per key and one entry per second keep every call O(1) amortised and the
    memory bounded, even at thousands of calls per second.
    """

    def __init__(self, limit: float | None) -> None:
        self.limit = limit
        self._entries: dict[tuple[str, str], deque[tuple[float, float]]] = {}
        self._totals: dict[tuple[str, str], float] = {}
        self._lock = threading.Lock()

    def _used(self, key: tuple[str, str], now: float) -> float:
        entries = self._entries.setdefault(key, deque())
        total = self._totals.get(key, 0.0)
        while entries and entries[0][0] <= now - BUDGET_WINDOW:
            total -= entries.popleft()[1]
        if not entries:
            total = 0.0
        self._totals[key] = total
        return total

    def exhausted(self, key: tuple[str, str], now: float) -> bool:
        """True when the budget of ``key`` is used up: the next call gets OPERATION_TIME_LIMIT."""
        if self.limit is None:
            return False
        with self._lock:
            return self._used(key, now) >= self.limit - 1e-9

    def spend(self, key: tuple[str, str], now: float, cost: float) -> tuple[float, int]:
        """Record ``cost`` at ``now``; return (``operating``, ``operating_reset_at``)."""
        with self._lock:
            total = self._used(key, now) + cost
            entries = self._entries[key]
            second = float(int(now))  # one entry per second keeps memory bounded at any rate
            if entries and entries[-1][0] == second:
                entries[-1] = (second, entries[-1][1] + cost)
            else:
                entries.append((second, cost))
            self._totals[key] = total
            reset_at = int(entries[0][0] + BUDGET_WINDOW)
        return round(total, 6), reset_at

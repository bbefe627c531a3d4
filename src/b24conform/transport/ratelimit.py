"""The client side of the portal's leaky bucket, so a run never trips `QUERY_LIMIT_EXCEEDED`.

The portal adds one to a bucket per request and drains it at a fixed rate; above the burst it
refuses. The client keeps its own model of that bucket (shared by every thread of a run) and waits
before a request that would overflow it, keeping a small margin for clock differences.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from b24conform.errors import UsageError

#: Float slack when comparing the bucket's level: without it a level of 6.000000000000004 against a
#: capacity of 7 asks for a wait too short to move a clock that reads large numbers, forever.
_EPSILON = 1e-9
#: requests of the burst the client leaves unused, for the portal receiving a request a little
#: after the client counted it; each costs a live run 1 / rate seconds (0.5 s at 2/s)
BUCKET_MARGIN = 1
_RATE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*/\s*s\s*:\s*(\d+)\s*$")


@dataclass(frozen=True)
class RateLimit:
    """Drain rate (requests per second) and burst size of a leaky bucket."""

    per_second: float
    burst: int

    @classmethod
    def parse(cls, text: str) -> RateLimit | None:
        """`2/s:50` → RateLimit(2, 50); `off` → None."""
        if text.strip().lower() == "off":
            return None
        match = _RATE.match(text) if len(text) < 40 else None
        if not match or not 0 < float(match[1]) <= 10_000 or not 1 <= int(match[2]) <= 100_000:
            raise UsageError(
                f"--rate-limit must be like 2/s:50, 5/s:250 or off (got {text[:40]!a})"
            )
        return cls(float(match[1]), int(match[2]))

    def __str__(self) -> str:
        return f"{self.per_second:g}/s:{self.burst}"


STANDARD_PLAN = RateLimit(2.0, 50)


class LeakyBucket:
    """Thread-safe: `acquire()` blocks until one more request fits under the burst."""

    def __init__(
        self,
        limit: RateLimit,
        *,
        margin: int = BUCKET_MARGIN,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.limit = limit
        self.capacity = max(1, limit.burst - margin)
        self._clock = clock
        self._sleep = sleep
        self._level = 0.0
        self._updated = clock()
        self._lock = threading.Lock()
        self.waited = 0.0

    def _drain(self, now: float) -> None:
        self._level = max(0.0, self._level - (now - self._updated) * self.limit.per_second)
        self._updated = now

    def acquire(self) -> float:
        """Take one slot; return how long we waited for it."""
        waited = 0.0
        while True:
            with self._lock:
                now = self._clock()
                self._drain(now)
                if self._level + 1 <= self.capacity + _EPSILON:
                    self._level += 1
                    self.waited += waited
                    return waited
                delay = (self._level + 1 - self.capacity) / self.limit.per_second
            self._sleep(delay)
            waited += delay

    def penalize(self) -> None:
        """The portal said we are over its limit: our model was optimistic, so fill the bucket."""
        with self._lock:
            self._drain(self._clock())
            self._level = float(self.capacity)

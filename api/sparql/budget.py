"""A per-client budget of query time: a token bucket keyed by the client's address.

Each client may spend ``capacity`` seconds of query time per ``window`` seconds
(settings ``client_budget`` and ``budget_window``). The bucket refills at
``capacity / window`` seconds per second; a query is let in while the bucket is
above zero -- counting what the client's running queries have used so far -- and
charged what it held a worker when it ends (a query stopped at the deadline is
charged the whole timeout; one that crashed its worker at least that), so the
bucket may go below zero. The worker pools (:mod:`api.store.pool`) admit and charge, for
SPARQL and reconciliation alike. An empty bucket answers 429 with ``Retry-After``: the
seconds until it is above zero again.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

MAX_CLIENTS = 100_000  # buckets kept; full ones are dropped first


class Budget:
    def __init__(self, capacity: float, window: float, clock: Callable[[], float] = time.monotonic):
        self.capacity = float(capacity)
        self.rate = self.capacity / float(window) if window > 0 else math.inf
        self.clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # client -> (tokens, at)

    def _level(self, client: str, now: float) -> float:
        tokens, at = self._buckets.get(client, (self.capacity, now))
        return min(self.capacity, tokens + (now - at) * self.rate)

    def retry_after(self, client: str, held: float = 0.0) -> int | None:
        """None if ``client`` may run a query now, else the whole seconds to wait.

        ``held``: seconds its running queries have held workers so far, not charged yet (they
        are charged when they end); they count against the bucket now."""
        now = self.clock()
        level = self._level(client, now) - max(0.0, held)
        if level > 0:
            return None
        return max(1, math.ceil((-level + 1e-9) / self.rate)) if self.rate > 0 else 3600

    def charge(self, client: str, seconds: float) -> None:
        now = self.clock()
        self._buckets[client] = (self._level(client, now) - max(0.0, seconds), now)
        if len(self._buckets) > MAX_CLIENTS:
            self._forget_full(now)

    def _forget_full(self, now: float) -> None:
        for client in [c for c in self._buckets if self._level(c, now) >= self.capacity]:
            del self._buckets[client]
        while len(self._buckets) > MAX_CLIENTS:  # still too many: forget the oldest
            del self._buckets[next(iter(self._buckets))]

    def remaining(self, client: str) -> float:
        return self._level(client, self.clock())

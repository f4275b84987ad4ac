"""Per-client rate limiting: an in-memory token bucket per client address.

In memory, so it is per process: run one web process per limit, or put a shared limit in the
reverse proxy too (docs/deployment.md).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class _Bucket:
    tokens: float
    updated: float


@dataclass
class RateLimiter:
    """`per_minute` requests a minute per client, with bursts of up to `burst`."""

    per_minute: float
    burst: int
    clock: Callable[[], float] = time.monotonic
    max_clients: int = 100_000
    _buckets: dict[str, _Bucket] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def allow(self, client: str) -> float:
        """0.0 if the request may go ahead, else the seconds until it may."""
        now = self.clock()
        rate = self.per_minute / 60.0
        with self._lock:
            bucket = self._buckets.get(client)
            if bucket is None:
                if len(self._buckets) >= self.max_clients:
                    self._forget_full(now, rate)
                bucket = self._buckets[client] = _Bucket(tokens=float(self.burst), updated=now)
            bucket.tokens = min(float(self.burst), bucket.tokens + (now - bucket.updated) * rate)
            bucket.updated = now
            if bucket.tokens >= 1.0:
                bucket.tokens -= 1.0
                return 0.0
            return (1.0 - bucket.tokens) / rate

    def _forget_full(self, now: float, rate: float) -> None:
        # Clients whose bucket has refilled are indistinguishable from new ones: drop them.
        full = [
            key
            for key, b in self._buckets.items()
            if b.tokens + (now - b.updated) * rate >= self.burst
        ]
        for key in full or list(self._buckets)[: len(self._buckets) // 2]:
            del self._buckets[key]

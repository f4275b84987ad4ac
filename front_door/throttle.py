"""Failed sign-ins, limited per username and per client: an in-memory count in a sliding window.

In memory, so per process (run one front door process, or limit at the reverse proxy too), like
the public form's rate limiter. Only failures count; a success clears the username's count.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class SignInThrottle:
    """At most ``per_username`` failures per username and ``per_client`` per client address in
    any ``window_seconds``; beyond that every attempt is refused until the oldest ages out."""

    per_username: int = 5
    per_client: int = 20
    window_seconds: float = 900.0
    clock: Callable[[], float] = time.monotonic
    max_keys: int = 100_000
    _failures: dict[str, deque[float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _recent(self, key: str, now: float) -> deque[float]:
        times = self._failures.get(key)
        if times is None:
            return deque()
        while times and times[0] <= now - self.window_seconds:
            times.popleft()
        if not times:
            del self._failures[key]
        return times

    def wait(self, username: str, client: str) -> float:
        """0.0 if a sign-in may be tried now, else the seconds until it may."""
        now = self.clock()
        with self._lock:
            waits = [0.0]
            for key, limit in (
                (f"u:{username}", self.per_username),
                (f"c:{client}", self.per_client),
            ):
                times = self._recent(key, now)
                if len(times) >= limit:
                    waits.append(times[len(times) - limit] + self.window_seconds - now)
            return max(waits)

    def failed(self, username: str, client: str) -> None:
        now = self.clock()
        with self._lock:
            if len(self._failures) >= self.max_keys:
                self._failures.clear()
            for key in (f"u:{username}", f"c:{client}"):
                self._failures.setdefault(key, deque()).append(now)

    def succeeded(self, username: str) -> None:
        with self._lock:
            self._failures.pop(f"u:{username}", None)

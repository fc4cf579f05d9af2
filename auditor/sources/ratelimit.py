"""A token bucket shared by threads: at most ``rate`` requests per second on average, bursts of ``burst``."""

from __future__ import annotations

import threading
import time


class TokenBucket:
    """Thread-safe token bucket. ``acquire`` waits for a token, but never longer than it is allowed to."""

    def __init__(self, rate: float, burst: float | None = None) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate = rate
        self.burst = max(1.0, burst if burst is not None else rate)
        self._tokens = self.burst
        self._stamp = time.monotonic()
        self._lock = threading.Lock()

    def acquire(self, max_wait: float) -> bool:
        """Take one token, waiting up to ``max_wait`` seconds; False (nothing taken) when that is not enough."""
        with self._lock:
            now = time.monotonic()
            self._tokens = min(self.burst, self._tokens + (now - self._stamp) * self.rate)
            self._stamp = now
            wait = (1.0 - self._tokens) / self.rate if self._tokens < 1.0 else 0.0
            if wait > max_wait:
                return False
            self._tokens -= 1.0  # reserved now: later callers queue behind this one
        if wait > 0:
            time.sleep(wait)
        return True

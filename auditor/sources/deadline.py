"""A total time budget for everything fetched for one target (requests, retries and waits included)."""

from __future__ import annotations

import time


class Deadline:
    """Seconds left of a budget that started when the object was made."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.started = time.monotonic()

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def remaining(self) -> float:
        return max(0.0, self.seconds - self.elapsed())

    def expired(self) -> bool:
        return self.remaining() <= 0.0

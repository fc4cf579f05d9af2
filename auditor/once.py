"""OncePerKey: compute each key's value once per run, even when threads ask for it at the same time."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class OncePerKey(Generic[T]):
    """A thread-safe memo: the first caller of a key computes it, concurrent callers wait for that result.

    A computation that raises is not remembered: the next caller tries again.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._done: dict[str, T] = {}
        self._pending: dict[str, threading.Event] = {}

    def get(self, key: str, compute: Callable[[], T]) -> T:
        while True:
            with self._lock:
                if key in self._done:
                    return self._done[key]
                event = self._pending.get(key)
                if event is None:
                    event = self._pending[key] = threading.Event()
                    break
            event.wait()
        try:
            value = compute()
            with self._lock:
                self._done[key] = value
            return value
        finally:
            with self._lock:
                self._pending.pop(key, None)
            event.set()

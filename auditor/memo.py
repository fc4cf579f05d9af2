"""BoundedMemo: results remembered across cards for texts that recur (templates, boilerplate), within a bound."""

from __future__ import annotations

from collections.abc import Hashable
from typing import TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class BoundedMemo(dict[K, V]):
    """A dict that empties itself when full, so memory stays bounded over a catalogue; look up with ``get``.

    Not locked: under threads, a race only computes a value twice (dict reads and writes are atomic)."""

    __slots__ = ("most",)

    def __init__(self, most: int = 1 << 13) -> None:
        super().__init__()
        self.most = most

    def remember(self, key: K, value: V) -> V:
        """Keep ``value`` for ``key`` (emptying the memo first when it is full) and return it."""
        if len(self) >= self.most:
            self.clear()
        self[key] = value
        return value

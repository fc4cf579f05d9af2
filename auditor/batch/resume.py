"""Resume a JSON Lines run: what an earlier, interrupted run already finished, and which targets are left.

A target is finished when the file holds a judged line for it: the same ``target`` and the same requested
revision (``model.revision``). Lines of targets that could not be judged (verdict ``error``: unreadable, Hub
unavailable …) and a truncated last line are dropped from the file, so those targets are audited again.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from auditor.errors import AuditorError, InputError
from auditor.sources.targets import parse_target


class Finished:
    """The (target, revision) pairs an earlier run judged."""

    def __init__(self, keys: Iterable[tuple[str, str | None]] = ()) -> None:
        self._keys = set(keys)
        self.dropped = 0  # lines removed from the file: truncated or not judged

    def __len__(self) -> int:
        return len(self._keys)

    def add(self, target: str, revision: str | None) -> None:
        self._keys.add((target, revision))

    def has(self, target: str, revision: str | None = None) -> bool:
        """Whether ``target`` (with ``--revision``, if given) was judged."""
        return (target, requested_revision(target, revision)) in self._keys

    def remaining(self, targets: Iterable[str], revision: str | None = None) -> list[str]:
        return [target for target in targets if not self.has(target, revision)]


def requested_revision(target: str, revision: str | None) -> str | None:
    """The revision an audit of ``target`` records as ``model.revision`` (None for local targets)."""
    try:
        return parse_target(target, revision).revision
    except AuditorError:
        return None


def read_finished(path: Path) -> Finished:
    """What ``path`` (an auditor JSON Lines output) finished; rewrites it without dropped lines if there are any.

    A missing file finished nothing. A line that is not an audit result, other than the last, is an input error.
    """
    finished = Finished()
    if not path.exists():
        return finished
    kept: list[int] = []  # byte offsets of the lines to keep
    offset, unreadable = 0, 0
    try:
        with path.open("rb") as stream:
            for number, line in enumerate(stream, 1):
                if unreadable:  # only the last line may be cut short or garbled
                    raise InputError(f"{path}:{unreadable}: not an auditor JSON Lines result; cannot resume from it")
                row = _row(line)
                if row is None:
                    unreadable = number
                elif (row.get("verdict") or {}).get("status") == "error":
                    finished.dropped += 1
                else:
                    finished.add(str(row["target"]), (row.get("model") or {}).get("revision"))
                    kept.append(offset)
                offset += len(line)
    except OSError as error:
        raise InputError(f"cannot read {path}: {error.strerror}") from error
    finished.dropped += bool(unreadable)
    if finished.dropped:
        _rewrite(path, kept)
    return finished


def _row(line: bytes) -> dict[str, Any] | None:
    if not line.endswith(b"\n"):
        return None  # the run was stopped while writing it
    try:
        row = json.loads(line)
    except ValueError:
        return None
    return row if isinstance(row, dict) and isinstance(row.get("target"), str) else None


def _rewrite(path: Path, offsets: list[int]) -> None:
    """Keep only the lines starting at ``offsets``, replacing the file atomically."""
    partial = path.with_name(path.name + ".resume-tmp")
    try:
        with path.open("rb") as source, partial.open("wb") as target:
            for offset in offsets:
                source.seek(offset)
                target.write(source.readline())
        os.replace(partial, path)
    except OSError as error:
        partial.unlink(missing_ok=True)
        raise InputError(f"cannot rewrite {path} for resuming: {error.strerror}") from error

"""Where a batch's targets come from: a list file (or standard input), a folder of snapshots, a Hub listing."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

from auditor.errors import InputError
from auditor.sources.common import CARD_NAMES


def target_lines(lines: Iterable[str]) -> Iterator[str]:
    """Targets from lines of text: one per line; blank lines and ``#`` comments (whole line or trailing) ignored."""
    for line in lines:
        text = line.split(" #", 1)[0].strip() if not line.lstrip().startswith("#") else ""
        if text:
            yield text


def targets_from_file(name: str) -> list[str]:
    """The targets listed in a file, or on standard input for ``-``."""
    if name == "-":
        return list(target_lines(sys.stdin))
    try:
        with open(name, encoding="utf-8-sig") as stream:
            return list(target_lines(stream))
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) else "not UTF-8 text"
        raise InputError(f"{name}: cannot read the target list: {reason}") from error


def snapshot_targets(folder: Path) -> list[str]:
    """Every model snapshot in a folder, in name order.

    A snapshot is an immediate subfolder holding a model card or any file; a Hugging Face cache
    (``models--org--name/snapshots/<sha>/``, the folder itself or its ``hub/`` subfolder) gives each snapshot.
    """
    if not folder.is_dir():
        raise InputError(f"{folder}: not a folder")
    cache = folder / "hub" if (folder / "hub").is_dir() and not _is_snapshot(folder / "hub") else folder
    snapshots = sorted(cache.glob("models--*/snapshots/*"))
    if snapshots:
        return [str(path) for path in snapshots if path.is_dir()]
    return [str(path) for path in sorted(folder.iterdir()) if path.is_dir() and _is_snapshot(path)]


def _is_snapshot(path: Path) -> bool:
    return any((path / name).is_file() for name in CARD_NAMES) or any(child.is_file() for child in path.iterdir())


def hub_targets(
    *, author: str | None = None, search: str | None = None, filters: tuple[str, ...] = (), limit: int | None = None
) -> list[str]:
    """Models listed by the Hub, pinned as ``org/name@sha``: one paginated listing through the Hub source (its
    deadline, retries and redaction), expanding only the commit sha (the audit fetches everything else itself)."""
    from auditor.sources.hub import HubSource

    return HubSource().list_targets(author=author, search=search, filter=filters, limit=limit)


def collect_targets(
    arguments: Iterable[str] = (),
    *,
    from_file: str | None = None,
    snapshots: Path | None = None,
    hub_author: str | None = None,
    hub_search: str | None = None,
    hub_filters: tuple[str, ...] = (),
    hub_limit: int | None = None,
) -> list[str]:
    """Every target of a run, in this order: arguments, the list file, the snapshots folder, the Hub listing."""
    targets = list(arguments)
    if from_file is not None:
        targets += targets_from_file(from_file)
    if snapshots is not None:
        targets += snapshot_targets(snapshots)
    if hub_author or hub_search or hub_filters:
        targets += hub_targets(author=hub_author, search=hub_search, filters=hub_filters, limit=hub_limit)
    return targets

"""Targets: what a target string names (Hub id, snapshot folder, README path, weights file), and its facts."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from auditor.errors import InputError, TargetNotFoundError
from auditor.facts import ModelFacts
from auditor.sources.local import read_card_file, read_folder, read_weights_file
from auditor.weights.inspect import file_formats

if TYPE_CHECKING:
    from auditor.sources.hub import HubSource

_HUB_ID = re.compile(r"^(?:[A-Za-z0-9][\w.\-]{0,95}/)?[A-Za-z0-9][\w.\-]{0,95}$")


@dataclass(frozen=True, slots=True)
class Target:
    """A parsed target: where to read a model from."""

    kind: Literal["hub", "folder", "card", "weights"]
    text: str
    repo_id: str | None = None
    revision: str | None = None
    path: Path | None = None


def parse_target(text: str, revision: str | None = None) -> Target:
    """Decide what a target string names. Local paths win over Hub ids when they exist."""
    text = text.strip()
    if not text:
        raise InputError("empty target")
    path = Path(text).expanduser()
    if path.exists():
        if path.is_dir():
            return Target("folder", text, path=path)
        return Target("weights" if file_formats(path.name) else "card", text, path=path)
    looks_local = text.startswith((".", "/", "~")) or text.lower().endswith((".md", ".markdown")) or "\\" in text
    if looks_local:
        raise TargetNotFoundError(f"{text}: no such file or folder")
    repo_id, _, pinned = text.partition("@")
    if not _HUB_ID.match(repo_id) or "--" in repo_id or ".." in repo_id or (text.count("@") > 1):
        raise InputError(f"{text}: not a Hub model id (org/name[@revision]), a folder, or a README path")
    if "@" in text and not pinned:
        raise InputError(f"{text}: empty revision after '@'")
    return Target("hub", text, repo_id=repo_id, revision=pinned or revision)


def gather(target: Target, hub: HubSource | None = None) -> ModelFacts:
    """Read the facts of one target."""
    if target.kind == "folder":
        assert target.path is not None
        return read_folder(target.path, target.text)
    if target.kind == "card":
        assert target.path is not None
        return read_card_file(target.path, target.text)
    if target.kind == "weights":
        assert target.path is not None
        return read_weights_file(target.path, target.text)
    assert target.repo_id is not None
    if hub is None:
        from auditor.sources.hub import HubSource

        hub = HubSource()
    return hub.fetch(target.repo_id, target.revision, target.text)

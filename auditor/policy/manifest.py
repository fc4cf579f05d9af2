"""The manifest of models a project uses (models.yaml), and which entries changed since a git ref.

Local paths in a manifest are relative to the manifest's folder and must stay inside its repository (the git
work tree holding the manifest, or its folder outside git): a manifest naming /etc or /proc/self/environ is an
error unless ``allow_outside`` (the CLI's --allow-outside-paths) is given.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from auditor.yamlio import KeyPath, YamlFileError, load_with_lines, loads_with_lines

_ENTRY_KEYS = ("id", "revision", "purpose", "owner")


class ManifestError(ValueError):
    """The manifest is malformed (file, line and key named), or git could not read an older version."""


_PATH_SUFFIXES = (".md", ".markdown", ".gguf", ".safetensors")


def is_local_path(entry_id: str) -> bool:
    """Whether a manifest id names a local path rather than a Hub id."""
    return entry_id.startswith((".", "/", "~")) or entry_id.lower().endswith(_PATH_SUFFIXES) or "\\" in entry_id


@dataclass(frozen=True)
class ManifestEntry:
    id: str
    revision: str | None = None
    purpose: str | None = None
    owner: str | None = None
    line: int | None = None
    path: Path | None = None  # a local path entry, resolved against the manifest's folder

    @property
    def target(self) -> str:
        """The audit target: a Hub id with its pinned revision, or the resolved local path."""
        if self.path is not None:
            return str(self.path)
        return self.id if is_local_path(self.id) or not self.revision else f"{self.id}@{self.revision}"


def parse_manifest(data: Any, lines: dict[KeyPath, int], source: str) -> list[ManifestEntry]:
    def fail(where: KeyPath, message: str) -> ManifestError:
        key = ".".join(str(p) if isinstance(p, str) else f"[{p}]" for p in where).replace(".[", "[")
        return ManifestError(
            f"{source}:{lines.get(where) or lines.get(where[:-1]) or 1}: {key or 'manifest'}: {message}"
        )

    items = data.get("models") if isinstance(data, dict) else data
    base: KeyPath = ("models",) if isinstance(data, dict) else ()
    if isinstance(data, dict) and set(data) - {"models"}:
        extra = sorted(set(map(str, data)) - {"models"})[0]
        raise fail((extra,), "unknown key (a manifest has one key, 'models')")
    if not isinstance(items, list):
        raise fail(base, "expected a list of models (or a 'models:' list)")
    entries = []
    for index, item in enumerate(items):
        where = (*base, index)
        if isinstance(item, str):
            entries.append(ManifestEntry(item.strip(), line=lines.get(where)))
            continue
        if not isinstance(item, dict):
            raise fail(where, "each model is an id or a mapping with 'id'")
        unknown = [str(k) for k in item if str(k) not in _ENTRY_KEYS]
        if unknown:
            raise fail((*where, unknown[0]), f"unknown key (known: {', '.join(_ENTRY_KEYS)})")
        if not isinstance(item.get("id"), str) or not item["id"].strip():
            raise fail(where, "'id' is required (a Hub id or a local path)")
        revision = item.get("revision")
        entries.append(
            ManifestEntry(
                item["id"].strip(),
                str(revision) if revision not in (None, "") else None,
                _text(item.get("purpose")),
                _text(item.get("owner")),
                lines.get(where),
            )
        )
    return entries


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def repository_root(folder: Path) -> Path:
    """The git work tree holding ``folder``, or the folder itself outside git."""
    try:
        found = subprocess.run(["git", "rev-parse", "--show-toplevel"], cwd=folder, capture_output=True, text=True,
                               timeout=30)  # fmt: skip
    except (OSError, subprocess.TimeoutExpired):
        return folder
    top = found.stdout.strip()
    return Path(top).resolve() if found.returncode == 0 and top else folder


def confine(entries: list[ManifestEntry], manifest: Path, allow_outside: bool = False) -> list[ManifestEntry]:
    """Resolve local-path entries against the manifest's folder; refuse those leaving its repository."""
    folder = manifest.resolve().parent
    root: Path | None = None
    confined = []
    for index, entry in enumerate(entries):
        if not is_local_path(entry.id):
            confined.append(entry)
            continue
        resolved = (folder / Path(entry.id).expanduser()).resolve()
        root = root or repository_root(folder)
        if not allow_outside and resolved != root and root not in resolved.parents:
            raise ManifestError(
                f"{manifest}:{entry.line or 1}: models[{index}].id: {entry.id} is outside the repository {root} "
                "(local paths resolve from the manifest's folder; allow others with --allow-outside-paths)"
            )
        confined.append(replace(entry, path=resolved))
    return confined


def load_manifest(path: str | Path, allow_outside: bool = False) -> list[ManifestEntry]:
    """Read a manifest; local paths resolve from its folder and must stay in its repository unless allowed."""
    path = Path(path)
    try:
        data, lines = load_with_lines(path)
    except YamlFileError as error:
        raise ManifestError(str(error)) from error
    return confine(parse_manifest(data, lines, str(path)), path, allow_outside)


def changed_since(path: str | Path, ref: str, entries: list[ManifestEntry]) -> list[ManifestEntry]:
    """Entries added or changed since ``ref`` (all of them if the manifest did not exist then)."""
    path = Path(path).resolve()
    try:
        top = subprocess.run(
            ["git", "rev-parse", "--show-toplevel"], cwd=path.parent, capture_output=True, text=True, check=True
        ).stdout.strip()
        relative = path.relative_to(Path(top).resolve()).as_posix()
        verified = subprocess.run(
            ["git", "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], cwd=top, capture_output=True, text=True
        )
        old = subprocess.run(["git", "show", f"{ref}:{relative}"], cwd=top, capture_output=True, text=True)
    except subprocess.CalledProcessError as error:
        raise ManifestError(f"--since {ref}: {path} is not in a git work tree") from error
    except (OSError, ValueError) as error:
        raise ManifestError(f"--since {ref}: git could not be run on {path} ({error})") from error
    if verified.returncode != 0:
        raise ManifestError(f"--since {ref}: not a commit in {top}")
    if old.returncode != 0:
        return entries  # the manifest is new since ref
    try:
        previous = parse_manifest(loads_with_lines(old.stdout, f"{relative}@{ref}")[0], {}, f"{relative}@{ref}")
    except (YamlFileError, ManifestError):
        return entries  # an unreadable old version: audit everything
    before = {(e.id, e.revision) for e in previous}
    return [e for e in entries if (e.id, e.revision) not in before]

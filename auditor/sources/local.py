"""Local sources: a snapshot folder (README.md + files) or a bare model card."""

from __future__ import annotations

import os
from pathlib import Path

from auditor.errors import InputError, TargetNotFoundError
from auditor.facts import AccessNote, Document, ModelFacts, RepoFile, SourceKind, WeightFile
from auditor.sources.card import parse_card
from auditor.sources.common import MAX_CONFIG_BYTES, MAX_DOCUMENT_BYTES, find_card, is_config, is_document
from auditor.weights.inspect import inspect_file, weight_format

_SKIP_DIRS = {".git", ".cache", "__pycache__", ".huggingface"}
MAX_WEIGHT_FILES = 64


def read_card_file(path: Path, target: str) -> ModelFacts:
    """Facts from a bare model card: only the card is known, not the repository's files."""
    if not path.is_file():
        raise TargetNotFoundError(f"{target}: no such file")
    try:
        data = path.read_bytes()
    except OSError as error:
        raise InputError(f"{target}: cannot read ({error.strerror})") from error
    return ModelFacts(
        target=target,
        source="card",
        model_id=path.parent.name if path.name.lower().startswith("readme") else path.stem,
        revision=None,
        sha=None,
        location=str(path.resolve()),
        card=parse_card(data, path.name),
        files=None,
    )


def list_folder(root: Path) -> list[RepoFile]:
    """Files below a folder (symlinks followed, as in a Hub cache snapshot), sorted by path."""
    files: list[RepoFile] = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if d not in _SKIP_DIRS)
        for name in filenames:
            full = Path(dirpath, name)
            try:
                size: int | None = full.stat().st_size
            except OSError:
                size = None  # dangling symlink: listed, size unknown
            files.append(RepoFile(full.relative_to(root).as_posix(), size))
    files.sort(key=lambda f: f.path)
    return files


def read_documents(root: Path, files: list[RepoFile]) -> tuple[list[Document], list[AccessNote]]:
    """Read the license-like texts of a folder (bounded size)."""
    documents: list[Document] = []
    notes: list[AccessNote] = []
    for file in files:
        if not is_document(file.path):
            continue
        if file.size is not None and file.size > MAX_DOCUMENT_BYTES:
            notes.append(AccessNote("partial", f"{file.path} is larger than 1 MiB; not read", file.path))
            continue
        try:
            text = (root / file.path).read_bytes().decode("utf-8", errors="replace")
        except OSError as error:
            notes.append(AccessNote("download-failed", f"{file.path}: {error.strerror}", file.path))
            continue
        documents.append(Document(file.path, text))
    return documents, notes


def read_folder(
    root: Path,
    target: str,
    *,
    source: SourceKind = "local",
    model_id: str | None = None,
    revision: str | None = None,
    sha: str | None = None,
    notes: tuple[AccessNote, ...] = (),
) -> ModelFacts:
    """Facts from a snapshot folder: its card, file list and license texts."""
    if not root.is_dir():
        raise TargetNotFoundError(f"{target}: no such folder")
    files = list_folder(root)
    card_name = find_card([f.path for f in files])
    card = None
    if card_name is not None:
        try:
            card = parse_card((root / card_name).read_bytes(), card_name)
        except OSError as error:
            notes = (*notes, AccessNote("download-failed", f"{card_name}: {error.strerror}", card_name))
    documents, doc_notes = read_documents(root, files)
    weights = inspect_weights(root, files)
    configs = tuple(
        Document(f.path, (root / f.path).read_text(encoding="utf-8", errors="replace"))
        for f in files
        if is_config(f.path) and (f.size or 0) <= MAX_CONFIG_BYTES
    )
    return ModelFacts(
        target=target,
        source=source,
        model_id=model_id or root.resolve().name,
        revision=revision,
        sha=sha,
        location=str(root.resolve()),
        card=card,
        files=tuple(files),
        documents=tuple(documents),
        access=(*notes, *doc_notes),
        weights=weights,
        configs=configs,
    )


def inspect_weights(root: Path, files: list[RepoFile]) -> tuple[WeightFile, ...]:
    """Headers and pickle scans of a folder's weight files (at most MAX_WEIGHT_FILES, the rest listed)."""
    found: list[WeightFile] = []
    for file in files:
        if weight_format(file.path) is None:
            continue
        if len(found) >= MAX_WEIGHT_FILES:
            found.append(WeightFile(file.path, weight_format(file.path) or "unknown", file.size,
                                    error="not inspected: too many weight files"))  # fmt: skip
            continue
        inspected = inspect_file(root, file.path, file.size)
        if inspected is not None:
            found.append(inspected)
    return tuple(found)

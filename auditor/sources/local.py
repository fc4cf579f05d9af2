"""Local sources: a snapshot folder (README.md + files), a bare model card, or a single weights file.

Only regular files inside the target are read (auditor.sources.safefs): a symlink leaving the folder, a FIFO, a
device or a socket is listed by name but never opened, and every read is capped; what was not read is said in
an AccessNote.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import BinaryIO

from auditor.errors import InputError, TargetNotFoundError
from auditor.facts import AccessNote, CardFacts, Document, ModelFacts, RepoFile, SourceKind, WeightFile
from auditor.sources.card import parse_card
from auditor.sources.common import (
    MAX_CARD_BYTES,
    MAX_CONFIG_BYTES,
    MAX_DOCUMENT_BYTES,
    find_card,
    is_config,
    is_document,
)
from auditor.sources.identity import Identity, derive_identity
from auditor.sources.safefs import Confined, FileRefused, kind_of, open_regular
from auditor.weights.inspect import file_formats, inspect_open, not_inspected, sha256_stream
from auditor.weights.pickles import ScanPool

_SKIP_DIRS = {".git", ".cache", "__pycache__", ".huggingface"}
MAX_WEIGHT_FILES = 64
MAX_LISTED_FILES = 100_000
HASH_BUDGET = 8 << 30  # bytes of local weight files hashed per audit (sha256 runs at about 1.5 GB/s)


def _bare_card_bytes(path: Path, target: str, notes: list[AccessNote]) -> tuple[bytes, Path]:
    """A bare card's bytes and real path: truncated at MAX_CARD_BYTES (with a note) like a folder's card; a binary
    file, a FIFO, a device or a symlink leaving its folder is an input error."""
    try:
        real = Confined.at(path.parent).locate(path.name)
        with open_regular(real) as handle:
            data = _card_bytes(handle, path.name, notes)
    except FileRefused as refused:
        raise InputError(f"{target}: not read: {refused.strerror}") from refused
    except OSError as error:
        raise InputError(f"{target}: cannot read ({error.strerror})") from error
    if b"\0" in data:  # an empty card is a card (the Hub has some); its problems are the card parser's to say
        raise InputError(f"{target}: binary file (NUL bytes), not a model card")
    return data, real


def read_card_file(path: Path, target: str) -> ModelFacts:
    """Facts from a bare model card: only the card is known, not the repository's files."""
    if not path.exists():
        raise TargetNotFoundError(f"{target}: no such file")
    notes: list[AccessNote] = []
    data, resolved = _bare_card_bytes(path, target, notes)  # resolved: what path.resolve() gives
    card = parse_card(data, path.name)
    identity = _identity(resolved, card, data)
    fallback = path.parent.name if path.name.lower().startswith("readme") else path.stem
    return ModelFacts(
        target=target,
        source="card",
        model_id=identity.hub_id if identity else fallback,
        revision=identity.revision if identity else None,
        sha=identity.revision if identity else None,
        location=str(resolved),
        card=card,
        files=None,
        access=tuple(notes),
        identity_basis=identity.basis if identity else None,
    )


def _identity(path: Path, card: CardFacts | None, data: bytes | None) -> Identity | None:
    """The Hub identity of a local snapshot or card (``path`` resolved: HF cache layout, org__name folder, the
    card's own links)."""
    text = data.decode("utf-8", errors="replace") if data is not None else None
    return derive_identity(path, card, text)


def read_weights_file(path: Path, target: str, *, hash_budget: int = HASH_BUDGET) -> ModelFacts:
    """Facts from one weights file given as the target: that file inspected; card and repository unknown."""
    if not path.exists():
        raise TargetNotFoundError(f"{target}: no such file")
    folder = Confined.at(path.parent)
    try:
        with folder.open(path.name) as handle:
            weight = inspect_open(handle, folder.locate(path.name), path.name)
            size = os.fstat(handle.fileno()).st_size
            digest = sha256_stream(handle) if size <= hash_budget else None
    except OSError as error:
        raise InputError(f"{target}: not read: {error.strerror}") from error
    if weight is None:
        raise InputError(f"{target}: not a weights file")
    notes = () if digest else (AccessNote("partial", f"{path.name}: sha256 not computed (larger than the "
                                                     f"{hash_budget:,}-byte hashing budget)", path.name),)  # fmt: skip
    return ModelFacts(
        target=target,
        source="local",
        model_id=path.stem,
        revision=None,
        sha=None,
        location=str(path.resolve()),
        card=None,
        files=None,
        access=notes,
        weights=(replace(weight, sha256=digest),),
    )


def _walk(folder: Confined, refused: dict[str, str]) -> Iterator[str]:
    """Relative paths of the files below a folder; symlinked folders are noted, never followed."""
    for dirpath, dirnames, filenames in os.walk(folder.folder, followlinks=False):
        here = Path(dirpath)
        for name in dirnames:
            if (here / name).is_symlink():
                refused[(here / name).relative_to(folder.folder).as_posix()] = "symlinked folder, not followed"
        dirnames[:] = sorted(d for d in dirnames if d not in _SKIP_DIRS and not (here / d).is_symlink())
        for name in filenames:
            yield (here / name).relative_to(folder.folder).as_posix()


def list_folder(folder: Confined, notes: list[AccessNote]) -> tuple[list[RepoFile], dict[str, str]]:
    """Files below a folder (at most MAX_LISTED_FILES), sorted by path, and the ones that must not be read, with why.

    Symlinks are resolved and must stay inside the folder (a Hub cache snapshot: inside its repository folder);
    only regular files get a size.
    """
    files: list[RepoFile] = []
    refused: dict[str, str] = {}
    for relative in _walk(folder, refused):
        if len(files) >= MAX_LISTED_FILES:
            notes.append(AccessNote("partial", f"listing stopped after {MAX_LISTED_FILES:,} files"))
            break
        size = None
        try:
            mode = os.stat(folder.locate(relative))
            if stat.S_ISREG(mode.st_mode):
                size = mode.st_size
            else:
                refused[relative] = f"not a regular file ({kind_of(mode.st_mode)})"
        except FileRefused as refusal:
            refused[relative] = refusal.strerror or "refused"
        except OSError:
            refused[relative] = "broken symlink"
        files.append(RepoFile(relative, size))
    files.sort(key=lambda f: f.path)
    return files, refused


def _read(folder: Confined, relative: str, limit: int, notes: list[AccessNote]) -> bytes | None:
    try:
        return folder.read(relative, limit)
    except OSError as error:
        notes.append(AccessNote("refused", f"{relative}: not read: {error.strerror or error}", relative))
        return None


def _read_card(folder: Confined, name: str, notes: list[AccessNote]) -> bytes | None:
    """The card, truncated at MAX_CARD_BYTES (with a note) rather than refused."""
    try:
        with folder.open(name) as handle:
            return _card_bytes(handle, name, notes)
    except OSError as error:
        notes.append(AccessNote("refused", f"{name}: not read: {error.strerror or error}", name))
        return None


def _card_bytes(handle: BinaryIO, name: str, notes: list[AccessNote]) -> bytes:
    """An open card's bytes, truncated at MAX_CARD_BYTES (with a note).

    The file's size is only a hint for the first read (``read(MAX_CARD_BYTES + 1)`` would allocate 16 MiB for
    every card): a file that grew since is read on, up to the cap.
    """
    size = os.fstat(handle.fileno()).st_size
    data = handle.read(min(size, MAX_CARD_BYTES) + 1)
    if len(data) > size:
        data += handle.read(MAX_CARD_BYTES + 1 - len(data))
    if len(data) > MAX_CARD_BYTES:
        notes.append(AccessNote("partial", f"{name}: larger than {MAX_CARD_BYTES:,} bytes; only the start was read",
                                name))  # fmt: skip
        data = data[:MAX_CARD_BYTES]
    return data


def read_documents(folder: Confined, files: list[RepoFile], notes: list[AccessNote]) -> list[Document]:
    """The license-like texts of a folder (each at most MAX_DOCUMENT_BYTES)."""
    documents = []
    for file in files:
        if is_document(file.path) and (data := _read(folder, file.path, MAX_DOCUMENT_BYTES, notes)) is not None:
            documents.append(Document(file.path, data.decode("utf-8", errors="replace")))
    return documents


def read_folder(
    root: Path,
    target: str,
    *,
    source: SourceKind = "local",
    model_id: str | None = None,
    revision: str | None = None,
    sha: str | None = None,
    notes: tuple[AccessNote, ...] = (),
    hash_budget: int = HASH_BUDGET,
) -> ModelFacts:
    """Facts from a snapshot folder: its card, file list, license texts, configs and weight files."""
    if not root.is_dir():
        raise TargetNotFoundError(f"{target}: no such folder")
    folder = Confined.at(root)
    access = list(notes)
    files, refused = list_folder(folder, access)
    access += [AccessNote("refused", f"{path}: not read: {why}", path) for path, why in refused.items()]
    readable = [f for f in files if f.path not in refused]
    card_name = find_card([f.path for f in readable])
    data = _read_card(folder, card_name, access) if card_name is not None else None
    card = parse_card(data, card_name) if data is not None and card_name is not None else None
    documents = read_documents(folder, readable, access)
    configs = tuple(
        Document(f.path, text.decode("utf-8", errors="replace"))
        for f in readable
        if is_config(f.path) and (text := _read(folder, f.path, MAX_CONFIG_BYTES, access)) is not None
    )
    weights = inspect_weights(folder, files, refused, access, hash_budget)
    hashed = {w.path: w.sha256 for w in weights if w.sha256}
    identity = _identity(folder.folder, card, data) if model_id is None else None
    return ModelFacts(
        target=target,
        source=source,
        model_id=model_id or (identity.hub_id if identity else folder.folder.name),
        revision=revision or (identity.revision if identity else None),
        sha=sha or (identity.revision if identity else None),
        identity_basis=identity.basis if identity else None,
        location=str(folder.folder),
        card=card,
        files=tuple(replace(f, sha256=hashed.get(f.path)) for f in files),
        documents=tuple(documents),
        access=tuple(access),
        weights=weights,
        configs=configs,
    )


def inspect_weights(
    folder: Confined, files: list[RepoFile], refused: dict[str, str], notes: list[AccessNote], hash_budget: int
) -> tuple[WeightFile, ...]:
    """Headers, pickle scans and sha256 of a folder's weight and pickle-capable files (at most MAX_WEIGHT_FILES
    inspected, the rest listed); files are hashed while the hashing budget lasts."""
    found: list[WeightFile] = []
    budget = hash_budget
    pool = ScanPool()
    for file in files:
        formats = file_formats(file.path)
        if formats is None:
            continue
        if file.path in refused:
            skipped = not_inspected(file.path, None, refused[file.path])
            found += [skipped] if skipped else []
            continue
        if len(found) >= MAX_WEIGHT_FILES:
            skipped = not_inspected(file.path, file.size, f"more than {MAX_WEIGHT_FILES} weight files")
            found += [skipped] if skipped else []
            continue
        try:
            with folder.open(file.path) as handle:
                inspected = inspect_open(handle, folder.locate(file.path), file.path, pool)
                if inspected is None:
                    continue
                size = inspected.size or 0
                if size <= budget:
                    inspected = replace(inspected, sha256=sha256_stream(handle))
                    budget -= size
                else:
                    notes.append(AccessNote("partial", f"{file.path}: sha256 not computed (the {hash_budget:,}-byte "
                                                       "hashing budget is spent)", file.path))  # fmt: skip
        except OSError as error:
            notes.append(AccessNote("refused", f"{file.path}: not read: {error.strerror or error}", file.path))
            inspected = not_inspected(file.path, file.size, error.strerror or "unreadable")
        if inspected is not None:
            found.append(inspected)
    return tuple(found)

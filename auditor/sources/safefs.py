"""Reading untrusted files: only regular files, never blocking, never more than a byte cap, never outside the root.

A model folder is untrusted input. Its README.md may be a symlink to /proc/self/environ (the environment, tokens
included), /dev/zero (endless bytes; ``stat`` says size 0) or a FIFO (``open`` blocks forever). So every file is
opened with O_NONBLOCK, checked to be a regular file on the opened descriptor (``fstat``), and read with a hard cap
while reading; inside a folder, a file's real path (symlinks resolved) must stay inside the folder, except that a
Hugging Face cache snapshot (``models--org--name/snapshots/<sha>/``) may point into its own repository folder,
where the cache keeps the file contents (``../../blobs/<hash>``).

Refusals are ``FileRefused``, an ``OSError`` whose ``strerror`` says why in words, so code that already reports
``OSError.strerror`` reports them unchanged.
"""

from __future__ import annotations

import errno
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

CHUNK = 1 << 20
_CACHE_REPO_PREFIXES = ("models--", "datasets--", "spaces--")
_KINDS = (
    (stat.S_ISFIFO, "FIFO"),
    (stat.S_ISCHR, "character device"),
    (stat.S_ISBLK, "block device"),
    (stat.S_ISSOCK, "socket"),
    (stat.S_ISDIR, "directory"),
)


class FileRefused(OSError):
    """A file that was not read, and why ("not a regular file (FIFO)", "larger than 1,048,576 bytes" …)."""

    def __init__(self, reason: str, code: int = errno.EPERM) -> None:
        super().__init__(code, reason)


def kind_of(mode: int) -> str:
    """What a non-regular file is, in words."""
    return next((name for test, name in _KINDS if test(mode)), "special file")


def _require_regular(mode: int) -> None:
    if not stat.S_ISREG(mode):
        raise FileRefused(f"not a regular file ({kind_of(mode)})", errno.EINVAL)


def open_regular(path: str | Path) -> BinaryIO:
    """Open a regular file for reading without ever blocking (FIFOs, devices and sockets are refused).

    The path is checked before opening (so a device is never opened) and the opened descriptor again (so a file
    swapped in between is caught); O_NONBLOCK keeps ``open`` of a FIFO from waiting for a writer.
    """
    _require_regular(os.stat(path).st_mode)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
    descriptor = os.open(path, flags)
    try:
        _require_regular(os.fstat(descriptor).st_mode)
    except BaseException:
        os.close(descriptor)
        raise
    return os.fdopen(descriptor, "rb")


def read_capped(handle: BinaryIO, limit: int) -> bytes:
    """The rest of an open file, refused when it holds more than ``limit`` bytes (counted while reading)."""
    chunks: list[bytes] = []
    total = 0
    while total <= limit:
        chunk = handle.read(min(CHUNK, limit + 1 - total))
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        total += len(chunk)
    raise FileRefused(f"larger than {limit:,} bytes", errno.EFBIG)


def read_regular_file(path: str | Path, limit: int) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes: for policies, manifests, MOT records, bare cards.

    Raises FileRefused (an OSError) for FIFOs, devices, sockets, folders and files above the limit, and the usual
    OSError when the file cannot be opened.
    """
    with open_regular(path) as handle:
        return read_capped(handle, limit)


def cache_repo_root(folder: Path) -> Path | None:
    """The ``models--org--name`` folder when ``folder`` is (inside) a snapshot of the Hugging Face cache."""
    if "snapshots" not in folder.parts:
        return None
    for candidate in (folder, *folder.parents):
        parent = candidate.parent
        if parent.name == "snapshots" and parent.parent.name.startswith(_CACHE_REPO_PREFIXES):
            return parent.parent
    return None


@dataclass(frozen=True)
class Confined:
    """A folder whose files are read only where their real path stays inside ``root``.

    ``folder`` is the folder with its symlinks resolved (``at``); ``root`` is the folder itself, or for a Hugging
    Face cache snapshot its repository folder, where the snapshot's symlinks point (``../../blobs/<hash>``).
    """

    folder: Path
    root: Path

    @classmethod
    def at(cls, folder: str | Path) -> Confined:
        real = Path(os.path.realpath(folder))
        return cls(real, cache_repo_root(real) or real)

    def locate(self, relative: str) -> Path:
        """The real path of a file of the folder; FileRefused when it resolves outside the root.

        ``folder`` is already real, so a plain name in it that is not a symlink is its own real path: only its own
        ``lstat`` is needed, not a walk of every folder above it again (``os.path.realpath``).
        """
        path = self.folder / relative
        plain = "/" not in relative and relative not in ("", ".", "..") and not os.path.islink(path)
        real = path if plain else Path(os.path.realpath(path))
        if real != self.root and self.root not in real.parents:
            leaving = "the snapshot" if self.root != self.folder else "the folder"
            raise FileRefused(f"symlink leaving {leaving}", errno.EXDEV)
        return real

    def open(self, relative: str) -> BinaryIO:
        """Open a regular file of the folder (inside the root, non-blocking)."""
        return open_regular(self.locate(relative))

    def read(self, relative: str, limit: int) -> bytes:
        """At most ``limit`` bytes of a regular file of the folder; FileRefused beyond."""
        with self.open(relative) as handle:
            return read_capped(handle, limit)

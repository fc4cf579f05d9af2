"""Find every import a pickle-capable file performs when loaded, without unpickling, in bounded bytes and opcodes.

Pickle-capable files are more than weights: ``training_args.bin``, ``optimizer.pt``, ``rng_state.pth``, ``*.pkl``,
``*.joblib``, ``.npy`` with object arrays, ``.npz`` members, NeMo archives, and any of these compressed
(gzip, bz2, xz, lzma, zlib as joblib writes it). Training tools load them all with an unrestricted unpickler.

How: opcodes are read with the standard library's ``pickletools.genops`` (a disassembler: nothing is executed)
through a reader that refuses to go past a byte budget, and the walk stops after an opcode budget; nothing of the
stream is kept but the imports and the memoised strings a STACK_GLOBAL may name. (picklescan's own scan keeps every
opcode in a list: a 1 MB zip of one repeated opcode takes GBs.) Zip archives are read with picklescan's
``RelaxedZipFile``, which, like torch, ignores the header flags a strict reader trips on; torch checkpoints are
read as torch reads them: ``*/data.pkl`` of a zip, or the five consecutive pickles of the legacy format, after
which raw tensor bytes follow. Every read goes through a ``read_range(offset, length)`` callable, so the same scan
runs on a local file (``os.pread``) and on a remote one (HTTP range requests, see ``auditor.weights.remote``).

Each import is then judged by ``auditor.weights.pickle_globals`` (safe / code-running / unknown).
References: https://huggingface.co/docs/hub/security-pickle (what the Hub scans and shows),
https://github.com/mmaitre314/picklescan (the scanner and its dangerous list),
https://github.com/pytorch/pytorch/blob/main/torch/serialization.py (``_legacy_load``: five pickles, then raw data).
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import os
import pickletools
import tarfile
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, BinaryIO, cast

from auditor.weights.pickle_globals import UNRESOLVED, judge

ReadRange = Callable[[int, int], bytes]  # (offset, length) -> at most length bytes from offset

PICKLE_SUFFIXES = {
    ".bin": "pytorch-pickle",
    ".pt": "pytorch-pickle",
    ".pth": "pytorch-pickle",
    ".ckpt": "pytorch-pickle",
    ".pkl": "pickle",
    ".pickle": "pickle",
    ".joblib": "joblib",
    ".npy": "numpy",
    ".npz": "numpy",
    ".nemo": "nemo-archive",
}
COMPRESSED_SUFFIXES = (".gz", ".bz2", ".xz", ".lzma", ".z")
_ARCHIVE_PICKLES = (".pkl", ".pickle")  # zip members torch and numpy unpickle (torch: */data.pkl)
_TORCH_LEGACY_MAGIC = 0x1950A86A20F9469CFC6C  # first pickle of torch's legacy format (torch/serialization.py)
_TORCH_LEGACY_PICKLES = 5  # magic, protocol, sys info, the object, storage keys; raw storage bytes follow
_READ_AHEAD = 64 * 1024
_MAX_MEMO = 500_000
_MAX_NAME = 1024
_MAX_LINE = 1 << 20
_MAX_DEPTH = 3
_STRINGS = {"SHORT_BINUNICODE", "UNICODE", "BINUNICODE", "BINUNICODE8", "STRING", "BINSTRING", "SHORT_BINSTRING"}
_PUTS = {"PUT", "BINPUT", "LONG_BINPUT"}
_GETS = {"GET", "BINGET", "LONG_BINGET"}
_JOBLIB_ARRAY = ("joblib.numpy_pickle", "NumpyArrayWrapper")  # joblib writes raw array bytes right after it
_INTS = {"INT", "BININT", "BININT1", "BININT2", "LONG", "LONG1", "LONG4"}


def pickle_format(path: str) -> str | None:
    """The pickle-based format of a file from its name (compressed copies included), or None."""
    name = path.lower().rsplit("/", 1)[-1]
    for suffix in COMPRESSED_SUFFIXES:
        if name.endswith(suffix):
            name = name.removesuffix(suffix)
            break
    return next((fmt for suffix, fmt in PICKLE_SUFFIXES.items() if name.endswith(suffix)), None)


@dataclass(frozen=True)
class Limits:
    """How much one file's scan may read: bytes fetched from the file, pickle bytes parsed, opcodes walked."""

    read_bytes: int = 256 << 20
    pickle_bytes: int = 128 << 20
    opcodes: int = 2_000_000
    members: int = 1_000  # archive entries looked at (zip pickles, tar headers)


@dataclass(frozen=True)
class PickleScan:
    """The imports found, judged; ``not_scanned`` says what the scan did not reach and why."""

    imports: tuple[str, ...] = ()
    code_running: tuple[str, ...] = ()
    unknown: tuple[str, ...] = ()
    not_scanned: str | None = None
    pickles: int = 0  # pickle streams walked (0: the file holds none)


class _Stop(Exception):
    """The scan cannot go on; the message says what was not scanned and why."""


class _NotAPickle(Exception):
    """The bytes do not start a pickle: an unpickler would fail on the first opcode, before any import."""


class _Budget:
    def __init__(self, limit: int, what: str) -> None:
        self.limit, self.left, self.what = limit, limit, what

    def spend(self, amount: int) -> None:
        if amount > self.left:
            raise _Stop(f"stopped at the {self.what} budget of {self.limit:,} bytes")
        self.left -= amount


@dataclass
class _Found:
    imports: set[tuple[str, str]] = field(default_factory=set)
    pickles: int = 0
    opcodes: int = 0


class _RangeFile(io.RawIOBase):
    """A seekable read-only file over ``read_range``; every byte fetched is charged to a budget."""

    def __init__(self, read_range: ReadRange, size: int, budget: _Budget, start: int = 0) -> None:
        super().__init__()
        self.read_range, self.size, self.budget, self.start = read_range, size, budget, start
        self._pos = 0
        self._block_at = 0
        self._block = b""

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self.size}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def read(self, size: int | None = -1) -> bytes:
        wanted = self.size - self._pos if size is None or size < 0 else min(size, self.size - self._pos)
        if wanted <= 0:
            return b""
        end = self._block_at + len(self._block)
        if not (self._block_at <= self._pos and self._pos + wanted <= end):
            fetch = min(max(wanted, _READ_AHEAD), self.size - self._pos)
            self.budget.spend(fetch)
            self._block_at, self._block = self._pos, self.read_range(self.start + self._pos, fetch)
        offset = self._pos - self._block_at
        data = self._block[offset : offset + wanted]
        self._pos += len(data)
        return data

    def readall(self) -> bytes:
        return self.read(-1)

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


class _ZlibFile(io.RawIOBase):
    """A zlib stream (joblib's .z files) decompressed a bounded piece at a time."""

    def __init__(self, raw: io.BufferedIOBase) -> None:
        super().__init__()
        self._raw, self._inflate = raw, zlib.decompressobj()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        while not self._inflate.eof:
            data = self._inflate.unconsumed_tail or self._raw.read(_READ_AHEAD)
            if not data:
                return 0
            out = self._inflate.decompress(data, len(buffer))
            if out:
                buffer[: len(out)] = out
                return len(out)
        return 0


class _OpcodeReader:
    """What pickletools.genops reads from: a stream bounded in bytes, with one byte of look-ahead."""

    def __init__(self, stream: io.BufferedIOBase, budget: _Budget) -> None:
        self._stream, self._budget, self._pos, self._pending = stream, budget, 0, b""

    def tell(self) -> int:
        return self._pos

    def _take(self, data: bytes) -> bytes:
        self._pos += len(data)
        return data

    def read(self, size: int) -> bytes:
        if size <= 0:
            return b""
        head, self._pending = self._pending[:size], self._pending[size:]
        if size == len(head):
            return self._take(head)
        self._budget.spend(size - len(head))  # before reading: an argument claiming 2**60 bytes stops here
        return self._take(head + self._stream.read(size - len(head)))

    def readline(self) -> bytes:
        head, self._pending = self._pending, b""
        if head.endswith(b"\n"):
            return self._take(head)
        limit = min(self._budget.left, _MAX_LINE)
        line = self._stream.readline(limit + 1)
        if len(line) > limit:
            raise _Stop(f"a text line of the pickle is longer than {limit:,} bytes")
        self._budget.spend(len(line))
        return self._take(head + line)

    def next_byte(self) -> bytes:
        """The next byte, left unread."""
        if not self._pending and self._budget.left:
            self._budget.spend(1)
            self._pending = self._stream.read(1)
        return self._pending[:1]


def _walk(reader: _OpcodeReader, found: _Found, limits: Limits) -> int | None:
    """One pickle's imports into ``found``; returns its last integer (to recognise torch's legacy magic)."""
    memo: dict[int, str | None] = {}
    recent: tuple[str | None, str | None] = (None, None)  # the two values on top of the stack, when strings
    last_int: int | None = None
    opcodes = pickletools.genops(reader)  # type: ignore[arg-type]
    first = True
    while True:
        try:
            op, arg, _ = next(opcodes)
        except StopIteration:
            return last_int
        except _Stop:
            raise
        except Exception as error:  # pickletools raises ValueError, UnicodeDecodeError … on malformed streams
            if first:
                raise _NotAPickle from error
            if _JOBLIB_ARRAY in found.imports:
                raise _Stop(f"joblib stores array data inside the pickle stream; the stream after byte "
                            f"{reader.tell():,} was not scanned") from error  # fmt: skip
            raise _Stop(f"the pickle stream cannot be read past byte {reader.tell():,} ({error})") from error
        if first and op.stack_before:
            raise _NotAPickle  # an unpickler fails on a first opcode that pops from an empty stack
        first = False
        if found.opcodes >= limits.opcodes:
            raise _Stop(f"stopped after {limits.opcodes:,} opcodes")
        found.opcodes += 1
        name = op.name
        value: str | None = None
        if name in ("GLOBAL", "INST"):
            module, _, attribute = str(arg).partition(" ")
            found.imports.add((module, attribute))
        elif name == "STACK_GLOBAL":
            found.imports.add((recent[0] or UNRESOLVED, recent[1] or UNRESOLVED))
        elif name in ("EXT1", "EXT2", "EXT4"):
            found.imports.add((UNRESOLVED, f"copyreg extension {arg}"))
        elif name in _INTS and isinstance(arg, int):
            last_int = arg
        if name == "MEMOIZE" or name in _PUTS:
            key = len(memo) if name == "MEMOIZE" else arg if isinstance(arg, int) else -1
            if len(memo) < _MAX_MEMO:
                memo[key] = recent[1]
            continue  # stores the top of the stack, changes nothing on it
        if name in _STRINGS:
            value = str(arg)[:_MAX_NAME]
        elif name in _GETS:
            value = memo.get(arg) if isinstance(arg, int) else None
        recent = (recent[1], value)


def _scan_pickles(stream: io.BufferedIOBase, found: _Found, limits: Limits, budget: _Budget) -> None:
    """The pickles of a stream: one (plain pickle), more while another starts with PROTO, or torch's legacy five."""
    reader = _OpcodeReader(stream, budget)
    try:
        magic = _walk(reader, found, limits)
    except _NotAPickle:
        return
    found.pickles += 1
    legacy = magic == _TORCH_LEGACY_MAGIC
    for _ in range(_TORCH_LEGACY_PICKLES - 1 if legacy else limits.members):
        following = reader.next_byte()
        if not following or (not legacy and following != b"\x80"):
            return
        try:
            _walk(reader, found, limits)
        except _NotAPickle:
            if legacy:
                raise _Stop(f"the legacy torch checkpoint's pickle at byte {reader.tell():,} cannot be read") from None
            return
        found.pickles += 1


def _scan_npy(stream: io.BufferedIOBase, found: _Found, limits: Limits, budget: _Budget) -> None:
    """A .npy array pickles its items after the header when its dtype holds Python objects."""
    from numpy.lib import format as npy

    try:
        version = npy.read_magic(stream)
        header = npy.read_array_header_1_0 if version == (1, 0) else npy.read_array_header_2_0
        _, _, dtype = header(stream)
    except (ValueError, OSError, EOFError) as error:
        raise _Stop(f"unreadable .npy header ({error})") from error
    if dtype.hasobject:
        _scan_pickles(stream, found, limits, budget)


def _decompressing(raw: io.BufferedIOBase, head: bytes) -> io.BufferedIOBase | None:
    """A decompressing reader when ``head`` is a compression signature (gzip, bz2, xz, lzma, zlib), else None."""
    if head.startswith(b"\x1f\x8b"):
        return gzip.GzipFile(fileobj=raw, mode="rb")
    if head.startswith(b"BZh"):
        return bz2.BZ2File(raw)
    if head.startswith(b"\xfd7zXZ\x00"):
        return lzma.LZMAFile(cast(BinaryIO, raw), format=lzma.FORMAT_XZ)
    if head.startswith(b"\x5d\x00\x00"):
        return lzma.LZMAFile(cast(BinaryIO, raw), format=lzma.FORMAT_ALONE)
    if head[:1] == b"\x78" and head[1:2] in (b"\x01", b"\x5e", b"\x9c", b"\xda"):
        return io.BufferedReader(_ZlibFile(raw), _READ_AHEAD)
    if head.startswith(b"ZF"):  # joblib < 0.10: "ZF", the length in 19 hex characters, then zlib data
        raw.seek(2 + 19)
        return io.BufferedReader(_ZlibFile(raw), _READ_AHEAD)
    if head.startswith(b"\x04\x22\x4d\x18"):
        raise _Stop("lz4-compressed: not scanned (lz4 is not supported)")
    return None


def _scan_zip(raw: _RangeFile, found: _Found, limits: Limits, budget: _Budget) -> None:
    """The pickles torch and numpy load from a zip: ``*.pkl`` members (``*/data.pkl``) and ``.npy`` members."""
    from picklescan.relaxed_zipfile import RelaxedZipFile

    try:
        archive = RelaxedZipFile(raw)
    except (zipfile.BadZipFile, ValueError, EOFError) as error:
        raise _Stop(f"unreadable zip archive ({error})") from error
    with archive:
        members = [i for i in archive.infolist() if i.filename.lower().endswith((*_ARCHIVE_PICKLES, ".npy"))]
        if len(members) > limits.members:
            raise _Stop(f"more than {limits.members:,} pickle members in the archive")
        for info in members:
            try:
                with archive.open(info) as member:
                    if info.filename.lower().endswith(".npy"):
                        _scan_npy(member, found, limits, budget)
                    else:
                        _scan_pickles(member, found, limits, budget)
            except (zipfile.BadZipFile, NotImplementedError, RuntimeError, zlib.error, EOFError, OSError) as error:
                raise _Stop(f"member {info.filename} cannot be read ({error})") from error


def _scan_tar(raw: _RangeFile, found: _Found, limits: Limits, budget: _Budget, depth: int) -> None:
    """NeMo archives: an uncompressed tar whose pickle-capable members (model_weights.ckpt …) are scanned."""
    if depth >= _MAX_DEPTH:
        raise _Stop(f"archives nested more than {_MAX_DEPTH} deep")
    try:
        with tarfile.open(fileobj=raw, mode="r:") as archive:
            for _ in range(limits.members):
                member = archive.next()
                if member is None:
                    return
                cast(Any, archive).members.clear()  # tarfile keeps every header otherwise
                if member.isfile() and pickle_format(member.name):
                    inner = _RangeFile(raw.read_range, member.size, raw.budget, raw.start + member.offset_data)
                    _scan_any(inner, found, limits, budget, depth + 1)
    except tarfile.TarError as error:
        raise _Stop(f"unreadable tar archive ({error})") from error
    raise _Stop(f"more than {limits.members:,} archive members")


def _scan_any(raw: _RangeFile, found: _Found, limits: Limits, budget: _Budget, depth: int = 0) -> None:
    head = raw.read(262)
    raw.seek(0)
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        _scan_zip(raw, found, limits, budget)
    elif head[257:262] == b"ustar":
        _scan_tar(raw, found, limits, budget, depth)
    else:
        stream: io.BufferedIOBase = io.BufferedReader(raw, _READ_AHEAD)
        inner = _decompressing(stream, head)
        if inner is not None:
            stream = inner
            try:
                head = cast(io.BufferedReader, inner).peek(262)[:262]
            except (OSError, EOFError, lzma.LZMAError, zlib.error) as error:
                raise _Stop(f"cannot be decompressed ({error})") from error
            if head.startswith((b"PK\x03\x04", b"PK\x05\x06")) or head[257:262] == b"ustar":
                raise _Stop("an archive inside a compressed file: not scanned")
        if head.startswith(b"\x93NUMPY"):
            _scan_npy(stream, found, limits, budget)
        else:
            _scan_pickles(stream, found, limits, budget)


@dataclass
class ScanPool:
    """What all the pickle scans of one audit may still spend: a folder of 64 opcode bombs stays bounded too."""

    opcodes: int = 10_000_000
    pickle_bytes: int = 1 << 30


def scan_ranges(
    read_range: ReadRange, size: int, limits: Limits | None = None, pool: ScanPool | None = None
) -> PickleScan:
    """Scan a pickle-capable file read through ``read_range`` (never more than the limits, or the pool, allow)."""
    limits = limits or Limits()
    if pool is not None:
        if pool.opcodes <= 0 or pool.pickle_bytes <= 0:
            return PickleScan(not_scanned="not scanned: this audit's pickle scan budget is spent")
        limits = replace(limits, opcodes=min(limits.opcodes, pool.opcodes),
                         pickle_bytes=min(limits.pickle_bytes, pool.pickle_bytes))  # fmt: skip
    found = _Found()
    reason: str | None = None
    parsed = _Budget(limits.pickle_bytes, "pickle scan")
    try:
        raw = _RangeFile(read_range, size, _Budget(limits.read_bytes, "read"))
        _scan_any(raw, found, limits, parsed)
    except _Stop as stop:
        reason = str(stop)
    except (OSError, EOFError, lzma.LZMAError, zlib.error) as error:
        reason = f"read failed ({error})"
    except Exception as error:  # archive and decompression libraries on hostile bytes: said, never a traceback
        reason = f"the scan failed ({type(error).__name__}: {error})"
    if pool is not None:
        pool.opcodes -= found.opcodes
        pool.pickle_bytes -= parsed.limit - parsed.left
    judged = {(m, n): judge(m, n) for m, n in found.imports}
    names = {key: f"{key[0]}.{key[1]}" for key in judged}
    return PickleScan(
        imports=tuple(sorted(names.values())),
        code_running=tuple(sorted(names[k] for k, v in judged.items() if v == "code-running")),
        unknown=tuple(sorted(names[k] for k, v in judged.items() if v == "unknown")),
        not_scanned=reason,
        pickles=found.pickles,
    )


def scan_open_file(handle: BinaryIO, limits: Limits | None = None, pool: ScanPool | None = None) -> PickleScan:
    """Scan an open local file (from its start, whatever the handle's position)."""

    def read_range(offset: int, length: int) -> bytes:
        handle.seek(offset)
        return handle.read(length)

    return scan_ranges(read_range, os.fstat(handle.fileno()).st_size, limits, pool)

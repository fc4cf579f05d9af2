"""Hostile files, built in a temporary folder and never loaded: symlinks out, FIFOs, devices, pickles written
opcode by opcode, zipped opcode bombs and GGUF headers with impossible counts.

Shared by tests/hostile/test_files.py, tests/hostile/test_weights.py and benchmarks/hostile_inputs.py.
"""

from __future__ import annotations

import marshal
import os
import struct
import zipfile
from pathlib import Path

CARD = "---\nlicense: apache-2.0\n---\n# A model\n\nSee https://example.com/docs for details.\n"
CANARY = "hf_secret_canary"
SAFETENSORS = b"\x08\x00\x00\x00\x00\x00\x00\x00{}      "


def folder(base: Path, name: str = "acme__model", card: str | None = CARD) -> Path:
    path = base / name
    path.mkdir(parents=True)
    if card is not None:
        (path / "README.md").write_text(card, encoding="utf-8")
    return path


def link(path: Path, target: str) -> Path:
    path.unlink(missing_ok=True)
    path.symlink_to(target)
    return path


def fifo(path: Path) -> Path:
    path.unlink(missing_ok=True)
    os.mkfifo(path)
    return path


# Pickles, opcode by opcode (pickletools documents each opcode); nothing here is ever unpickled.


def _unicode(text: str) -> bytes:
    data = text.encode()
    return b"\x8c" + bytes([len(data)]) + data + b"\x94"  # SHORT_BINUNICODE + MEMOIZE


def call_global(module: str, name: str, argument: str) -> bytes:
    """Protocol 2: GLOBAL module name, a one-string tuple, REDUCE (calls it), STOP."""
    data = argument.encode()
    return (b"\x80\x02c" + module.encode() + b"\n" + name.encode() + b"\nX" + struct.pack("<I", len(data)) + data
            + b"\x85R.")  # fmt: skip


def call_stack_global(module: str, name: str, argument: str) -> bytes:
    """Protocol 4: the module and name as memoised strings, STACK_GLOBAL, a one-string tuple, REDUCE."""
    return b"\x80\x04" + _unicode(module) + _unicode(name) + b"\x93\x94" + _unicode(argument) + b"\x85R."


def memo_indirection(module: str, name: str) -> bytes:
    """Protocol 4: a harmless global first, then the module string fetched back from the memo (BINGET)."""
    return (b"\x80\x04" + _unicode("collections") + _unicode("OrderedDict") + b"\x93\x94)R0"  # OrderedDict()
            + _unicode(module) + b"0h\x03" + _unicode(name) + b"\x93\x94)R.")  # fmt: skip


def marshal_function(marker: Path) -> bytes:
    """types.FunctionType(marshal.loads(code), {})(): runs code, and neither global is on picklescan's list."""
    code = marshal.dumps(compile(f"open({str(marker)!r}, 'w').close()", "<payload>", "exec"))
    return (b"\x80\x04" + _unicode("types") + _unicode("FunctionType") + b"\x93\x94"
            + _unicode("marshal") + _unicode("loads") + b"\x93\x94"
            + b"B" + struct.pack("<I", len(code)) + code  # BINBYTES: the code object, marshalled
            + b"\x85R}\x86R)R.")  # loads((code,)); FunctionType((code, {})); call it with ()  # fmt: skip


def torch_zip(path: Path, data_pkl: bytes, *, compression: int = zipfile.ZIP_STORED) -> Path:
    """A zip laid out like torch.save's: archive/data.pkl, archive/version."""
    with zipfile.ZipFile(path, "w", compression) as archive:
        archive.writestr("archive/data.pkl", data_pkl)
        archive.writestr("archive/version", "3\n")
    return path


def opcode_bomb(path: Path, mib: int = 1024) -> Path:
    """A torch-like zip whose data.pkl is ``mib`` MiB of NONE, POP (deflated to about 1 MB per GiB)."""
    chunk = b"N0" * (1 << 19)
    with (
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive,
        archive.open("archive/data.pkl", "w", force_zip64=True) as member,
    ):
        member.write(b"\x80\x02")
        for _ in range(mib):
            member.write(chunk)
        member.write(b".")
    return path


# GGUF headers (little-endian v3): magic, version, tensor_count, kv_count, then key/value pairs.


def gguf_string(text: str) -> bytes:
    data = text.encode()
    return struct.pack("<Q", len(data)) + data


def gguf_header(tensors: int, pairs: int, body: bytes = b"") -> bytes:
    return b"GGUF" + struct.pack("<IQQ", 3, tensors, pairs) + body


def gguf_array(key: str, element_type: int, count: int, elements: bytes = b"") -> bytes:
    return gguf_string(key) + struct.pack("<IIQ", 9, element_type, count) + elements


def gguf_many_pairs(path: Path, pairs: int) -> Path:
    """``pairs`` distinct uint8 metadata pairs: a valid file that GGUFReader turns into GBs of field objects."""
    with path.open("wb") as handle:
        handle.write(gguf_header(0, pairs))
        for index in range(pairs):
            handle.write(gguf_string(f"k.{index:07d}") + struct.pack("<IB", 0, 1))
    return path

"""The header of a GGUF file, read in bounded memory and time: metadata wanted for the audit and tensor shapes.

gguf's own GGUFReader trusts the counts in the file: it loops over every metadata pair and every array element,
making numpy views as it goes (about 1 KB and 13 µs per element here: a 262,144-token vocabulary costs 540 MB
and 7 s), so an array claiming 2**60 elements or a million small pairs takes GBs and hours. This reader walks the
same structure with fixed-size reads and seeks, keeps only the values the audit uses, checks every count against
the bytes left in the file and against limits no real model reaches, and names tensor types with the gguf
package's GGMLQuantizationType (imported when a GGUF file is read: gguf imports numpy).

Layout (GGUF v2/v3; byte order as the version field shows, GGUFReader's test), from the GGUF specification
(https://github.com/ggml-org/ggml/blob/master/docs/gguf.md) and ggml's gguf.h: magic "GGUF", uint32 version,
uint64 tensor_count, uint64 metadata_kv_count; each pair is a string key, a uint32 value type and the value;
"Strings are serialized as the string length (uint64_t) followed by the C string without the null terminator";
an array is a uint32 element type, "The number of elements in the array (uint64_t)" and the elements; each tensor
info is a string name, uint32 n_dims, n_dims uint64 dimensions, uint32 type and a uint64 offset.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, BinaryIO

SUPPORTED_VERSIONS = (2, 3)  # gguf.gguf_reader.READER_SUPPORTED_VERSIONS
MAX_KV = 65_536  # real files hold tens of pairs
MAX_TENSORS = 1_000_000  # the largest published models have a few thousand tensor infos
MAX_ARRAY_ELEMENTS = 8_000_000  # all arrays together; a 262k vocabulary with scores, types and merges is ~1M
MAX_KEY_BYTES = 65_535  # the specification: a key "must be at most 2^16-1 bytes long"
MAX_STRING_BYTES = 64 << 20
MAX_KEPT_CHARS = 1_000
MAX_DIMS = 8  # ggml uses at most 4 (GGML_MAX_DIMS)
MAX_NESTING = 4
# gguf_metadata_value_type (gguf.GGUFValueType): struct formats of the scalar types; 8 is a string, 9 an array.
_SCALARS = {0: "B", 1: "b", 2: "H", 3: "h", 4: "I", 5: "i", 6: "f", 7: "?", 10: "Q", 11: "q", 12: "d"}
_STRING, _ARRAY = 8, 9


class GGUFHeaderError(ValueError):
    """The header is truncated, malformed, or claims more than the file holds or the limits allow."""


@dataclass(frozen=True)
class GGUFHeader:
    version: int
    tensors: int
    parameters: int
    dtypes: tuple[str, ...]
    metadata: dict[str, Any] = field(default_factory=dict)
    elements_by_type: dict[str, int] = field(default_factory=dict)  # logical elements per ggml tensor type


class _Reader:
    def __init__(self, handle: BinaryIO, size: int) -> None:
        self.handle, self.size, self.order, self.elements = handle, size, "<", 0

    def left(self) -> int:
        return self.size - self.handle.tell()

    def take(self, fmt: str) -> Any:
        width = struct.calcsize(fmt)
        data = self.handle.read(width)
        if len(data) != width:
            raise GGUFHeaderError(f"truncated GGUF header (at byte {self.handle.tell():,})")
        return struct.unpack(self.order + fmt, data)[0]

    def skip(self, count: int, width: int, what: str) -> None:
        if count * width > self.left():
            raise GGUFHeaderError(f"{what} of {count:,} × {width} bytes runs past the end of the file")
        self.handle.seek(count * width, 1)

    def string(self, what: str, limit: int = MAX_STRING_BYTES, keep: bool = False) -> str:
        length = self.take("Q")
        if length > limit:
            raise GGUFHeaderError(f"{what} of {length:,} bytes (limit {limit:,})")
        if length > self.left():
            raise GGUFHeaderError(f"{what} of {length:,} bytes runs past the end of the file")
        if not keep:
            self.handle.seek(length, 1)
            return ""
        kept = self.handle.read(min(length, MAX_KEPT_CHARS * 4)).decode("utf-8", errors="replace")[:MAX_KEPT_CHARS]
        self.handle.seek(self.handle.tell() + max(0, length - MAX_KEPT_CHARS * 4))
        return kept

    def value(self, kind: int, keep: bool, depth: int = 0) -> Any:
        if kind in _SCALARS:
            scalar = self.take(_SCALARS[kind])
            return scalar if keep else None
        if kind == _STRING:
            return self.string("a string value", keep=keep)
        if kind == _ARRAY:
            self.array(depth)
            return None
        raise GGUFHeaderError(f"unknown GGUF value type {kind}")

    def array(self, depth: int) -> None:
        if depth >= MAX_NESTING:
            raise GGUFHeaderError(f"metadata arrays nested more than {MAX_NESTING} deep")
        kind, count = self.take("I"), self.take("Q")
        self.elements += count
        if self.elements > MAX_ARRAY_ELEMENTS:
            raise GGUFHeaderError(f"metadata arrays claim more than {MAX_ARRAY_ELEMENTS:,} elements ({count:,} in one)")
        if kind in _SCALARS:
            self.skip(count, struct.calcsize(_SCALARS[kind]), "a metadata array")
            return
        smallest = 8 if kind == _STRING else 12  # a string's length; a nested array's type and count
        if count * smallest > self.left():
            raise GGUFHeaderError(f"a metadata array of {count:,} elements runs past the end of the file")
        for _ in range(count):
            self.value(kind, False, depth + 1)


def read_gguf_header(handle: BinaryIO, size: int, wanted: Callable[[str], bool]) -> GGUFHeader:
    """Counts, tensor types, parameter total and the scalar or string metadata whose key is ``wanted``."""
    from gguf import GGMLQuantizationType

    handle.seek(0)
    if handle.read(4) != b"GGUF":
        raise GGUFHeaderError("not a GGUF file (bad magic)")
    reader = _Reader(handle, size)
    version = reader.take("I")
    if version & 0xFFFF == 0:
        reader.order = ">"
        version = struct.unpack(">I", struct.pack("<I", version))[0]
    if version not in SUPPORTED_VERSIONS:
        raise GGUFHeaderError(f"GGUF version {version} is not supported")
    tensors, pairs = reader.take("Q"), reader.take("Q")
    if pairs > MAX_KV or pairs * 13 > reader.left():  # a pair takes at least 8 + 1 + 4 bytes
        raise GGUFHeaderError(f"the header claims {pairs:,} metadata pairs")
    if tensors > MAX_TENSORS or tensors * 24 > reader.left():  # a tensor info takes at least 8 + 4 + 4 + 8 bytes
        raise GGUFHeaderError(f"the header claims {tensors:,} tensors")
    metadata: dict[str, Any] = {}
    for _ in range(pairs):
        key = reader.string("a metadata key", MAX_KEY_BYTES, keep=True)
        value = reader.value(reader.take("I"), wanted(key))
        if isinstance(value, (str, int, float, bool)) and wanted(key):
            metadata[key] = value
    elements: dict[str, int] = {}
    for _ in range(tensors):
        reader.string("a tensor name", MAX_KEY_BYTES)
        dims = reader.take("I")
        if dims > MAX_DIMS:
            raise GGUFHeaderError(f"a tensor with {dims:,} dimensions")
        shape = [reader.take("Q") for _ in range(dims)]
        raw_type = reader.take("I")
        reader.take("Q")  # offset in the data section
        try:
            name = GGMLQuantizationType(raw_type).name
        except ValueError as error:
            raise GGUFHeaderError(f"unknown tensor type {raw_type}") from error
        elements[name] = elements.get(name, 0) + math.prod(shape)  # dimensions count elements, not blocks
    return GGUFHeader(version, tensors, sum(elements.values()), tuple(sorted(elements)), metadata, elements)

"""Weight files without ML libraries: formats, safetensors headers, GGUF metadata, pickle scans, checksums.

Nothing here loads a tensor or unpickles anything: safetensors headers are read by the safetensors library
(header only), GGUF headers by a bounded reader (auditor.weights.gguf_header), and every pickle-capable file,
weights or not, by a bounded opcode scan (auditor.weights.pickles). Files are read from open handles that the
caller has checked (regular files inside the target).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import BinaryIO

from auditor.facts import WeightFile
from auditor.weights.gguf_header import GGUFHeaderError, read_gguf_header
from auditor.weights.packed import count_parameters
from auditor.weights.pickles import PickleScan, ScanPool, pickle_format, scan_open_file
from auditor.weights.quantization import gguf_quantization

FORMATS = {
    ".safetensors": "safetensors",
    ".gguf": "gguf",
    ".ggml": "ggml",
    ".onnx": "onnx",
    ".bin": "pytorch-pickle",
    ".pt": "pytorch-pickle",
    ".pth": "pytorch-pickle",
    ".ckpt": "pytorch-pickle",
    ".pkl": "pickle",
    ".pickle": "pickle",
    ".h5": "keras-h5",
    ".keras": "keras",
    ".msgpack": "flax-msgpack",
    ".tflite": "tflite",
    ".mlmodel": "coreml",
    ".npz": "numpy",
    ".nemo": "nemo-archive",
    ".llamafile": "llamafile",
    ".pdparams": "paddle",
}
PICKLE_FORMATS = WeightFile.PICKLE_FORMATS
SAFE_FORMATS = {"safetensors", "gguf", "ggml", "onnx", "llamafile"}
_NOT_WEIGHTS = ("training_args", "optimizer", "scheduler", "rng_state", "scaler", "tokenizer")


def weight_format(path: str) -> str | None:
    """The format of a weights file from its name, or None when it is not one."""
    lowered = path.lower()
    name = lowered.rsplit("/", 1)[-1]
    if any(part in name for part in _NOT_WEIGHTS):
        return None
    return next((fmt for suffix, fmt in FORMATS.items() if lowered.endswith(suffix)), None)


def _reopenable(handle: BinaryIO, path: Path) -> str:
    """A path that opens the very file behind ``handle`` (/dev/fd/N where the system has it)."""
    return f"/dev/fd/{handle.fileno()}" if os.path.isdir("/dev/fd") else str(path)


def read_safetensors(path: str | Path, relative: str, size: int | None) -> WeightFile:
    """Tensor count, dtypes, parameters (packed quantized tensors unpacked) and quantization from the header (no
    tensor is loaded)."""
    from safetensors import safe_open

    try:
        with safe_open(str(path), framework="numpy") as handle:
            tensors = {}
            for name in list(handle.keys()):
                sliced = handle.get_slice(name)
                tensors[name] = (tuple(int(d) for d in sliced.get_shape()), str(sliced.get_dtype()))
            metadata = dict(handle.metadata() or {})
    except Exception as error:  # safetensors raises its own SafetensorError and OSError on bad files
        return WeightFile(relative, "safetensors", size, error=f"unreadable safetensors file: {error}")
    counted = count_parameters(tensors)
    return WeightFile(
        relative,
        "safetensors",
        size,
        tensors=len(tensors),
        parameters=counted.parameters,
        dtypes=tuple(sorted({dtype for _, dtype in tensors.values()})),
        metadata={k: str(v)[:200] for k, v in list(metadata.items())[:20]},
        quantization=counted.quantization(),
    )


def _wanted_gguf_key(key: str) -> bool:
    return key.startswith(("general.", "tokenizer.ggml.model", "split.")) or key.endswith(
        (".context_length", ".block_count")
    )


def read_gguf(handle: BinaryIO, relative: str, size: int) -> WeightFile:
    """Architecture, name, quantization and parameter total from GGUF metadata (bounded; tensors stay on disk)."""
    try:
        header = read_gguf_header(handle, size, _wanted_gguf_key)
    except (GGUFHeaderError, OSError) as error:
        return WeightFile(relative, "gguf", size, error=f"unreadable GGUF file: {error}")
    return WeightFile(relative, "gguf", size, tensors=header.tensors, parameters=header.parameters,
                      dtypes=header.dtypes, metadata=header.metadata,
                      quantization=gguf_quantization(header.metadata, header.elements_by_type))  # fmt: skip


def pickle_weight(scan: PickleScan, relative: str, fmt: str, size: int | None, is_weights: bool) -> WeightFile:
    """A pickle scan as a WeightFile."""
    return WeightFile(relative, fmt, size, pickle_globals=scan.imports, dangerous_globals=scan.code_running,
                      unknown_globals=scan.unknown, not_scanned=scan.not_scanned, is_weights=is_weights)  # fmt: skip


def file_formats(relative: str) -> tuple[str, bool] | None:
    """(format, is_weights) of a file worth inspecting: a weights file or any other pickle-capable file."""
    fmt = weight_format(relative)
    if fmt is not None:
        return fmt, True
    pickled = pickle_format(relative)
    return (pickled, False) if pickled is not None else None


def inspect_open(handle: BinaryIO, path: Path, relative: str, pool: ScanPool | None = None) -> WeightFile | None:
    """Inspect one open, checked regular file; None when it is neither weights nor pickle-capable.

    ``pool`` bounds the pickle scans of all the files of one audit together."""
    formats = file_formats(relative)
    if formats is None:
        return None
    fmt, is_weights = formats
    size = os.fstat(handle.fileno()).st_size
    if fmt == "safetensors":
        return read_safetensors(_reopenable(handle, path), relative, size)
    if fmt == "gguf":
        return read_gguf(handle, relative, size)
    if pickle_format(relative) is not None:
        return pickle_weight(scan_open_file(handle, pool=pool), relative, fmt, size, is_weights)
    return WeightFile(relative, fmt, size)


def not_inspected(relative: str, size: int | None, reason: str) -> WeightFile | None:
    """A weights or pickle-capable file that was not read (pickle-capable: reported as not scanned)."""
    formats = file_formats(relative)
    if formats is None:
        return None
    fmt, is_weights = formats
    if pickle_format(relative) is not None:
        return WeightFile(relative, fmt, size, not_scanned=f"not read: {reason}", is_weights=is_weights)
    return WeightFile(relative, fmt, size, error=f"not inspected: {reason}", is_weights=is_weights)


def scan_pickle(path: Path, relative: str, fmt: str, size: int | None) -> WeightFile:
    """Scan one pickle-capable file by path (a downloaded Hub file) for the imports it performs when loaded."""
    from auditor.sources.safefs import open_regular

    try:
        with open_regular(path) as handle:
            return pickle_weight(scan_open_file(handle), relative, fmt, size, weight_format(relative) is not None)
    except OSError as error:
        return WeightFile(relative, fmt, size, not_scanned=f"not read: {error.strerror or error}")


def sha256_stream(handle: BinaryIO) -> str:
    """sha256 of an open file from its start, read in 1 MiB pieces."""
    digest = hashlib.sha256()
    handle.seek(0)
    for chunk in iter(lambda: handle.read(1 << 20), b""):
        digest.update(chunk)
    return digest.hexdigest()


def sha256_of(path: Path) -> str:
    """sha256 of a regular file (FIFOs and devices are refused with FileRefused, an OSError)."""
    from auditor.sources.safefs import open_regular

    with open_regular(path) as handle:
        return sha256_stream(handle)

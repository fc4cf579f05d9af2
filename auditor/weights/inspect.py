"""Weight files without ML libraries: formats, safetensors headers, GGUF metadata, pickle scans, checksums.

Nothing here loads a tensor or unpickles anything: safetensors and GGUF headers are read by their own libraries
(header only), pickle-based files are scanned with picklescan, which reads opcodes without executing them.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from auditor.facts import WeightFile

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


def _count(shape: list[int]) -> int:
    total = 1
    for dim in shape:
        total *= int(dim)
    return total


def read_safetensors(path: Path, relative: str, size: int | None) -> WeightFile:
    """Tensor count, dtypes and parameter total from the header (no tensor is loaded)."""
    from safetensors import safe_open

    try:
        with safe_open(str(path), framework="numpy") as handle:
            names = list(handle.keys())
            shapes, dtypes = [], set()
            for name in names:
                sliced = handle.get_slice(name)
                shapes.append(sliced.get_shape())
                dtypes.add(str(sliced.get_dtype()))
            metadata = dict(handle.metadata() or {})
    except Exception as error:  # safetensors raises its own SafetensorError and OSError on bad files
        return WeightFile(relative, "safetensors", size, error=f"unreadable safetensors file: {error}")
    return WeightFile(
        relative,
        "safetensors",
        size,
        tensors=len(names),
        parameters=sum(_count(s) for s in shapes),
        dtypes=tuple(sorted(dtypes)),
        metadata={k: str(v)[:200] for k, v in list(metadata.items())[:20]},
    )


def read_gguf(path: Path, relative: str, size: int | None) -> WeightFile:
    """Architecture, name, quantization and parameter total from GGUF metadata (tensors stay on disk)."""
    try:
        from gguf import GGUFReader

        reader = GGUFReader(str(path), "r")
        metadata: dict[str, Any] = {}
        for key, value in reader.fields.items():
            wanted = key.startswith(("general.", "tokenizer.ggml.model"))
            if wanted or key.endswith((".context_length", ".block_count")):
                try:
                    content = value.contents()
                except Exception:
                    continue
                if isinstance(content, (str, int, float, bool)):
                    metadata[key] = content
        parameters = sum(int(t.n_elements) for t in reader.tensors)
        dtypes = tuple(sorted({t.tensor_type.name for t in reader.tensors}))
        return WeightFile(
            relative, "gguf", size, tensors=len(reader.tensors), parameters=parameters, dtypes=dtypes, metadata=metadata
        )
    except ImportError:
        return WeightFile(relative, "gguf", size, error="the gguf package is not installed")
    except Exception as error:
        return WeightFile(relative, "gguf", size, error=f"unreadable GGUF file: {error}")


def scan_pickle(path: Path, relative: str, fmt: str, size: int | None) -> WeightFile:
    """Imports a pickle would perform, from picklescan (opcodes are read, never executed)."""
    from picklescan.scanner import SafetyLevel, scan_file_path

    try:
        result = scan_file_path(str(path))
    except Exception as failure:
        return WeightFile(relative, fmt, size, error=f"pickle scan failed: {failure}")
    names = tuple(sorted({f"{g.module}.{g.name}" for g in result.globals}))
    dangerous = tuple(sorted({f"{g.module}.{g.name}" for g in result.globals if g.safety == SafetyLevel.Dangerous}))
    error = "pickle scan could not read the file" if result.scan_err else None
    return WeightFile(relative, fmt, size, pickle_globals=names, dangerous_globals=dangerous, error=error)


def inspect_file(root: Path, relative: str, size: int | None = None) -> WeightFile | None:
    """Inspect one weights file of a folder; None when the file is not weights."""
    fmt = weight_format(relative)
    if fmt is None:
        return None
    path = root / relative
    if fmt == "safetensors":
        return read_safetensors(path, relative, size)
    if fmt == "gguf":
        return read_gguf(path, relative, size)
    if fmt in PICKLE_FORMATS:
        return scan_pickle(path, relative, fmt, size)
    return WeightFile(relative, fmt, size)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()

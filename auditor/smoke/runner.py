"""Parent side of a smoke run: decide whether to run, fetch the weights, verify checksums, run the child.

The child (auditor.smoke.worker) imports torch and transformers; this module does not, so an audit without
--smoke never loads them. A crash, hang or memory blow-up in the child cannot take the audit down: it runs with
a time limit and its outcome (or failure) is recorded.

Weights are loaded as safetensors, else GGUF (transformers' GGUF support, one file: the smallest whole one), else
pickles when allowed. A GGUF header is read by the bounded reader before the child's loader sees it.
"""

from __future__ import annotations

import json
import os
import re
import resource
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from auditor.facts import ModelFacts, WeightFile
from auditor.jsonio import load_json_object
from auditor.sources.common import MAX_CONFIG_BYTES
from auditor.sources.safefs import read_regular_file
from auditor.weights.inspect import sha256_of, weight_format

if TYPE_CHECKING:
    from auditor.sources.hub import HubSource

GIB = 1 << 30
_SUPPORT_FILES = ["*.json", "*.txt", "*.model", "*.tiktoken", "tokenizer*"]
_SHARD = re.compile(r"-\d{5}-of-\d{5}\.gguf$", re.IGNORECASE)  # llama.cpp gguf-split names


@dataclass(frozen=True)
class SmokeOptions:
    allow_pickle: bool = False
    max_weights: int = 2 * GIB
    timeout: float = 600.0
    max_new_tokens: int = 8
    threads: int = 2


def _skipped(reason: str, **extra: Any) -> dict[str, Any]:
    return {"status": "skipped", "reason": reason, **extra}


def _config(folder: Path) -> dict[str, Any] | None:
    try:
        text = read_regular_file(folder / "config.json", MAX_CONFIG_BYTES).decode("utf-8", "replace")
    except OSError:  # missing, refused (a symlink, a FIFO, a device) or over the bound
        return None
    data = load_json_object(text)
    return dict(data) if data is not None else None


def _loadable(facts: ModelFacts, allow_pickle: bool) -> tuple[list[str], str | None]:
    """The weight files the child would load, or why none will be."""
    every = list(facts.weights or ())
    weights = [w for w in every if w.is_weights]
    refused = [n.file for n in facts.access if n.kind == "refused" and n.file in {w.path for w in every}]
    if refused:
        return [], f"weight files the audit refused to read ({', '.join(refused[:3])}): never loaded"
    safe = [w.path for w in weights if w.format == "safetensors"]
    pickled = [w.path for w in weights if w.pickled]
    if safe:
        return safe, None
    ggufs = [w for w in weights if w.format == "gguf"]
    if ggufs:
        return _gguf_choice(ggufs)
    if pickled and not allow_pickle:
        return [], "only pickle weights: not loaded without --allow-pickle (then torch loads with weights_only)"
    if pickled:
        dangerous = [w.path for w in every if w.dangerous_globals]
        if dangerous:
            return [], f"pickle scan found code-running imports in {', '.join(dangerous)}: never loaded"
        return pickled, None
    if weights:
        formats = sorted({w.format for w in weights})
        return [], f"no transformers-loadable weights (formats: {', '.join(formats)})"
    return [], "no weight files"


def _is_shard(weight: WeightFile) -> bool:
    count = weight.metadata.get("split.count")
    return (isinstance(count, int) and count > 1) or bool(_SHARD.search(weight.path))


def _gguf_choice(ggufs: list[WeightFile]) -> tuple[list[str], str | None]:
    """The GGUF file to load: transformers loads one file (no gguf-split shards); the smallest whole one, headers
    read cleanly first."""
    whole = [w for w in ggufs if not _is_shard(w)]
    if not whole:
        names = ", ".join(w.path for w in ggufs[:3])
        return [], f"the GGUF weights are split into shards ({names}); transformers loads single-file GGUFs only"
    best = min(whole, key=lambda w: (w.error is not None, w.size or 0, w.path))
    return [best.path], None


def _gguf_header_check(path: Path, name: str, options: SmokeOptions) -> dict[str, Any] | WeightFile:
    """The GGUF file's header, read by the bounded reader, or why the file must not reach the loader (gguf's
    reader trusts the header's counts)."""
    from auditor.sources.safefs import open_regular
    from auditor.weights.inspect import read_gguf

    try:
        with open_regular(path) as handle:
            weight = read_gguf(handle, name, os.fstat(handle.fileno()).st_size)
    except OSError as error:
        return _skipped(f"{name} could not be opened: {error.strerror or error}")
    if weight.error:
        return {"status": "failed", "reason": f"{name}: {weight.error}; not loaded"}
    dequantized = (weight.parameters or 0) * 4  # transformers dequantizes GGUF tensors to float32
    if dequantized > options.max_weights:
        return _skipped(f"{name} dequantizes to {dequantized / GIB:.2f} GiB of float32 weights, above --max-weights "
                        f"{options.max_weights / GIB:.2f} GiB")  # fmt: skip
    return weight


def run_smoke(facts: ModelFacts, options: SmokeOptions | None = None, hub: HubSource | None = None) -> dict[str, Any]:
    """Load and run the model once in a child process; the result follows the `smoke` object of the JSON."""
    options = options or SmokeOptions()
    if facts.source == "card":
        return _skipped("only a card was given: there are no weights to run")
    files, why_not = _loadable(facts, options.allow_pickle)
    if why_not:
        return _skipped(why_not)
    sizes = {w.path: w.size or 0 for w in facts.weights or ()}
    total = sum(sizes.get(f, 0) for f in files)
    if total > options.max_weights:
        return _skipped(f"weights are {total / GIB:.2f} GiB, above --max-weights {options.max_weights / GIB:.2f} GiB")
    checksums: list[dict[str, Any]] = []
    if facts.source == "hub":
        try:
            folder = _download(facts, files, hub, options.timeout)
        except Exception as error:  # network faults, gating: the smoke run is skipped, the audit goes on
            return _skipped(f"weights could not be downloaded: {str(error).splitlines()[0][:200]}")
        checksums = _verify(facts, folder, files)
        if any(c["status"] == "mismatch" for c in checksums):
            return {"status": "failed", "reason": "downloaded weights do not match the Hub's sha256",
                    "checksums": checksums}  # fmt: skip
        dangerous = _scan_downloaded_pickles(folder, files)
        if dangerous:
            return _skipped(f"pickle scan found code-running imports in {', '.join(dangerous)}: never loaded",
                            checksums=checksums)  # fmt: skip
    else:
        location = Path(facts.location)
        folder = location.parent if location.is_file() else location
    fmt = weight_format(files[0]) or "unknown"
    pipeline_tag = (facts.card.metadata.get("pipeline_tag") if facts.card else None) or (
        facts.hub.pipeline_tag if facts.hub else None
    )
    tag = pipeline_tag if isinstance(pipeline_tag, str) else None
    if fmt == "gguf":
        header = _gguf_header_check(folder / files[0], files[0], options)
        result = header if isinstance(header, dict) else _run_child(folder, options, tag, header, folder / files[0])
    elif facts.source == "local" and Path(facts.location).is_file():
        return _skipped(f"a single {fmt} file was given: transformers needs the model's config.json and tokenizer "
                        "beside it (audit its folder)")  # fmt: skip
    elif (config := _config(folder)) is None:
        return _skipped("no readable config.json: not a transformers model folder")
    elif config.get("auto_map"):
        return _skipped("the model needs remote code (config.json auto_map); trust_remote_code is never enabled")
    else:
        result = _run_child(folder, options, tag)
    if checksums:
        result["checksums"] = checksums
    result["format"] = fmt
    result["weights"] = files
    return result


def _download(facts: ModelFacts, files: list[str], hub: HubSource | None, timeout: float) -> Path:
    """The weights and the small files beside them (configs, tokenizer) through hf_hub_download, one by one,
    from the file list the audit already has: the user's cache is used and nothing else is fetched. Each file may
    take as long as the smoke run itself (``timeout``), not only the metadata deadline."""
    from fnmatch import fnmatch

    from auditor.sources.hub import HubSource

    source = hub or HubSource()
    wanted = [f.path for f in facts.files or () if f.path in files or any(fnmatch(f.path, p) for p in _SUPPORT_FILES)]
    folder: Path | None = None
    for name in wanted:
        path = source.download(facts.model_id, name, facts.sha or facts.revision, deadline=timeout)
        folder = Path(path).parent if "/" not in name else Path(path).parents[name.count("/")]
    if folder is None:
        raise FileNotFoundError("nothing to download")
    return folder


def _scan_downloaded_pickles(folder: Path, files: list[str]) -> list[str]:
    """Hub pickles are scanned once downloaded, before anything may load them."""
    from auditor.weights.inspect import PICKLE_FORMATS, scan_pickle

    dangerous = []
    for name in files:
        fmt = weight_format(name)
        if fmt in PICKLE_FORMATS and scan_pickle(folder / name, name, fmt, None).dangerous_globals:
            dangerous.append(name)
    return dangerous


def _verify(facts: ModelFacts, folder: Path, files: list[str]) -> list[dict[str, Any]]:
    """sha256 of each downloaded weights file against the Hub's LFS checksum."""
    expected = {f.path: f.sha256 for f in facts.files or () if f.sha256}
    checks = []
    for name in files:
        if name not in expected or weight_format(name) is None:
            continue
        actual = sha256_of(folder / name)
        status = "ok" if actual == expected[name] else "mismatch"
        checks.append({"path": name, "status": status, "expected": expected[name], "actual": actual})
    return checks


def _run_child(
    folder: Path,
    options: SmokeOptions,
    pipeline_tag: str | None,
    gguf: WeightFile | None = None,
    gguf_path: Path | None = None,
) -> dict[str, Any]:
    """Run the worker on ``folder``, or on the one GGUF file at ``gguf_path`` whose header is ``gguf``."""
    payload = json.dumps({"allow_pickle": options.allow_pickle, "max_new_tokens": options.max_new_tokens,
                          "threads": options.threads, "pipeline_tag": pipeline_tag,
                          "gguf_file": str(gguf_path.absolute()) if gguf_path else None,  # the name, not a blob
                          "parameters": gguf.parameters if gguf else None})  # fmt: skip
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false",
           "OMP_NUM_THREADS": str(options.threads)}  # fmt: skip
    env.pop("HF_TOKEN", None)  # the child reads local files only
    try:
        completed = subprocess.run([sys.executable, "-m", "auditor.smoke.worker", str(folder), payload],
                                   capture_output=True, text=True, timeout=options.timeout, env=env)  # fmt: skip
    except subprocess.TimeoutExpired:
        return {"status": "failed", "reason": f"timed out after {options.timeout:.0f}s", "peak_rss_mb": _children_rss()}
    lines = [line for line in completed.stdout.splitlines() if line.startswith("{")]
    if completed.returncode != 0 or not lines:
        cause = f"signal {-completed.returncode}" if completed.returncode < 0 else f"exit code {completed.returncode}"
        missing = "No module named 'torch'" in completed.stderr or "No module named 'transformers'" in completed.stderr
        if missing:
            return _skipped("torch and transformers are not installed: pip install 'auditor[smoke]'")
        tail = completed.stderr.strip().splitlines()[-1:] or [""]
        return {"status": "failed", "reason": f"the model process crashed ({cause}) {tail[0][:200]}".strip(),
                "peak_rss_mb": _children_rss()}  # fmt: skip
    result: dict[str, Any] = json.loads(lines[-1])
    return result


def _children_rss() -> float:
    return round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1)

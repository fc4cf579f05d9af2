"""Checkers about weight files: presence, safe formats, pickle imports, integrity, size, and the smoke run.

Pickle checks cover every pickle-capable file (training_args.bin, optimizer.pt … too); the others only weights.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from auditor.checks import checker
from auditor.context import AuditContext
from auditor.findings import Evidence, Hit
from auditor.weights.inspect import SAFE_FORMATS
from auditor.weights.quantization import describe, files_text

_SIZE = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)\s*([bm])(?![a-z])", re.IGNORECASE)


def stated_parameters(name: str) -> float | None:
    """The size a model's name states ("pythia-6.9b" → 6.9e9), if exactly one is stated."""
    sizes = {float(m.group(1)) * (1e9 if m.group(2).lower() == "b" else 1e6) for m in _SIZE.finditer(name)}
    return sizes.pop() if len(sizes) == 1 else None


@checker("WEIGHTS-MISSING")
def weights_missing(ctx: AuditContext) -> Iterator[Hit]:
    facts = ctx.facts
    gated = any(n.kind == "gated" for n in facts.access)
    weights = [w for w in facts.weights or () if w.is_weights]
    if facts.files is not None and facts.weights is not None and not weights and not gated:
        yield Hit(f"none of the {len(facts.files)} repository files is a weights file", (Evidence(url=facts.location),))


@checker("WEIGHTS-PICKLE-ONLY")
def weights_pickle_only(ctx: AuditContext) -> Iterator[Hit]:
    weights = [w for w in ctx.facts.weights or () if w.is_weights]
    pickled = [w for w in weights if w.pickled]
    if pickled and not any(w.format in SAFE_FORMATS for w in weights):
        names = ", ".join(w.path for w in pickled[:5])
        yield Hit(f"weights only as pickles ({names}); no safetensors/GGUF/ONNX copy",
                  tuple(Evidence(file=w.path) for w in pickled[:5]))  # fmt: skip


@checker("WEIGHTS-UNSAFE-PICKLE")
def weights_unsafe_pickle(ctx: AuditContext) -> Iterator[Hit]:
    for weight in ctx.facts.weights or ():
        if weight.dangerous_globals:
            yield Hit(f"{weight.path} imports {', '.join(weight.dangerous_globals)} when unpickled",
                      (Evidence(file=weight.path, excerpt=", ".join(weight.dangerous_globals)),))  # fmt: skip


@checker("WEIGHTS-PICKLE-UNKNOWN-GLOBALS")
def weights_pickle_unknown_globals(ctx: AuditContext) -> Iterator[Hit]:
    for weight in ctx.facts.weights or ():
        if weight.unknown_globals:
            names = ", ".join(weight.unknown_globals)
            yield Hit(f"{weight.path} imports {names} when unpickled (not in the allowlist of what checkpoints use)",
                      (Evidence(file=weight.path, excerpt=names),))  # fmt: skip


@checker("WEIGHTS-NOT-SCANNED")
def weights_not_scanned(ctx: AuditContext) -> Iterator[Hit]:
    for weight in ctx.facts.weights or ():
        if weight.not_scanned:
            yield Hit(f"{weight.path} was not fully scanned for pickle imports: {weight.not_scanned}",
                      (Evidence(file=weight.path),))  # fmt: skip


@checker("WEIGHTS-UNREADABLE")
def weights_unreadable(ctx: AuditContext) -> Iterator[Hit]:
    for weight in ctx.facts.weights or ():
        if weight.error and not weight.error.startswith("not inspected"):
            yield Hit(f"{weight.path}: {weight.error}", (Evidence(file=weight.path),))


@checker("WEIGHTS-HASH-MISMATCH")
def weights_hash_mismatch(ctx: AuditContext) -> Iterator[Hit]:
    smoke = ctx.smoke or {}
    for item in smoke.get("checksums", []):
        if item.get("status") == "mismatch":
            yield Hit(f"{item['path']}: sha256 {item['actual']} but the Hub lists {item['expected']}",
                      (Evidence(file=item["path"]),))  # fmt: skip


@checker("WEIGHTS-PARAMS-MISMATCH")
def weights_params_mismatch(ctx: AuditContext) -> Iterator[Hit]:
    weights = [w for w in ctx.facts.weights or () if w.parameters]
    stated = stated_parameters(ctx.facts.model_id.rsplit("/", 1)[-1])
    if not weights or stated is None:
        return
    by_format: dict[str, int] = {}
    for weight in weights:  # one copy per format: a repo may ship the same weights twice
        by_format[weight.format] = by_format.get(weight.format, 0) + int(weight.parameters or 0)
    counted = max(by_format.values())
    if abs(counted - stated) / stated > 0.25:
        bases = sorted({str(w.quantization["parameters_basis"]) for w in weights
                        if w.quantization and w.quantization.get("parameters_basis")})  # fmt: skip
        how = f" ({'; '.join(bases)})" if bases else ""
        yield Hit(f"the weights hold {counted:,} parameters{how}; the name states about {stated:,.0f}",
                  tuple(Evidence(file=w.path) for w in weights[:3]))  # fmt: skip


def _config_evidence(source: object, excerpt: str) -> list[Evidence]:
    """The config a declared quantization was read from (config.json's quantization_config, quantize_config.json)."""
    if source == "config.json quantization_config":
        return [Evidence(field="quantization_config", file="config.json", excerpt=excerpt)]
    return [Evidence(file=source, excerpt=excerpt)] if isinstance(source, str) and source.endswith(".json") else []


@checker("WEIGHTS-QUANTIZED")
def weights_quantized(ctx: AuditContext) -> Iterator[Hit]:
    for quantization in ctx.quantization:
        files, text = quantization["files"], describe(quantization)
        where = files_text(files) if files else "declared for the model (no weights file inspected shows it)"
        evidence = _config_evidence(quantization.get("source"), text) + [Evidence(file=f) for f in files[:3]]
        yield Hit(f"{where}: {text}", tuple(evidence))


@checker("SMOKE-FAILED")
def smoke_failed(ctx: AuditContext) -> Iterator[Hit]:
    smoke = ctx.smoke
    if smoke is not None and smoke.get("status") == "failed":
        yield Hit(f"smoke inference failed: {smoke.get('reason')}", (Evidence(url=ctx.facts.location),))

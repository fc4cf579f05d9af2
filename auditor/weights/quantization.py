"""How weights are quantized, as the files say it: GGUF file types, quantization configs, packed tensor layouts.

- GGUF: ``general.file_type`` named with the gguf package's ``LlamaFileType`` and the tensor types with its
  ``GGMLQuantizationType``; bits per weight from the package's ``GGML_QUANT_SIZES`` (block size, bytes per block).
- AutoGPTQ's ``quantize_config.json`` ({"bits": 4, "group_size": 128, "desc_act": …}), AutoAWQ's
  ``quant_config.json`` ({"w_bit": 4, "q_group_size": 128, "version": "GEMM"}), and transformers'
  ``config.json`` ``quantization_config`` (quant_method gptq, awq, bitsandbytes, fp8, exl2, hqq,
  compressed-tensors …; https://huggingface.co/docs/transformers/main_classes/quantization).
- safetensors headers: packed tensors (auditor.weights.packed).

A quantization is a plain dict (it goes into the JSON as is): method, bits, group_size, file_type, bits_per_weight,
source, and for counted files how packed tensors were counted (parameters_basis).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from auditor.facts import Document, ModelFacts, WeightFile
from auditor.jsonio import load_json_object

UNQUANTIZED_TYPES = frozenset({"F64", "F32", "F16", "BF16", "I64", "I32", "I16", "I8"})  # plain GGUF tensor types
_NOMINAL_BITS = re.compile(r"^(?:I?Q|TQ|MXFP|NVFP)(\d)")
_TRAILING_BITS = re.compile(r"(\d+)$")
_SETTINGS = ("desc_act", "sym", "zero_point", "version", "checkpoint_format", "bnb_4bit_quant_type",
             "bnb_4bit_use_double_quant", "activation_scheme", "fmt", "weights")  # fmt: skip


def gguf_file_type(value: object) -> str | None:
    """``general.file_type`` by the gguf package's LlamaFileType name, without its MOSTLY_/ALL_ prefix."""
    from gguf import LlamaFileType

    if not isinstance(value, int) or isinstance(value, bool):
        return None
    try:
        return LlamaFileType(value).name.removeprefix("MOSTLY_").removeprefix("ALL_")
    except ValueError:
        return f"unknown file type {value}"


def gguf_bits_per_weight(elements_by_type: Mapping[str, int]) -> float | None:
    """Stored bits per logical weight over every tensor (ggml block sizes from gguf.GGML_QUANT_SIZES)."""
    from gguf import GGML_QUANT_SIZES, GGMLQuantizationType

    total = sum(elements_by_type.values())
    if not total:
        return None
    bits = 0.0
    for name, elements in elements_by_type.items():
        block, size = GGML_QUANT_SIZES[GGMLQuantizationType[name]]
        bits += elements * size * 8 / block
    return round(bits / total, 2)


def nominal_bits(type_name: str | None) -> int | None:
    """The width a GGUF type or file type names: Q4_K_M → 4, IQ2_XXS → 2, F16 → 16."""
    if not type_name:
        return None
    if match := _NOMINAL_BITS.match(type_name):
        return int(match.group(1))
    return {"F32": 32, "F16": 16, "BF16": 16}.get(type_name)


def gguf_quantization(metadata: Mapping[str, Any], elements_by_type: Mapping[str, int]) -> dict[str, Any] | None:
    """A GGUF file's quantization, or None when no tensor is block-quantized (F32, F16, BF16 files)."""
    quantized = {t: n for t, n in elements_by_type.items() if t not in UNQUANTIZED_TYPES}
    if not quantized:
        return None
    file_type = gguf_file_type(metadata.get("general.file_type"))
    dominant = max(quantized, key=lambda t: quantized[t])
    return {
        "method": "gguf",
        "bits": nominal_bits(file_type) or nominal_bits(dominant),
        "group_size": None,
        "file_type": file_type,
        "tensor_types": dict(sorted(elements_by_type.items(), key=lambda item: -item[1])),
        "bits_per_weight": gguf_bits_per_weight(elements_by_type),
        "source": "general.file_type" if file_type else "tensor types",
    }


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return int(value) if float(value).is_integer() else float(value)


def _from_mapping(config: Mapping[str, Any], method: str | None, source: str) -> dict[str, Any] | None:
    method = config.get("quant_method") if isinstance(config.get("quant_method"), str) else method
    bits = _number(config.get("bits")) or _number(config.get("w_bit")) or _number(config.get("nbits"))
    if bits is None and (config.get("load_in_4bit") or config.get("_load_in_4bit")):
        bits = 4
    elif bits is None and (config.get("load_in_8bit") or config.get("_load_in_8bit")):
        bits = 8
    group = _number(config.get("group_size")) or _number(config.get("q_group_size"))
    nested = config.get("quant_config")  # hqq: {"weight_quant_params": {"nbits": 4, "group_size": 64}}
    if isinstance(nested, Mapping) and isinstance(nested.get("weight_quant_params"), Mapping):
        params = nested["weight_quant_params"]
        bits, group = bits or _number(params.get("nbits")), group or _number(params.get("group_size"))
    groups = config.get("config_groups")  # compressed-tensors: {"group_0": {"weights": {"num_bits": 8 …}}}
    if bits is None and isinstance(groups, Mapping):
        for spec in groups.values():
            weights = spec.get("weights") if isinstance(spec, Mapping) else None
            if isinstance(weights, Mapping):
                bits, group = _number(weights.get("num_bits")), group or _number(weights.get("group_size"))
                break
    if bits is None and isinstance(config.get("weights"), str):  # quanto: {"weights": "int4"}
        bits = _number(int(m.group(1))) if (m := _TRAILING_BITS.search(config["weights"])) else None
    if bits is None and method in ("fp8", "fbgemm_fp8"):
        bits = 8
    if not method and bits is None:
        return None
    group = group if group is None or group > 0 else None  # -1: one group per column (GPTQ "GS None")
    settings = {k: config[k] for k in _SETTINGS if isinstance(config.get(k), (str, int, float, bool))}
    return {
        "method": str(method or "unknown").lower()[:40],
        "bits": bits,
        "group_size": group,
        "source": source,
        **({"settings": settings} if settings else {}),
    }


def _json(document: Document) -> Mapping[str, Any] | None:
    return load_json_object(document.text)


def declared_quantization(configs: Sequence[Document]) -> dict[str, Any] | None:
    """The model's quantization as its configs declare it: config.json's quantization_config first, then
    quantize_config.json (AutoGPTQ) or quant_config.json (AutoAWQ)."""
    by_path = {d.path: d for d in configs}
    config = _json(by_path["config.json"]) if "config.json" in by_path else None
    declared = config.get("quantization_config") if config else None
    if isinstance(declared, Mapping) and (found := _from_mapping(declared, None, "config.json quantization_config")):
        return found
    for path, method in (("quantize_config.json", "gptq"), ("quant_config.json", "awq")):
        data = _json(by_path[path]) if path in by_path else None
        if data and (found := _from_mapping(data, method, path)):
            return found
    return None


def hub_parameters(counts: Mapping[str, int], declared: Mapping[str, Any] | None) -> tuple[int, str | None]:
    """The parameters the Hub's safetensors counts by dtype stand for, and how they were estimated (None: as
    counted). Packed int32 elements (GPTQ, AWQ, EXL2) hold 32/bits weights each, packed 4-bit bitsandbytes uint8
    two; the Hub does not say which int32 elements are zero points or permutations, so those are unpacked too
    (about 2/group size too many: under 2% for group size 128)."""
    total = sum(counts.values())
    method = (declared or {}).get("method")
    bits = _number((declared or {}).get("bits"))
    if method in ("gptq", "awq", "exl2") and bits and counts.get("I32"):
        estimate = total - counts["I32"] + round(counts["I32"] * 32 / bits)
        return estimate, f"estimated from the Hub's count by dtype: I32 elements × 32/{bits:g} ({method} packing)"
    if method == "bitsandbytes" and bits == 4 and counts.get("U8"):
        return total + counts["U8"], "estimated from the Hub's count by dtype: U8 elements × 2 (bitsandbytes 4-bit)"
    return total, None


def model_quantization(facts: ModelFacts) -> list[dict[str, Any]]:
    """The model's quantizations, one per distinct kind, each with the weight files it applies to.

    A declared config applies to the safetensors files; GGUF files speak for themselves. Empty: the files show
    no quantization."""
    declared = declared_quantization(facts.configs)
    weights = [w for w in facts.weights or () if w.is_weights]
    groups: dict[str, dict[str, Any]] = {}
    for weight in weights:
        summary = _file_summary(weight, declared)
        if summary is None:
            continue
        key = json.dumps({k: v for k, v in summary.items() if k != "files"}, sort_keys=True, default=str)
        groups.setdefault(key, {**summary, "files": []})["files"].append(weight.path)
    if declared and not groups:
        groups["declared"] = {**declared, "files": []}
    return list(groups.values())


def _file_summary(weight: WeightFile, declared: Mapping[str, Any] | None) -> dict[str, Any] | None:
    own = weight.quantization
    if weight.format == "gguf":
        if own is None:
            return None
        return {k: own[k] for k in ("method", "bits", "file_type", "bits_per_weight", "source") if k in own}
    if weight.format != "safetensors" or (own is None and declared is None):
        return None
    merged = dict(declared or {})
    for key in ("method", "bits", "group_size"):
        if merged.get(key) is None and own and own.get(key) is not None:
            merged[key] = own[key]
    merged.setdefault("source", own["source"] if own else "tensor layout")
    return {k: merged[k] for k in ("method", "bits", "group_size", "source", "settings") if k in merged}


def describe(quantization: Mapping[str, Any]) -> str:
    """One line for a message: "gptq 4-bit, group size 128 (quantize_config.json)"."""
    parts = [str(quantization.get("method") or "quantized"), str(quantization.get("file_type") or "")]
    bits = quantization.get("bits")
    if isinstance(bits, (int, float)) and not isinstance(bits, bool):
        parts.append(f"{bits:g}-bit")
    text = " ".join(p for p in parts if p)
    if quantization.get("group_size"):
        text += f", group size {quantization['group_size']}"
    if quantization.get("bits_per_weight"):
        text += f", {quantization['bits_per_weight']} bits per weight"
    return f"{text} ({quantization.get('source')})"


def files_text(paths: Iterable[str], limit: int = 3) -> str:
    names = list(paths)
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")

"""Parameters of quantized safetensors files: packed tensors counted as the weights they stand for.

A quantized checkpoint stores a weight matrix as packed integers plus the scales, zero points and permutations to
unpack them; the element sum of its header is then far from the model's size (a 7B GPTQ 4-bit model holds about
1.1B stored elements). From the tensor names, shapes and dtypes alone (no tensor is read) each packed weight is
counted as its logical in×out parameters and the bookkeeping tensors beside it are not counted:

- GPTQ (AutoGPTQ/GPTQModel QuantLinear): ``qweight`` int32 [in×bits/32, out], ``qzeros`` int32
  [groups, out×bits/32], ``scales`` [groups, out], ``g_idx`` int32 [in]; "infeatures = qweight.shape[0] // bits
  * 32, outfeatures = qweight.shape[1]" (text-generation-inference, layers/gptq/exllamav2.py).
- AWQ (AutoAWQ WQLinear_GEMM): ``qweight`` int32 [in, out×bits/32], ``qzeros`` int32 [in/group, out×bits/32],
  ``scales`` [in/group, out] (AutoAWQ awq/modules/linear/gemm.py); GEMV packs along the input instead.
  Either way qweight holds 32/bits values per int32, and bits = 32 × qzeros columns / scales columns.
- EXL2 (exllamav2): ``q_weight`` int32 [packed rows, out] with ``q_invperm`` [in], ``q_perm``, ``q_scale``,
  ``q_scale_max``, ``q_groups``: "infeatures = q_invperm.shape[0], outfeatures = q_weight.shape[1]" (same TGI file).
- bitsandbytes 4-bit (Params4bit): ``weight`` uint8 holding two 4-bit values per byte, with ``weight.absmax``,
  ``weight.quant_map``, ``weight.nested_absmax``, ``weight.nested_quant_map`` and
  ``weight.quant_state.bitsandbytes__nf4`` (or ``__fp4``); 8-bit: ``weight`` int8 with ``SCB`` and
  ``weight_format``.
- FP8: ``weight`` float8 with ``weight_scale``/``weight_scale_inv``/``input_scale`` beside it.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

Tensor = tuple[tuple[int, ...], str]  # shape, safetensors dtype ("I32", "F16", "U8", "F8_E4M3" …)

_GPTQ_PARTS = ("qzeros", "scales", "g_idx")
_EXL2_PARTS = ("q_scale", "q_scale_max", "q_groups", "q_perm", "q_invperm")
_BNB4_PARTS = ("absmax", "quant_map", "nested_absmax", "nested_quant_map")
_BNB4_STATE = ".quant_state.bitsandbytes__"
_FP8_SCALES = ("weight_scale", "weight_scale_inv", "input_scale")
_VALID_BITS = (2, 3, 4, 8)


@dataclass
class PackedCount:
    """The logical parameter count of one file and, when it holds packed weights, how they are packed."""

    parameters: int
    stored: int  # the plain element sum of the header
    methods: Counter[str] = field(default_factory=Counter)  # packed weights per method
    bits: set[float] = field(default_factory=set)
    group_sizes: set[int] = field(default_factory=set)
    unknown_width: int = 0  # packed weights whose width could not be told (counted as stored)

    def quantization(self) -> dict[str, Any] | None:
        """The file's quantization as its tensor layout shows it, or None when nothing is packed or scaled."""
        if not self.methods:
            return None
        method = self.methods.most_common(1)[0][0]
        bits = sorted(self.bits)
        shown = (int(bits[0]) if float(bits[0]).is_integer() else bits[0]) if len(bits) == 1 else None
        return {
            "method": method,
            "bits": shown,
            "group_size": next(iter(self.group_sizes)) if len(self.group_sizes) == 1 else None,
            "source": "tensor layout",
            "packed_tensors": sum(self.methods.values()),
            "parameters_basis": self.basis(method),
        }

    def basis(self, method: str) -> str:
        counted = {
            "gptq": "qweight int32 tensors counted as 32/bits values each; qzeros, scales and g_idx not counted",
            "awq": "qweight int32 tensors counted as 32/bits values each; qzeros and scales not counted",
            "exl2": "q_weight tensors counted as len(q_invperm) × columns; scales and permutations not counted",
            "bitsandbytes": "4-bit uint8 weights counted as two values per byte, 8-bit int8 weights as stored; absmax, "
            "quant_map, quant_state and SCB not counted",
            "fp8": "float8 weights counted as stored; their scales not counted",
        }[method]
        if self.unknown_width:
            counted += f"; {self.unknown_width} packed tensors of unknown width counted as stored"
        return counted


def _integral(value: float) -> int | None:
    return int(value) if value > 0 and float(value).is_integer() else None


def _gptq_awq(prefix: str, tensors: Mapping[str, Tensor]) -> tuple[str, int | None, int]:
    """(method, bits, group size or 0) of a qweight-packed layer."""
    qweight = tensors[f"{prefix}.qweight"][0]
    scales = tensors.get(f"{prefix}.scales", ((), ""))[0]
    qzeros = tensors.get(f"{prefix}.qzeros", ((), ""))[0]
    g_idx = tensors.get(f"{prefix}.g_idx", ((), ""))[0]
    bits = None
    if len(qzeros) == 2 and len(scales) == 2 and scales[1]:
        bits = _integral(32 * qzeros[1] / scales[1])
    if bits not in _VALID_BITS and len(g_idx) == 1 and len(qweight) == 2 and g_idx[0]:
        bits = _integral(32 * qweight[0] / g_idx[0])
    if bits not in _VALID_BITS:
        bits = None
    if bits is None or len(qweight) != 2 or len(scales) != 2:
        return "gptq" if g_idx else "awq", bits, 0
    if qweight[1] == scales[1]:  # GPTQ: [in×bits/32, out], the output dimension is not packed
        method, inputs = "gptq", qweight[0] * 32 // bits
    elif qweight[1] * 32 // bits == scales[1]:  # AWQ GEMM: [in, out×bits/32]
        method, inputs = "awq", qweight[0]
    else:  # AWQ GEMV packs the input dimension, its scales are padded: no group size from them
        return "awq", bits, 0
    groups = scales[0]
    return method, bits, inputs // groups if groups > 1 and inputs % groups == 0 else 0


def count_parameters(tensors: Mapping[str, Tensor]) -> PackedCount:
    """Logical parameters of one safetensors file from its tensor names, shapes and dtypes (a packed tensor whose
    width the layout does not show is counted as stored, and said so)."""
    stored = sum(math.prod(shape) for shape, _ in tensors.values())
    count = PackedCount(parameters=0, stored=stored)
    skipped: set[str] = set()
    logical: dict[str, int] = {}
    for name, (shape, dtype) in tensors.items():
        module, _, leaf = name.rpartition(".")
        if leaf == "qweight" and dtype in ("I32", "U32"):
            method, bits, group = _gptq_awq(module, tensors)
            count.methods[method] += 1
            skipped.update(f"{module}.{part}" for part in _GPTQ_PARTS)
            if bits is None:
                count.unknown_width += 1
                continue
            count.bits.add(bits)
            if group:
                count.group_sizes.add(group)
            logical[name] = math.prod(shape) * 32 // bits
        elif leaf == "q_weight" and f"{module}.q_invperm" in tensors and len(shape) == 2:
            inputs = tensors[f"{module}.q_invperm"][0]
            if len(inputs) == 1 and inputs[0]:
                count.methods["exl2"] += 1
                count.bits.add(round(shape[0] * 32 / inputs[0], 2))
                skipped.update(f"{module}.{part}" for part in _EXL2_PARTS)
                logical[name] = inputs[0] * shape[1]
        elif _BNB4_STATE in name:
            weight = name.split(_BNB4_STATE)[0]
            skipped.add(name)
            if weight in tensors and weight not in logical:
                count.methods["bitsandbytes"] += 1
                count.bits.add(4)
                skipped.update(f"{weight}.{part}" for part in _BNB4_PARTS)
                logical[weight] = 2 * math.prod(tensors[weight][0])
        elif leaf == "SCB" and tensors.get(f"{module}.weight", ((), ""))[1] == "I8":
            count.methods["bitsandbytes"] += 1
            count.bits.add(8)
            skipped.update((name, f"{module}.weight_format"))
        elif leaf == "weight" and dtype.startswith("F8_"):
            count.methods["fp8"] += 1
            count.bits.add(8)
            skipped.update(f"{module}.{part}" for part in _FP8_SCALES)
    for name, (shape, _) in tensors.items():
        if name not in skipped:
            count.parameters += logical.get(name, math.prod(shape))
    return count

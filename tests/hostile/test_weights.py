"""Hostile weight files: pickles that run code through globals outside picklescan's denylist, in files not named
like weights; a zipped opcode bomb; GGUF headers whose counts would take GBs. Payloads are written opcode by opcode
in a temporary folder and never loaded; each run is a child process under a memory cap and a time limit."""

from __future__ import annotations

import bz2
import gzip
import json
import lzma
import struct
import zipfile
from pathlib import Path
from typing import Any

import pytest

from tests.hostile.harness import assert_clean, run_auditor
from tests.hostile.payloads import (
    call_global,
    call_stack_global,
    folder,
    gguf_array,
    gguf_header,
    gguf_many_pairs,
    gguf_string,
    marshal_function,
    memo_indirection,
    opcode_bomb,
    torch_zip,
)


def audit_json(target: Path, **limits: Any) -> tuple[dict[str, Any], dict[str, list[dict[str, Any]]]]:
    outcome = run_auditor("audit", str(target), "--format", "json")
    assert_clean(outcome, codes=(0, 1), **limits)
    report = json.loads(outcome.stdout)
    by_rule: dict[str, list[dict[str, Any]]] = {}
    for finding in report["findings"]:
        by_rule.setdefault(finding["rule"], []).append(finding)
    return report, by_rule


def test_code_running_pickles_outside_picklescans_list_fail_the_audit(tmp_path: Path) -> None:
    marker = tmp_path / "PWNED"
    model = folder(tmp_path)
    (model / "model.safetensors").write_bytes(b"\x08\x00\x00\x00\x00\x00\x00\x00{}      ")
    (model / "pytorch_model.bin").write_bytes(marshal_function(marker))
    (model / "optimizer.pt").write_bytes(memo_indirection("builtins", "__import__"))
    (model / "training_args.bin").write_bytes(call_global("_posixsubprocess", "fork_exec", "id"))
    (model / "rng_state.pth").write_bytes(call_stack_global("importlib", "import_module", "antigravity"))
    (model / "scheduler.pt").write_bytes(call_global("operator", "call", "x"))
    torch_zip(model / "checkpoint.ckpt", call_global("webbrowser", "open", "x"), compression=zipfile.ZIP_DEFLATED)
    with gzip.open(model / "extra.pkl.gz", "wb") as handle:
        handle.write(call_stack_global("pty", "spawn", "sh"))
    (model / "model.joblib.bz2").write_bytes(bz2.compress(call_global("code", "interact", "x")))
    (model / "state.pickle.xz").write_bytes(lzma.compress(call_global("torch.storage", "_load_from_bytes", "x")))
    report, rules = audit_json(model, max_memory_mb=400, max_seconds=60)
    assert report["verdict"]["status"] == "fail"
    unsafe = {f["evidence"][0]["file"]: f["message"] for f in rules["WEIGHTS-UNSAFE-PICKLE"]}
    assert unsafe == {
        "pytorch_model.bin": "pytorch_model.bin imports marshal.loads, types.FunctionType when unpickled",
        "optimizer.pt": "optimizer.pt imports builtins.__import__ when unpickled",
        "training_args.bin": "training_args.bin imports _posixsubprocess.fork_exec when unpickled",
        "rng_state.pth": "rng_state.pth imports importlib.import_module when unpickled",
        "scheduler.pt": "scheduler.pt imports operator.call when unpickled",
        "checkpoint.ckpt": "checkpoint.ckpt imports webbrowser.open when unpickled",
        "extra.pkl.gz": "extra.pkl.gz imports pty.spawn when unpickled",
        "model.joblib.bz2": "model.joblib.bz2 imports code.interact when unpickled",
        "state.pickle.xz": "state.pickle.xz imports torch.storage._load_from_bytes when unpickled",
    }
    assert all(f["severity"] == "error" for f in rules["WEIGHTS-UNSAFE-PICKLE"])
    assert "WEIGHTS-NOT-SCANNED" not in rules and "WEIGHTS-MISSING" not in rules
    assert not marker.exists()


def test_unknown_globals_are_a_warning_with_the_globals_listed(tmp_path: Path) -> None:
    model = folder(tmp_path)
    (model / "model.safetensors").write_bytes(b"\x08\x00\x00\x00\x00\x00\x00\x00{}      ")
    (model / "training_args.bin").write_bytes(call_global("transformers.training_args", "TrainingArguments", "x"))
    _, rules = audit_json(model)
    (finding,) = rules["WEIGHTS-PICKLE-UNKNOWN-GLOBALS"]
    assert finding["severity"] == "warning" and finding["evidence"][0]["excerpt"] == (
        "transformers.training_args.TrainingArguments"
    )
    assert "WEIGHTS-UNSAFE-PICKLE" not in rules


def test_zipped_opcode_bomb_is_bounded(tmp_path: Path) -> None:
    model = folder(tmp_path)
    bomb = opcode_bomb(model / "pytorch_model.bin", mib=1024)
    assert bomb.stat().st_size < 2 << 20  # about 1 MB on disk, 1 GiB of opcodes inside
    _, rules = audit_json(model, max_memory_mb=300, max_seconds=60)
    (finding,) = rules["WEIGHTS-NOT-SCANNED"]
    assert finding["message"] == (
        "pytorch_model.bin was not fully scanned for pickle imports: stopped after 2,000,000 opcodes"
    )


def _gguf(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("tensors", gguf_header(1 << 60, 0), "the header claims 1,152,921,504,606,846,976 tensors"),
        ("pairs", gguf_header(0, 1 << 60), "the header claims 1,152,921,504,606,846,976 metadata pairs"),
        ("uint8-array", gguf_header(0, 1, gguf_array("a", 0, 1 << 60)), "metadata arrays claim more than"),
        ("string-array", gguf_header(0, 1, gguf_array("a", 8, 1 << 22) + b"\0" * 64), "runs past the end"),
        ("nested-array", gguf_header(0, 1, gguf_array("a", 9, 3_000_000) + b"\0" * 64), "runs past the end"),
        ("long-key", gguf_header(0, 1, struct.pack("<Q", 1 << 40) + b"k"), "a metadata key of 1,099,511,627,776"),
        ("dims", gguf_header(1, 0, gguf_string("t") + struct.pack("<I", 1 << 30) + b"\0" * 32), "1,073,741,824 dim"),
    ],
)
def test_gguf_count_bombs_are_unreadable_not_fatal(tmp_path: Path, name: str, data: bytes, message: str) -> None:
    model = folder(tmp_path)
    _gguf(model / f"{name}.gguf", data + b"\0" * 1024)
    _, rules = audit_json(model, max_memory_mb=300, max_seconds=30)
    (finding,) = rules["WEIGHTS-UNREADABLE"]
    assert finding["message"].startswith(f"{name}.gguf: unreadable GGUF file: ") and message in finding["message"]


def test_a_million_gguf_pairs_are_refused_quickly(tmp_path: Path) -> None:
    model = folder(tmp_path)
    gguf_many_pairs(model / "pairs.gguf", 1_000_000)
    _, rules = audit_json(model, max_memory_mb=300, max_seconds=30)
    (finding,) = rules["WEIGHTS-UNREADABLE"]
    assert "the header claims 1,000,000 metadata pairs" in finding["message"]


def test_many_opcode_bombs_share_one_budget_per_audit(tmp_path: Path) -> None:
    model = folder(tmp_path)
    for index in range(7):
        opcode_bomb(model / f"pytorch_model-0000{index}.bin", mib=8)  # 4M opcodes each, 2M scanned per file
    _, rules = audit_json(model, max_memory_mb=300, max_seconds=60)
    reasons = sorted(f["message"].split(": ", 1)[1] for f in rules["WEIGHTS-NOT-SCANNED"])
    assert (
        reasons
        == ["not scanned: this audit's pickle scan budget is spent"] * 2 + ["stopped after 2,000,000 opcodes"] * 5
    )

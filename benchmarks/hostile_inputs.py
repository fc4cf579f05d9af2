"""Hostile inputs: exit code, time and peak memory of `auditor` on each, in a child process under limits.

    python benchmarks/hostile_inputs.py [--memory-mb 4096] [--timeout 60] [--only NAME ...]

Every payload is built in a temporary folder (tests/hostile/payloads.py) and never loaded. Prints one line per case:
exit code (or "hung"), seconds, peak RSS of the child, and what the run showed (rules fired, leaked canary …).
"""

from __future__ import annotations

import argparse
import bz2
import json
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.hostile.harness import Outcome, run_auditor  # noqa: E402
from tests.hostile.payloads import (  # noqa: E402
    CANARY,
    CARD,
    call_global,
    fifo,
    folder,
    gguf_array,
    gguf_header,
    gguf_many_pairs,
    link,
    marshal_function,
    memo_indirection,
    opcode_bomb,
)

Case = Callable[[Path], list[str]]
# A URL variable right before the token: the card parser's URL pattern ran across the NUL into HF_TOKEN.
SECRETS = {"DOCS_URL": "https://example.com/docs", "AUDITOR_CANARY": CANARY, "HF_TOKEN": CANARY}


def environ_symlinks(base: Path) -> list[str]:
    model = folder(base, card=None)
    for name in ("README.md", "LICENSE", "config.json"):
        link(model / name, "/proc/self/environ")
    return ["audit", str(model), "--format", "json"]


def device_symlinks(base: Path) -> list[str]:
    model = folder(base, card=None)
    link(model / "README.md", "/dev/zero")
    link(model / "LICENSE", "/dev/urandom")
    link(model / "model.safetensors", "/dev/zero")
    return ["audit", str(model), "--format", "json"]


def fifo_folder(base: Path) -> list[str]:
    model = folder(base, card=None)
    for name in ("README.md", "LICENSE", "config.json", "model.safetensors"):
        fifo(model / name)
    return ["audit", str(model), "--format", "json"]


def fifo_card(base: Path) -> list[str]:
    return ["audit", str(fifo(base / "README.md")), "--format", "json"]


def fifo_policy(base: Path) -> list[str]:
    (base / "README.md").write_text(CARD, encoding="utf-8")
    return ["audit", str(base / "README.md"), "--policy", str(fifo(base / "policy.yaml")), "--format", "json"]


def fifo_manifest(base: Path) -> list[str]:
    (base / "policy.yaml").write_text("fail_on: error\n", encoding="utf-8")
    return ["check", str(fifo(base / "models.yaml")), "--policy", str(base / "policy.yaml")]


def manifest_host_path(base: Path) -> list[str]:
    (base / "policy.yaml").write_text("fail_on: error\n", encoding="utf-8")
    (base / "models.yaml").write_text("models:\n  - id: /etc/passwd\n", encoding="utf-8")
    return ["check", str(base / "models.yaml"), "--policy", str(base / "policy.yaml"), "--format", "json"]


def empty_card(base: Path) -> list[str]:
    (base / "README.md").write_bytes(b"")
    return ["audit", str(base / "README.md"), "--format", "json"]


def binary_card(base: Path) -> list[str]:
    (base / "README.md").write_bytes(os.urandom(65536))
    return ["audit", str(base / "README.md"), "--format", "json"]


def gguf_target(base: Path) -> list[str]:
    path = base / "tiny.gguf"
    path.write_bytes(gguf_header(0, 1, gguf_array("general.tags", 8, 0)))
    return ["audit", str(path), "--format", "json"]


def pickle_case(name: str, data: bytes) -> Case:
    def build(base: Path) -> list[str]:
        model = folder(base)
        (model / "model.safetensors").write_bytes(b"\x08\x00\x00\x00\x00\x00\x00\x00{}      ")
        (model / name).write_bytes(data)
        return ["audit", str(model), "--format", "json"]

    return build


def weights_case(name: str, write: Callable[[Path], object]) -> Case:
    def build(base: Path) -> list[str]:
        model = folder(base)
        write(model / name)
        return ["audit", str(model), "--format", "json"]

    return build


CASES: dict[str, Case] = {
    "environ-symlinks": environ_symlinks,
    "device-symlinks": device_symlinks,
    "fifo-folder": fifo_folder,
    "fifo-card": fifo_card,
    "fifo-policy": fifo_policy,
    "fifo-manifest": fifo_manifest,
    "manifest-etc-passwd": manifest_host_path,
    "empty-card": empty_card,
    "binary-card": binary_card,
    "gguf-target": gguf_target,
    "pickle-marshal-function": pickle_case("pytorch_model.bin", marshal_function(Path("/nonexistent/PWNED"))),
    "pickle-import-via-memo": pickle_case("optimizer.pt", memo_indirection("builtins", "__import__")),
    "pickle-training-args": pickle_case("training_args.bin", call_global("_posixsubprocess", "fork_exec", "id")),
    "pickle-bz2": pickle_case("model.pkl.bz2", bz2.compress(call_global("posix", "system", "id"))),
    "zipped-opcode-bomb": weights_case("pytorch_model.bin", lambda p: opcode_bomb(p, 1024)),
    "gguf-2^60-tensors": weights_case("m.gguf", lambda p: p.write_bytes(gguf_header(1 << 60, 0) + b"\0" * 64)),
    "gguf-2^60-pairs": weights_case("m.gguf", lambda p: p.write_bytes(gguf_header(0, 1 << 60) + b"\0" * 64)),
    "gguf-2^60-array": weights_case("m.gguf", lambda p: p.write_bytes(gguf_header(0, 1, gguf_array("a", 0, 1 << 60)))),
    "gguf-1M-pairs": weights_case("m.gguf", lambda p: gguf_many_pairs(p, 1_000_000)),
}


def describe(outcome: Outcome) -> str:
    shown = []
    if CANARY in outcome.stdout:
        shown.append("CANARY LEAKED to stdout")
    try:
        report = json.loads(outcome.stdout)
    except ValueError:
        report = None
    reports = report if isinstance(report, list) else [report] if isinstance(report, dict) else []
    for item in reports:
        rules = sorted({f["rule"] for f in item.get("findings", []) if f["rule"].startswith(("WEIGHTS", "SOURCE"))})
        shown.append("rules: " + (", ".join(rules) or "none"))
        if item.get("target"):
            shown.append(f"audited {item['target']}")
    if outcome.stderr:
        shown.append("stderr: " + outcome.stderr.strip().splitlines()[-1][:110])
    return "; ".join(shown)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--memory-mb", type=int, default=4096)
    parser.add_argument("--timeout", type=float, default=60.0)
    parser.add_argument("--only", nargs="*", default=None)
    args = parser.parse_args()
    print(f"{'case':26} {'exit':>5} {'seconds':>8} {'peak MB':>8}  shown")
    for name, build in CASES.items():
        if args.only and name not in args.only:
            continue
        with tempfile.TemporaryDirectory(prefix="hostile-") as scratch:
            command = build(Path(scratch))
            outcome = run_auditor(*command, memory_mb=args.memory_mb, timeout=args.timeout, env=SECRETS)
        code = "hung" if outcome.timed_out else str(outcome.returncode)
        peak = f"{outcome.peak_rss_mb:.0f}" if outcome.peak_rss_mb is not None else "-"
        print(f"{name:26} {code:>5} {outcome.seconds:8.1f} {peak:>8}  {describe(outcome)}", flush=True)


if __name__ == "__main__":
    main()

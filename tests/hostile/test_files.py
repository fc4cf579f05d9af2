"""Hostile files around a model: symlinks out of the folder, devices, FIFOs, manifests naming host paths,
empty and binary cards. The audit reads only regular files inside the target, never blocks, never leaks."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from auditor.errors import InputError
from auditor.policy.manifest import ManifestError, load_manifest
from auditor.sources.local import read_card_file, read_folder
from auditor.sources.safefs import Confined, FileRefused, open_regular, read_regular_file
from tests.hostile.harness import assert_clean, run_auditor
from tests.hostile.payloads import CANARY, CARD, SAFETENSORS, fifo, folder, link

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="symlinks, FIFOs and /proc are POSIX")


def notes(report: dict[str, Any]) -> dict[str | None, str]:
    return {n["file"]: n["message"] for n in report["model"]["access"]}


def test_symlinks_to_the_environment_are_never_read(tmp_path: Path) -> None:
    model = folder(tmp_path, card=None)
    for name in ("README.md", "LICENSE", "config.json", "NOTICE"):
        link(model / name, "/proc/self/environ")
    # the card parser's URL pattern ran across the NUL between DOCS_URL and the next variable: the token leaked
    secrets = {"DOCS_URL": "https://example.com/docs", "AUDITOR_CANARY": CANARY, "HF_TOKEN": CANARY}
    outcome = run_auditor("audit", str(model), "--format", "json", env=secrets)
    assert_clean(outcome, codes=(0, 1), max_seconds=60)
    assert CANARY not in outcome.stdout and CANARY not in outcome.stderr
    report = json.loads(outcome.stdout)
    assert report["card"] is None
    assert notes(report)["README.md"] == "README.md: not read: symlink leaving the folder"
    assert "symlink leaving" in notes(report)["LICENSE"] and "symlink leaving" in notes(report)["config.json"]
    rules = {f["rule"]: f["message"] for f in report["findings"]}
    assert "symlink leaving" in rules["SOURCE-INCOMPLETE"]


def test_symlinks_to_devices_are_never_read(tmp_path: Path) -> None:
    model = folder(tmp_path)
    link(model / "README.md", "/dev/zero")
    link(model / "LICENSE", "/dev/urandom")
    for name in ("model.safetensors", "pytorch_model.bin", "model.gguf"):
        link(model / name, "/dev/zero")
    outcome = run_auditor("audit", str(model), "--format", "json")
    assert_clean(outcome, codes=(0, 1), max_memory_mb=400, max_seconds=60)
    report = json.loads(outcome.stdout)
    assert {"README.md", "LICENSE", "model.safetensors", "pytorch_model.bin", "model.gguf"} <= set(notes(report))
    not_scanned = [f for f in report["findings"] if f["rule"] == "WEIGHTS-NOT-SCANNED"]
    assert [f["evidence"][0]["file"] for f in not_scanned] == ["pytorch_model.bin"]
    assert "symlink leaving the folder" in not_scanned[0]["message"]


def test_fifos_and_sockets_never_block(tmp_path: Path) -> None:
    model = folder(tmp_path, card=None)
    for name in ("README.md", "LICENSE", "config.json", "model.safetensors", "pytorch_model.bin", "training_args.bin"):
        fifo(model / name)
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(str(model / "NOTICE"))
        outcome = run_auditor("audit", str(model), "--format", "json", timeout=60)
    assert_clean(outcome, codes=(0, 1), max_seconds=30)
    report = json.loads(outcome.stdout)
    assert notes(report)["README.md"] == "README.md: not read: not a regular file (FIFO)"
    assert notes(report)["NOTICE"] == "NOTICE: not read: not a regular file (socket)"
    others = {"LICENSE", "config.json", "model.safetensors", "pytorch_model.bin", "training_args.bin"}
    assert {notes(report)[name] for name in others} == {
        f"{name}: not read: not a regular file (FIFO)" for name in others
    }


def test_a_fifo_as_card_policy_or_manifest_is_a_one_line_input_error(tmp_path: Path) -> None:
    card = fifo(tmp_path / "README.md")
    outcome = run_auditor("audit", str(card), timeout=60)
    assert_clean(outcome, codes=(2,), max_seconds=30)
    assert outcome.stderr.count("\n") == 0 and "not a regular file (FIFO)" in outcome.stderr
    real = tmp_path / "real"
    real.mkdir()
    (real / "README.md").write_text(CARD, encoding="utf-8")
    policy = fifo(tmp_path / "policy.yaml")
    outcome = run_auditor("audit", str(real / "README.md"), "--policy", str(policy), timeout=60)
    assert_clean(outcome, codes=(2,), max_seconds=30)
    assert "not a regular file (FIFO)" in outcome.stderr
    (tmp_path / "ok-policy.yaml").write_text("fail_on: error\n", encoding="utf-8")
    manifest = fifo(tmp_path / "models.yaml")
    outcome = run_auditor("check", str(manifest), "--policy", str(tmp_path / "ok-policy.yaml"), timeout=60)
    assert_clean(outcome, codes=(2,), max_seconds=30)
    assert "not a regular file (FIFO)" in outcome.stderr


@pytest.mark.parametrize("named", ["/etc/passwd", "/", "/proc/self/environ", "../outside", "~/.cache"])
def test_a_manifest_cannot_name_host_paths(tmp_path: Path, named: str) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / "models.yaml").write_text(f"models:\n  - id: {json.dumps(named)}\n", encoding="utf-8")
    (project / "policy.yaml").write_text("fail_on: error\n", encoding="utf-8")
    outcome = run_auditor("check", str(project / "models.yaml"), "--policy", str(project / "policy.yaml"),
                          "--format", "json", env={"HF_TOKEN": CANARY})  # fmt: skip
    assert_clean(outcome, codes=(2,), max_seconds=30)
    assert "is outside the repository" in outcome.stderr and "--allow-outside-paths" in outcome.stderr
    assert outcome.stdout == "" and CANARY not in outcome.stderr


def test_manifest_paths_resolve_from_the_manifest_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    project = tmp_path / "project"
    (project / "models" / "tiny").mkdir(parents=True)
    subprocess.run(["git", "init", "-q"], cwd=project, check=True)  # the repository is the git work tree
    (project / "models" / "tiny" / "README.md").write_text(CARD, encoding="utf-8")
    (project / "ci").mkdir()
    manifest = project / "ci" / "models.yaml"
    manifest.write_text("- ../models/tiny\n- org/name\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)  # not the manifest's folder: paths must not follow the working directory
    local, hub = load_manifest(manifest)
    assert local.target == str((project / "models" / "tiny").resolve()) and hub.target == "org/name"
    manifest.write_text("- ../../outside\n", encoding="utf-8")
    with pytest.raises(ManifestError, match=r"models\.yaml:1: models\[0\]\.id: \.\./\.\./outside is outside"):
        load_manifest(manifest)
    (entry,) = load_manifest(manifest, allow_outside=True)
    assert entry.target == str((tmp_path / "outside").resolve())
    alone = tmp_path / "alone"
    alone.mkdir()
    (alone / "models.yaml").write_text("- ../project/models/tiny\n", encoding="utf-8")
    with pytest.raises(ManifestError, match="outside the repository"):  # outside git: the manifest's folder
        load_manifest(alone / "models.yaml")


@pytest.mark.parametrize("content", [os.urandom(4096) + b"\0", b"---\nlicense: mit\n---\n# Card\0\0\0"])
def test_binary_bare_cards_are_input_errors(tmp_path: Path, content: bytes) -> None:
    card = tmp_path / "README.md"
    card.write_bytes(content)
    outcome = run_auditor("audit", str(card))
    assert_clean(outcome, codes=(2,))
    assert outcome.stderr == f"auditor: {card}: binary file (NUL bytes), not a model card"


@pytest.mark.parametrize("content", [b"", b"  \n\n"])
def test_empty_bare_cards_are_audited_as_cards_that_say_nothing(tmp_path: Path, content: bytes) -> None:
    card = tmp_path / "README.md"
    card.write_bytes(content)  # real Hub repositories have empty READMEs (two in shared/data/cards-bulk)
    outcome = run_auditor("audit", str(card), "--format", "json")
    assert_clean(outcome, codes=(1,))
    rules = {f["rule"] for f in json.loads(outcome.stdout)["findings"]}
    assert "LIC-MISSING" in rules and "WEIGHTS-MISSING" not in rules  # the files are unknown, not missing


def test_bare_card_symlinked_out_of_its_folder_is_refused(tmp_path: Path) -> None:
    card = link(tmp_path / "README.md", "/proc/self/environ")
    with pytest.raises(InputError, match="symlink leaving the folder"):
        read_card_file(card, str(card))


def test_hub_cache_snapshot_symlinks_into_its_blobs_are_read(tmp_path: Path) -> None:
    repo = tmp_path / "hub" / "models--acme--tiny"
    blobs, snapshot = repo / "blobs", repo / "snapshots" / ("a" * 40)
    blobs.mkdir(parents=True)
    (snapshot / "sub").mkdir(parents=True)
    (blobs / "1111").write_text(CARD, encoding="utf-8")
    (blobs / "2222").write_text("Apache License\nVersion 2.0, January 2004\n", encoding="utf-8")
    (blobs / "3333").write_bytes(SAFETENSORS)
    link(snapshot / "README.md", "../../blobs/1111")
    link(snapshot / "LICENSE", "../../blobs/2222")
    link(snapshot / "sub" / "model.safetensors", "../../../blobs/3333")
    (tmp_path / "secret").write_text("HF_TOKEN=" + CANARY, encoding="utf-8")
    link(snapshot / "NOTICE", "../../../../secret")  # leaves the models--acme--tiny folder
    facts = read_folder(snapshot, str(snapshot), source="hub-cache")
    assert facts.card is not None and facts.card.metadata["license"] == "apache-2.0"
    assert [d.path for d in facts.documents] == ["LICENSE"]
    assert [(w.path, w.tensors) for w in facts.weights or ()] == [("sub/model.safetensors", 0)]
    assert [n.message for n in facts.access] == ["NOTICE: not read: symlink leaving the snapshot"]
    assert CANARY not in repr(facts)


def test_safe_reading_primitives(tmp_path: Path) -> None:
    for device, kind in (("/dev/zero", "character device"), ("/dev/null", "character device")):
        with pytest.raises(FileRefused, match=f"not a regular file \\({kind}\\)"):
            open_regular(device)
    with pytest.raises(FileRefused, match="directory"):
        open_regular(tmp_path)
    big = tmp_path / "big.yaml"
    big.write_bytes(b"a" * 1001)
    with pytest.raises(FileRefused, match="larger than 1,000 bytes"):
        read_regular_file(big, 1000)
    assert read_regular_file(big, 1001) == b"a" * 1001
    inside = Confined.at(tmp_path)
    link(tmp_path / "up", "..")
    with pytest.raises(FileRefused, match="symlink leaving the folder"):
        inside.locate("up/etc/passwd")
    with pytest.raises(FileRefused, match="symlink leaving the folder"):
        inside.locate("../x")


def test_listing_is_bounded_and_never_follows_symlinked_folders(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from auditor.sources import local

    model = folder(tmp_path)
    for index in range(10):
        (model / f"f{index}.txt").write_text("x", encoding="utf-8")
    link(model / "etc", "/etc")
    link(model / "loop", ".")
    monkeypatch.setattr(local, "MAX_LISTED_FILES", 5)
    facts = read_folder(model, str(model))
    assert len(facts.files or ()) == 5
    messages = [n.message for n in facts.access]
    assert "listing stopped after 5 files" in messages
    assert {"etc: not read: symlinked folder, not followed", "loop: not read: symlinked folder, not followed"} <= set(
        messages
    )


def test_no_text_from_a_target_or_a_card_starts_a_line_of_its_own(tmp_path: Path) -> None:
    """Escape sequences and line breaks from hostile names and cards are shown, never run: no output line can be
    a CI workflow command (``::error::`` at the start of a line) or move the terminal's cursor."""
    card = tmp_path / "README.md"
    card.write_text("---\nlicense: |\n  mit\n  ::error::card-injected\nlicense_name: \"x\\e[2J\\n::warning::y\"\n---\n"
                    "# M\n", encoding="utf-8")  # fmt: skip
    missing = "./no\n::error::target-injected\x1b[31m.md"
    outcome = run_auditor("audit", str(card), missing, "--format", "text")
    assert_clean(outcome, codes=(1, 2))
    for line in (*outcome.stdout.splitlines(), *outcome.stderr.splitlines()):
        assert not line.lstrip().startswith("::"), line
        assert "\x1b" not in line, line
    assert "::error::target-injected" in outcome.stderr  # still said, inside one line

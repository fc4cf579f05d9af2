"""Hostile YAML through the real CLI: deep nesting, alias bombs, huge front matter, huge integers, odd encodings.

Each payload is written in a temporary folder and run by ``python -m auditor`` in a child process under a memory
cap and a time limit (tests/hostile/harness.py). Before the bounded loader these segfaulted (30,000-deep nesting),
took gigabytes (billion laughs, 50 MB front matter) or printed nothing (a 5,000-digit hex integer in JSON).
"""

from __future__ import annotations

import codecs
import json
from pathlib import Path

from tests.hostile.harness import Outcome, assert_clean, run_auditor

MEMORY_MB = 1024
TIMEOUT = 60.0
DEEP = "[" * 30_000 + "]" * 30_000
LAUGHS = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"{chr(97 + i)}: &{chr(97 + i)} [" + ", ".join([f"*{chr(96 + i)}"] * 10) + "]\n" for i in range(1, 10)
)
POLICY = "licenses:\n  deny: [category:non-commercial]\nfail_on: error\n"


def run(*args: str, cwd: Path) -> Outcome:
    return run_auditor(*args, cwd=cwd, memory_mb=MEMORY_MB, timeout=TIMEOUT)


def one_line_error(outcome: Outcome, *parts: str) -> None:
    assert_clean(outcome, codes=(2,), max_memory_mb=MEMORY_MB, max_seconds=TIMEOUT)
    assert len(outcome.stderr.splitlines()) == 1, outcome.stderr
    for part in parts:
        assert part in outcome.stderr, outcome.stderr


def audited_card(tmp_path: Path, front_matter: str, body: str = "# Model\n") -> dict[str, object]:
    card = tmp_path / "README.md"
    card.write_text(f"---\n{front_matter}---\n{body}", encoding="utf-8")
    outcome = run("audit", str(card), "--format", "json", cwd=tmp_path)
    assert_clean(outcome, codes=(0, 1), max_memory_mb=MEMORY_MB, max_seconds=TIMEOUT)
    result: dict[str, object] = json.loads(outcome.stdout)
    return result


def messages(result: dict[str, object], rule: str) -> list[str]:
    return [f["message"] for f in result["findings"] if f["rule"] == rule]  # type: ignore[attr-defined,index]


def test_deeply_nested_card_policy_and_manifest(tmp_path: Path) -> None:
    result = audited_card(tmp_path, f"license: mit\ndeep: {DEEP}\n")
    assert messages(result, "CARD-YAML-INVALID") == ["metadata nests deeper than 64 levels; ignored"]
    (tmp_path / "deep-policy.yaml").write_text(f"rules: {DEEP}\n", encoding="utf-8")
    one_line_error(run("policy", "validate", "deep-policy.yaml", cwd=tmp_path), "deep-policy.yaml:1: rules", "deeper")
    (tmp_path / "policy.yaml").write_text(POLICY, encoding="utf-8")
    (tmp_path / "models.yaml").write_text(f"models: {DEEP}\n", encoding="utf-8")
    outcome = run("check", "models.yaml", "--policy", "policy.yaml", cwd=tmp_path)
    one_line_error(outcome, "models.yaml:1: models[0]", "nests deeper than 64 levels")


def test_billion_laughs_in_card_policy_and_manifest(tmp_path: Path) -> None:
    result = audited_card(tmp_path, LAUGHS + "license: mit\n")
    assert messages(result, "CARD-YAML-INVALID") == ["metadata expands to too many values (alias bomb?); ignored"]
    (tmp_path / "policy.yaml").write_text(LAUGHS, encoding="utf-8")
    one_line_error(run("policy", "validate", "policy.yaml", cwd=tmp_path), "policy.yaml:6: f:", "too many values")
    (tmp_path / "good-policy.yaml").write_text(POLICY, encoding="utf-8")
    (tmp_path / "models.yaml").write_text(LAUGHS, encoding="utf-8")
    outcome = run("check", "models.yaml", "--policy", "good-policy.yaml", cwd=tmp_path)
    one_line_error(outcome, "models.yaml:6: f:", "too many values")


def test_front_matter_over_one_mebibyte_is_refused_unparsed(tmp_path: Path) -> None:
    filler = "key: " + "v" * 95 + "\n"
    result = audited_card(tmp_path, "license: mit\n" + filler * 30_000, "# Usage\nhttps://github.com/org/repo\n")
    assert messages(result, "CARD-YAML-INVALID") == ["front matter is 3,030,012 bytes, more than 1,024 KiB; ignored"]
    assert "https://github.com/org/repo" in json.dumps(result["card"])  # the body is still read


def test_fifty_megabyte_front_matter_stays_bounded(tmp_path: Path) -> None:
    card = tmp_path / "README.md"
    card.write_text("---\nlicense: mit\n" + ("key: " + "v" * 95 + "\n") * 500_000 + "---\n# M\n", encoding="utf-8")
    outcome = run("audit", str(card), "--format", "json", cwd=tmp_path)
    # The card is read up to its size bound (16 MiB, said in an access note); the front matter in those bytes is
    # never closed, so none of it is taken as metadata.
    assert_clean(outcome, codes=(0, 1), max_memory_mb=512, max_seconds=TIMEOUT)
    payload = json.loads(outcome.stdout)
    assert any("only the start was read" in note["message"] for note in payload["model"]["access"])
    assert payload["card"]["metadata"] == {}


def test_huge_hex_integer_keeps_json_output_valid_for_the_batch(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text(f"---\nlicense: mit\nseed: 0x{'f' * 5000}\n---\n# A\n", encoding="utf-8")
    (tmp_path / "b.md").write_text("---\nlicense: apache-2.0\n---\n# B\n", encoding="utf-8")
    outcome = run("audit", "a.md", "b.md", "--format", "json", cwd=tmp_path)
    assert_clean(outcome, codes=(0, 1), max_memory_mb=MEMORY_MB, max_seconds=TIMEOUT)
    results = json.loads(outcome.stdout)
    assert len(results) == 2 and "0x" + "f" * 5000 in outcome.stdout


def test_utf16_policy_is_read(tmp_path: Path) -> None:
    (tmp_path / "policy.yaml").write_bytes(codecs.BOM_UTF16_LE + POLICY.encode("utf-16-le"))
    outcome = run("policy", "validate", "policy.yaml", cwd=tmp_path)
    assert_clean(outcome, codes=(0,), max_memory_mb=MEMORY_MB, max_seconds=TIMEOUT)
    assert "policy.yaml: valid (sha256 " in outcome.stdout


def test_policy_errors_from_the_loader_are_one_line(tmp_path: Path) -> None:
    (tmp_path / "policy.yaml").write_text("waivers:\n  - &w\n    - *w\n", encoding="utf-8")
    one_line_error(run("policy", "validate", "policy.yaml", cwd=tmp_path), "policy.yaml:3: waivers[0]", "recursive")
    (tmp_path / "policy.yaml").write_bytes(b"licenses:\n  deny: [caf\xe9]\n")
    one_line_error(run("policy", "validate", "policy.yaml", cwd=tmp_path), "policy.yaml:2: not valid UTF-8")
    (tmp_path / "policy.yaml").write_text(POLICY + "licenses: {}\n", encoding="utf-8")
    one_line_error(run("policy", "validate", "policy.yaml", cwd=tmp_path), "policy.yaml:4: licenses: key appears")


def test_ten_megabyte_body_of_hostile_lines(tmp_path: Path) -> None:
    size = 1_000_000
    lines = [
        "[" * size + " https://example.org/a",
        "license " + "[" * size,
        "# " + "[" * size,
        "# a" + " #" * (size // 2) + "b",
        "license " + "<" * size,
        "license " + "[a](" * (size // 4),
        "[a](" * (size // 4) + "https://example.org/b",
        "release " * (size // 8),
        "data " * (size // 5),
        "```\nrevision=" + " " * size + "\n```",
    ]
    result = audited_card(tmp_path, "license: mit\n", "\n".join(lines) + "\n")
    card = json.dumps(result["card"])
    assert "https://example.org/a" in card and "https://example.org/b" in card


def test_binary_readme_is_refused_as_a_target_and_not_read_as_text_in_a_folder(tmp_path: Path) -> None:
    card = tmp_path / "README.md"
    card.write_bytes(bytes(range(256)) * 4096)
    bare = run("audit", str(card), "--format", "json", cwd=tmp_path)
    assert_clean(bare, codes=(2,), max_memory_mb=MEMORY_MB, max_seconds=TIMEOUT)
    assert bare.stderr.endswith("binary file (NUL bytes), not a model card")
    in_folder = run("audit", str(tmp_path), "--format", "json", cwd=tmp_path)
    assert_clean(in_folder, codes=(0, 1), max_memory_mb=MEMORY_MB, max_seconds=TIMEOUT)
    payload = json.loads(in_folder.stdout)
    assert "binary" in {p["kind"] for p in payload["card"]["problems"]} and payload["card"]["links"] == []


def test_deeply_nested_merge_config_and_config_json_in_a_snapshot(tmp_path: Path) -> None:
    snapshot = tmp_path / "model"
    snapshot.mkdir()
    (snapshot / "README.md").write_text("---\nlicense: mit\nbase_model: org/base\n---\n# Merge\n", encoding="utf-8")
    (snapshot / "mergekit_config.yml").write_text(f"models: {DEEP}\n", encoding="utf-8")
    (snapshot / "config.json").write_text(DEEP, encoding="utf-8")
    outcome = run("audit", str(snapshot), "--offline", "--format", "json", cwd=tmp_path)
    assert_clean(outcome, codes=(0, 1), max_memory_mb=MEMORY_MB, max_seconds=TIMEOUT)
    assert json.loads(outcome.stdout)["error"] is None

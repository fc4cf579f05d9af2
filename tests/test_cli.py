"""The command line: formats, exit codes, errors as one clear line, the fake Hub behind it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from auditor.cli import cli
from tests.conftest import CARDS, REPO_ROOT
from tests.fakehub import FakeHub, Fault

PYTHIA_CARD = str(CARDS / "EleutherAI__pythia-6.9b" / "README.md")
NO_LICENSE_CARD = str(CARDS / "KoboldAI__fairseq-dense-13B" / "README.md")


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_bare_readme_json_by_default_when_not_a_terminal() -> None:
    code, out, _ = run("audit", PYTHIA_CARD)
    payload = json.loads(out)
    assert code == 0 and payload["verdict"]["status"] == "pass"
    assert payload["license"]["declared"] == ["apache-2.0"]


def test_missing_license_fails_with_exit_1() -> None:
    code, out, _ = run("audit", NO_LICENSE_CARD)
    payload = json.loads(out)
    assert code == 1 and payload["verdict"]["status"] == "fail"
    assert any(f["rule"] == "LIC-MISSING" and f["severity"] == "error" for f in payload["findings"])


def test_fail_on_warning_changes_the_verdict(tmp_path: Path) -> None:
    card = tmp_path / "README.md"
    card.write_text("---\nlicense: mit\nlicense: apache-2.0\n---\n# Model\n")
    assert run("audit", str(card))[0] == 0
    code, out, _ = run("audit", str(card), "--fail-on", "warning")
    assert code == 1 and json.loads(out)["verdict"]["reasons"][0].startswith("CARD-DUPLICATE-KEY")


def test_local_snapshot_folder(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_bytes((CARDS / "EleutherAI__pythia-6.9b" / "README.md").read_bytes())
    (tmp_path / "config.json").write_text("{}")
    (tmp_path / "LICENSE").write_text("Apache License\nVersion 2.0, January 2004\n")
    code, out, _ = run("audit", str(tmp_path), "--format", "json")
    payload = json.loads(out)
    assert code == 0 and payload["model"]["source"] == "local"
    assert [f["path"] for f in payload["model"]["files"]] == ["LICENSE", "README.md", "config.json"]
    (detected,) = payload["license"]["detected_files"]
    assert (detected["path"], detected["license"], detected["method"]) == ("LICENSE", "apache-2.0", "title")


def test_hub_target_with_revision(hub: FakeHub) -> None:
    sha = hub.repos[("model", "EleutherAI/pythia-6.9b")].branches["v1.0"]
    code, out, _ = run("audit", "EleutherAI/pythia-6.9b@v1.0")
    payload = json.loads(out)
    assert code == 0 and payload["model"]["revision"] == "v1.0" and payload["model"]["sha"] == sha
    code, out, _ = run("audit", "EleutherAI/pythia-6.9b", "--revision", "v1.0")
    assert json.loads(out)["model"]["sha"] == sha


def test_jsonl_several_targets_in_input_order_and_errors_continue(hub: FakeHub) -> None:
    targets = [
        "EleutherAI/pythia-6.9b",
        "acme/does-not-exist",
        PYTHIA_CARD,
        NO_LICENSE_CARD,
        "./missing/README.md",
    ]
    code, out, err = run("audit", *targets, "--format", "jsonl")
    lines = [json.loads(line) for line in out.splitlines()]
    assert [line["target"] for line in lines] == targets
    assert [line["verdict"]["status"] for line in lines] == ["pass", "error", "pass", "fail", "error"]
    assert lines[1]["error"]["kind"] == "not-found"
    assert code == 2
    assert "acme/does-not-exist: model not found" in err and "Traceback" not in err


def test_json_list_for_several_targets() -> None:
    code, out, _ = run("audit", PYTHIA_CARD, NO_LICENSE_CARD, "--format", "json")
    payload = json.loads(out)
    assert isinstance(payload, list) and [p["verdict"]["status"] for p in payload] == ["pass", "fail"]
    assert code == 1


def test_output_file_and_text_format(tmp_path: Path) -> None:
    target = tmp_path / "out.json"
    code, out, err = run("audit", PYTHIA_CARD, "--output", str(target))
    assert code == 0 and out == "" and "wrote" in err
    assert json.loads(target.read_text())["license"]["declared"] == ["apache-2.0"]
    code, out, _ = run("audit", NO_LICENSE_CARD, "--format", "text")
    assert code == 1 and out.startswith("FAIL") and "LIC-MISSING" in out


def test_text_summary_cites_each_finding_where_its_evidence_is() -> None:
    _, out, _ = run("audit", str(REPO_ROOT / "examples" / "pythia-6.9b"), "--format", "text")
    lines = {line.split(":", 1)[0].split()[-1]: line for line in out.splitlines() if line.startswith("  ")}
    assert lines["LIC-ATTRIBUTION"].endswith("[README.md:8 license]")  # file:line field
    assert lines["LINEAGE-FAMILY-TERMS"].endswith("[model id]")  # a field alone, no file


def test_text_summary_neutralises_terminal_escapes(tmp_path: Path) -> None:
    card = tmp_path / "README.md"
    card.write_text('---\nlicense: "mit\\e[31m\\e]0;pwned\\a"\n---\n')
    _, out, _ = run("audit", str(card), "--format", "text")
    assert "\x1b" not in out and "\x07" not in out and "\\x1b[31m" in out


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("./no/such/folder", "no such file or folder"),
        ("not a valid id!", "not a Hub model id"),
        ("acme/does-not-exist", "model not found"),
        ("EleutherAI/pythia-6.9b@no-such-branch", "revision 'no-such-branch' not found"),
    ],
)
def test_input_errors_exit_2_with_one_line(hub: FakeHub, target: str, message: str) -> None:
    code, _, err = run("audit", target)
    assert code == 2
    assert message in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_gated_is_a_finding_not_a_crash(hub: FakeHub) -> None:
    code, out, _ = run("audit", "meta-llama/Meta-Llama-3-8B")
    payload = json.loads(out)
    assert code == 0  # the access problem is a warning: the default gate fails on errors only
    assert any("gated: access not granted" in f["message"] for f in payload["findings"])


def test_hub_server_error_exits_2(hub: FakeHub, monkeypatch: pytest.MonkeyPatch) -> None:
    hub.inject(Fault("/api/models/EleutherAI/gpt-j-6b", status=500))
    code, _, err = run("audit", "EleutherAI/gpt-j-6b", "--workers", "1")
    assert code == 2 and "failed" in err and len(err.strip().splitlines()) == 1


def test_usage_error_exits_2() -> None:
    assert run("audit")[0] == 2
    assert run("audit", PYTHIA_CARD, "--format", "nope")[0] == 2


def test_schema_command_prints_the_shipped_schema() -> None:
    code, out, _ = run("schema")
    assert code == 0 and json.loads(out)["properties"]["schema_version"]["const"] == "2"


def _subprocess(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
        cwd=REPO_ROOT,
    )


def test_python_m_and_help_import_no_heavy_libraries() -> None:
    probe = (
        "import sys, runpy; sys.argv = ['auditor', '--help'];\n"
        "try:\n    runpy.run_module('auditor', run_name='__main__')\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('torch', 'transformers', 'safetensors', 'numpy') if m in sys.modules]\n"
        "print('HEAVY', heavy)"
    )
    proc = _subprocess("-c", probe)
    assert "Usage:" in proc.stdout and "HEAVY []" in proc.stdout
    proc = _subprocess("-m", "auditor", "audit", PYTHIA_CARD)
    assert proc.returncode == 0 and json.loads(proc.stdout)["schema_version"] == "2"


def test_unreachable_hub_subprocess_exits_2_without_traceback(tmp_path: Path) -> None:
    proc = _subprocess(
        "-m",
        "auditor",
        "audit",
        "EleutherAI/pythia-6.9b",
        env={"HF_ENDPOINT": "http://127.0.0.1:9", "HF_HOME": str(tmp_path)},
    )
    assert proc.returncode == 2
    assert "auditor: EleutherAI/pythia-6.9b" in proc.stderr and "Traceback" not in proc.stderr


def test_offline_flag_without_cache_exits_2(tmp_path: Path) -> None:
    proc = _subprocess("-m", "auditor", "audit", "EleutherAI/pythia-6.9b", "--offline", env={"HF_HOME": str(tmp_path)})
    assert proc.returncode == 2 and "no snapshot of it is in the Hugging Face cache" in proc.stderr


def test_hf_hub_offline_env_falls_back_to_the_cache(hub: FakeHub, tmp_path: Path) -> None:
    env = {"HF_HOME": str(tmp_path)}
    assert _subprocess("-m", "auditor", "audit", "EleutherAI/pythia-6.9b", env=env).returncode == 0
    before = len(hub.requests)
    proc = _subprocess("-m", "auditor", "audit", "EleutherAI/pythia-6.9b", env={**env, "HF_HUB_OFFLINE": "1"})
    assert proc.returncode == 0, proc.stderr
    payload = json.loads(proc.stdout)
    assert payload["model"]["source"] == "hub-cache" and payload["license"]["declared"] == ["apache-2.0"]
    assert any(f["rule"] == "SOURCE-OFFLINE" and "HF_HUB_OFFLINE" in f["message"] for f in payload["findings"])
    assert [r for r in hub.requests[before:] if not r[1].startswith("/api/agent-harnesses")] == []


def test_token_never_appears_in_output_or_logs(hub: FakeHub, tmp_path: Path) -> None:
    from tests.fakehub import GOOD_TOKEN

    proc = _subprocess(
        "-m",
        "auditor",
        "--debug",
        "audit",
        "meta-llama/Meta-Llama-3-8B",
        "acme/does-not-exist",
        "--format",
        "text",
        env={"HF_HOME": str(tmp_path), "HF_TOKEN": GOOD_TOKEN},
    )
    assert proc.returncode == 2
    assert "LICENSE" in proc.stdout  # the token worked: the gated LICENSE was read
    assert GOOD_TOKEN not in proc.stdout and GOOD_TOKEN not in proc.stderr


def test_entry_point_exit_codes_for_usage_errors_help_and_version() -> None:
    bad = _subprocess("-m", "auditor", "audit", "--bogus")
    assert bad.returncode == 2 and "No such option" in bad.stderr and "Traceback" not in bad.stderr
    assert _subprocess("-m", "auditor", "--version").returncode == 0
    helped = _subprocess("-m", "auditor", "audit", "--help")
    assert helped.returncode == 0 and "--from" in helped.stdout and "--resume" in helped.stdout

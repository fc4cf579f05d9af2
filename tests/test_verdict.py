"""One judgement, everywhere: every format and the exit code say the same tier for the same model.

The expected tiers are a licensing reviewer's, stated here by hand:
- Pythia 6.9B (Apache-2.0): usable with notice only → pass.
- Llama 2 7B (Llama 2 Community License: 700M-user cap, acceptable-use policy, output-use limit) → conditions.
- Command R+ (CC-BY-NC-4.0): commercial use forbidden → fail.
- A Hub repository that does not exist → error (not judged).
- Pythia again, under a policy that requires MOF Class II (a card alone cannot show it) → fail, by the policy.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

from auditor.cli import cli
from tests.conftest import CARDS, REPO_ROOT

PYTHIA = str(CARDS / "EleutherAI__pythia-6.9b" / "README.md")
LLAMA2 = str(CARDS / "NousResearch__Llama-2-7b-hf" / "README.md")
NON_COMMERCIAL = str(CARDS / "CohereForAI__c4ai-command-r-plus" / "README.md")
MISSING = "acme/no-such-model-anywhere"
EXIT = {"pass": 0, "conditions": 0, "fail": 1, "error": 2}
FORMATS = ("json", "text", "md", "html", "sarif", "junit", "spdx", "spdx3", "cyclonedx")
MD_WORDS = {"pass": ("✅", "pass"), "conditions": ("🟡", "pass with conditions"), "fail": ("❌", "fail"),
            "error": ("⚠️", "error")}  # fmt: skip


def _tier_in(fmt: str, out: str) -> str:
    """The verdict tier as each format states it, read the way a consumer of that format would."""
    if fmt == "json":
        return str(json.loads(out)["verdict"]["status"])
    if fmt == "text":
        return out.split()[0].lower()
    if fmt == "md":  # the table's first model row: | mark | model | tier words | …
        rows = [line for line in out.splitlines() if line.startswith("| ") and not line.startswith(("| |", "| ---"))]
        mark, _, words = (cell.strip() for cell in rows[0].split(" | ")[:3])
        return next(tier for tier, (m, w) in MD_WORDS.items() if mark == f"| {m}" and words == w)
    if fmt == "html":
        match = re.search(r'<section id="summary" class="summary t-(\w+)"', out)
        assert match is not None
        return match.group(1)
    if fmt == "sarif":
        return str(json.loads(out)["runs"][0]["properties"]["verdicts"][0]["status"])
    if fmt == "junit":
        suite = ET.fromstring(out).find("testsuite")
        assert suite is not None
        stated = next(p.get("value") for p in suite.iter("property") if p.get("name") == "verdict")
        failing, errors = int(suite.get("failures", "0")), int(suite.get("errors", "0"))
        assert (failing > 0) == (stated == "fail") and (errors > 0) == (stated == "error"), out
        return str(stated)
    if fmt in ("spdx", "spdx3"):
        match = re.search(r"auditor verdict: (\w+)", out)
        assert match is not None
        return match.group(1)
    model = next(c for c in json.loads(out)["components"] if c["bom-ref"] == "model-1")
    properties = model["properties"]
    return str(next(p["value"] for p in properties if p["name"] == "auditor:verdict"))


def _policy(tmp_path: Path) -> str:
    path = tmp_path / "policy.yaml"
    path.write_text("require: {mof_class: 2}\n", encoding="utf-8")
    return str(path)


@pytest.mark.parametrize(
    ("target", "expected", "with_policy"),
    [
        (PYTHIA, "pass", False),
        (LLAMA2, "conditions", False),
        (NON_COMMERCIAL, "fail", False),
        (MISSING, "error", False),
        (PYTHIA, "fail", True),
    ],
    ids=["permissive", "llama2", "non-commercial", "missing-repo", "failed-by-policy"],
)
def test_every_format_and_the_exit_code_agree(
    hub, tmp_path: Path, target: str, expected: str, with_policy: bool
) -> None:  # type: ignore[no-untyped-def]
    extra = ["--policy", _policy(tmp_path)] if with_policy else []
    for fmt in FORMATS:
        if expected == "error" and fmt in ("spdx", "spdx3", "cyclonedx"):
            continue  # an unreadable target has no bill of materials
        result = CliRunner().invoke(cli, ["audit", target, "--format", fmt, *extra])
        assert result.exit_code == EXIT[expected], (fmt, result.stdout[-500:], result.stderr[-500:])
        assert _tier_in(fmt, result.stdout) == expected, fmt


def test_llama2_conditions_list_its_obligations_with_sources() -> None:
    result = CliRunner().invoke(cli, ["audit", LLAMA2, "--format", "json"])
    verdict = json.loads(result.stdout)["verdict"]
    assert verdict["status"] == "conditions" and verdict["policy"] is None and verdict["fail_on_source"] == "default"
    codes = {o["code"] for o in verdict["obligations"] if o["level"] == "condition"}
    assert {"user-cap", "acceptable-use-policy", "output-use-limit"} <= codes
    cap = next(o for o in verdict["obligations"] if o["code"] == "user-cap")
    assert "700,000,000" in cap["text"] and cap["source"]["url"].startswith("https://")
    assert all(reason.startswith("condition: ") for reason in verdict["reasons"])
    text = CliRunner().invoke(cli, ["audit", LLAMA2, "--format", "text"]).stdout
    assert text.startswith("CONDITIONS") and "no policy applied" in text and "700,000,000" in text


def test_permissive_pass_has_only_notice_obligations() -> None:
    verdict = json.loads(CliRunner().invoke(cli, ["audit", PYTHIA, "--format", "json"]).stdout)["verdict"]
    assert verdict["status"] == "pass" and verdict["reasons"] == []
    assert verdict["obligations"] and {o["level"] for o in verdict["obligations"]} == {"notice"}


def test_command_line_fail_on_beats_the_policy_which_beats_the_default(tmp_path: Path) -> None:
    lenient = tmp_path / "lenient.yaml"
    lenient.write_text("fail_on: error\n", encoding="utf-8")
    strict = tmp_path / "strict.yaml"
    strict.write_text("fail_on: conditions\n", encoding="utf-8")

    def verdict(*args: str) -> tuple[int, dict[str, object]]:
        result = CliRunner().invoke(cli, ["audit", LLAMA2, "--format", "json", *args])
        return result.exit_code, json.loads(result.stdout)["verdict"]

    assert verdict()[0] == 0 and verdict()[1]["fail_on_source"] == "default"
    code, judged = verdict("--policy", str(strict))
    assert code == 1 and judged["status"] == "fail" and judged["fail_on_source"] == "policy"
    assert all(str(r).startswith("fail-on conditions: condition:") for r in judged["reasons"])  # type: ignore[attr-defined]
    code, judged = verdict("--policy", str(strict), "--fail-on", "error")
    assert code == 0 and judged["status"] == "conditions" and judged["fail_on_source"] == "command line"
    code, judged = verdict("--policy", str(lenient), "--fail-on", "warning")
    assert code == 1 and judged["status"] == "fail" and judged["fail_on"] == "warning"
    code, judged = verdict("--fail-on", "conditions")
    assert code == 1 and judged["status"] == "fail"


def test_pinned_revisions_fail_unpinned_hub_entries(hub, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    policy = tmp_path / "p.yaml"
    policy.write_text("require: {pinned_revisions: true}\n", encoding="utf-8")
    unpinned = CliRunner().invoke(cli, ["audit", "EleutherAI/pythia-6.9b", "--policy", str(policy), "--format", "json"])
    payload = json.loads(unpinned.stdout)
    assert unpinned.exit_code == 1 and payload["verdict"]["status"] == "fail"
    assert any(r.startswith("POLICY-UNPINNED: revision") for r in payload["verdict"]["reasons"])
    sha = payload["model"]["sha"]
    assert f"EleutherAI/pythia-6.9b@{sha}" in next(f["message"] for f in payload["findings"]
                                                   if f["rule"] == "POLICY-UNPINNED")  # fmt: skip
    pinned = CliRunner().invoke(cli, ["audit", f"EleutherAI/pythia-6.9b@{sha}", "--policy", str(policy),
                                      "--format", "json"])  # fmt: skip
    assert "POLICY-UNPINNED" not in {f["rule"] for f in json.loads(pinned.stdout)["findings"]}


def test_safe_weights_without_weights_is_not_a_pass(tmp_path: Path) -> None:
    policy = tmp_path / "p.yaml"
    policy.write_text("require: {safe_weights: true, pinned_revisions: false}\n", encoding="utf-8")
    folder = tmp_path / "no-weights"
    folder.mkdir()
    (folder / "README.md").write_text("---\nlicense: mit\n---\n# A model\n", encoding="utf-8")
    for target in (str(folder), str(folder / "README.md")):
        result = CliRunner().invoke(cli, ["audit", target, "--policy", str(policy), "--format", "json"])
        payload = json.loads(result.stdout)
        assert result.exit_code == 1 and payload["verdict"]["status"] == "fail", target
        assert any("weights not found" in r for r in payload["verdict"]["reasons"]), target


def test_a_smoke_run_that_cannot_run_is_exit_2_with_the_reason() -> None:
    smoke = CliRunner().invoke(cli, ["smoke", PYTHIA, "--format", "json"])
    assert smoke.exit_code == 2 and "could not run: only a card was given" in smoke.stderr
    audited = CliRunner().invoke(cli, ["audit", PYTHIA, "--smoke", "--format", "json"])
    payload = json.loads(audited.stdout)
    assert audited.exit_code == 2 and payload["verdict"]["status"] == "error"
    assert payload["error"]["kind"] == "smoke" and "only a card was given" in payload["verdict"]["reasons"][0]
    assert payload["license"]["spdx"] == "Apache-2.0"  # the rest of the audit is still reported


def test_one_vocabulary_for_mof_and_osaid(tmp_path: Path) -> None:
    outputs = {fmt: CliRunner().invoke(cli, ["audit", PYTHIA, "--format", fmt]).stdout
               for fmt in ("text", "md", "html", "cyclonedx")}  # fmt: skip
    for fmt, out in outputs.items():
        assert "unclassified" in out or "Class III" in out, fmt
        assert not re.search(r"MOF class[^:]*: *[0-3]\b", out), fmt
    assert json.loads(CliRunner().invoke(cli, ["audit", PYTHIA, "--format", "json"]).stdout)["openness"]["mof_label"]


def test_osaid_caveats_are_shown_wherever_conformance_is(tmp_path: Path) -> None:
    from auditor.api import audit
    from auditor.render import RENDERERS

    result = audit(str(CARDS / "LLM360__Amber" / "README.md"))
    assert result.openness is not None
    osaid = result.openness.osaid
    if not osaid.conformant or not osaid.caveats:
        pytest.skip("Amber's card no longer yields a conformant verdict with caveats")
    for fmt in ("text", "md", "html"):
        out = RENDERERS[fmt]([result])
        assert "conformant (caveat:" in out.replace("\\(", "(").replace("\\:", ":"), fmt


def test_importing_a_renderer_does_not_import_the_hub_client() -> None:
    code = (
        "import sys\n"
        "import auditor.render.json_format, auditor.render.html_format, auditor.render.sarif_format\n"
        "import auditor.render.junit_format, auditor.render.markdown_format, auditor.render.text_format\n"
        "heavy = [m for m in ('huggingface_hub', 'auditor.api', 'auditor.sources.hub') if m in sys.modules]\n"
        "print(heavy)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO_ROOT, check=True)
    assert proc.stdout.strip() == "[]", proc.stdout + proc.stderr


def test_judgement_is_decided_in_one_module() -> None:
    """Only auditor/judge.py builds a Verdict or reads severities against the fail level."""
    offenders = []
    for path in (REPO_ROOT / "auditor").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        if path.name in ("judge.py", "verdict.py"):
            continue
        if re.search(r"\bVerdict\(|(?<!def )severity_at_least\(|\.severity == \"error\"", text):
            offenders.append(path.relative_to(REPO_ROOT).as_posix())
    assert offenders == []


def test_a_gated_repo_whose_license_cannot_be_seen_does_not_pass(hub) -> None:  # type: ignore[no-untyped-def]
    from tests.fakehub import FakeRepo, Fault

    hub.add(FakeRepo("acme/gated-unreadable", {"README.md": b"---\nlicense: mit\n---\n# M\n"}, gated="manual"))
    for path in ("/api/models/acme/gated-unreadable", "/acme/gated-unreadable/resolve/"):
        hub.inject(Fault(path, status=403, error_code="GatedRepo", error_message="Access to this model is restricted"))
    result = CliRunner().invoke(cli, ["audit", "acme/gated-unreadable", "--format", "json"])
    payload = json.loads(result.stdout)
    assert result.exit_code == 1 and payload["verdict"]["status"] == "fail", result.stdout[-800:]
    reason = next(r for r in payload["verdict"]["reasons"] if r.startswith("LIC-UNREADABLE: no license could be seen"))
    assert "access was not granted" in reason


def test_a_folder_whose_card_and_license_were_refused_does_not_pass(tmp_path: Path) -> None:
    folder = tmp_path / "snapshot"
    folder.mkdir()
    (folder / "README.md").symlink_to("/etc/hostname")  # leaves the target: never read
    (folder / "LICENSE").symlink_to("/etc/hostname")
    result = CliRunner().invoke(cli, ["audit", str(folder), "--format", "json"])
    payload = json.loads(result.stdout)
    assert result.exit_code == 1 and payload["verdict"]["status"] == "fail"
    assert any(r.startswith("LIC-UNREADABLE: no license could be seen") for r in payload["verdict"]["reasons"])
    assert {n["kind"] for n in payload["model"]["access"]} == {"refused"}

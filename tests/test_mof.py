"""MOF classification: identical to the Model Openness Tool on its own test records; every real record classifies."""

from __future__ import annotations

import json
import re

import pytest
import yaml
from click.testing import CliRunner

from auditor.cli import cli
from auditor.openness.mof import classify_record, mof_data
from tests.conftest import SHARED

MOT = SHARED / "mot"


def expected_results() -> list[dict]:  # type: ignore[type-arg]
    text = (MOT / "test-data" / "expected_results.json").read_text(encoding="utf-8")
    return json.loads(re.sub(r",(\s*[}\]])", r"\1", text))["models"]  # the tool's output has trailing commas


def test_components_match_the_tool() -> None:
    tool = yaml.safe_load((MOT / "components.yml").read_text())["components"]
    ours = {(c.id, c.name, c.content_type, c.mof_class, c.required) for c in mof_data().components}
    assert ours == {(c["id"], c["name"], c["content_type"], c["class"], bool(c["required"])) for c in tool}
    assert len(ours) == 17


@pytest.mark.parametrize("model", expected_results(), ids=lambda m: m["release"]["name"][:60])
def test_class_and_progress_equal_the_tools(model: dict) -> None:  # type: ignore[type-arg]
    result = classify_record(model)
    expected = model["classification"]
    assert result.mof_class == expected["class"]
    assert result.progress == pytest.approx({k: float(v) for k, v in expected["progress"].items()})


def test_every_real_record_classifies() -> None:
    paths = sorted((MOT / "models").glob("*.yml"))
    assert len(paths) == 273
    classes = set()
    for path in paths:
        result = classify_record(yaml.safe_load(path.read_text(encoding="utf-8")))
        assert result.mof_class in (0, 1, 2, 3)
        assert set(result.progress) == {"1", "2", "3"} and all(0 <= v <= 100 for v in result.progress.values())
        classes.add(result.mof_class)
    assert {0, 1, 3} <= classes


def test_missing_unlicensed_invalid_and_conditional() -> None:
    record = {"release": {"license": {"distribution": {"name": "Apache-2.0"}}, "components": [
        {"name": "Model architecture"},
        {"name": "Model parameters (Final)"},
        {"name": "Model card", "license": ""},
        {"name": "Data card", "license": "Proprietary"},
        {"name": "Technical report"},
        {"name": "Evaluation results"},
    ]}}  # fmt: skip
    result = classify_record(record)
    assert result.mof_class == 0 and result.progress["3"] == pytest.approx(4 / 6 * 100)
    assert result.per_class["unlicensed"]["3"] == ["Model card"]
    assert result.per_class["invalid"]["3"] == ["Data card"]
    assert "Training code" in result.per_class["missing"]["2"]
    assert "Model parameters (Final)" in result.conditional  # Apache-2.0 is not a data license for the tool
    record["release"]["components"][2]["license"] = "CC-BY-4.0"
    record["release"]["components"][3]["license"] = "CC-BY-4.0"
    assert classify_record(record).mof_class == 3


def test_mof_cli_text_and_json() -> None:
    runner = CliRunner()
    amber = str(MOT / "models" / "Amber.yml")
    result = runner.invoke(cli, ["mof", amber, "--format", "json"])
    payload = json.loads(result.stdout)
    expected = classify_record(yaml.safe_load((MOT / "models" / "Amber.yml").read_text())).mof_class
    assert result.exit_code == 0 and payload["class"] == expected
    assert set(payload) >= {"class", "progress", "missing", "unlicensed", "invalid", "conditional", "components"}
    text = runner.invoke(cli, ["mof", amber, str(MOT / "models" / "Aquila-7B.yml")])
    assert text.exit_code == 0 and len(text.stdout.strip().splitlines()) == 2
    bad = runner.invoke(cli, ["mof", amber, str(MOT / "SOURCES.md")])
    assert bad.exit_code == 2 and "auditor:" in bad.stderr

"""Each rule below both fires where it should and stays silent where it should not (the rest are covered elsewhere)."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor import audit
from auditor.policy import load_policy
from tests.conftest import CARDS

SAFETENSORS = b"\x08\x00\x00\x00\x00\x00\x00\x00{}      "


def card_rules(tmp_path: Path, text: str) -> set[str]:
    card = tmp_path / "README.md"
    card.write_text(text, encoding="utf-8")
    return {f.rule for f in audit(str(card)).findings}


def folder_rules(tmp_path: Path, card: str, files: dict[str, bytes]) -> set[str]:
    folder = tmp_path / "acme__model"
    folder.mkdir()
    (folder / "README.md").write_text(card, encoding="utf-8")
    for name, content in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    return {f.rule for f in audit(str(folder)).findings}


@pytest.mark.parametrize(
    ("rule", "fires", "silent"),
    [
        ("CARD-NO-METADATA", "# Just a title\n", "---\nlicense: mit\n---\n# Title\n"),
        ("CARD-YAML-INVALID", "---\nlicense: [mit\n---\n", "---\nlicense: [mit]\n---\n"),
        ("LIC-FAMILY", "---\nlicense: cc\n---\n", "---\nlicense: cc-by-4.0\n---\n"),
        ("LIC-COMMERCIAL-CONDITIONS", "---\nlicense: other\nlicense_name: jamba-open-model-license\n---\n",
         "---\nlicense: llama2\n---\n"),
        ("LIC-NAMING", "---\nlicense: llama3\n---\n", "---\nlicense: llama2\n---\n"),
        ("LIC-SHARE-ALIKE", "---\nlicense: gpl-3.0\n---\n", "---\nlicense: mit\n---\n"),
        ("LIC-NO-DERIVATIVES", "---\nlicense: cc-by-nd-4.0\n---\n", "---\nlicense: cc-by-4.0\n---\n"),
    ],
)  # fmt: skip
def test_card_and_license_rules(tmp_path: Path, rule: str, fires: str, silent: str) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    assert rule in card_rules(tmp_path / "a", fires)
    assert rule not in card_rules(tmp_path / "b", silent)


def test_naming_and_commercial_conditions_say_what_applies(tmp_path: Path) -> None:
    card = tmp_path / "README.md"
    card.write_text("---\nlicense: llama3\n---\n")
    naming = next(f for f in audit(str(card)).findings if f.rule == "LIC-NAMING")
    assert "Built with Meta Llama 3" in naming.message and "Llama 3" in naming.message
    card.write_text("---\nlicense: other\nlicense_name: tencent-hunyuan-community\n---\n")
    conditions = next(f for f in audit(str(card)).findings if f.rule == "LIC-COMMERCIAL-CONDITIONS")
    assert "territories" in conditions.message


def test_openness_rules_follow_the_criteria(tmp_path: Path) -> None:
    card = "---\nlicense: apache-2.0\n---\n# Model\n"
    (tmp_path / "bare").mkdir()
    bare = folder_rules(tmp_path / "bare", card, {"model.safetensors": SAFETENSORS})
    assert {"OPEN-TRAINING-DATA", "OPEN-EVALUATION-CODE", "OPEN-TRAINING-CODE", "OPEN-MOF-CLASS"} <= bare
    assert "OPEN-WEIGHTS" not in bare  # weights are published under Apache-2.0
    (tmp_path / "full").mkdir()
    full = folder_rules(tmp_path / "full", card + "Trained on [data](https://huggingface.co/datasets/acme/x).\n",
                        {"model.safetensors": SAFETENSORS, "train.py": b"x", "eval/run.py": b"x",
                         "runs/events.out.tfevents.1": b"x"})  # fmt: skip
    assert not {"OPEN-EVALUATION-CODE", "OPEN-TRAINING-CODE", "OPEN-WEIGHTS"} & full
    only_card = card_rules(tmp_path, card)
    assert "OPEN-WEIGHTS" in only_card  # a bare README cannot show the weights


def test_open_mof_class_is_silent_at_class_one(hub) -> None:  # type: ignore[no-untyped-def]
    assert "OPEN-MOF-CLASS" not in {f.rule for f in audit("acme-open/open-7b").findings}


def test_weights_missing(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    card = "---\nlicense: mit\n---\n"
    assert "WEIGHTS-MISSING" in folder_rules(tmp_path / "a", card, {"config.json": b"{}"})
    assert "WEIGHTS-MISSING" not in folder_rules(tmp_path / "b", card, {"model.safetensors": SAFETENSORS})


def _judge(tmp_path: Path, policy: str, target: str) -> set[str]:
    path = tmp_path / "policy.yaml"
    path.write_text(policy, encoding="utf-8")
    return {f.rule for f in audit(target, policy=load_policy(path)).findings}


def test_policy_osaid_and_criteria(tmp_path: Path) -> None:
    pythia = str(CARDS / "EleutherAI__pythia-6.9b" / "README.md")
    phi = str(CARDS / "microsoft__phi-2" / "README.md")
    assert "POLICY-OSAID" in _judge(tmp_path, "require: {osaid: true}\n", phi)
    assert "POLICY-OSAID" not in _judge(tmp_path, "require: {osaid: true}\n", pythia)
    criteria = "require: {criteria: {training_code: open}}\n"
    assert "POLICY-CRITERION" in _judge(tmp_path, criteria, phi)
    assert "POLICY-CRITERION" not in _judge(tmp_path, criteria, pythia)


def test_policy_safe_weights_and_unresolved_lineage(tmp_path: Path) -> None:
    card = "---\nlicense: mit\n---\n"
    pickled = tmp_path / "pickled"
    pickled.mkdir()
    (pickled / "README.md").write_text(card)
    (pickled / "pytorch_model.bin").write_bytes(b"not really a pickle")
    assert "POLICY-SAFE-WEIGHTS" in _judge(tmp_path, "require: {safe_weights: true}\n", str(pickled))
    (pickled / "model.safetensors").write_bytes(SAFETENSORS)
    assert "POLICY-SAFE-WEIGHTS" not in _judge(tmp_path, "require: {safe_weights: true}\n", str(pickled))
    child = tmp_path / "child.md"
    child.write_text("---\nlicense: mit\nbase_model: org/base\n---\n")
    assert "POLICY-LINEAGE-UNRESOLVED" in _judge(tmp_path, "lineage: {max_unresolved: 0}\n", str(child))
    assert "POLICY-LINEAGE-UNRESOLVED" not in _judge(tmp_path, "lineage: {max_unresolved: 1}\n", str(child))

"""Openness from evidence: the five criteria, MOF class, OSAID golden set, MOT self-declaration comparison."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from auditor import assess
from auditor.cli import cli
from auditor.openness.assess import license_is_open
from auditor.sources.local import read_card_file, read_folder
from tests.conftest import CARDS, SHARED, real_cards


def card_result(folder: str):  # type: ignore[no-untyped-def]
    return assess(read_card_file(CARDS / folder / "README.md", folder))


def snapshot(tmp_path: Path, card: str | bytes, files: dict[str, str | bytes], name: str = "org__model"):  # type: ignore[no-untyped-def]
    root = tmp_path / name
    root.mkdir()
    (root / "README.md").write_bytes(card if isinstance(card, bytes) else card.encode())
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return assess(read_folder(root, str(root)))


@pytest.mark.parametrize("folder", ["EleutherAI__pythia-6.9b", "LLM360__Amber"])
def test_osi_validated_open_models_conform_to_osaid(folder: str) -> None:
    result = card_result(folder)
    assert result.openness is not None
    osaid = result.openness.osaid
    assert osaid.conformant, osaid.reasons
    assert result.openness.criteria["training_code"].status == "open"
    assert result.openness.criteria["training_data"].status in ("open", "unverified")


@pytest.mark.parametrize(
    "folder", ["NousResearch__Llama-2-7b-hf", "microsoft__phi-2", "TheBloke__Mixtral-8x7B-v0.1-GGUF"]
)
def test_osi_validated_non_open_models_do_not_conform(folder: str) -> None:
    result = card_result(folder)
    assert result.openness is not None and not result.openness.osaid.conformant
    assert result.openness.osaid.reasons
    assert "OPEN-OSAID" in {f.rule for f in result.findings}


def test_llama2_weights_are_restricted(tmp_path: Path) -> None:
    card = (CARDS / "TheBloke__Llama-2-7B-GGUF" / "README.md").read_bytes()
    result = snapshot(tmp_path, card, {"llama-2-7b.Q4_K_M.gguf": b"GGUF...."})
    assert result.openness is not None
    weights = result.openness.criteria["weights"]
    assert weights.status == "restricted" and weights.license == "llama2"
    assert result.openness.mof.components["Model parameters (Final)"].status == "invalid"
    assert not result.openness.osaid.conformant


def test_fully_open_snapshot_is_classified_with_evidence(tmp_path: Path) -> None:
    card = (CARDS / "EleutherAI__pythia-6.9b" / "README.md").read_bytes()
    weights = b"\x08\x00\x00\x00\x00\x00\x00\x00{}      "
    files: dict[str, str | bytes] = {
        "config.json": '{"architectures": ["GPTNeoXForCausalLM"]}',
        "model.safetensors": weights,
    }
    result = snapshot(tmp_path, card, files, name="EleutherAI__pythia-6.9b")
    assert result.openness is not None
    openness = result.openness
    assert openness.criteria["weights"].status == "open"
    assert {openness.criteria[k].status for k in ("training_code", "evaluation_code")} == {"open"}
    # The card names the Pile but states no terms for it; the model's Apache-2.0 is not a data license.
    assert openness.criteria["training_data"].status == "unverified"
    assert openness.mof.progress["3"] == 100 and openness.mof.mof_class == 3
    assert openness.osaid.conformant and not openness.osaid.reasons
    payload = result.to_dict()["openness"]
    assert payload["mof_class"] == 3
    assert payload["mof_missing_for_next_class"]["class"] == 2
    assert "Evaluation data" in payload["mof_missing_for_next_class"]["missing"]
    assert set(payload["criteria"]) == {"training_data", "weights", "evaluation_code", "training_code",
                                        "training_metrics"}  # fmt: skip


def test_card_without_links_and_only_weights(tmp_path: Path) -> None:
    result = snapshot(tmp_path, "---\nlicense: apache-2.0\n---\n# Model\nA small model.\n",
                      {"model.safetensors": b"\x08\x00\x00\x00\x00\x00\x00\x00{}      "})  # fmt: skip
    assert result.openness is not None
    statuses = {k: c.status for k, c in result.openness.criteria.items()}
    assert statuses == {"training_data": "absent", "weights": "open", "evaluation_code": "absent",
                        "training_code": "absent", "training_metrics": "absent"}  # fmt: skip


def test_repository_files_are_evidence(tmp_path: Path) -> None:
    files: dict[str, str | bytes] = {"train.py": "print('train')", "eval/run_eval.py": "x", "model.safetensors": b"x",
                                     "runs/Jan01/events.out.tfevents.1.host": b"x"}  # fmt: skip
    result = snapshot(tmp_path, "---\nlicense: mit\n---\n# Model\n", files)
    assert result.openness is not None
    criteria = result.openness.criteria
    assert criteria["training_code"].status == "open" and criteria["training_code"].evidence[0].file == "train.py"
    assert criteria["evaluation_code"].status == "open"
    assert criteria["training_metrics"].status == "open"


def test_claims_are_intent_not_proof(tmp_path: Path) -> None:
    card = "---\nlicense: apache-2.0\n---\n# Model\nWe will release the training code and logs (coming soon).\n"
    result = snapshot(tmp_path, card, {"model.safetensors": b"x"})
    assert result.openness is not None
    assert result.openness.criteria["training_code"].status == "unverified"
    unverified = [f for f in result.findings if f.rule == "OPEN-CLAIM-UNVERIFIED"]
    assert unverified and "intent, not proof" in unverified[0].message


def test_third_party_code_link_license_stays_unknown(tmp_path: Path) -> None:
    card = "---\nlicense: apache-2.0\n---\n# Model\nFine-tuned with [the training scripts](https://github.com/someone/trainer).\n"
    result = snapshot(tmp_path, card, {"model.safetensors": b"x"})
    assert result.openness is not None
    code = result.openness.criteria["training_code"]
    assert code.status == "unverified" and code.license is None
    assert code.evidence[0].url == "https://github.com/someone/trainer"


def test_unknown_is_never_reported_as_open() -> None:
    for folder in real_cards():
        result = assess(read_card_file(folder / "README.md", folder.name))
        assert result.openness is not None
        for name, criterion in result.openness.criteria.items():
            if criterion.status == "open":
                assert license_is_open(criterion.license) is True, (folder.name, name)
        for component, status in result.openness.mof.components.items():
            if status.status == "included":
                assert status.license and license_is_open(status.license) is not False, (folder.name, component)


def test_mot_record_disagreements_in_cli() -> None:
    amber = str(CARDS / "LLM360__Amber" / "README.md")
    record = str(SHARED / "mot" / "models" / "Amber.yml")
    result = CliRunner().invoke(cli, ["audit", amber, "--mot-record", record, "--format", "json"])
    payload = json.loads(result.stdout)
    rows = payload["openness"]["mot_comparison"]
    assert rows and any(r["component"] == "class" and r["declared"] == 1 for r in rows)
    assert any(f["rule"] == "OPEN-MOT-DISAGREES" for f in payload["findings"])
    bad = CliRunner().invoke(cli, ["audit", amber, "--mot-record", str(SHARED / "mot" / "SOURCES.md")])
    assert bad.exit_code == 2 and "Invalid value for --mot-record" in bad.stderr


def test_fully_open_model_through_the_hub_reaches_class_one(hub, hub_source) -> None:  # type: ignore[no-untyped-def]
    facts = hub_source.fetch("acme-open/open-7b", None, "acme-open/open-7b")
    assert {d.id: (d.found, d.license) for d in facts.datasets} == {
        "acme-open/pretraining-mix": (True, ("odc-by",)),
        "acme-open/eval-suite": (True, ("apache-2.0",)),
    }
    result = assess(facts)
    assert result.openness is not None
    openness = result.openness
    assert {k: c.status for k, c in openness.criteria.items()} == dict.fromkeys(
        ("training_data", "weights", "evaluation_code", "training_code", "training_metrics"), "open"
    )
    data = openness.criteria["training_data"]
    assert data.license == "odc-by" and "dataset card" in (data.evidence[0].license_basis or "")
    assert openness.mof.mof_class == 1, openness.mof.per_class
    assert openness.osaid.conformant
    assert hub.count("GET", "/api/datasets/acme-open/pretraining-mix") == 1


def test_datasets_are_read_once_per_run_and_failures_are_notes(hub, hub_source) -> None:  # type: ignore[no-untyped-def]
    hub_source.fetch("acme-open/open-7b", None, "x")
    hub_source.fetch("acme-open/open-7b", None, "x")
    assert hub.count("GET", "/api/datasets/acme-open/eval-suite") == 1
    facts = hub_source.fetch("EleutherAI/pythia-6.9b", None, "x")
    (pile,) = facts.datasets
    assert pile.id == "EleutherAI/pile" and not pile.found and "no such dataset" in (pile.note or "")

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


# -- evidence from context (issue #13): each case is a typical error found on real cards ------------------------


def card_only(tmp_path: Path, text: str, name: str = "org__model"):  # type: ignore[no-untyped-def]
    """Audit a README alone (no repository listing), as `auditor audit README.md` does."""
    path = tmp_path / name / "README.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return assess(read_card_file(path, name))


def roles(criterion, *, counted: bool = True) -> dict[str, str]:  # type: ignore[no-untyped-def]
    items = criterion.evidence if counted else criterion.set_aside
    return {(i.url or i.description): str(i.role) for i in items}


def test_dependencies_tools_and_profiles_are_not_training_code(tmp_path: Path) -> None:
    card = """---
license: apache-2.0
---
# Model
## Training procedure
We fine-tuned with [LLaMA-Factory](https://github.com/hiyouga/LLaMA-Factory) and
[DeepSpeed](https://github.com/microsoft/DeepSpeed) on top of [transformers](https://github.com/huggingface/transformers).
Quantized with [AutoGPTQ](https://github.com/AutoGPTQ/AutoGPTQ) and [AutoAWQ](https://github.com/casper-hansen/AutoAWQ).
Evaluated with [LightEval](https://github.com/huggingface/lighteval).
The environment is pinned in [conda-lock.yml](https://github.com/conda/conda-lock).
Thanks to [jane](https://github.com/jane-doe) for her help.
"""
    result = card_only(tmp_path, card)
    code = result.openness.criteria["training_code"]
    assert code.status == "absent", code.evidence
    aside = roles(code, counted=False)
    assert aside["https://github.com/hiyouga/LLaMA-Factory"] == "library"
    assert aside["https://github.com/AutoGPTQ/AutoGPTQ"] == "quantizer"
    assert aside["https://github.com/conda/conda-lock"] == "tool"
    assert all(i.url != "https://github.com/jane-doe" for i in code.evidence)


def test_training_code_pointed_to_in_words_is_found(tmp_path: Path) -> None:
    card = """---
license: mit
---
# Model
## Training
Please refer to [our GitHub repo](https://github.com/org/model-train) for the training code.
"""
    code = card_only(tmp_path, card).openness.criteria["training_code"]
    assert code.status == "open" and code.license == "mit"
    (item,) = code.evidence
    assert item.role == "training-code" and "training" in (item.because or "")
    assert "first-party" in (item.license_basis or "")


def test_a_developers_framework_named_as_the_codebase_is_training_code(tmp_path: Path) -> None:
    card = """---
license: apache-2.0
---
# MPT-7B
- Codebase: [llm-foundry](https://github.com/mosaicml/llm-foundry)
"""
    mpt = card_only(tmp_path, card, "mosaicml__mpt-7b").openness.criteria["training_code"]
    assert mpt.status == "open" and mpt.evidence[0].role == "training-code"
    other = card_only(tmp_path, card, "someone__my-finetune").openness.criteria["training_code"]
    assert other.status == "absent"  # for anyone else llm-foundry is a framework they trained with


def test_the_project_repository_is_a_pointer_not_absence(tmp_path: Path) -> None:
    card = """---
license: apache-2.0
---
# Model
### Model Sources
- **Repository:** https://github.com/org/model
"""
    code = card_only(tmp_path, card).openness.criteria["training_code"]
    assert code.status == "unverified" and code.license is None
    assert code.evidence[0].role == "project-repo" and "does not say" in (code.evidence[0].because or "")


def test_a_named_training_script_is_a_pointer(tmp_path: Path) -> None:
    card = "---\nlicense: apache-2.0\n---\n# Model\n## Training\nWe trained it with `train_net.py` on 8 GPUs.\n"
    code = card_only(tmp_path, card).openness.criteria["training_code"]
    assert code.status == "unverified"
    assert any("train_net.py" in i.description for i in code.evidence)


def test_an_embedded_merge_config_is_the_recipe_under_the_repository_license(tmp_path: Path) -> None:
    card = """---
license: cc-by-nc-4.0
---
# Merge
The following YAML configuration was used to produce this model:
```yaml
merge_method: ties
base_model: org/base
models:
  - model: org/a
```
"""
    code = card_only(tmp_path, card).openness.criteria["training_code"]
    assert code.status == "restricted" and code.license == "cc-by-nc-4.0"


def test_named_and_linked_training_data_is_found(tmp_path: Path) -> None:
    card = """---
license: creativeml-openrail-m
---
# Model
## Training Data
The model was trained on [LAION-5B](https://laion.ai/blog/laion-5b/) and on
[our dataset collection](https://huggingface.co/collections/org/pretraining-data-123).
"""
    data = card_only(tmp_path, card).openness.criteria["training_data"]
    assert data.status == "unverified"
    found = roles(data)
    assert found["https://laion.ai/blog/laion-5b/"] == "training-data"
    assert found["https://huggingface.co/collections/org/pretraining-data-123"] == "training-data"


def test_a_dataset_table_with_github_links_is_data_not_code(tmp_path: Path) -> None:
    card = """---
license: mit
---
# Model
## Training data
| Dataset | Source |
|---|---|
| UD Sequoia | [github](https://github.com/UniversalDependencies/UD_French-Sequoia) |
"""
    result = card_only(tmp_path, card)
    assert result.openness.criteria["training_code"].status == "absent"
    assert result.openness.criteria["training_data"].status == "unverified"


def test_benchmarks_images_and_contamination_checks_are_not_training_data(tmp_path: Path) -> None:
    card = """---
license: apache-2.0
datasets:
- openai_humaneval
- gsm8k
model-index:
- name: m
  results:
  - task: {type: text-generation}
    dataset: {type: cais/mmlu, name: MMLU}
    metrics: [{type: acc, value: 0.5}]
---
# Model
## Training data
![loss](https://i.imgur.com/loss-train-data.png)
## Contamination
We checked [MMLU and GSM8K](https://github.com/org/decontamination) for contamination with our training data.
"""
    result = card_only(tmp_path, card)
    data = result.openness.criteria["training_data"]
    assert data.status == "absent", data.evidence
    assert {i.role for i in data.set_aside} >= {"benchmark"}
    lineage = result.to_dict()["lineage"]["datasets"]
    assert {d["id"]: d["role"] for d in lineage} == {"openai_humaneval": "evaluation", "gsm8k": "evaluation",
                                                     "cais/mmlu": "evaluation"}  # fmt: skip


def test_a_placeholder_dataset_is_not_exported(tmp_path: Path) -> None:
    card = "---\nlicense: mit\ndatasets:\n- unknown\n- org/real-data\n---\n# Model\n"
    result = card_only(tmp_path, card)
    lineage = result.to_dict()["lineage"]["datasets"]
    assert [(d["id"], d["role"]) for d in lineage] == [("org/real-data", "training")]
    assert result.openness.criteria["training_data"].status == "unverified"


def test_the_model_license_is_not_stamped_on_its_data(tmp_path: Path) -> None:
    card = """---
license: apache-2.0
datasets:
- org/corpus
---
# Model
This model is released under the Apache 2.0 license. It was trained on org/corpus.
"""
    data = card_only(tmp_path, card).openness.criteria["training_data"]
    assert data.status == "unverified" and data.license is None


def test_terms_stated_for_the_data_decide(tmp_path: Path) -> None:
    card = """---
license: apache-2.0
---
# Model
## Training data
Fine-tuned on Stanford Alpaca (CC BY-NC 4.0) and on [Dolly](https://huggingface.co/datasets/org/dolly) (CC-BY-SA).
"""
    data = card_only(tmp_path, card).openness.criteria["training_data"]
    assert data.status == "restricted" and data.license == "cc-by-nc-4.0"


def test_weights_from_the_listing_under_effective_terms(tmp_path: Path) -> None:
    from auditor.licenses.resolve import resolve_license
    from auditor.lineage.tree import LineageNode

    card = "---\nlicense: apache-2.0\nbase_model: meta-llama/Llama-2-7b-hf\n---\n# A fine-tune\n"
    only_card = card_only(tmp_path, card).openness.criteria["weights"]
    # The parent is not looked up from a bare card, but its family record (Llama 2) supplies its terms.
    assert only_card.status == "unverified" and only_card.terms_status == "restricted"
    assert "only the card was read" in only_card.reason
    root = tmp_path / "org__tuned"
    root.mkdir()
    (root / "README.md").write_text(card, encoding="utf-8")
    (root / "model.safetensors").write_bytes(b"\x08\x00\x00\x00\x00\x00\x00\x00{}      ")
    llama = resolve_license(read_card_file(CARDS / "NousResearch__Llama-2-7b-hf" / "README.md", "x"))
    parent = LineageNode("meta-llama/Llama-2-7b-hf", "finetune", "resolved", license=llama)
    weights = assess(read_folder(root, str(root)), lineage=[parent]).openness.criteria["weights"]
    assert weights.status == "restricted" and "llama2" in (weights.license or "")
    assert "effective terms" in weights.reason
    (root / "model.safetensors").unlink()
    assert assess(read_folder(root, str(root))).openness.criteria["weights"].status == "absent"


def test_every_item_says_why_in_the_json(tmp_path: Path) -> None:
    result = card_result("EleutherAI__pythia-6.9b").to_dict()["openness"]["criteria"]
    for criterion in ("training_data", "training_code", "evaluation_code"):
        for item in result[criterion]["evidence"]:
            assert item["role"] and item["confidence"] in ("high", "medium", "low") and item["because"], item


# -- the catalogue of known repositories and the roles of link targets ---------------------------------------------


def test_catalogue_entries_have_roles_and_sources() -> None:
    from auditor.repositories.catalog import ROLES, repository_catalogue

    catalogue = repository_catalogue()
    assert len(catalogue.entries) >= 150 and catalogue.hints
    for entry in catalogue:
        assert entry.source.startswith("https://") and set(entry.roles) <= ROLES, entry.id


def test_a_malformed_catalogue_file_is_named(tmp_path: Path) -> None:
    from auditor.repositories.catalog import CatalogueError, load_catalogue

    (tmp_path / "tools.yaml").write_text("role: tool\nentries:\n  - {id: x, roles: [no-such-role]}\n")
    with pytest.raises(CatalogueError, match=r"tools\.yaml: x: unknown role"):
        load_catalogue(tmp_path)
    (tmp_path / "tools.yaml").write_text("role: tool\nentries: [\n")
    with pytest.raises(CatalogueError, match=r"tools\.yaml"):
        load_catalogue(tmp_path)


@pytest.mark.parametrize(
    ("url", "model", "role"),
    [
        ("https://github.com/EleutherAI/gpt-neox", "EleutherAI/pythia-1b", "training-code"),
        ("https://github.com/EleutherAI/gpt-neox", "someone/neox-finetune", "training-framework"),
        ("https://github.com/mosaicml/llm-foundry/tree/main/scripts/train", "mosaicml__mpt-7b", "training-code"),
        ("https://huggingface.co/datasets/openai_humaneval", "x/y", "benchmark"),
        ("https://huggingface.co/datasets/open-llm-leaderboard/details_x__y", "x/y", "benchmark"),
        ("https://huggingface.co/datasets/org/corpus", "x/y", "training-data"),
        ("https://github.com/casper-hansen/AutoAWQ", "x/y", "quantizer"),
        ("https://github.com/conda/conda-lock", "x/y", "packaging"),
        ("https://github.com/EleutherAI/lm-evaluation-harness", "x/y", "evaluation-harness"),
        ("https://github.com/jane-doe", "x/y", "profile"),
        ("https://github.com/org/repo/blob/main/train.py", "x/y", "training-code"),
        ("https://i.imgur.com/training-data.png", "x/y", "other"),
        ("https://wandb.ai/org/project/runs/abc", "x/y", "training-logs"),
        ("http://[malformed", "x/y", None),
    ],
)
def test_target_roles_come_from_the_catalogue(url: str, model: str, role: str | None) -> None:
    from auditor.repositories.targets import classify_target

    target = classify_target(url, model)
    assert target.role == role, target.basis


def test_passages_join_wrapped_lines_and_keep_block_leads() -> None:
    from auditor.sources.card import parse_card

    card = parse_card(
        "---\nlicense: mit\n---\n# Model\nThe model was trained on\nthe Pile.\n\n"
        "```api.tts``` is not a fence.\n## Training\nThe following configuration was used:\n"
        "```yaml\nlearning_rate: 1e-5\nnum_epochs: 3\nmicro_batch_size: 2\n```\n"
    )
    sentences = [p for p in card.passages if p.kind == "sentence"]
    assert sentences[0].text == "The model was trained on the Pile." and sentences[0].line == 5
    (block,) = [p for p in card.passages if p.kind == "block"]
    assert block.section == "Training" and block.language == "yaml" and "configuration" in block.lead


@pytest.mark.parametrize(
    ("sentence", "words"),
    [
        ("Well, we collected these forums as our training corpus.", "collected these forums as our training corpus"),
        ("Mostly, using forums as the training data.", "using forums as the training data"),
        ("Beyond that, the SFT mix is public.", "sft mix"),
        ("It is in the pre-training data: FineWeb.", "pre-training data:"),
        ("In total, corpora used for training were three.", "corpora used for training "),
        ("Their data comes from Wikipedia.", "data comes from"),
        ("The model, further trained on OpenHermes, is small.", "further trained on"),
        ("x-pretraining data: y", "pretraining data"),  # after a hyphen: a look-behind fails there, a \b does not
        ("A tokenizer was fitted; no words of the cue here.", None),
    ],
)
def test_training_data_cue_search_starts_where_a_match_can_start(sentence: str, words: str | None) -> None:
    from auditor.repositories.cues import TRAINING_DATA, CueReader, said

    match = TRAINING_DATA.search(sentence.lower())
    assert (match.group(0) if match else None) == words
    assert said(TRAINING_DATA, sentence) == words
    assert CueReader().said(TRAINING_DATA, sentence) == words


def test_training_data_cue_words_are_the_regex_words_on_every_real_sentence() -> None:
    from auditor.repositories.cues import DATA_OBJECT, TRAINING_DATA, said

    cards = [read_card_file(folder / "README.md", folder.name).card for folder in real_cards()]
    passages = [p for card in cards if card is not None for p in card.passages]
    assert len(passages) > 1000
    for passage in passages:
        for pattern in (TRAINING_DATA, DATA_OBJECT):
            match = pattern.search(passage.text.lower())
            assert said(pattern, passage.text) == (match.group(0) if match else None), passage.text


def test_every_real_sentence_a_claim_pattern_matches_holds_a_claim_word() -> None:
    from auditor.repositories import prose
    from auditor.repositories.cues import without_urls

    cards = [read_card_file(folder / "README.md", folder.name).card for folder in real_cards()]
    lows = [without_urls(p.text.lower()) for card in cards if card is not None for p in card.passages]
    claimed = [low for low in lows if any(pattern.search(low) for _, pattern in prose._CLAIMS)]
    assert len(claimed) > 50
    assert all(prose._CLAIM_WORDS.search(low) for low in claimed)

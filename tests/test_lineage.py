"""Lineage: parents found from every source, resolved through the Hub (or --models-dir), and the rules."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from auditor import audit, audit_many
from auditor.cli import cli
from auditor.lineage.parents import find_parents
from auditor.sources.local import read_card_file, read_folder
from tests.conftest import CARDS
from tests.fakehub import FakeHub


def rules(result) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    found: dict[str, list[str]] = {}
    for finding in result.findings:
        found.setdefault(finding.rule, []).append(finding.message)
    return found


def test_apache_relabel_of_a_llama_3_fine_tune_is_a_conflict_with_the_chain(hub: FakeHub) -> None:
    result = audit("NousResearch/Hermes-2-Theta-Llama-3-8B")
    conflicts = rules(result)["LINEAGE-LICENSE-CONFLICT"]
    assert result.verdict.status == "fail"
    assert any(
        "NousResearch/Hermes-2-Theta-Llama-3-8B → NousResearch/Hermes-2-Pro-Llama-3-8B is under "
        "Llama 3 Community License Agreement [LicenseRef-Llama-3-Community]" in m
        for m in conflicts
    )
    assert any("→ NousResearch/Meta-Llama-3-8B" in m for m in conflicts)
    inherited = " ".join(rules(result)["LINEAGE-INHERITED-OBLIGATIONS"])
    assert "name-prefix" in inherited and "acceptable-use-policy" in inherited
    lineage = result.to_dict()["lineage"]
    (parent,) = lineage["tree"]
    assert (
        parent["id"] == "NousResearch/Hermes-2-Pro-Llama-3-8B" and parent["license"] == "LicenseRef-Llama-3-Community"
    )
    assert parent["parents"][0]["id"] == "NousResearch/Meta-Llama-3-8B"
    assert lineage["effective"]["terms"]["user_cap"] == 700_000_000
    from tests.test_real_cards import validate

    validate(json.loads(json.dumps(result.to_dict())))
    assert lineage["effective"]["terms"]["commercial_use"] == "conditional"


def test_vicuna_like_delta_weights_under_apache_on_llama(hub: FakeHub) -> None:
    result = audit("acme/vicuna-like-delta")
    (conflict,) = rules(result)["LINEAGE-LICENSE-CONFLICT"]
    assert "acme/vicuna-like-delta → huggyllama/llama-7b is under" in conflict
    assert "[LicenseRef-LLaMA-1-Noncommercial]" in conflict
    assert "commercial use forbidden" in conflict and result.verdict.status == "fail"
    assert result.to_dict()["lineage"]["effective"]["terms"]["commercial_use"] == "forbidden"


def test_permissive_parents_and_same_license_children_are_fine(hub: FakeHub) -> None:
    openhermes = audit("teknium/OpenHermes-2.5-Mistral-7B")  # Apache-2.0 on Mistral's Apache-2.0
    assert "LINEAGE-LICENSE-CONFLICT" not in rules(openhermes)
    # its GPT-4-written training data (OpenHermes) limits the use of outputs: the only condition beyond notices
    assert openhermes.verdict.status == "conditions"
    (condition,) = [o for o in openhermes.verdict.obligations if o.level == "condition"]
    assert (condition.code, condition.origin, condition.inherited_from) == ("output-use-limit", "dataset", "openhermes")
    zephyr = audit("HuggingFaceH4/zephyr-7b-beta")  # MIT on Mistral's Apache-2.0
    assert "LINEAGE-LICENSE-CONFLICT" not in rules(zephyr)
    assert zephyr.to_dict()["lineage"]["tree"][0]["status"] == "resolved"
    llama = audit("TheBloke/Llama-2-7B-GGUF")  # llama2 on Llama 2 (license read from its LICENSE.txt)
    assert "LINEAGE-LICENSE-CONFLICT" not in rules(llama)
    assert llama.to_dict()["lineage"]["tree"][0]["license"] == "LicenseRef-Llama-2-Community"


def test_cycles_deep_chains_and_missing_parents_never_hang(hub: FakeHub, tmp_path: Path) -> None:
    cycle = audit("acme/cycle-a")
    assert any("cycle" in m for m in rules(cycle)["LINEAGE-UNRESOLVED"])
    deep = audit("acme/deep-0")
    (message,) = rules(deep)["LINEAGE-UNRESOLVED"]
    assert "depth-limit" in message and message.count("→") == 7
    assert hub.count("GET", "/api/models/acme/deep-8") == 0
    card = tmp_path / "README.md"
    card.write_text("---\nlicense: mit\nbase_model: acme/does-not-exist\n---\n")
    folder_result = audit("acme/cycle-b")
    assert folder_result.error is None


def test_each_parent_repo_is_read_once_per_run(hub: FakeHub) -> None:
    results = list(audit_many(["TheBloke/Llama-2-7B-GGUF", "TheBloke/Llama-2-7B-Chat-GGUF"], workers=1))
    assert all(r.error is None for r in results)
    assert hub.count("GET", "/api/models/meta-llama/Llama-2-7b-hf") == 1


def test_each_parent_is_read_once_even_with_concurrent_workers(hub: FakeHub) -> None:
    from tests.fakehub import FakeRepo

    children = [f"acme/llama-child-{i}" for i in range(6)]
    for child in children:
        hub.add(FakeRepo(child, {"README.md": b"---\nlicense: llama2\nbase_model: meta-llama/Llama-2-7b-hf\n---\n"}))
    results = list(audit_many(children, workers=4))
    assert [r.target for r in results] == children and all(r.error is None for r in results)
    assert all(r.to_dict()["lineage"]["tree"][0]["status"] == "resolved" for r in results)
    assert hub.count("GET", "/api/models/meta-llama/Llama-2-7b-hf") == 1


def test_once_per_key_under_contention() -> None:
    import threading
    import time

    from auditor.once import OncePerKey

    calls = []
    memo: OncePerKey[int] = OncePerKey()

    def compute() -> int:
        calls.append(1)
        time.sleep(0.05)
        return 42

    values: list[int] = []
    threads = [threading.Thread(target=lambda: values.append(memo.get("k", compute))) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert values == [42] * 8 and len(calls) == 1


def test_missing_and_gated_parents(hub: FakeHub, tmp_path: Path) -> None:
    from tests.fakehub import FakeRepo

    hub.add(FakeRepo("acme/orphan", {"README.md": b"---\nlicense: mit\nbase_model: acme/gone\n---\n"}))
    orphan = audit("acme/orphan")
    assert any("acme/gone: missing" in m for m in rules(orphan)["LINEAGE-UNRESOLVED"])
    gated_child = audit("NousResearch/Hermes-2-Pro-Llama-3-8B")  # parent NousResearch/Meta-Llama-3-8B is gated
    tree = gated_child.to_dict()["lineage"]["tree"]
    assert tree[0]["status"] == "resolved" and tree[0]["license"] == "LicenseRef-Llama-3-Community"


def test_non_commercial_training_data_binds_commercial_weights(hub: FakeHub) -> None:
    result = audit("acme/trained-on-nc")  # apache-2.0 weights trained on a CC-BY-NC-4.0 dataset
    (message,) = rules(result)["LINEAGE-DATA-NON-COMMERCIAL"]
    assert "acme/nc-data" in message and "Non Commercial" in message
    assert result.verdict.status == "fail" and "LINEAGE-DATA-TERMS" not in rules(result)
    effective = result.to_dict()["lineage"]["effective"]
    assert effective["terms"]["commercial_use"] == "forbidden"
    assert {"origin": "dataset", "name": "acme/nc-data"}.items() <= next(
        s for s in effective["sources"] if s["origin"] == "dataset"
    ).items()


def test_parents_from_adapter_config_merge_config_and_prose(tmp_path: Path) -> None:
    folder = tmp_path / "acme__adapter"
    folder.mkdir()
    link = "[meta-llama/Llama-2-7b-hf](https://huggingface.co/meta-llama/Llama-2-7b-hf)"
    (folder / "README.md").write_text(f"---\nlicense: apache-2.0\n---\n# Adapter\nA fine-tuned version of {link}.\n")
    (folder / "adapter_config.json").write_text('{"base_model_name_or_path": "meta-llama/Llama-2-7b-chat-hf"}')
    (folder / "mergekit_config.yml").write_text("models:\n  - model: org/a\n  - model: org/b\nbase_model: org/a\n")
    found = find_parents(read_folder(folder, str(folder)))
    parents = {p.id: p.relation for p in found}
    assert parents == {
        "meta-llama/Llama-2-7b-chat-hf": "adapter",
        "org/a": "merge",
        "org/b": "merge",
        "meta-llama/Llama-2-7b-hf": "finetune",
    }
    how = {p.id: (p.confidence, p.signal) for p in found}
    assert how["meta-llama/Llama-2-7b-chat-hf"] == ("high", "adapter_config")
    assert how["org/a"] == ("high", "merge_config") and how["meta-llama/Llama-2-7b-hf"] == ("medium", "prose")


def test_local_parents_with_models_dir(tmp_path: Path) -> None:
    models = tmp_path / "models"
    (models / "meta-llama__Llama-2-7b-hf").mkdir(parents=True)
    (models / "meta-llama__Llama-2-7b-hf" / "README.md").write_text("---\nlicense: llama2\n---\n")
    child = tmp_path / "child"
    child.mkdir()
    (child / "README.md").write_text("---\nlicense: apache-2.0\nbase_model: meta-llama/Llama-2-7b-hf\n---\n")
    unresolved = audit(str(child))  # not looked up, but the family record knows Llama 2's license: a conflict already
    found = rules(unresolved)
    assert "LINEAGE-UNRESOLVED" not in found and "LINEAGE-NOT-LOOKED-UP" not in found
    (family_terms,) = found["LINEAGE-FAMILY-TERMS"]
    assert "not looked up" in family_terms and "Llama 2 is under LicenseRef-Llama-2-Community" in family_terms
    assert "LINEAGE-LICENSE-CONFLICT" in found
    assert unresolved.to_dict()["lineage"]["tree"][0]["basis"] == "family record"
    result = CliRunner().invoke(cli, ["audit", str(child), "--models-dir", str(models), "--format", "json"])
    payload = json.loads(result.stdout)
    assert result.exit_code == 1
    assert any(f["rule"] == "LINEAGE-LICENSE-CONFLICT" for f in payload["findings"])
    assert payload["lineage"]["tree"][0]["status"] == "resolved" and payload["lineage"]["tree"][0]["basis"] == "card"


def test_a_self_declared_fine_tune_without_base_model(tmp_path: Path) -> None:
    card = tmp_path / "README.md"
    card.write_text("---\nlicense: mit\n---\n# Model\nThis is a fine-tuned version of a popular model.\n")
    assert "LINEAGE-MISSING" in rules(audit(str(card)))


def test_every_real_card_lineage_lists_its_declared_parents() -> None:
    for folder in sorted(CARDS.iterdir()):
        if not (folder / "README.md").is_file():
            continue
        facts = read_card_file(folder / "README.md", folder.name)
        parents = find_parents(facts)
        declared = facts.card.metadata.get("base_model") if facts.card else None
        if isinstance(declared, str) and declared.strip():
            assert declared.strip().lower() in {p.id.lower() for p in parents}, folder.name


@pytest.mark.parametrize(
    ("own", "ancestor", "conflict"),
    [
        ("mit", "llama2", "commercial use conditional"),  # relabelled Llama 2 fine-tune
        ("apache-2.0", "llama-1", "commercial use forbidden"),  # LLaMA 1 fine-tune under Apache
        ("mit", "creativeml-openrail-m", "use-restrictions"),  # RAIL use restrictions must pass down
        ("apache-2.0", "cc-by-sa-4.0", "derivatives share-alike"),  # share-alike material relicensed
        ("cc-by-nc-4.0", "llama2", None),  # a research license on top of Llama 2: both apply
        ("llama2", "apache-2.0", None),  # a more restrictive license on a permissive base
        ("mit", "apache-2.0", None),
    ],
)
def test_a_declared_license_conflicts_only_when_it_grants_more(own: str, ancestor: str, conflict: str | None) -> None:
    from auditor.checks.lineage import grants_more
    from auditor.licenses.catalog import license_catalog

    catalog = license_catalog()
    own_record, ancestor_record = catalog.get(own), catalog.get(ancestor)
    assert own_record is not None and ancestor_record is not None
    clauses = grants_more(own_record.terms, ancestor_record.terms)
    if conflict is None:
        assert clauses == []
    else:
        assert any(conflict in clause for clause in clauses), clauses


def test_a_stacked_research_license_is_reported_as_both_apply(tmp_path: Path) -> None:
    models = tmp_path / "models"
    (models / "meta-llama__Llama-2-7b-hf").mkdir(parents=True)
    (models / "meta-llama__Llama-2-7b-hf" / "README.md").write_text("---\nlicense: llama2\n---\n# Llama 2\n")
    child = tmp_path / "child"
    child.mkdir()
    (child / "README.md").write_text(
        "---\nlicense: cc-by-nc-4.0\nbase_model: meta-llama/Llama-2-7b-hf\n---\n# A research fine-tune\n"
    )
    result = audit(str(child), models_dir=models)
    found = rules(result)
    assert "LINEAGE-LICENSE-CONFLICT" not in found
    assert any("CC-BY-NC-4.0 and LicenseRef-Llama-2-Community both apply" in m
               for m in found["LINEAGE-INHERITED-OBLIGATIONS"])  # fmt: skip
    assert "LIC-NON-COMMERCIAL" in found and result.verdict.status == "fail"
    obligations = {o.code: o for o in result.verdict.obligations}
    assert obligations["user-cap"].inherited_from == "meta-llama/Llama-2-7b-hf"


def test_an_unlicensed_fine_tune_of_llama_1_is_non_commercial(tmp_path: Path) -> None:
    models = tmp_path / "models"
    (models / "huggyllama__llama-7b").mkdir(parents=True)
    (models / "huggyllama__llama-7b" / "README.md").write_text(
        "---\nlicense: other\nlicense_name: llama-license\n---\n"
    )
    child = tmp_path / "child"
    child.mkdir()
    (child / "README.md").write_text("---\nbase_model: huggyllama/llama-7b\n---\n# An instruction fine-tune\n")
    result = audit(str(child), models_dir=models)
    (message,) = rules(result)["LINEAGE-NON-COMMERCIAL"]
    assert "huggyllama/llama-7b is under" in message and result.verdict.status == "fail"

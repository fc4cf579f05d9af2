"""Model-family knowledge base: records validate, quotes are in their texts, names of real repos match by hand."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest

from auditor.families import (
    FamilyCatalog,
    UnknownFamilyError,
    explain_family,
    family_catalog,
    family_for_repo,
    license_for,
    match_config,
    match_families,
)
from auditor.families.catalog import load_family_catalog
from auditor.knowledge import Source
from auditor.licenses.catalog import CatalogError, license_catalog, texts_dir
from auditor.render.templates import environment
from tests.conftest import CARDS, SHARED

CATALOG = family_catalog()
DERIVATIVES = SHARED / "derivatives"
_HUB_URL = re.compile(r"^https://huggingface\.co/(?!datasets/|spaces/)([\w.-]+)/([\w.-]+)")


def normalized(text: str) -> str:
    text = text.replace("“", '"').replace("”", '"').replace("’", "'").replace("\\", "")
    return " ".join(text.split()).lower()


def shipped_text(source: Source) -> str | None:
    """The text a quote can be checked against: a shipped license text, or the real Hub card in shared data."""
    if source.file:
        return (texts_dir() / source.file).read_text(encoding="utf-8")
    match = _HUB_URL.match(source.url)
    if match:
        for folder in (CARDS, DERIVATIVES):
            card = folder / f"{match.group(1)}__{match.group(2)}" / "README.md"
            if card.is_file():
                return card.read_text(encoding="utf-8", errors="replace")
    return None


def family_sources(catalog: FamilyCatalog) -> list[tuple[str, Source]]:
    out: list[tuple[str, Source]] = []
    for family in catalog:
        out += [(f"{family.id} {fact}", s) for fact, s in family.sources.items()]
        out += [(f"{family.id} hint", h.source) for h in family.hints]
        out += [(f"{family.id} convention {c.id}", c.source) for c in family.conventions]
        out += [(f"{family.id} line {line.id}", line.source) for line in family.lines]
        for version in family.versions:
            out += [(f"{family.id}/{version.id} {fact}", s) for fact, s in version.sources.items()]
            out += [(f"{family.id}/{version.id} license {lic.license}", lic.source) for lic in version.licenses]
    return out


# --- the knowledge base ----------------------------------------------------------------------------------------


def test_the_families_of_the_brief_are_all_there() -> None:
    assert {"llama", "code-llama", "mistral", "falcon", "mpt", "bloom", "gemma", "qwen", "yi", "phi", "olmo",
            "eleutherai", "starcoder", "baichuan", "deepseek", "internlm", "chatglm", "stablelm", "t5", "whisper",
            "stable-diffusion", "flux"} <= set(CATALOG.records)  # fmt: skip
    llama = CATALOG.records["llama"]
    assert [v.id for v in llama.versions] == ["1", "2", "3", "3.1", "3.2", "3.3", "4"]


def test_every_version_has_a_sourced_license_from_the_license_base() -> None:
    licenses = license_catalog()
    for family in CATALOG:
        assert family.sources["identity"].url.startswith("https://"), family.id
        for version in family.versions:
            assert version.licenses, f"{family.id}/{version.id}"
            for lic in version.licenses:
                assert lic.source.url.startswith(("https://", "http://"))
                if lic.license is None:
                    assert lic.note, f"{family.id}/{version.id}: a missing license needs a reason"
                else:
                    assert licenses.records[lic.license].id == lic.license
                if lic.since and lic.until:
                    assert lic.since <= lic.until, f"{family.id}/{version.id}"


def test_every_quote_is_in_its_text_where_the_text_is_shipped() -> None:
    checked = 0
    for where, source in family_sources(CATALOG):
        if not source.quote:
            continue
        text = shipped_text(source)
        if text is None:
            continue
        assert normalized(source.quote) in normalized(text), f"{where}: quote not in {source.file or source.url}"
        checked += 1
    assert checked >= 30


def test_architecture_hints_are_low_and_never_decisive() -> None:
    matches = match_config({"model_type": "llama", "architectures": ["LlamaForCausalLM"]})
    assert {"llama", "code-llama", "yi"} <= {m.family for m in matches}
    assert all(m.confidence == "low" and not m.decisive and m.version is None for m in matches)
    assert license_for(matches[0]) == ()
    assert match_config({"model_type": 3, "architectures": "LlamaForCausalLM"}) == []
    assert match_config({}) == []


# --- malformed records -----------------------------------------------------------------------------------------

GOOD = """\
id: demo
name: Demo
vendor: Demo Inc
sources: {identity: {url: https://example.org}}
versions:
- id: '1'
  name: Demo 1
  patterns: [{regex: 'demo[-_ ]?1'}]
  licenses: [{license: mit, source: {url: https://example.org}}]
  sources: {identity: {url: https://example.org}}
"""


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda t: t.replace("name: Demo\n", "name: [Demo\n"), "not valid YAML (line 3)"),
        (lambda t: t.replace("license: mit", "license: no-such-license"), "has no record in rules/licenses"),
        (lambda t: t.replace("demo[-_ ]?1", "demo(["), "bad regex"),
        (lambda t: t.replace("  sources: {identity: {url: https://example.org}}\n", "  released: 2023-02\n"),
         "no source for identity, released"),
        (lambda t: t.replace("  name: Demo 1\n", "  name: Demo 1\n  released: May 2023\n"), "is not a date"),
        (lambda t: t.replace("license: mit, source", "license: mit, when: '(', source"), "bad regex"),
        (lambda t: t.replace("{license: mit, source: {url: https://example.org}}", "{license: null, source: {url: "
                             "https://example.org}}"), "needs a note"),
        (lambda t: t.replace("url: https://example.org}}\nversions", "url: ftp://example.org}}\nversions"),
         "not an http(s) URL"),
        (lambda t: t.replace("id: demo\n", "id: other\n"), "does not match the file name"),
        (lambda t: t.replace("versions:", "architecture_hints: [{model_type: x, confidence: high, note: n, "
                             "source: {url: https://e.org}}]\nversions:"), "never more than low"),
        (lambda t: "- just a list\n", "a record must be a mapping"),
    ],
)  # fmt: skip
def test_a_malformed_record_is_an_error_naming_its_file(tmp_path: Path, change, message: str) -> None:  # type: ignore[no-untyped-def]
    assert len(load_family_catalog(_write(tmp_path, GOOD))) == 1
    with pytest.raises(CatalogError) as error:
        load_family_catalog(_write(tmp_path, change(GOOD)))
    assert str(error.value).startswith("demo.yaml: ") and message in str(error.value)


def test_every_shipped_name_pattern_compiles() -> None:
    """Records check a pattern's syntax when read and compile it on first use: compile them all here, so that an
    error found only by compiling (a look-behind of varying width) cannot wait for a card to meet it."""
    from auditor.datasets import dataset_catalog

    families = [p for f in family_catalog() for p in (*f.patterns, *(q for v in f.versions for q in v.patterns),
                                                      *(q for line in f.lines for q in line.patterns))]  # fmt: skip
    every = [*families, *(p for record in dataset_catalog() for p in record.patterns)]
    assert len(every) > 150
    for pattern in every:
        assert pattern.regex.pattern == pattern.source and pattern.regex.flags & re.IGNORECASE


def test_a_repo_listed_twice_is_an_error(tmp_path: Path) -> None:
    doubled = GOOD.replace("  licenses:", "  repos: [demo/Demo-1, DEMO/demo-1]\n  licenses:")
    with pytest.raises(CatalogError, match=r"^demo\.yaml: repo DEMO/demo-1 is listed twice"):
        load_family_catalog(_write(tmp_path, doubled))


def _write(folder: Path, text: str) -> Path:
    (folder / "demo.yaml").write_text(text, encoding="utf-8")
    return folder


# --- real repo names, labelled by hand -------------------------------------------------------------------------

# (repo id as in shared/data/derivatives or cards) → (family, version) a careful reader gives from the NAME alone;
# None: the name does not say. Comments mark the traps.
NAMES: dict[str, tuple[str, str | None] | None] = {
    "TheBloke/Llama-2-7B-GGUF": ("llama", "2"),
    "Gryphe/MythoMax-L2-13b": ("llama", "2"),  # L2- shorthand
    "llSourcell/medllama2_7b": ("llama", "2"),  # prefix glued to llama2
    "hfl/chinese-llama-2-7b": ("llama", "2"),
    "hpcai-tech/Colossal-LLaMA-2-7b-base": ("llama", "2"),
    "SnypzZz/Llama2-13b-Language-translate": ("llama", "2"),  # the name says Llama 2 (the card describes mBART)
    "Xenova/llama2.c-stories15M": None,  # llama2.c is Karpathy's architecture, not Meta weights
    "huggyllama/llama-30b": ("llama", "1"),  # a LLaMA 1 mirror: canonical, high
    "upstage/llama-30b-instruct-2048": ("llama", "1"),
    "IDEA-CCNL/Ziya-LLaMA-13B-v1": ("llama", "1"),
    "nyanko7/LLaMA-7B": ("llama", "1"),
    "maderix/llama-65b-4bit": ("llama", "1"),
    "MetaIX/OpenAssistant-Llama-30b-4bit": ("llama", "1"),  # "Open" is not glued to llama here
    "openlm-research/open_llama_13b": None,  # OpenLLaMA, Apache-2.0 reproduction
    "TheBloke/TinyLlama-1.1B-Chat-v1.0-GGUF": None,  # TinyLlama
    "CalderaAI/30B-Lazarus": None,  # LLaMA 1 merge, but the name does not say
    "Lewdiculous/L3-8B-Stheno-v3.2-GGUF-IQ-Imatrix": ("llama", "3"),  # L3- shorthand
    "mlabonne/Meta-Llama-3-120B-Instruct": ("llama", "3"),
    "rombodawg/test_dataset_Codellama-3-8B": ("llama", "3"),  # no "Code Llama 3" exists: a Llama 3 fine-tune
    "gh-SharathSPhD-pramana/nyaya-llama-3b-stage0": ("llama", None),  # 3b is a size, not Llama 3
    "hugging-quants/Meta-Llama-3.1-8B-Instruct-AWQ-INT4": ("llama", "3.1"),
    "hugging-quants/Llama-3.2-3B-Instruct-Q4_K_M-GGUF": ("llama", "3.2"),
    "TencentARC/LLaMA-Pro-8B": ("llama", None),
    "Phind/Phind-CodeLlama-34B-v1": ("code-llama", "1"),  # not Phi, not LLaMA 1
    "TheBloke/CodeLlama-34B-Instruct-GPTQ": ("code-llama", "1"),
    "JosephusCheung/Qwen-LLaMAfied-7B-Chat": ("qwen", None),  # llamafied Qwen is Qwen
    "CausalLM/72B-preview-llamafied-qwen-llamafy": ("qwen", None),
    "SakuraLLM/Sakura-14B-Qwen2beta-v0.9.2-GGUF": ("qwen", "1.5"),  # "Qwen2 beta" was Qwen1.5
    "abacusai/Liberated-Qwen1.5-72B": ("qwen", "1.5"),
    "vidore/colqwen2-v0.1": ("qwen", "2"),
    "bartowski/Qwen2.5-72B-Instruct-GGUF": ("qwen", "2.5"),
    "TheBloke/Mistral-7B-Instruct-v0.1-AWQ": ("mistral", "7b"),
    "mattshumer/mistral-8x7b-chat": ("mistral", "mixtral"),  # Mixtral written as mistral-8x7b
    "cloudyu/Mixtral_34Bx2_MoE_60B": ("mistral", "mixtral"),  # the name claims Mixtral (the card: Yi-based)
    "AuriAetherwiing/MN-12B-Starcannon-v2": ("mistral", "nemo"),  # MN- shorthand
    "SanctumAI/Codestral-22B-v0.1-GGUF": ("mistral", "codestral-22b"),
    "Nexesenex/MIstral-QUantized-70b_Miqu-1-70b-iMat.GGUF": ("mistral", "miqu"),  # leaked, no license
    "wolfram/miquliz-120b-v2.0": ("mistral", "miqu"),
    "cognitivecomputations/laserxtral": None,  # a Mistral MoE merge, not named so
    "Vezora/Mistral-22B-v0.1": ("mistral", None),  # not a Mistral AI release
    "Falconsai/text_summarization": None,  # an organisation name, a T5 fine-tune
    "mrm8488/falcoder-7b": None,  # falcoder is not "falcon"
    "TheBloke/WizardLM-Uncensored-Falcon-7B-GPTQ": ("falcon", "1"),
    "TheBloke/Falcon-180B-Chat-GPTQ": ("falcon", "180b"),
    "nomic-ai/gpt4all-falcon": ("falcon", None),
    "TheBloke/mpt-30B-chat-GGML": ("mpt", "chat"),
    "teknium/Replit-v2-CodeInstruct-3B": None,  # MPT architecture, Replit's model; "CodeInstruct" ≠ "prompt"
    "Crystalcareai/GemMoE-Beta-1": None,  # GemMoE is not spelled gemma
    "AIDC-AI/Ovis1.6-Gemma2-9B": ("gemma", "gemma"),
    "mlabonne/phixtral-2x2_8": ("phi", "2"),
    "Salesforce/xgen-mm-phi3-mini-instruct-r-v1": ("phi", "3"),
    "cognitivecomputations/dolphin-2_2-yi-34b": ("yi", "1"),
    "TriadParty/deepsex-34b": None,  # Yi-based, not named
    "cognitivecomputations/dolphincoder-starcoder2-15b": ("starcoder", "starcoder2"),
    "bigscience/bloomz-7b1-mt": ("bloom", "bloom"),
    "mrm8488/Alpacoom": None,  # BLOOM + Alpaca pun, not named
    "KoboldAI/GPT-NeoX-20B-Erebus": ("eleutherai", "gpt-neox"),
    "OpenAssistant/oasst-sft-1-pythia-12b": ("eleutherai", "pythia"),
    "fb700/chatglm-fitness-RLHF": ("chatglm", "6b"),
    "TheBloke/deepseek-coder-33B-instruct-AWQ": ("deepseek", "llm-coder-v2-v3"),
    "TheBloke/stablelm-zephyr-3b-GGUF": ("stablelm", "zephyr-3b"),
    "pszemraj/flan-t5-large-grammar-synthesis": ("t5", "flan-t5"),
    "humarin/chatgpt_paraphraser_on_T5_base": ("t5", "t5"),
    "jasperai/flash-sd3": ("stable-diffusion", "3"),
    "latent-consistency/lcm-lora-sdxl": ("stable-diffusion", "xl"),
    "cagliostrolab/animagine-xl-3.1": None,  # SDXL fine-tune, but "-xl" alone is too loose (gpt2-xl, flan-t5-xl)
    "city96/FLUX.1-dev-gguf": ("flux", "dev"),
    "alvdansen/flux-koda": ("flux", None),
    "distil-whisper/distil-large-v2": ("whisper", "whisper"),
    "openai-community/gpt2-xl": None,
    # derivative lines (rules/families derivative_lines): the line's name ties the model to its base version
    "eachadea/vicuna-13b-1.1": ("llama", "1"),  # Vicuna v1.1: LLaMA 1
    "eachadea/ggml-vicuna-13b-1.1": ("llama", "1"),
    "reeducator/vicuna-13b-free": ("llama", "1"),
    "junelee/wizard-vicuna-13b": ("llama", "1"),
    "TrustSafeAI/RADAR-Vicuna-7B": ("llama", "1"),  # the name says Vicuna (the card: a RoBERTa detector)
    "baseten/alpaca-30b": ("llama", "1"),
    "chavinlo/gpt4-x-alpaca": ("llama", "1"),
    "Pi3141/alpaca-lora-30B-ggml": ("llama", "1"),
    "digitous/Alpacino30b": ("llama", "1"),
    "declare-lab/flan-alpaca-xl": None,  # Flan-Alpaca is Flan-T5 (not said by the name): not the Alpaca line
    "NEU-HAI/Llama-2-7b-alpaca-cleaned": ("llama", "2"),  # the Alpaca data on Llama 2
    "TheBloke/guanaco-33B-GPTQ": ("llama", "1"),
    "TheBloke/wizardLM-7B-HF": ("llama", "1"),
    "WizardLMTeam/WizardLM-13B-V1.0": ("llama", "1"),
    "WizardLMTeam/WizardLM-70B-V1.0": ("llama", "2"),  # WizardLM 70B is Llama 2
    "WizardLMTeam/WizardCoder-Python-34B-V1.0": None,  # the org name is not the WizardLM line
    "MaziyarPanahi/WizardLM-2-7B-GGUF": None,  # WizardLM-2 7B is Mistral-based
    "notstoic/pygmalion-13b-4bit-128g": ("llama", "1"),
    "PygmalionAI/pygmalion-2-13b": ("llama", "2"),
    "mayaeary/pygmalion-6b_dev-4bit-128g": ("eleutherai", "gpt-j"),  # Pygmalion 6B is GPT-J
    "lmsys/longchat-13b-16k": ("llama", "1"),
    "liuhaotian/LLaVA-13b-delta-v0": ("llama", "1"),
    "wojtab/llava-13b-v0-4bit-128g": ("llama", "1"),
    "jondurbin/airoboros-13b": ("llama", "1"),
}


@pytest.mark.parametrize(("repo", "expected"), sorted(NAMES.items()))
def test_real_repo_names_match_the_family_a_reader_gives(repo: str, expected: tuple[str, str | None] | None) -> None:
    org, name = repo.split("/")
    real = (CARDS / f"{org}__{name}").is_dir() or (DERIVATIVES / f"{org}__{name}").is_dir()
    linked = repo in (DERIVATIVES / "ausboss__llama-30b-supercot" / "README.md").read_text(encoding="utf-8")
    assert real or linked, f"{repo} is not a real repo of shared/data"
    best = family_for_repo(repo)
    assert (None if best is None else (best.family, best.version)) == expected


def test_the_hand_labels_cover_enough_real_names() -> None:
    assert len(NAMES) >= 40
    assert sum(1 for v in NAMES.values() if v is None) >= 10


def test_canonical_repos_are_high_and_names_medium() -> None:
    repo = family_for_repo("meta-llama/Llama-2-7b-hf")
    assert repo is not None
    assert (repo.family, repo.version, repo.confidence, repo.kind) == ("llama", "2", "high", "repo")
    named = family_for_repo("TheBloke/Llama-2-7B-GGUF")
    assert named is not None and (named.confidence, named.kind, named.matched) == ("medium", "name", "Llama-2")
    assert family_for_repo("") is None and family_for_repo("acme/widget") is None


def test_every_canonical_repo_name_matches_its_own_version() -> None:
    exceptions = {"runwayml/stable-diffusion-inpainting"}  # the name carries no version
    for family in CATALOG:
        for version in family.versions:
            for repo in version.repos:
                if repo in exceptions:
                    continue
                matches = match_families(repo.split("/")[1])
                assert matches and matches[0].family == family.id, repo
                if version.patterns:
                    assert matches[0].version == version.id, repo


def test_prose_and_name_only_patterns() -> None:
    prose = "This model is a fine-tune of Llama-2-13b and the Qwen2.5-7B-Instruct model, with L2 regularization."
    found = {(m.family, m.version) for m in match_families(prose, scope="prose")}
    assert found == {("llama", "2"), ("qwen", "2.5")}
    assert {(m.family, m.version) for m in match_families("L2-regularised-bert", scope="name")} == {("llama", "2")}
    assert match_families("philosophy of prompt engineering in Yiddish; yield to the Delphi method") == []
    url = "see https://huggingface.co/meta-llama/Meta-Llama-3-8B/blob/main/LICENSE"
    assert [(m.family, m.version, m.confidence) for m in match_families(url, "prose")] == [("llama", "3", "high")]


def test_license_for_follows_versions_sizes_and_dates() -> None:
    def licenses(repo: str) -> list[tuple[str | None, str | None, str | None]]:
        match = family_for_repo(repo)
        assert match is not None
        return [(lic.license, lic.since, lic.until) for lic in license_for(match)]

    assert licenses("Qwen/Qwen2.5-72B-Instruct") == [("qwen", "2024-09", None)]
    assert licenses("Qwen/Qwen2.5-3B-Instruct") == [("qwen-research", "2024-09", None)]
    assert licenses("bartowski/Qwen2.5-7B-Instruct-GGUF") == [("apache-2.0", "2024-09", None)]
    assert licenses("Qwen/Qwen2-72B-Instruct") == [("qwen", "2024-06-07", None)]
    assert licenses("Qwen/Qwen-1_8B-Chat") == [("qwen-research", "2023-11-30", None)]
    assert licenses("tiiuae/falcon-40b") == [("apache-2.0", "2023-05-31", None),
                                              ("falcon-llm-license-1.0", "2023-05", "2023-05-31")]  # fmt: skip
    assert licenses("TheBloke/Falcon-180B-Chat-GPTQ") == [("falcon-180b-license", "2023-09", None)]
    assert licenses("01-ai/Yi-34B") == [("apache-2.0", "2024-05-30", None), ("yi-license", "2023-11-02", "2024-05-30")]
    assert licenses("TheBloke/phi-2-GGUF")[1] == ("microsoft-research-license", "2023-12", "2024-01")
    assert licenses("sophosympatheia/Midnight-Miqu-70B-v1.5") == [(None, "2024-01", None)]
    assert licenses("TheBloke/mpt-30B-chat-GGML") == [("cc-by-nc-sa-4.0", "2023-05", None)]
    assert licenses("stabilityai/stable-diffusion-3-medium")[0][0] == "stabilityai-community"
    assert licenses("city96/FLUX.1-dev-gguf") == [("flux-1-dev-non-commercial-license", "2024-08", None)]
    assert licenses("black-forest-labs/FLUX.1-schnell") == [("apache-2.0", "2024-08", None)]
    assert licenses("alvdansen/flux-koda") == []  # FLUX without [dev]/[schnell] does not say which


def test_real_card_front_matter_agrees_with_the_base_where_it_should() -> None:
    """Quantized copies keep the base license: the knowledge base gives the same answer as their front matter."""
    for folder, license_id in [("bartowski__Codestral-22B-v0.1-GGUF", "mnpl"),
                               ("bartowski__Mistral-Small-Instruct-2409-GGUF", "mrl"),
                               ("TheBloke__phi-2-GGUF", "microsoft-research-license")]:  # fmt: skip
        text = (CARDS / folder / "README.md").read_text(encoding="utf-8")
        assert f"license_name: {license_id}" in text
        match = family_for_repo(folder.replace("__", "/"))
        assert match is not None and license_id in {lic.license for lic in license_for(match)}


def test_hostile_text_is_bounded_and_never_crashes() -> None:
    started = time.perf_counter()
    text = ("llama-2 " * 50_000) + "\x00\xff" + ("L" * 200_000) + ("qwen2.5-72b/" * 20_000)
    matches = match_families(text, "prose")
    assert {(m.family, m.version) for m in matches} == {("llama", "2"), ("qwen", "2.5")}
    assert time.perf_counter() - started < 30  # a guard against catastrophic backtracking, not a benchmark


# --- explain ---------------------------------------------------------------------------------------------------


def test_explain_by_name_version_repo_and_model_name() -> None:
    assert explain_family("falcon").version is None
    version = explain_family("Llama 2").version
    assert version is not None and version.id == "2"
    assert explain_family("meta-llama/Meta-Llama-3-8B").version.id == "3"  # type: ignore[union-attr]
    assert explain_family("TheBloke/Llama-2-7B-GGUF").version.id == "2"  # type: ignore[union-attr]
    with pytest.raises(UnknownFamilyError, match="not a known model family"):
        explain_family("no-such-model")


def test_explain_json_and_text() -> None:
    explanation = explain_family("falcon")
    data = json.loads(json.dumps(explanation.to_dict()))
    first = next(v for v in data["versions"] if v["id"] == "1")
    assert [lic["license"] for lic in first["licenses"]] == ["apache-2.0", "falcon-llm-license-1.0"]
    assert first["licenses"][1]["commercial_use"] == "conditional" and first["licenses"][1]["until"] == "2023-05-31"
    text = environment().get_template("families.txt.j2").render(family=explanation.to_dict())
    assert "Falcon-180B" in text and "falcon-llm-license-1.0 (TII Falcon LLM License Version 1.0" in text
    assert "2023-05 to 2023-05-31" in text and "architecture hints (low confidence" in text
    listing = environment().get_template("families.txt.j2").render(families=[f.to_dict() for f in CATALOG])
    assert f"{len(CATALOG)} families." in listing and "llama" in listing


# --- derivative lines ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("lmsys/vicuna-13b-v1.5", ("llama", "2")),  # only v1.5 is Llama 2
        ("vicuna-7b-v1.5-16k", ("llama", "2")),
        ("Vicuna-13B v1.5", ("llama", "2")),
        ("lmsys/vicuna-33b-v1.3", ("llama", "1")),
        ("lmsys/vicuna-7b-delta-v0", ("llama", "1")),
        ("WizardLM-13B-V1.2", ("llama", "2")),
        ("WizardLM-13B-V1.1", ("llama", "1")),
        ("WizardLM-30B-V1.0", ("llama", "1")),
        ("longchat-7b-v1.5-32k", None),  # LongChat v1.5 is Llama 2: not the LLaMA 1 line
        ("PygmalionAI/pygmalion-6b", ("eleutherai", "gpt-j")),
        ("PygmalionAI/pygmalion-7b", ("llama", "1")),
        ("hfl/chinese-alpaca-2-7b", None),  # Chinese-Alpaca-2 is Llama 2: never the LLaMA 1 Alpaca line
        ("mistral-7b-alpaca-lora", ("mistral", "7b")),  # a named base outranks the line
        ("llama-2-7b-guanaco", ("llama", "2")),
        ("timdettmers/openassistant-guanaco", None),  # a dataset, no size
    ],
)
def test_derivative_lines_map_names_to_their_base_version(text: str, expected: tuple[str, str] | None) -> None:
    best = family_for_repo(text)
    assert (None if best is None else (best.family, best.version)) == expected


def test_a_derivative_line_is_low_confidence_and_says_which_line() -> None:
    (match,) = match_families("eachadea/vicuna-13b-1.1")
    assert (match.family, match.version, match.confidence) == ("llama", "1", "low")
    assert match.note is not None and "Vicuna" in match.note and "LLaMA 1" in match.note
    (licensed,) = license_for(match)
    assert licensed.license == "llama-1"
    assert family_for_repo("meta-llama/Llama-2-13b-hf").confidence == "high"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("derivative_lines: [{id: x, name: X, version: '9', patterns: [{regex: x}], source: {url: https://e.org}}]",
         "version '9' is not a version of this family"),
        ("derivative_lines: [{id: x, name: X, version: '1', patterns: [{regex: x, confidence: medium}], "
         "source: {url: https://e.org}}]", "low-confidence"),
        ("derivative_lines: [{id: x, name: X, version: '1', source: {url: https://e.org}}]", "at least one pattern"),
        ("derivative_lines: [{id: x, name: X, version: '1', patterns: [{regex: x}]}]", "source of derivative line x"),
    ],
)  # fmt: skip
def test_a_malformed_derivative_line_is_an_error(tmp_path: Path, extra: str, message: str) -> None:
    with pytest.raises(CatalogError) as error:
        load_family_catalog(_write(tmp_path, GOOD + extra + "\n"))
    assert str(error.value).startswith("demo.yaml: ") and message in str(error.value)


def test_real_vicuna_v1_1_card_is_non_commercial_through_llama_1() -> None:
    """eachadea/vicuna-13b-1.1 declares Apache-2.0 and names no base: the Vicuna line ties it to LLaMA 1."""
    from auditor.api import audit

    result = audit(str(DERIVATIVES / "eachadea__vicuna-13b-1.1" / "README.md"), offline=True).to_dict()
    effective = result["lineage"]["effective"]
    assert effective["terms"]["commercial_use"] == "forbidden"
    assert any(s["id"] == "llama-1" and s["origin"] == "ancestor" for s in effective["sources"])
    assert result["verdict"]["status"] == "fail"


def test_real_pygmalion_6b_card_is_gpt_j_not_llama() -> None:
    from auditor.api import audit

    result = audit(str(DERIVATIVES / "mayaeary__pygmalion-6b_dev-4bit-128g" / "README.md"), offline=True).to_dict()
    ids = {s["id"] for s in result["lineage"]["effective"]["sources"]}
    assert "llama-1" not in ids
    assert "apache-2.0" in ids or result["lineage"]["effective"]["terms"]["commercial_use"] != "forbidden"

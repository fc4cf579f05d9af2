"""Non-commercial base models that are widely fine-tuned (Meta speech/translation/LLM checkpoints, Microsoft
LayoutLMv2/v3/XLM, DINOv2 before its relicensing): their family records make the inheritance known offline, and
their name patterns leave the permissive look-alikes (plain wav2vec2, XLS-R, optimum …) alone."""

from __future__ import annotations

from typing import Any

import pytest

from auditor.api import audit
from auditor.families import family_catalog, family_for_repo, license_for, match_families
from tests.conftest import CARDS, CARDS_BULK, SHARED

DERIVATIVES = SHARED / "derivatives"
VOXPOPULI_FINETUNES = [
    "Edresson_wav2vec2-large-100k-voxpopuli-ft-Common-Voice_plus_TTS-Dataset-russian",
    "Finnish-NLP_wav2vec2-base-fi-voxpopuli-v2-finetuned",
]


def is_real(repo: str) -> bool:
    """A repo id of shared/data: a card folder (org__name) or a bulk card (org_name.md)."""
    org, name = repo.split("/")
    return any(p.exists() for p in (CARDS / f"{org}__{name}", DERIVATIVES / f"{org}__{name}",
                                    CARDS_BULK / f"{org}_{name}.md"))  # fmt: skip


def mentioned(repo: str) -> bool:
    """A Hub id some real card of shared/data names (bases such as facebook/wav2vec2-xls-r-300m)."""
    cards = [*CARDS_BULK.glob("*.md"), *CARDS.glob("*/README.md")]
    return any(repo in card.read_text(encoding="utf-8", errors="replace") for card in cards)


def audited(card: str) -> dict[str, Any]:
    return audit(str(CARDS_BULK / f"{card}.md"), offline=True).to_dict()


def test_the_records_are_there_with_their_licenses() -> None:
    catalog = family_catalog()
    expected = {"wav2vec2-voxpopuli": {"cc-by-nc-4.0"}, "mms": {"cc-by-nc-4.0"}, "nllb": {"cc-by-nc-4.0"},
                "seamless-m4t": {"cc-by-nc-4.0"}, "galactica": {"cc-by-nc-4.0"}, "audiocraft": {"cc-by-nc-4.0"},
                "opt": {"opt-175b-license"}, "layoutlm": {"mit", "cc-by-nc-sa-4.0"},
                "dinov2": {"apache-2.0", "cc-by-nc-4.0"}}  # fmt: skip
    for family, licenses in expected.items():
        record = catalog.records[family]
        assert {lic.license for v in record.versions for lic in v.licenses} == licenses, family
        assert all(lic.source.quote or lic.source.note for v in record.versions for lic in v.licenses), family


# --- real repo names, labelled by hand -------------------------------------------------------------------------

VOXPOPULI = ("wav2vec2-voxpopuli", "voxpopuli")
# repo (a real card of shared/data, or a base named in one) → (family, version) a reader gives from the name
NAMES: dict[str, tuple[str, str] | None] = {
    "Edresson/wav2vec2-large-100k-voxpopuli-ft-Common-Voice_plus_TTS-Dataset-russian": VOXPOPULI,
    "Finnish-NLP/wav2vec2-base-fi-voxpopuli-v2-finetuned": VOXPOPULI,
    "facebook/wav2vec2-base-es-voxpopuli-v2": VOXPOPULI,  # canonical: high
    "BearlyWorkingYT/OPT-125M-Kaggle-Creepypasta": ("opt", "opt"),
    "KoboldAI/OPT-13B-Erebus": ("opt", "opt"),
    "facebook/opt-30b": ("opt", "opt"),
    "Sennodipoi/LayoutLMv2-FUNSD-ft": ("layoutlm", "2"),
    "AnnasBlackHat/layoutlmv3-finetuned-cord_100": ("layoutlm", "3"),
    "MrPotato/layout-xlm-geocite_reduced": ("layoutlm", "xlm"),
    "microsoft/layoutlm-base-uncased": ("layoutlm", "1"),
    "facebook/seamless-m4t-v2-large": ("seamless-m4t", "2"),
    "facebook/seamless-m4t-medium": ("seamless-m4t", "1"),
    # look-alikes: Apache-2.0 wav2vec2 checkpoints and their fine-tunes, VoxPopuli-like names, "opt"-like words
    "facebook/wav2vec2-base": None,
    "facebook/wav2vec2-large-xlsr-53": None,
    "facebook/wav2vec2-xls-r-300m": None,
    "facebook/wav2vec2-xls-r-1b": None,
    "facebook/wav2vec2-large-lv60": None,
    "AAkhilesh/wav2vec2-large-xls-r-300m-ta-colab": None,
    "Bagus/wav2vec2-large-xlsr-bahasa-indonesia": None,
    "Pinwheel/wav2vec2-base-timit-demo-colab": None,
    "KBLab/wav2vec2-large-voxrex-swedish": None,  # VoxRex, not VoxPopuli
    "Poulette/wav2vec2-base-spanish-demo-google-colab2": None,  # the name does not say (the card does)
    "aapot/wav2vec2-xlsr-1b-finnish-lm": None,  # XLS-R, whose card cites the VoxPopuli data
    "facebook/unit_hifigan_mhubert_vp_en_es_fr_it3_400k_layer11_km1000_es_css10": None,
    "Narsil/bart-large-mnli-opti": None,
    "OptimalHoiboy/DialoGPT-small-kasumai": None,
    "davidrd123/ppo-LunarLander-v2_optim_v1": None,
    "imflash217/proximal_policy_optimization_huggy_unity": None,
    "Sadhaklal/albert-large-v2-subword-masking-domain-adapted-nbme": None,
    "AdapterHub/roberta-base-pf-conll2000": None,
    "akmmsr/mt5-small-finetuned-amazon-en-es_akmmsr": None,  # "mms" inside a user name
    "torchgeo/vit_small_patch16_224_sentinel2_all_dino": None,  # DINO v1
    "Sense-X/uniformer_video": None,
}


@pytest.mark.parametrize(("repo", "expected"), sorted(NAMES.items()))
def test_real_repo_names_match_the_family_a_reader_gives(repo: str, expected: tuple[str, str] | None) -> None:
    assert is_real(repo) or mentioned(repo), f"{repo} is not a real repo of shared/data"
    best = family_for_repo(repo)
    assert (None if best is None else (best.family, best.version)) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Wav2vec2 Large 100k Voxpopuli fine-tuned in Russian", VOXPOPULI),
        ("Wav2Vec2-Large-VoxPopuli", VOXPOPULI),
        ("wav2vec2-large-west_germanic-voxpopuli-v2", VOXPOPULI),
        ("fine-tuned from facebook/mms-1b-all", ("mms", "mms")),
        ("a fine-tune of NLLB-200 distilled 600M", ("nllb", "200")),
        ("nllb-moe-54b", ("nllb", "200")),
        ("fine-tuned from SeamlessM4T v2", ("seamless-m4t", "2")),
        ("fine-tuned from galactica-6.7b", ("galactica", "galactica")),
        ("a MusicGen fine-tune", ("audiocraft", "musicgen")),
        ("audiogen-medium", ("audiocraft", "audiogen")),
        ("based on DINOv2 ViT-L/14", ("dinov2", "dinov2")),
        # look-alikes in prose
        ("the XLS-R wav2vec2 large model trained on VoxPopuli, MLS and Common Voice", None),
        ("trained on the VoxPopuli dataset (CC0)", None),
        ("exported with Optimum; users can opt-in to telemetry; we adapt 13B models", None),
        ("an optimized 13b model", None),
        ("send an MMS message", None),
        ("trained on the NLLB data (allenai/nllb)", None),
        ("a Battlestar Galactica fan-fiction model", None),
        ("a DINO ViT-B/16 backbone", None),
        ("music generation with transformers", None),
        ("LayoutLM-style layout embeddings", None),  # the series, not a version
    ],
)
def test_prose_mentions(text: str, expected: tuple[str, str] | None) -> None:
    found = [(m.family, m.version) for m in match_families(text, "prose") if m.version is not None]
    assert (found[0] if found else None) == expected


def test_licenses_follow_versions_and_the_dinov2_relicensing() -> None:
    def licenses(repo: str) -> list[tuple[str | None, str | None, str | None]]:
        match = family_for_repo(repo)
        assert match is not None
        return [(lic.license, lic.since, lic.until) for lic in license_for(match)]

    assert licenses("facebook/dinov2-base") == [("apache-2.0", "2023-08-31", None),
                                                ("cc-by-nc-4.0", "2023-04", "2023-08-31")]  # fmt: skip
    assert licenses("microsoft/layoutlm-base-uncased") == [("mit", "2019-12", None)]
    assert licenses("microsoft/layoutlmv3-base") == [("cc-by-nc-sa-4.0", "2022-04", None)]
    assert licenses("KoboldAI/OPT-13B-Erebus") == [("opt-175b-license", "2022-05-03", None)]
    assert licenses("facebook/nllb-200-distilled-600M") == [("cc-by-nc-4.0", "2022-07", None)]


# --- real cards, audited offline -------------------------------------------------------------------------------


@pytest.mark.parametrize("card", VOXPOPULI_FINETUNES)
def test_apache_declared_voxpopuli_finetune_is_not_commercial(card: str) -> None:
    """The card says apache-2.0 (the Trainer default); its base is a CC-BY-NC-4.0 VoxPopuli checkpoint."""
    text = (CARDS_BULK / f"{card}.md").read_text(encoding="utf-8")
    assert "license: apache-2.0" in text
    result = audited(card)
    effective = result["lineage"]["effective"]
    assert effective["terms"]["commercial_use"] == "forbidden"
    assert {(s["id"], s["origin"]) for s in effective["sources"]} == {("apache-2.0", "own"),
                                                                     ("cc-by-nc-4.0", "ancestor")}  # fmt: skip
    (parent,) = result["lineage"]["tree"]
    assert parent["id"].startswith("facebook/wav2vec2-") and "voxpopuli" in parent["id"]
    assert parent["family"]["family"] == "wav2vec2-voxpopuli" and parent["license"] == "CC-BY-NC-4.0"
    conflict = next(f for f in result["findings"] if f["rule"] == "LINEAGE-LICENSE-CONFLICT")
    assert conflict["blocking"] and "CC-BY-NC-4.0" in conflict["message"] and "family record" in conflict["message"]
    assert result["verdict"]["status"] == "fail"


@pytest.mark.parametrize(
    ("card", "family"),
    [
        ("AlekseyKorshuk_1.3b-dalio-principles-book", "opt"),  # "license: other", base facebook/opt-1.3b
        ("Jellywibble_dalio-principles-pretrain-v2", "opt"),  # no license, "Based off facebook/opt-30b"
        ("Sennodipoi_LayoutLMv2-FUNSD-ft", "layoutlm"),  # no license, "LayoutLMv2 fine-tuned on FUNSD"
    ],
)
def test_finetunes_that_declare_nothing_usable_inherit_the_non_commercial_base(card: str, family: str) -> None:
    result = audited(card)
    assert result["lineage"]["effective"]["terms"]["commercial_use"] == "forbidden"
    assert family in {f["family"] for f in result["lineage"]["families"]}
    assert any(f["rule"] == "LINEAGE-NON-COMMERCIAL" and f["blocking"] for f in result["findings"])


@pytest.mark.parametrize(
    "card",
    ["AAkhilesh_wav2vec2-large-xls-r-300m-ta-colab", "Pinwheel_wav2vec2-base-timit-demo-colab",
     "KBLab_wav2vec2-large-voxrex-swedish", "aapot_wav2vec2-xlsr-1b-finnish-lm"],
)  # fmt: skip
def test_permissive_wav2vec2_finetunes_get_no_non_commercial_ancestor(card: str) -> None:
    result = audited(card)
    families = {f["family"] for f in result["lineage"]["families"]}
    assert not families & {"wav2vec2-voxpopuli", "mms", "opt"}
    assert not any(s["origin"] == "ancestor" and s["id"] == "cc-by-nc-4.0"
                   for s in result["lineage"]["effective"]["sources"])  # fmt: skip

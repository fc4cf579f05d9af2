"""Which datasets a card names, and which of them the card says trained the model.

``named_datasets`` lists every Hub dataset id worth reading (the source fetches their cards). ``training_datasets``
keeps only those whose evidence role is training data (auditor.repositories.references): the ``datasets`` field and
dataset links read in context — never a benchmark (MMLU, GSM8K …), a placeholder ("unknown"), a quantization
calibration set, an evaluation set or a leaderboard's details dataset. ``evaluation_datasets`` are the ids
``model-index`` results name.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from auditor.facts import CardFacts
from auditor.repositories.references import CardReader
from auditor.repositories.roles import RANK, Reference
from auditor.sources.card import string_list

MAX_DATASETS = 32  # all-MiniLM-L6-v2 names 21 training datasets
_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.\-]*(/[A-Za-z0-9][\w.\-]*)?$")


def hub_dataset_id(url: str) -> str | None:
    """The Hub id of a dataset URL (``huggingface.co/datasets/org/name/...``), or None."""
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
    except ValueError:
        return None
    segments = [s for s in parts.path.split("/") if s]
    if host not in ("huggingface.co", "hf.co", "www.huggingface.co") or segments[:1] != ["datasets"]:
        return None
    named = segments[1:3] if len(segments) >= 3 and segments[2] not in ("resolve", "blob", "tree", "viewer") else (
        segments[1:2]
    )  # fmt: skip
    dataset = "/".join(named)
    return dataset if named and _HUB_ID.match(dataset) else None


def dataset_references(card: CardFacts | None, model_id: str = "") -> list[Reference]:
    """The references of a card that name a dataset: the ``datasets`` field and dataset links, with their roles."""
    if card is None:
        return []
    reader = CardReader(card, model_id)
    links = [reader.link(link) for link in card.links if link.kind == "dataset" or hub_dataset_id(link.url)]
    return [*reader.datasets_field(), *links]


def training_datasets(card: CardFacts | None, model_id: str = "") -> list[str]:
    """Hub dataset ids the card says trained the model (role training data, at least medium confidence)."""
    ids = []
    for ref in dataset_references(card, model_id):
        if ref.role != "training-data" or RANK[ref.confidence] < RANK["medium"]:
            continue
        dataset = hub_dataset_id(ref.url) if ref.url else None
        if dataset is None and ref.kind == "field" and ref.name and _HUB_ID.match(ref.name):
            dataset = ref.name
        if dataset:
            ids.append(dataset)
    return list(dict.fromkeys(ids))


def evaluation_datasets(card: CardFacts | None) -> list[str]:
    """Dataset ids named by ``model-index`` results (``dataset.type``), in card order."""
    index = card.metadata.get("model-index") if card else None
    ids: list[str] = []
    for model in index if isinstance(index, list) else ():
        results = model.get("results") if isinstance(model, dict) else None
        for result in results if isinstance(results, list) else ():
            dataset = result.get("dataset") if isinstance(result, dict) else None
            name = dataset.get("type") if isinstance(dataset, dict) else None
            if isinstance(name, str) and _HUB_ID.match(name.strip()):
                ids.append(name.strip())
    return list(dict.fromkeys(ids))


def named_datasets(card: CardFacts | None) -> list[str]:
    """Every Hub dataset id the card names (field, links, model-index), training data first, at most MAX_DATASETS."""
    if card is None:
        return []
    field = [d for d in string_list(card.metadata.get("datasets")) if _HUB_ID.match(d)]
    linked = [d for d in (hub_dataset_id(link.url) for link in card.links) if d]
    ordered = [*training_datasets(card), *field, *linked, *evaluation_datasets(card)]
    return list(dict.fromkeys(ordered))[:MAX_DATASETS]

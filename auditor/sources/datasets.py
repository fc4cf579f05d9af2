"""Which datasets a card names: its ``datasets`` field, evaluation datasets in ``model-index``, dataset links."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from auditor.facts import CardFacts
from auditor.sources.card import string_list

MAX_DATASETS = 32  # all-MiniLM-L6-v2 names 21 training datasets
_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.\-]*(/[A-Za-z0-9][\w.\-]*)?$")


def training_datasets(card: CardFacts | None) -> list[str]:
    """Hub dataset ids of the card's ``datasets`` field and dataset links (training data, in card order)."""
    if card is None:
        return []
    ids = [d for d in string_list(card.metadata.get("datasets")) if _HUB_ID.match(d)]
    for link in card.links:
        if link.kind == "dataset":
            parts = [p for p in urlsplit(link.url).path.split("/") if p]
            if len(parts) >= 3 and parts[0] == "datasets":
                ids.append(f"{parts[1]}/{parts[2]}")
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
    """Every dataset id the card names, training data first, at most MAX_DATASETS."""
    return list(dict.fromkeys([*training_datasets(card), *evaluation_datasets(card)]))[:MAX_DATASETS]

"""Recognise training datasets in card text and dataset ids.

Confidence: high for a Hub dataset id, medium for an explicit dataset name in a training context ("trained on the
Alpaca dataset"), low for weaker mentions. Patterns are written so that a prompt format ("Alpaca format"), an
evaluation ("judged by GPT-4") or a sponsor ("thanks to LAION") does not count as training data.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from auditor.datasets.catalog import DatasetCatalog, DatasetRecord, dataset_catalog
from auditor.knowledge import (
    CONFIDENCE_RANK,
    MAX_HITS_PER_PATTERN,
    MAX_TEXT,
    Confidence,
    NamePattern,
    PatternIndex,
    Spans,
    match_span,
    match_text,
    matches,
    repo_id_regex,
)


@dataclass(frozen=True, slots=True)
class DatasetMatch:
    dataset: str
    span: tuple[int, int]
    matched: str
    confidence: Confidence
    kind: str  # "hub-id" | "name"
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"dataset": self.dataset, "span": list(self.span), "matched": self.matched,
                "confidence": self.confidence, "kind": self.kind, "note": self.note}  # fmt: skip


@cache
def _compiled(catalog: DatasetCatalog) -> tuple[tuple[DatasetRecord, NamePattern], ...]:
    return tuple((record, pattern) for record in catalog for pattern in record.patterns)


def _rank(hit: DatasetMatch) -> tuple[int, int, int]:
    return (CONFIDENCE_RANK[hit.confidence], hit.span[1] - hit.span[0], -hit.span[0])


@cache
def _index(catalog: DatasetCatalog) -> PatternIndex:
    return PatternIndex([pattern.source for _, pattern in _compiled(catalog)])


@cache
def _hub_regex(catalog: DatasetCatalog) -> Any:
    return repo_id_regex(catalog.hub_ids)


def match_datasets(text: str, catalog: DatasetCatalog | None = None) -> list[DatasetMatch]:
    """Datasets named in ``text``: one match per dataset, best first; overlapping hits keep the stronger one."""
    catalog = catalog or dataset_catalog()
    text = text[:MAX_TEXT]
    hits: list[DatasetMatch] = []
    hub_regex = _hub_regex(catalog) if "/" in text else None  # every Hub id is org/name (knowledge.repo_ids)
    if hub_regex is not None:
        for found in hub_regex.finditer(text):
            record = catalog.hub_ids[found.group(0).lower()]
            hits.append(DatasetMatch(record.id, found.span(), found.group(0), "high", "hub-id"))
    entries = _compiled(catalog)
    for position, starts in _index(catalog).starts(text):
        record, pattern = entries[position]
        for found in matches(pattern.regex, text, starts, MAX_HITS_PER_PATTERN):
            if found.end() > found.start():
                hits.append(DatasetMatch(record.id, match_span(found), match_text(found), pattern.confidence, "name",
                                         pattern.note))  # fmt: skip
    if not hits:
        return []  # most texts: no dataset named
    ranked = sorted(hits, key=_rank, reverse=True)
    spans = Spans()
    kept = [hit for hit in ranked if spans.claim(*hit.span)]
    best: dict[str, DatasetMatch] = {}
    for hit in sorted(kept, key=lambda h: (-CONFIDENCE_RANK[h.confidence], h.span[0])):
        best.setdefault(hit.dataset, hit)
    return list(best.values())


def dataset_for_hub_id(hub_id: str, catalog: DatasetCatalog | None = None) -> DatasetRecord | None:
    """The record of a Hub dataset id (``tatsu-lab/alpaca``, any case); None when the base does not know it."""
    catalog = catalog or dataset_catalog()
    return catalog.hub_ids.get(hub_id.strip().removeprefix("datasets/").lower())

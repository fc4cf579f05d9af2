"""What the lineage section of a result reports: declared parents and datasets, the resolved tree, what could
not be audited, and the effective terms. Computed once in the assessment; the result only serialises it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from auditor.facts import ModelFacts
from auditor.findings import Evidence
from auditor.lineage.effective import EffectiveTerms
from auditor.lineage.tree import LineageNode, unresolved_parents
from auditor.repositories.roles import RANK
from auditor.sources.datasets import dataset_references, evaluation_datasets, hub_dataset_id


@dataclass(frozen=True)
class LineageSummary:
    base_models: tuple[dict[str, Any], ...]
    datasets: tuple[dict[str, Any], ...]
    tree: tuple[LineageNode, ...]
    unresolved: tuple[str, ...]
    effective: EffectiveTerms | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict[str, Any]:
        return {
            "base_models": [dict(b) for b in self.base_models],
            "datasets": [dict(d) for d in self.datasets],
            "tree": [n.to_dict() for n in self.tree],
            "unresolved": list(self.unresolved),
            "effective": self.effective.to_dict() if self.effective is not None else None,
        }


def _declared_in(evidence: list[Evidence]) -> str:
    first = evidence[0] if evidence else None
    if first is None:
        return "unknown"
    if first.field == "base_model":
        return "card:base_model"
    if first.field == "baseModels":
        return "hub:baseModels"
    if first.file and first.line:
        return f"{first.file}:line {first.line}"
    return first.file or first.field or "unknown"


def summarize(facts: ModelFacts, tree: list[LineageNode] | None, effective: EffectiveTerms | None) -> LineageSummary:
    """The lineage section: parents as found (with where each is declared), datasets with their role — training
    only where the evidence says the model was trained on it (not benchmarks, model-index evaluation sets or
    placeholders) — and their card licenses."""
    base_models = tuple({"id": n.id, "relation": n.relation, "declared_in": _declared_in(n.evidence)}
                        for n in tree or ())  # fmt: skip
    card = facts.card
    datasets: dict[str, dict[str, Any]] = {}
    for ref in dataset_references(card, facts.model_id):
        dataset = (hub_dataset_id(ref.url) if ref.url else None) or (ref.name if ref.kind == "field" else None)
        if not dataset and ref.url and ref.role == "training-data":
            dataset = ref.url  # a dataset page outside the Hub (Kaggle …)
        training = ref.role == "training-data" and RANK[ref.confidence] >= RANK["medium"]
        if not dataset or not (training or ref.role in ("benchmark", "evaluation-data")):
            continue  # placeholders ("unknown"), calibration sets, images, weak mentions: not this model's data
        where = "card" if ref.kind == "field" else f"card:line {ref.line}"
        entry = {"id": dataset, "role": "training" if training else "evaluation", "declared_in": where,
                 "basis": ref.because}  # fmt: skip
        if dataset not in datasets or (training and datasets[dataset]["role"] != "training"):
            datasets[dataset] = entry
    for name in evaluation_datasets(card):
        datasets.setdefault(name, {"id": name, "role": "evaluation", "declared_in": "card:model-index",
                                   "basis": "named by model-index results"})  # fmt: skip
    for read in facts.datasets:
        if read.id in datasets:
            datasets[read.id].update({"card_found": read.found, "license": list(read.license), "note": read.note})
    return LineageSummary(base_models, tuple(datasets.values()), tuple(tree or ()), tuple(unresolved_parents(tree)),
                          effective)  # fmt: skip

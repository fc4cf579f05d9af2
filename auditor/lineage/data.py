"""Training data the knowledge base knows (rules/datasets), recognised by Hub id or by name in prose, and the part
of its terms that reaches the weights.

A name in prose is only a mention: it counts as training data when the sentence says the model was trained or
fine-tuned on it, lists it as a dataset, or stands in a training-data section; calibration data of a quantization
("GPTQ dataset"), evaluations and prompt formats do not count.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from auditor.datasets import DatasetRecord, dataset_catalog, dataset_for_hub_id, match_datasets
from auditor.facts import CardFacts
from auditor.findings import Evidence
from auditor.licenses.catalog import LicenseRecord, LicenseTerms, license_catalog
from auditor.sources.datasets import training_datasets

MAX_DATA = 20
# Terms of a dataset that bind the weights trained on it: its authors say so (Alpaca: "models trained using the
# dataset should not be used outside of research purposes"), or it forbids commercial use, or the service that
# generated it limits using its outputs (reported as an obligation, not as a prohibition).
_FORBIDS = ("non-commercial", "research-only")
_BINDING_CONDITIONS = ("research-only", "output-use-limit")
RISK_TERMS = ("share-alike", "output-use-limit", "copyright-contested", "withdrawn")
_TRAINING = re.compile(
    r"\b(?:fine[- ]?tun\w*|finetun\w*|trained|train(?:ing)?|tuned|instruction[- ]tuned|sft|dpo|rlhf|distill\w*|"
    r"continued\s+pre-?training|pre-?trained)\b[^.;|]{0,80}?\b(?:on|with|using|from)\b|"
    r"\b(?:datasets?|training\s+data|data\s+used)\s*(?:used)?\s*[:：]|\bmix(?:ture)?\s+of\b",
    re.IGNORECASE,
)
_NOT_TRAINING = re.compile(
    r"\bquanti[sz]|calibrat|\bgptq\b|\bawq\b|evaluat|benchmark|\bjudged?\b|format\b|template|prompt\s+style|"
    r"leaderboard|compared",
    re.IGNORECASE,
)
_TRAINING_SECTION = re.compile(r"train|dataset|\bdata\b|fine-?tun|instruction", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class TrainingData:
    """A dataset of the knowledge base the model was trained on, and where the card says so."""

    record: DatasetRecord
    evidence: Evidence

    @property
    def binding(self) -> LicenseRecord | None:
        return binding_terms(self.record)

    def to_dict(self) -> dict[str, object]:
        licenses = [lic.license for lic in self.record.licenses]
        return {"id": self.record.id, "name": self.record.name, "terms": list(self.record.terms),
                "license": licenses, "evidence": self.evidence.to_dict()}  # fmt: skip


def binding_terms(record: DatasetRecord) -> LicenseRecord | None:
    """The part of a dataset's terms that reaches the weights, as a license record citing the dataset's sources."""
    catalog = license_catalog()
    licenses = [r for r in (catalog.get(lic.license) for lic in record.licenses) if r is not None]
    forbids = any(t in record.terms for t in _FORBIDS) or any(r.terms.commercial_use == "forbidden" for r in licenses)
    conditions = tuple(c for c in _BINDING_CONDITIONS
                       if c in record.terms or any(c in r.terms.conditions for r in licenses))  # fmt: skip
    if not forbids and not conditions:
        return None
    fact = next((f"terms.{t}" for t in (*_FORBIDS, "output-use-limit") if f"terms.{t}" in record.sources), "identity")
    cited = record.sources.get(fact) or record.sources["identity"]
    source = cited.to_dict()
    sources = {"identity": record.sources["identity"].to_dict(), "category": source, "commercial_use": source,
               "derivatives": source}  # fmt: skip
    for condition in conditions:
        term = record.sources.get(f"terms.{condition}") or cited
        sources[f"conditions.{condition}"] = term.to_dict()
    base = licenses[0] if licenses else None
    return LicenseRecord(
        id=f"dataset-terms:{record.id}",
        spdx=base.spdx if base is not None else f"LicenseRef-Dataset-Terms-{record.id}",
        name=f"training-data terms of {record.name}" + (f" ({base.name})" if base is not None else ""),
        url=cited.url,
        category="non-commercial" if forbids else (base.category if base is not None else "unknown"),
        terms=LicenseTerms("forbidden" if forbids else "allowed", "allowed", conditions, None),
        osi_approved=False,
        fsf_libre=False,
        deprecated_spdx=False,
        family=False,
        note=record.note,
        sources=sources,
    )


def _in_training_context(text: str, start: int, section: str | None) -> bool:
    before = text[max(0, start - 120) : start]
    if _NOT_TRAINING.search(before):
        return False
    return bool(_TRAINING.search(before)) or bool(section and _TRAINING_SECTION.search(section))


def training_data(card: CardFacts | None, training_ids: Sequence[str] | None = None) -> list[TrainingData]:
    """Knowledge-base datasets the card says the model was trained on: by Hub id (the ``datasets`` field and
    dataset links; ``training_ids`` when already read) and by name in training sentences."""
    if card is None:
        return []
    found: dict[str, TrainingData] = {}
    for dataset_id in training_datasets(card) if training_ids is None else training_ids:
        record = dataset_for_hub_id(dataset_id)
        if record is not None:
            line = card.line_of("datasets")
            found.setdefault(record.id, TrainingData(record, Evidence(field="datasets", file=card.file, line=line,
                                                                      excerpt=dataset_id)))  # fmt: skip
    seen: set[int] = set()
    for statement in (*card.derivations, *card.claims, *card.license_statements):
        if statement.line in seen:
            continue
        seen.add(statement.line)
        for match in match_datasets(statement.text):
            if match.dataset in found or not _in_training_context(statement.text, match.span[0], statement.section):
                continue
            record = dataset_catalog().records[match.dataset]
            evidence = Evidence(file=card.file, line=statement.line, excerpt=statement.text[:160])
            found[record.id] = TrainingData(record, evidence)
        if len(found) >= MAX_DATA:
            break
    return list(found.values())[:MAX_DATA]

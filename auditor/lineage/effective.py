"""Effective terms: what binds an adopter once lineage is followed — the model's own license, every ancestor's,
and the terms of its training data that reach the weights; the most restrictive of each term wins.

Where the model's own license offers a choice (``A OR B``), the adopter picks the option that, combined with what
is inherited, restricts least. Forbidden beats conditional beats allowed; conditions (AUPs, caps, naming, output
limits …) pass through; the lowest user cap applies.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from auditor.findings import Evidence
from auditor.licenses.catalog import LicenseRecord, LicenseTerms, license_catalog
from auditor.licenses.resolve import LicenseProfile
from auditor.licenses.terms import Combined, combine_all, combine_any
from auditor.lineage.data import TrainingData
from auditor.lineage.tree import LineageNode

Origin = Literal["own", "ancestor", "dataset"]
# Terms of a training dataset that reach the weights trained on it. A non-commercial dataset (Alpaca, for one,
# whose authors say models trained on it are for research only) or generated data whose provider limits the use
# of outputs binds the model; share-alike or attribution duties of the data do not pass to the weights (they are
# reported by LINEAGE-DATA-TERMS instead).
DATA_CONDITIONS_THAT_BIND = ("output-use-limit", "research-only")


def _unknown_terms() -> LicenseRecord:
    """The catalogue's ``unknown`` record: terms nobody could determine."""
    record = license_catalog().get("unknown")
    assert record is not None, "rules/licenses holds an 'unknown' record"
    return record


@dataclass(frozen=True, slots=True)
class TermSource:
    """A license that binds the model, and how: its own (front matter, or terms its card body states), an
    ancestor's (with the chain, and whether the ancestor's card or the family record says so), or its training
    data's."""

    record: LicenseRecord
    origin: Origin
    name: str | None = None  # the ancestor model or dataset id; "card body" for terms the card states in prose
    via: tuple[str, ...] = ()  # audited model → … → ancestor
    basis: str | None = None  # for an ancestor: "card", "hub card data" or "family record"
    evidence: Evidence | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"license": self.record.spdx, "id": self.record.id, "license_name": self.record.name,
                "origin": self.origin, "name": self.name, "via": list(self.via), "basis": self.basis,
                "evidence": self.evidence.to_dict() if self.evidence else None}  # fmt: skip


@dataclass(frozen=True)
class EffectiveTerms:
    """The combined terms and every license behind them."""

    sources: tuple[TermSource, ...]
    terms: LicenseTerms
    category: str
    osi_approved: bool | None

    @property
    def licenses(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(s.record.spdx for s in self.sources if not s.record.is_placeholder))

    @property
    def inherited(self) -> tuple[TermSource, ...]:
        return tuple(s for s in self.sources if s.origin != "own")

    def to_dict(self) -> dict[str, Any]:
        return {
            "licenses": sorted(self.licenses),
            "category": self.category,
            "osi_approved": self.osi_approved,
            "terms": self.terms.to_dict(),
            "sources": [s.to_dict() for s in self.sources],
        }


def _data_terms(record: LicenseRecord) -> LicenseRecord | None:
    """The part of a dataset's terms that binds the weights (None when nothing does)."""
    from dataclasses import replace

    commercial = record.terms.commercial_use if record.terms.commercial_use in ("forbidden", "conditional") else None
    conditions = tuple(c for c in record.terms.conditions if c in DATA_CONDITIONS_THAT_BIND)
    if commercial is None and not conditions:
        return None
    terms = LicenseTerms(commercial or "allowed", "allowed", conditions, None)
    return replace(record, terms=terms)


def ancestor_sources(model_id: str, tree: Sequence[LineageNode] | None) -> list[TermSource]:
    """Every known license of every ancestor, with the chain that leads to it."""
    sources = []
    for node in tree or ():
        for path, ancestor in node.walk((model_id,)):
            profile = ancestor.license
            if profile is None:
                continue  # not read: LINEAGE-UNRESOLVED / LINEAGE-NOT-LOOKED-UP say so
            evidence = ancestor.evidence[0] if ancestor.evidence else None
            shown = (*path[:-1], ancestor.display_name)
            # Read, but no license identified ("other" without a known name, a family whose terms were never
            # obtained): its terms are unknown, and unknown terms bind until someone reads them.
            records = [r for r in profile.records if not r.is_placeholder] or [_unknown_terms()]
            for record in records:
                sources.append(TermSource(record, "ancestor", ancestor.display_name, shown, ancestor.basis,
                                          evidence))  # fmt: skip
    return sources


def stated_sources(stated: Iterable[tuple[LicenseRecord, Evidence]]) -> list[TermSource]:
    """Terms the card body states for the model that restrict more than its declared license: they bind too."""
    return [TermSource(record, "own", "card body", (), None, evidence) for record, evidence in stated]


def training_data_sources(model_id: str, data: Iterable[TrainingData]) -> list[TermSource]:
    """The binding part of the terms of training data the knowledge base knows (Alpaca, ShareGPT …)."""
    sources = []
    for item in data:
        binding = item.binding
        if binding is not None:
            sources.append(TermSource(binding, "dataset", item.record.id, (model_id, item.record.id), None,
                                      item.evidence))  # fmt: skip
    return sources


def dataset_sources(model_id: str, datasets: Iterable[tuple[str, Sequence[str]]]) -> list[TermSource]:
    """The binding part of each training dataset's license (dataset id, license ids)."""
    catalog = license_catalog()
    sources = []
    for dataset_id, license_ids in datasets:
        for license_id in license_ids:
            record = catalog.get(license_id)
            binding = _data_terms(record) if record is not None and not record.is_placeholder else None
            if binding is not None:
                sources.append(TermSource(binding, "dataset", dataset_id, (model_id, dataset_id)))
    return sources


def effective_terms(
    model_id: str,
    profile: LicenseProfile,
    tree: Sequence[LineageNode] | None,
    datasets: Iterable[tuple[str, Sequence[str]]] = (),
    *,
    stated: Iterable[tuple[LicenseRecord, Evidence]] = (),
    data: Iterable[TrainingData] = (),
) -> EffectiveTerms:
    """Own license ∧ terms the card body states ∧ ancestors ∧ binding data terms; for an own ``A OR B``, the
    option that restricts least."""
    inherited = [*stated_sources(stated), *ancestor_sources(model_id, tree), *dataset_sources(model_id, datasets),
                 *training_data_sources(model_id, data)]  # fmt: skip
    options: list[list[LicenseRecord]] = [list(option) for option in profile.alternatives] or [[]]
    combined: list[tuple[Combined, list[TermSource]]] = []
    own_evidence = profile.evidence[0] if profile.evidence else None
    for option in options:
        own = [TermSource(record, "own", None, (), None, own_evidence) for record in option]
        sources = _unique([*own, *inherited])
        combined.append((combine_all([s.record for s in sources]), sources))
    best = combine_any([c for c, _ in combined])
    chosen = next(sources for c, sources in combined if c is best)
    terms, category, osi = best
    return EffectiveTerms(tuple(chosen), terms, category, osi)


def _unique(sources: list[TermSource]) -> list[TermSource]:
    """One source per (license, origin name): the same license met twice on one path counts once."""
    seen: set[tuple[str, str | None]] = set()
    kept = []
    for source in sources:
        key = (source.record.id, source.name)
        if key not in seen:
            seen.add(key)
            kept.append(source)
    return kept

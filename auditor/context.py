"""AuditContext: the facts of one model plus the assessment derived from them (each view computed once).

The assessment — license profile, effective terms after lineage, openness, lineage summary — is a pure function of
the facts and of what the user gave (a resolved lineage, an MOT record, a smoke result, a policy), so checkers stay
pure and the engine never changes when a view is added. The judgement (auditor.judge) stores these views in the
result; renderers read them from there.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from functools import cached_property
from typing import TYPE_CHECKING, Any

from auditor.facts import ModelFacts
from auditor.findings import Evidence
from auditor.licenses.catalog import LicenseRecord
from auditor.licenses.resolve import LicenseProfile, resolve_license, stated_restrictions
from auditor.lineage.data import TrainingData, training_data
from auditor.lineage.effective import EffectiveTerms, effective_terms
from auditor.lineage.inherit import inherit_license
from auditor.lineage.summary import LineageSummary, summarize
from auditor.lineage.tree import LineageNode
from auditor.openness.assess import Openness, assess_openness, compare_with_mot
from auditor.sources.datasets import training_datasets
from auditor.weights.quantization import model_quantization

if TYPE_CHECKING:
    from auditor.policy.model import Policy


class AuditContext:
    def __init__(
        self,
        facts: ModelFacts,
        *,
        mot_record: Mapping[str, Any] | None = None,
        smoke: Mapping[str, Any] | None = None,
        lineage: list[LineageNode] | None = None,
        policy: Policy | None = None,
    ) -> None:
        self.facts = facts
        self.mot_record = mot_record
        self.lineage = lineage  # resolved parents (through the source), or None when not resolved
        self.smoke = smoke  # the smoke run's result, when one was asked for
        self.policy = policy  # the organisation's policy, when one judges the model

    @cached_property
    def license(self) -> LicenseProfile:
        """The model's own license: as declared, else its parent's when the card says so or it is a plain copy."""
        return inherit_license(resolve_license(self.facts), self.facts, self.lineage)

    @cached_property
    def stated(self) -> list[tuple[LicenseRecord, Evidence]]:
        """Terms the card body states for the model that restrict more than its declared license."""
        card_file = self.facts.card.file if self.facts.card else None
        return [(record, Evidence(file=card_file, line=mention.line, excerpt=mention.text[:200]))
                for mention, record in stated_restrictions(self.license)]  # fmt: skip

    @cached_property
    def training_dataset_ids(self) -> list[str]:
        """Hub dataset ids the card says trained the model (read once: each link is read in its context)."""
        return training_datasets(self.facts.card)

    @cached_property
    def training_data(self) -> list[TrainingData]:
        """Training data the knowledge base knows, named by Hub id or in training sentences of the card."""
        return training_data(self.facts.card, self.training_dataset_ids)

    @cached_property
    def effective(self) -> EffectiveTerms:
        """Own license ∧ what the card body states ∧ every ancestor's ∧ the binding terms of the training data."""
        training = set(self.training_dataset_ids)
        datasets = [(d.id, d.license) for d in self.facts.datasets if d.found and d.id in training]
        return effective_terms(self.facts.model_id, self.license, self.lineage, datasets, stated=self.stated,
                               data=self.training_data)  # fmt: skip

    @cached_property
    def lineage_summary(self) -> LineageSummary:
        return summarize(self.facts, self.lineage, self.effective, self.training_data)

    @cached_property
    def quantization(self) -> list[dict[str, Any]]:
        """The model's quantizations (declared in its configs or shown by its weight files), one per kind."""
        return model_quantization(self.facts)

    @cached_property
    def openness(self) -> Openness:
        openness = assess_openness(self.facts, self.license, self.effective)
        if self.mot_record is not None:
            openness = replace(openness, mot_comparison=compare_with_mot(openness, self.mot_record))
        return openness

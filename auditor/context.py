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
from auditor.licenses.resolve import LicenseProfile, resolve_license
from auditor.lineage.effective import EffectiveTerms, effective_terms
from auditor.lineage.summary import LineageSummary, summarize
from auditor.lineage.tree import LineageNode
from auditor.openness.assess import Openness, assess_openness, compare_with_mot
from auditor.sources.datasets import training_datasets

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
        return resolve_license(self.facts)

    @cached_property
    def effective(self) -> EffectiveTerms:
        """Own license ∧ every ancestor's ∧ the binding terms of the training data."""
        training = set(training_datasets(self.facts.card))
        datasets = [(d.id, d.license) for d in self.facts.datasets if d.found and d.id in training]
        return effective_terms(self.facts.model_id, self.license, self.lineage, datasets)

    @cached_property
    def lineage_summary(self) -> LineageSummary:
        return summarize(self.facts, self.lineage, self.effective)

    @cached_property
    def openness(self) -> Openness:
        openness = assess_openness(self.facts, self.license, self.effective)
        if self.mot_record is not None:
            openness = replace(openness, mot_comparison=compare_with_mot(openness, self.mot_record))
        return openness

"""AuditContext: the facts of one model plus what is derived from them (computed once, on first use).

Checkers receive the context; derived views (the license profile, openness, and later lineage) are pure functions
of the facts (and of inputs the user gave, such as an MOT record), so checkers stay pure and the engine never
changes when a view is added.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from functools import cached_property
from typing import Any

from auditor.facts import ModelFacts
from auditor.licenses.resolve import LicenseProfile, resolve_license
from auditor.lineage.tree import LineageNode
from auditor.openness.assess import Openness, assess_openness, compare_with_mot


class AuditContext:
    def __init__(
        self,
        facts: ModelFacts,
        *,
        mot_record: Mapping[str, Any] | None = None,
        smoke: Mapping[str, Any] | None = None,
        lineage: list[LineageNode] | None = None,
    ) -> None:
        self.facts = facts
        self.mot_record = mot_record
        self.lineage = lineage  # resolved parents (through the source), or None when not resolved
        self.smoke = smoke  # the smoke run's result, when one was asked for

    @cached_property
    def license(self) -> LicenseProfile:
        return resolve_license(self.facts)

    @cached_property
    def openness(self) -> Openness:
        openness = assess_openness(self.facts, self.license)
        if self.mot_record is not None:
            openness = replace(openness, mot_comparison=compare_with_mot(openness, self.mot_record))
        return openness

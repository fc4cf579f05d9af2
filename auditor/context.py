"""AuditContext: the facts of one model plus what is derived from them (computed once, on first use).

Checkers receive the context; derived views (the license profile, and later openness and lineage) are pure
functions of the facts, so checkers stay pure and the engine never changes when a view is added.
"""

from __future__ import annotations

from functools import cached_property

from auditor.facts import ModelFacts
from auditor.licenses.resolve import LicenseProfile, resolve_license


class AuditContext:
    def __init__(self, facts: ModelFacts) -> None:
        self.facts = facts

    @cached_property
    def license(self) -> LicenseProfile:
        return resolve_license(self.facts)

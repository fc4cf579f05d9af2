"""Model families: the knowledge base (rules/families), matching names and repos, licenses by version, explain."""

from auditor.families.catalog import (
    ArchitectureHint,
    DerivativeConvention,
    DerivativeLine,
    FamilyCatalog,
    FamilyLicense,
    FamilyRecord,
    FamilyVersion,
    family_catalog,
)
from auditor.families.explain import FamilyExplanation, UnknownFamilyError, explain_family
from auditor.families.match import FamilyMatch, family_for_repo, license_for, match_config, match_families

__all__ = [
    "ArchitectureHint",
    "DerivativeConvention",
    "DerivativeLine",
    "FamilyCatalog",
    "FamilyExplanation",
    "FamilyLicense",
    "FamilyMatch",
    "FamilyRecord",
    "FamilyVersion",
    "UnknownFamilyError",
    "explain_family",
    "family_catalog",
    "family_for_repo",
    "license_for",
    "match_config",
    "match_families",
]

"""Explain a model family (or one version of it) from the knowledge base, for ``auditor families [NAME]``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from auditor.families.catalog import FamilyCatalog, FamilyRecord, FamilyVersion, family_catalog
from auditor.families.match import match_families
from auditor.licenses.catalog import license_catalog


class UnknownFamilyError(LookupError):
    """The query names no family of the knowledge base."""


@dataclass(frozen=True)
class FamilyExplanation:
    query: str
    family: FamilyRecord
    version: FamilyVersion | None  # None: the whole family

    @property
    def versions(self) -> tuple[FamilyVersion, ...]:
        return (self.version,) if self.version else self.family.versions

    def to_dict(self) -> dict[str, Any]:
        """The family record (only the asked version when one was named), each license with its terms."""
        out = self.family.to_dict()
        out["query"] = self.query
        out["versions"] = [_version_dict(v) for v in self.versions]
        return out


def _version_dict(version: FamilyVersion) -> dict[str, Any]:
    out = version.to_dict()
    for entry in out["licenses"]:
        record = license_catalog().records.get(entry["license"]) if entry["license"] else None
        entry["name"] = record.name if record else None
        entry["spdx"] = record.spdx if record else None
        entry["category"] = record.category if record else None
        entry["commercial_use"] = record.terms.commercial_use if record else None
    return out


def explain_family(name: str, catalog: FamilyCatalog | None = None) -> FamilyExplanation:
    """Resolve a family id, name, alias, version name ("Llama 2"), canonical repo or a model name to explain."""
    catalog = catalog or family_catalog()
    found = catalog.get(name)
    if found is not None:
        return FamilyExplanation(name, found[0], found[1])
    matches = [m for m in match_families(name, "name", catalog) if m.decisive]
    if not matches:
        raise UnknownFamilyError(f"'{name}' is not a known model family, version or repository")
    family = catalog.records[matches[0].family]
    return FamilyExplanation(name, family, family.version(matches[0].version))

"""Terms a family record gives a parent the audit could not read (bare card, offline, gated, missing, a family
named in prose): the version's current license from rules/families, with the record's source as evidence."""

from __future__ import annotations

from dataclasses import dataclass

from auditor.families import FamilyLicense, FamilyMatch, family_catalog, license_for
from auditor.findings import Evidence
from auditor.licenses.catalog import LicenseRecord, LicenseTerms, license_catalog
from auditor.licenses.resolve import LicenseProfile, profile_of

NONE_GRANTED_SPDX = "LicenseRef-No-License-Granted"


@dataclass(frozen=True, slots=True)
class FamilyTerms:
    """The license a family record gives one version, and where the record says so."""

    family: str
    version: str
    version_name: str
    entry: FamilyLicense
    profile: LicenseProfile

    @property
    def note(self) -> str:
        since = f" since {self.entry.since}" if self.entry.since else ""
        return (f"terms from the family record: {self.version_name} is under {self.profile.expression}{since} "
                f"({self.entry.source.url})")  # fmt: skip


def _none_granted(name: str, entry: FamilyLicense) -> LicenseRecord:
    """No license was ever granted for these weights (leaked or withdrawn): nothing may be done with them."""
    source = {"url": entry.source.url, "note": entry.note or "no license was granted"}
    return LicenseRecord(
        id="none-granted",
        spdx=NONE_GRANTED_SPDX,
        name=f"No license granted ({name})",
        url=entry.source.url,
        category="proprietary",
        terms=LicenseTerms("forbidden", "forbidden", (), None),
        osi_approved=False,
        fsf_libre=False,
        deprecated_spdx=False,
        family=False,
        note=entry.note,
        sources={"identity": source, "category": source, "commercial_use": source, "derivatives": source},
    )


def family_terms(match: FamilyMatch | None) -> FamilyTerms | None:
    """The current license of the matched family version (None: no version, or the record gives none)."""
    if match is None or match.version is None:
        return None
    record = family_catalog().records.get(match.family)
    version = record.version(match.version) if record else None
    entries = license_for(match)
    current = [e for e in entries if e.current] or list(entries[:1])
    if version is None or not current:
        return None
    entry = current[0]
    license_record = license_catalog().get(entry.license) if entry.license else _none_granted(version.name, entry)
    if license_record is None:
        return None
    evidence = Evidence(url=entry.source.url, excerpt=entry.source.quote or entry.source.note or entry.note)
    return FamilyTerms(match.family, version.id, version.name, entry, profile_of((license_record,), evidence))

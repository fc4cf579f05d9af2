"""The model-family knowledge base: one record per family in rules/families/*.yaml, a source for every fact."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import Any

from auditor._resources import data_dir
from auditor.knowledge import (
    Confidence,
    NamePattern,
    Source,
    compile_regex,
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


@dataclass(frozen=True, slots=True)
class FamilyLicense:
    """The license of a version (or of the repos ``when`` matches) over a period; ``license`` None: none granted."""

    license: str | None
    since: str | None
    until: str | None
    source: Source
    when: re.Pattern[str] | None = None
    applies_to: str | None = None
    note: str | None = None

    @property
    def current(self) -> bool:
        return self.until is None

    def to_dict(self) -> dict[str, Any]:
        return {"license": self.license, "since": self.since, "until": self.until,
                "when": self.when.pattern if self.when else None, "applies_to": self.applies_to,
                "note": self.note, "source": self.source.to_dict()}  # fmt: skip


@dataclass(frozen=True, slots=True)
class FamilyVersion:
    """One release line of a family (Llama 2, Qwen2.5, Falcon-180B …): how to recognise it and its licenses."""

    id: str
    name: str
    released: str | None
    patterns: tuple[NamePattern, ...]
    repos: tuple[str, ...]
    licenses: tuple[FamilyLicense, ...]
    sources: Mapping[str, Source]
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "released": self.released, "note": self.note,
                "patterns": [p.to_dict() for p in self.patterns], "repos": list(self.repos),
                "licenses": [lic.to_dict() for lic in self.licenses],
                "sources": {k: s.to_dict() for k, s in self.sources.items()}}  # fmt: skip


@dataclass(frozen=True, slots=True)
class ArchitectureHint:
    """A config.json ``model_type`` / ``architectures`` value seen in this family; never decides alone."""

    model_type: str | None
    architectures: tuple[str, ...]
    confidence: Confidence
    note: str
    source: Source

    def to_dict(self) -> dict[str, Any]:
        return {"model_type": self.model_type, "architectures": list(self.architectures),
                "confidence": self.confidence, "note": self.note, "source": self.source.to_dict()}  # fmt: skip


@dataclass(frozen=True, slots=True)
class DerivativeConvention:
    """How derivatives of the family are published (delta/XOR weights, llamafied, GGUF naming …)."""

    id: str
    summary: str
    patterns: tuple[NamePattern, ...]
    source: Source

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "summary": self.summary, "patterns": [p.to_dict() for p in self.patterns],
                "source": self.source.to_dict()}  # fmt: skip


@dataclass(frozen=True, slots=True)
class DerivativeLine:
    """A named line of models fine-tuned from one version of the family (Vicuna v1.3, Guanaco, WizardLM 1.0 …):
    its name alone ties a model to that version; always low confidence."""

    id: str
    name: str
    version: str
    patterns: tuple[NamePattern, ...]
    source: Source
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "version": self.version, "note": self.note,
                "patterns": [p.to_dict() for p in self.patterns], "source": self.source.to_dict()}  # fmt: skip


@dataclass(frozen=True, slots=True)
class FamilyRecord:
    id: str
    name: str
    vendor: str
    aliases: tuple[str, ...]
    versions: tuple[FamilyVersion, ...]
    patterns: tuple[NamePattern, ...]  # the family without a version ("llama", "mistral"): low confidence
    hints: tuple[ArchitectureHint, ...]
    conventions: tuple[DerivativeConvention, ...]
    sources: Mapping[str, Source]
    note: str | None = None
    lines: tuple[DerivativeLine, ...] = ()

    def version(self, version_id: str | None) -> FamilyVersion | None:
        return next((v for v in self.versions if v.id == version_id), None)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "vendor": self.vendor, "aliases": list(self.aliases),
                "note": self.note, "patterns": [p.to_dict() for p in self.patterns],
                "versions": [v.to_dict() for v in self.versions],
                "architecture_hints": [h.to_dict() for h in self.hints],
                "derivative_conventions": [c.to_dict() for c in self.conventions],
                "derivative_lines": [line.to_dict() for line in self.lines],
                "sources": {k: s.to_dict() for k, s in self.sources.items()}}  # fmt: skip


def _license(doc: Any, path: Path, what: str) -> FamilyLicense:
    entry = mapping(doc, path, what)
    if "license" not in entry:
        raise fail(path, f"{what}: 'license' is required (null when no license was ever granted)")
    lic = None if entry["license"] is None else license_id(entry["license"], path, what)
    when = compile_regex(entry["when"], path, f"{what} when") if entry.get("when") is not None else None
    note = text(entry, "note", path, what, required=False)
    if lic is None and not note:
        raise fail(path, f"{what}: a version without a license needs a note saying why")
    return FamilyLicense(
        license=lic,
        since=parse_date(entry.get("since"), path, f"{what} since"),
        until=parse_date(entry.get("until"), path, f"{what} until"),
        source=parse_source(entry.get("source"), path, f"{what} license"),
        when=when,
        applies_to=text(entry, "applies_to", path, what, required=False),
        note=note,
    )


def _version(doc: Any, path: Path) -> FamilyVersion:
    entry = mapping(doc, path, "a version")
    version_id = text(entry, "id", path, "a version")
    assert version_id is not None
    what = f"version {version_id}"
    released = parse_date(entry.get("released"), path, f"{what} released")
    entries = items(entry.get("licenses"), path, what)
    licenses = tuple(_license(lic, path, f"{what} license {i + 1}") for i, lic in enumerate(entries))
    if not licenses:
        raise fail(path, f"{what}: at least one license entry is required")
    needed = ["identity", *(["released"] if released else [])]
    return FamilyVersion(
        id=version_id,
        name=str(text(entry, "name", path, what)),
        released=released,
        patterns=parse_patterns(entry.get("patterns"), path, what),
        repos=repo_ids(entry.get("repos"), path, f"{what} repos"),
        licenses=licenses,
        sources=parse_sources(entry.get("sources"), path, what, needed),
        note=text(entry, "note", path, what, required=False),
    )


def _hint(doc: Any, path: Path, index: int) -> ArchitectureHint:
    entry = mapping(doc, path, f"architecture hint {index}")
    what = f"architecture hint {index}"
    model_type = text(entry, "model_type", path, what, required=False)
    architectures = strings(entry.get("architectures"), path, f"{what} architectures")
    if model_type is None and not architectures:
        raise fail(path, f"{what}: needs a model_type or architectures")
    confidence = entry.get("confidence", "low")
    if confidence != "low":
        raise fail(path, f"{what}: an architecture hint is never more than low confidence")
    return ArchitectureHint(model_type, architectures, "low", str(text(entry, "note", path, what)),
                            parse_source(entry.get("source"), path, what))  # fmt: skip


def _convention(doc: Any, path: Path) -> DerivativeConvention:
    entry = mapping(doc, path, "a derivative convention")
    convention_id = str(text(entry, "id", path, "a derivative convention"))
    what = f"convention {convention_id}"
    return DerivativeConvention(convention_id, str(text(entry, "summary", path, what)),
                                parse_patterns(entry.get("patterns"), path, what, default="low"),
                                parse_source(entry.get("source"), path, what))  # fmt: skip


def _line(doc: Any, path: Path, versions: tuple[FamilyVersion, ...]) -> DerivativeLine:
    entry = mapping(doc, path, "a derivative line")
    line_id = str(text(entry, "id", path, "a derivative line"))
    what = f"derivative line {line_id}"
    name = str(text(entry, "name", path, what))
    version_id = str(text(entry, "version", path, what))
    version = next((v for v in versions if v.id == version_id), None)
    if version is None:
        raise fail(path, f"{what}: version {version_id!r} is not a version of this family")
    patterns = parse_patterns(entry.get("patterns"), path, what, default="low")
    if not patterns:
        raise fail(path, f"{what}: at least one pattern is required")
    if any(p.confidence != "low" for p in patterns):
        raise fail(path, f"{what}: a derivative line's name is low-confidence evidence of its base")
    why = f"{name}: fine-tuned from {version.name}"
    return DerivativeLine(line_id, name, version_id, tuple(replace(p, note=p.note or why) for p in patterns),
                          parse_source(entry.get("source"), path, what),
                          text(entry, "note", path, what, required=False))  # fmt: skip


def parse_family(doc: Mapping[str, Any], path: Path) -> FamilyRecord:
    """Validate one family record; every fact must name a source."""
    family_id = str(text(doc, "id", path, "the record"))
    versions = tuple(_version(v, path) for v in items(doc.get("versions"), path, "versions"))
    if not versions:
        raise fail(path, "at least one version is required")
    ids = [v.id for v in versions]
    if len(set(ids)) != len(ids):
        raise fail(path, "version ids must be unique")
    patterns = parse_patterns(doc.get("patterns"), path, "family", default="low")
    if any(p.confidence != "low" for p in patterns):
        raise fail(path, "family-level patterns (no version) are low confidence")
    return FamilyRecord(
        id=family_id,
        name=str(text(doc, "name", path, "the record")),
        vendor=str(text(doc, "vendor", path, "the record")),
        aliases=strings(doc.get("aliases"), path, "aliases"),
        versions=versions,
        patterns=patterns,
        hints=tuple(_hint(h, path, i + 1) for i, h in enumerate(items(doc.get("architecture_hints"), path, "hints"))),
        conventions=tuple(_convention(c, path) for c in items(doc.get("derivative_conventions"), path, "conventions")),
        sources=parse_sources(doc.get("sources"), path, "the record", ["identity"]),
        note=text(doc, "note", path, "the record", required=False),
        lines=tuple(_line(line, path, versions) for line in items(doc.get("derivative_lines"), path, "lines")),
    )


class FamilyCatalog:
    """Family records by id, with look-up by id, name, alias, version name or canonical repo id."""

    def __init__(self, records: list[FamilyRecord]) -> None:
        self.records: dict[str, FamilyRecord] = {r.id: r for r in records}
        self._names: dict[str, tuple[FamilyRecord, FamilyVersion | None]] = {}
        self.repos: dict[str, tuple[FamilyRecord, FamilyVersion]] = {}
        for record in records:
            for key in (record.id, record.name, *record.aliases):
                self._names.setdefault(name_key(key), (record, None))
        for record in records:
            for version in record.versions:
                self._names.setdefault(name_key(version.name), (record, version))
                self._names.setdefault(name_key(f"{record.id} {version.id}"), (record, version))
                for repo in version.repos:
                    if repo.lower() in self.repos:
                        raise ValueError(f"{record.id}.yaml: repo {repo} is listed twice")
                    self.repos[repo.lower()] = (record, version)

    def __iter__(self) -> Iterator[FamilyRecord]:
        return iter(self.records.values())

    def __len__(self) -> int:
        return len(self.records)

    def get(self, name: str) -> tuple[FamilyRecord, FamilyVersion | None] | None:
        """The family (and version) a name denotes: id, name, alias, version name ("Llama 2"), "llama 2" or repo."""
        found = self._names.get(name_key(name))
        if found is None:
            repo = self.repos.get(name.strip().lower())
            return (repo[0], repo[1]) if repo else None
        return found


def load_family_catalog(folder: Path) -> FamilyCatalog:
    """Read every family record of a folder."""
    records = read_records(folder, parse_family, lambda r: r.id)
    try:
        return FamilyCatalog(records)
    except ValueError as error:  # the message names the record's file (ids match file names)
        raise CatalogError(str(error)) from error


@cache
def family_catalog() -> FamilyCatalog:
    """The family knowledge base shipped with auditor."""
    return load_family_catalog(data_dir("rules") / "families")

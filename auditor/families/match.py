"""Recognise model families in repo ids, names and prose, and in config.json architecture hints.

Confidence: high for a canonical Hub repo id, medium for an explicit name token ("Llama-2", "Qwen2.5"), low for
a family named without a version or for an architecture hint. An architecture hint never decides the family
alone: ``LlamaForCausalLM`` is used by many models that are not Meta's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import cache
from typing import Any, Literal

from auditor.families.catalog import FamilyCatalog, FamilyLicense, FamilyRecord, FamilyVersion, family_catalog
from auditor.knowledge import (
    CONFIDENCE_RANK,
    MAX_HITS_PER_PATTERN,
    MAX_TEXT,
    Confidence,
    NamePattern,
    PatternIndex,
    Scope,
    Spans,
    match_span,
    match_text,
    matches,
    repo_id_regex,
    token_around,
)

MatchKind = Literal["repo", "name", "architecture"]
MAX_NAME_TEXT = 1_000  # a name (repo id, tag, title) is searched in its first 1,000 characters


@dataclass(frozen=True, slots=True)
class FamilyMatch:
    """A family (and version, when the text names one) found at ``span`` of the searched text."""

    family: str
    version: str | None
    span: tuple[int, int]
    matched: str
    token: str  # the whole name the match sits in ("Llama-2-13B-chat-GGUF"), used to pick size-specific licenses
    confidence: Confidence
    kind: MatchKind
    note: str | None = None

    @property
    def decisive(self) -> bool:
        """False for architecture hints: they may support a family named elsewhere, never establish one."""
        return self.kind != "architecture"

    def to_dict(self) -> dict[str, Any]:
        return {"family": self.family, "version": self.version, "span": list(self.span), "matched": self.matched,
                "token": self.token, "confidence": self.confidence, "kind": self.kind, "decisive": self.decisive,
                "note": self.note}  # fmt: skip


@dataclass(frozen=True, slots=True)
class _Compiled:
    family: FamilyRecord
    version: FamilyVersion | None
    pattern: NamePattern


@cache
def _compiled(catalog: FamilyCatalog) -> tuple[_Compiled, ...]:
    out = [_Compiled(f, None, p) for f in catalog for p in f.patterns]
    out += [_Compiled(f, v, p) for f in catalog for v in f.versions for p in v.patterns]
    out += [_Compiled(f, f.version(line.version), p) for f in catalog for line in f.lines for p in line.patterns]
    return tuple(out)


@cache
def _index(catalog: FamilyCatalog, scope: Scope) -> tuple[tuple[_Compiled, ...], PatternIndex]:
    entries = tuple(e for e in _compiled(catalog) if scope in e.pattern.scopes)
    return entries, PatternIndex([e.pattern.source for e in entries])


@cache
def _repo_regex(catalog: FamilyCatalog) -> Any:
    return repo_id_regex(catalog.repos)


def _rank(match: FamilyMatch) -> tuple[int, int, int, int]:
    return (CONFIDENCE_RANK[match.confidence], match.version is not None, match.span[1] - match.span[0], -match.span[0])


def match_families(text: str, scope: Scope = "name", catalog: FamilyCatalog | None = None) -> list[FamilyMatch]:
    """Families named in ``text`` (a repo id, a model name, or card prose with ``scope="prose"``).

    One match per (family, version), best first. Where two hits overlap the stronger one wins (a canonical repo
    id over the name inside it, "CodeLlama" over "Llama"); a family found without a version is dropped when the
    same text also names one of its versions.
    """
    catalog = catalog or family_catalog()
    text = text[: MAX_NAME_TEXT if scope == "name" else MAX_TEXT]
    hits: list[FamilyMatch] = []
    repo_regex = _repo_regex(catalog) if "/" in text else None  # every repo id is org/name (knowledge.repo_ids)
    if repo_regex is not None:
        for found in repo_regex.finditer(text):
            family, version = catalog.repos[found.group(0).lower()]
            hits.append(FamilyMatch(family.id, version.id, found.span(), found.group(0), found.group(0), "high",
                                    "repo", "a canonical Hub repository of the family"))  # fmt: skip
    entries, index = _index(catalog, scope)
    for position, starts in index.starts(text):
        entry = entries[position]
        for found in matches(entry.pattern.regex, text, starts, MAX_HITS_PER_PATTERN):
            if found.end() == found.start():
                continue
            version_id = entry.version.id if entry.version else None
            hits.append(FamilyMatch(entry.family.id, version_id, match_span(found), match_text(found), "",
                                    entry.pattern.confidence, "name", entry.pattern.note))  # fmt: skip
    if not hits:
        return []  # most texts: no family named
    spans = Spans()
    kept = [hit for hit in sorted(hits, key=_rank, reverse=True) if spans.claim(*hit.span)]
    return [hit if hit.token else replace(hit, token=token_around(text, *hit.span)) for hit in _one_per_version(kept)]


def _one_per_version(hits: list[FamilyMatch]) -> list[FamilyMatch]:
    versioned = {h.family for h in hits if h.version is not None}
    best: dict[tuple[str, str | None], FamilyMatch] = {}
    for hit in sorted(hits, key=lambda h: (-CONFIDENCE_RANK[h.confidence], h.span[0])):
        if hit.version is None and hit.family in versioned:
            continue
        best.setdefault((hit.family, hit.version), hit)
    return list(best.values())


def family_for_repo(repo_id: str, catalog: FamilyCatalog | None = None) -> FamilyMatch | None:
    """The family of a Hub repo: a canonical repo id (high), else the best name match in its id (medium/low)."""
    catalog = catalog or family_catalog()
    repo_id = repo_id.strip()[:300]
    known = catalog.repos.get(repo_id.lower())
    if known is not None:
        family, version = known
        return FamilyMatch(family.id, version.id, (0, len(repo_id)), repo_id, repo_id, "high", "repo",
                           "a canonical Hub repository of the family")  # fmt: skip
    matches = match_families(repo_id, "name", catalog)
    return matches[0] if matches else None


def match_config(config: Mapping[str, Any], catalog: FamilyCatalog | None = None) -> list[FamilyMatch]:
    """Families whose architecture hints fit a config.json (``model_type``, ``architectures``): low confidence."""
    catalog = catalog or family_catalog()
    model_type = config.get("model_type")
    architectures = config.get("architectures")
    declared = {a for a in architectures if isinstance(a, str)} if isinstance(architectures, list) else set()
    out = []
    for family in catalog:
        for hint in family.hints:
            by_type = isinstance(model_type, str) and hint.model_type == model_type
            by_arch = bool(declared & set(hint.architectures))
            if by_type or by_arch:
                matched = model_type if by_type else sorted(declared & set(hint.architectures))[0]
                out.append(FamilyMatch(family.id, None, (0, 0), str(matched), str(matched), "low", "architecture",
                                       hint.note))  # fmt: skip
                break
    return out


def license_for(match: FamilyMatch, catalog: FamilyCatalog | None = None) -> tuple[FamilyLicense, ...]:
    """The licenses that govern the matched version, newest first, each with its period and source.

    Entries whose ``when`` regex fits the matched name (e.g. Qwen2.5-72B) replace the version's default entries.
    Empty when the match names no version (the family alone does not say which license applies).
    """
    catalog = catalog or family_catalog()
    family = catalog.records.get(match.family)
    version = family.version(match.version) if family else None
    if version is None:
        return ()
    specific = tuple(lic for lic in version.licenses if lic.when is not None and lic.when.search(match.token))
    chosen = specific or tuple(lic for lic in version.licenses if lic.when is None)
    return tuple(sorted(chosen, key=lambda lic: (lic.until is None, lic.since or ""), reverse=True))

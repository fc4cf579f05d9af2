"""Resolving parents into a lineage tree through a source: depth-bounded, cycle-safe, each repo read once."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from auditor.errors import AuditorError, HubUnavailableError, OfflineMissingError, TargetNotFoundError
from auditor.facts import ModelFacts
from auditor.families import FamilyMatch, family_catalog
from auditor.findings import Evidence
from auditor.licenses.resolve import LicenseProfile, resolve_license
from auditor.lineage.family_terms import family_terms
from auditor.lineage.parents import Confidence, ParentKind, Signal, find_parents
from auditor.once import OncePerKey

NodeStatus = Literal[
    "resolved", "gated", "missing", "unreachable", "offline", "cycle", "depth-limit", "not-a-hub-id", "not-resolved",
    "family",
]  # fmt: skip
Basis = Literal["card", "hub card data", "family record"]
MAX_DEPTH = 6
Fetch = Callable[[str], ModelFacts]


@dataclass
class LineageNode:
    """A model in the lineage: how it relates to its child, its license, and its own parents."""

    id: str
    relation: str | None
    status: NodeStatus
    evidence: list[Evidence] = field(default_factory=list)
    license: LicenseProfile | None = None
    parents: list[LineageNode] = field(default_factory=list)
    note: str | None = None
    kind: ParentKind = "model"
    confidence: Confidence = "high"
    signal: Signal = "base_model"
    family: FamilyMatch | None = None
    basis: Basis | None = None  # where the license comes from: the parent's own card, or the family record

    @property
    def family_terms_used(self) -> bool:
        return self.basis == "family record"

    @property
    def display_name(self) -> str:
        """What to call the ancestor in messages: its Hub id, or for a family-only parent the family's name
        ("Llama 2 (family)") rather than the internal ``family:…`` id."""
        if self.kind != "family" or self.family is None:
            return self.id
        from auditor.families import family_catalog

        found = family_catalog().get(self.family.family)
        if found is None:
            return self.id
        record, _ = found
        version = record.version(self.family.version)
        return f"{version.name if version is not None else record.name} (family)"

    def walk(self, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], LineageNode]]:
        """Every ancestor with the path that leads to it (child first)."""
        here = (*path, self.id)
        found = [(here, self)]
        for parent in self.parents:
            found += parent.walk(here)
        return found

    def to_dict(self) -> dict[str, Any]:
        profile = self.license
        return {
            "id": self.id,
            "relation": self.relation,
            "status": self.status,
            "note": self.note,
            "declared_license": list(profile.declared) if profile else [],
            "license": profile.expression if profile else None,
            "category": profile.category if profile and profile.known else None,
            "obligations": list(profile.terms.conditions) if profile and profile.known else [],
            "kind": self.kind,
            "confidence": self.confidence,
            "signal": self.signal,
            "family": _family_dict(self.family),
            "basis": self.basis,
            "evidence": [e.to_dict() for e in self.evidence],
            "parents": [p.to_dict() for p in self.parents],
        }


def _family_dict(match: FamilyMatch | None) -> dict[str, Any] | None:
    if match is None:
        return None
    record = family_catalog().records.get(match.family)
    version = record.version(match.version) if record else None
    name = version.name if version else (record.name if record else match.family)
    return {"family": match.family, "version": match.version, "name": name, "confidence": match.confidence}


class FactsCache:
    """Fetches each repository at most once per run (thread-safe), remembering failures too."""

    def __init__(self, fetch: Fetch) -> None:
        self._fetch = fetch
        self._values: OncePerKey[ModelFacts | AuditorError] = OncePerKey()

    def get(self, model_id: str) -> ModelFacts | AuditorError:
        return self._values.get(model_id.lower(), lambda: self._attempt(model_id))

    def _attempt(self, model_id: str) -> ModelFacts | AuditorError:
        try:
            return self._fetch(model_id)
        except AuditorError as error:
            return error


def unresolved_parents(tree: list[LineageNode] | None) -> list[str]:
    """Ids of every ancestor model that could not be audited (not resolved from its own card or the Hub's card
    data); family parents are not models and are never looked up."""
    return [n.id for node in tree or () for _, n in node.walk() if n.status not in ("resolved", "gated", "family")]


def _use_family_terms(node: LineageNode) -> None:
    """The family record's license for a parent whose own terms could not be read, saying so on the node."""
    terms = family_terms(node.family)
    if terms is None:
        if node.kind == "family":
            node.note = "the family is named without a version: the record gives no license"
        return
    node.license, node.basis = terms.profile, "family record"
    node.note = f"{node.note}; {terms.note}" if node.note else terms.note


def folder_fetch(models_dir: Path) -> Fetch:
    """Parents from a folder of local snapshots: MODELS_DIR/org/name or MODELS_DIR/org__name."""
    from auditor.sources.local import read_folder

    def fetch(model_id: str) -> ModelFacts:
        for candidate in (models_dir / model_id, models_dir / model_id.replace("/", "__")):
            if candidate.is_dir():
                # a parent's terms are what lineage needs: its weights are inspected, never hashed (seconds per GB)
                return replace(read_folder(candidate, model_id, hash_budget=0), model_id=model_id)
        raise OfflineMissingError(f"{model_id}: not in {models_dir}")

    return fetch


def resolve_lineage(facts: ModelFacts, cache: FactsCache | None, *, max_depth: int = MAX_DEPTH) -> list[LineageNode]:
    """The model's parents, resolved recursively (None cache: listed, not resolved)."""
    return _parents(facts, cache, max_depth, (facts.model_id.lower(),))


def _parents(facts: ModelFacts, cache: FactsCache | None, depth: int, path: tuple[str, ...]) -> list[LineageNode]:
    nodes = []
    for parent in find_parents(facts):
        node = LineageNode(parent.id, parent.relation, "not-resolved", list(parent.evidence), kind=parent.kind,
                           confidence=parent.confidence, signal=parent.signal, family=parent.family)  # fmt: skip
        nodes.append(node)
        if parent.kind == "family":
            node.status = "family"
            _use_family_terms(node)
            continue
        if not parent.hub_id:
            node.status, node.note = "not-a-hub-id", "a local path or a name, not a Hub id: cannot be looked up"
            _use_family_terms(node)
            continue
        if parent.id.lower() in path:
            node.status, node.note = "cycle", f"{parent.id} is already an ancestor on this path"
            continue
        if cache is None:
            node.note = "not looked up: parents are read through the Hub (or --models-dir); this source has neither"
            _use_family_terms(node)
            continue
        if depth <= 0:
            node.status, node.note = "depth-limit", f"lineage deeper than {MAX_DEPTH} levels was not followed"
            _use_family_terms(node)
            continue
        result = cache.get(parent.id)
        if isinstance(result, AuditorError):
            node.status = {
                TargetNotFoundError: "missing",
                HubUnavailableError: "unreachable",
                OfflineMissingError: "offline",
            }.get(type(result), "unreachable")  # type: ignore[assignment]
            node.note = str(result)
            _use_family_terms(node)
            continue
        node.license = resolve_license(result)
        gated = any(n.kind == "gated" for n in result.access)
        node.status = "gated" if gated and result.card is None else "resolved"
        node.basis = "hub card data" if node.status == "gated" else "card"
        if gated:
            node.note = "gated: access not granted; read from the Hub's card data"
        if not node.license.known:
            _use_family_terms(node)
        node.parents = _parents(result, cache, depth - 1, (*path, parent.id.lower()))
    return nodes

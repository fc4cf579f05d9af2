"""Checkers about lineage: what a model inherits from its ancestors and its training data, and where the declared
license contradicts it.

A declared license *conflicts* with an ancestor's when it grants more than the ancestor allows: commercial use the
ancestor forbids or conditions, relicensing of share-alike or no-derivatives material, or dropping the use
restrictions an ancestor requires derivatives to carry. A declared license that restricts more (a research license
on top of Llama 2) *stacks*: both apply, which LINEAGE-INHERITED-OBLIGATIONS reports.
"""

from __future__ import annotations

from collections.abc import Iterator

from auditor.checks import checker
from auditor.context import AuditContext
from auditor.findings import Evidence, Hit
from auditor.licenses.catalog import LicenseRecord, LicenseTerms
from auditor.lineage.effective import TermSource
from auditor.lineage.parents import says_derivative
from auditor.lineage.tree import LineageNode

_COMMERCIAL_RANK = {"allowed": 0, "conditional": 1, "unknown": 1, "forbidden": 3}
# Terms an ancestor requires every derivative to carry: a license without them cannot replace the ancestor's.
_PASS_DOWN = ("use-restrictions", "acceptable-use-policy", "research-only", "output-use-limit")
_RELICENSING_FORBIDDEN = {"share-alike", "forbidden"}
_INHERITED = (
    "name-prefix", "display-built-with", "acceptable-use-policy", "use-restrictions", "user-cap",
    "output-use-limit", "research-only", "attribution", "notice", "share-alike",
)  # fmt: skip
# Parents the audit tried to read and could not (a bare card's parents are not looked up at all: no source can).
_UNRESOLVED = {"missing", "unreachable", "offline", "cycle", "depth-limit", "not-a-hub-id"}
_SIGNALS = {"name": "the model's name", "tags": "the card's tags", "title": "the card's title",
            "prose": "the card's text", "gguf": "the GGUF metadata", "config": "config.json"}  # fmt: skip


def _ancestors(ctx: AuditContext) -> list[tuple[tuple[str, ...], LineageNode]]:
    found = []
    for node in ctx.lineage or ():
        found += node.walk((ctx.facts.model_id,))
    return found


def _chain(path: tuple[str, ...]) -> str:
    return " → ".join(path)


def grants_more(own: LicenseTerms, ancestor: LicenseTerms) -> list[str]:
    """The clauses of ``ancestor`` that a derivative under ``own`` terms would escape (empty: no conflict)."""
    clauses = []
    if _COMMERCIAL_RANK[own.commercial_use] < _COMMERCIAL_RANK[ancestor.commercial_use]:
        clauses.append(f"commercial use {ancestor.commercial_use} (declared: {own.commercial_use})")
    if ancestor.derivatives in _RELICENSING_FORBIDDEN and own.derivatives != ancestor.derivatives:
        clauses.append(f"derivatives {ancestor.derivatives}")
    dropped = [c for c in _PASS_DOWN if c in ancestor.conditions and c not in own.conditions]
    if dropped and own.commercial_use != "forbidden":
        clauses.append(f"{', '.join(dropped)} must pass to derivatives")
    return clauses


def _how_sure(node: LineageNode) -> str:
    """How the parent was found, when it is not declared (a family read from the name is a guess to check)."""
    if node.confidence == "high":
        return ""
    where = _SIGNALS.get(node.signal, node.signal)
    basis = "; terms from the family record" if node.family_terms_used else ""
    return f" [found in {where}, {node.confidence} confidence{basis}]"


def _sources_of(record: LicenseRecord, fact: str) -> list[Evidence]:
    source = record.sources.get(fact)
    return [Evidence(url=source["url"], excerpt=source.get("quote"))] if source and source.get("url") else []


def _ancestor_records(ctx: AuditContext) -> list[tuple[tuple[str, ...], LineageNode, LicenseRecord]]:
    found = []
    for path, node in _ancestors(ctx):
        if node.license is not None and node.license.known:
            found += [(path, node, r) for r in node.license.records if not r.is_placeholder]
    return found


@checker("LINEAGE-LICENSE-CONFLICT")
def lineage_license_conflict(ctx: AuditContext) -> Iterator[Hit]:
    own = ctx.license
    if not own.known:
        return
    own_ids = {r.id for r in own.records}
    for path, node, record in _ancestor_records(ctx):
        if record.id in own_ids:
            continue
        clauses = grants_more(own.terms, record.terms)
        if clauses:
            yield Hit(
                f"{own.expression} declared, but {_chain(path)} is under {record.name} [{record.spdx}]"
                f"{_how_sure(node)} ({'; '.join(clauses)}): its terms still apply",
                (*own.evidence[:1], *node.evidence[:1], *_sources_of(record, "commercial_use")[:1]),
            )


@checker("LINEAGE-NON-COMMERCIAL")
def lineage_non_commercial(ctx: AuditContext) -> Iterator[Hit]:
    """An ancestor forbids commercial use and the model's own license does not say so (none, or unknown)."""
    if ctx.license.known:
        return  # a known license that allows more is LINEAGE-LICENSE-CONFLICT; one that forbids it, LIC-NON-COMMERCIAL
    for path, node, record in _ancestor_records(ctx):
        if record.terms.commercial_use == "forbidden":
            yield Hit(f"commercial use is forbidden: {_chain(path)} is under {record.name}{_how_sure(node)}",
                      (*node.evidence[:1], *_sources_of(record, "commercial_use")[:1]))  # fmt: skip


@checker("LINEAGE-INHERITED-OBLIGATIONS")
def lineage_inherited(ctx: AuditContext) -> Iterator[Hit]:
    own = set(ctx.license.terms.conditions) if ctx.license.known else set()
    for path, node in _ancestors(ctx):
        parent = node.license
        if parent is None or not parent.known:
            continue
        inherited = [c for c in parent.terms.conditions if c in _INHERITED and c not in own]
        if parent.terms.user_cap and "user-cap" not in inherited and "user-cap" not in own:
            inherited.append("user-cap")
        stacks = ctx.license.known and not any(grants_more(ctx.license.terms, r.terms) for r in parent.records)
        both = f"; {ctx.license.expression} and {parent.expression} both apply" if stacks and inherited else ""
        if inherited:
            yield Hit(f"from {_chain(path)} ({parent.expression}): {', '.join(inherited)}{both}",
                      tuple(node.evidence[:1]))  # fmt: skip


def _data_sources(ctx: AuditContext) -> list[TermSource]:
    return [s for s in ctx.effective.sources if s.origin == "dataset"]


@checker("LINEAGE-DATA-NON-COMMERCIAL")
def lineage_data_non_commercial(ctx: AuditContext) -> Iterator[Hit]:
    """Training data whose terms forbid commercial use of what is trained on it (they bind the weights)."""
    if ctx.license.terms.commercial_use == "forbidden":
        return  # the model's own license already forbids it: LIC-NON-COMMERCIAL
    for source in _data_sources(ctx):
        if source.record.terms.commercial_use == "forbidden":
            yield Hit(f"training data {source.name} is under {source.record.name}: models trained on it may not be "
                      "used commercially", (Evidence(excerpt=_chain(source.via)),
                                            *_sources_of(source.record, "commercial_use")[:1]))  # fmt: skip


@checker("LINEAGE-DATA-TERMS")
def lineage_data_terms(ctx: AuditContext) -> Iterator[Hit]:
    """Training data under share-alike terms, output-use limits or contested rights: a risk to state."""
    from auditor.licenses.catalog import license_catalog
    from auditor.lineage.data import RISK_TERMS

    if ctx.effective.terms.commercial_use == "forbidden":
        return  # the weights may not be used commercially anyway (LIC-NON-COMMERCIAL, LINEAGE-*-NON-COMMERCIAL)
    binding = {s.name for s in _data_sources(ctx) if s.record.terms.commercial_use == "forbidden"}
    training = set(ctx.training_dataset_ids)
    for dataset in ctx.facts.datasets:
        if dataset.id in binding or dataset.id not in training:
            continue
        records = [r for r in (license_catalog().get(v) for v in dataset.license) if r is not None]
        limiting = [r for r in records
                    if r.terms.derivatives == "share-alike" or "output-use-limit" in r.terms.conditions]  # fmt: skip
        if limiting:
            terms = ", ".join(f"{r.spdx} ({r.category})" for r in limiting)
            yield Hit(
                f"training data {dataset.id} is under {terms} while the weights claim commercial use "
                f"({ctx.effective.terms.commercial_use})",
                (Evidence(url=f"https://huggingface.co/datasets/{dataset.id}"),),
            )
    for item in ctx.training_data:
        risks = [t for t in RISK_TERMS if t in item.record.terms]
        if item.record.id in binding or not risks:
            continue
        cited = [item.record.sources[f"terms.{t}"] for t in risks if f"terms.{t}" in item.record.sources]
        generated = f", written by {item.record.generated_by}" if item.record.generated_by else ""
        yield Hit(
            f"training data {item.record.name}{generated}: {', '.join(risks)}",
            (item.evidence, *(Evidence(url=c.url, excerpt=c.quote or c.note) for c in cited[:2])),
        )


@checker("LINEAGE-FAMILY-TERMS")
def lineage_family_terms(ctx: AuditContext) -> Iterator[Hit]:
    """Parents whose terms come from the family record, not from their own card (not read, or a family only)."""
    for path, node in _ancestors(ctx):
        if node.family_terms_used and node.status not in _UNRESOLVED:
            yield Hit(f"{_chain(path)}{_how_sure(node)}: {node.note}", tuple(node.evidence[:1]))


@checker("LINEAGE-PARENT-TERMS-UNKNOWN")
def lineage_parent_terms_unknown(ctx: AuditContext) -> Iterator[Hit]:
    """Parents that were read but whose license could not be identified."""
    for path, node in _ancestors(ctx):
        if node.license is not None and not node.license.known and node.status not in _UNRESOLVED:
            declared = ", ".join(node.license.declared) or "none"
            yield Hit(f"{_chain(path)}{_how_sure(node)}: no license identified (declared: {declared}); the terms it "
                      "passes on are unknown", tuple(node.evidence[:1]))  # fmt: skip


@checker("LINEAGE-NOT-LOOKED-UP")
def lineage_not_looked_up(ctx: AuditContext) -> Iterator[Hit]:
    """Parents a source that cannot read other repositories (a bare card) did not look up."""
    for path, node in _ancestors(ctx):
        if node.status == "not-resolved" and not node.family_terms_used:
            yield Hit(f"{_chain(path)}: not looked up (audit a Hub id or pass --models-dir to read it); "
                      "its terms are not known", tuple(node.evidence[:1]))  # fmt: skip


@checker("LINEAGE-UNRESOLVED")
def lineage_unresolved(ctx: AuditContext) -> Iterator[Hit]:
    for path, node in _ancestors(ctx):
        if node.status in _UNRESOLVED:
            yield Hit(
                f"{_chain(path)}: {node.status}" + (f" ({node.note})" if node.note else ""), tuple(node.evidence[:1])
            )


@checker("LINEAGE-MISSING")
def lineage_missing(ctx: AuditContext) -> Iterator[Hit]:
    if ctx.lineage:
        return
    evidence = says_derivative(ctx.facts)
    if evidence is not None:
        yield Hit("the model presents itself as derived from another but declares no base_model", (evidence,))

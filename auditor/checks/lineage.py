"""Checkers about lineage: licenses that contradict a parent's, inherited obligations, data terms, gaps."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.checks import checker
from auditor.context import AuditContext
from auditor.findings import Evidence, Hit
from auditor.lineage.parents import says_derivative
from auditor.lineage.tree import LineageNode

_BINDING = {"share-alike", "restricted", "forbidden"}  # derivatives terms that follow the weights
_INHERITED = (
    "name-prefix",
    "display-built-with",
    "acceptable-use-policy",
    "use-restrictions",
    "user-cap",
    "output-use-limit",
    "research-only",
    "attribution",
    "notice",
    "share-alike",
)
_UNRESOLVED = {"missing", "unreachable", "offline", "cycle", "depth-limit", "not-a-hub-id", "not-resolved"}


def _ancestors(ctx: AuditContext) -> list[tuple[tuple[str, ...], LineageNode]]:
    found = []
    for node in ctx.lineage or ():
        found += node.walk((ctx.facts.model_id,))
    return found


def _chain(path: tuple[str, ...]) -> str:
    return " → ".join(path)


@checker("LINEAGE-LICENSE-CONFLICT")
def lineage_license_conflict(ctx: AuditContext) -> Iterator[Hit]:
    child = ctx.license
    if not child.known:
        return
    child_ids = {r.id for r in child.records}
    for path, node in _ancestors(ctx):
        parent = node.license
        if parent is None or not parent.known or parent.terms.derivatives not in _BINDING:
            continue
        if child_ids & {r.id for r in parent.records}:
            continue
        clauses = [f"derivatives {parent.terms.derivatives}"]
        if parent.terms.commercial_use != "allowed":
            clauses.append(f"commercial use {parent.terms.commercial_use}")
        clauses += [c for c in parent.terms.conditions if c in _INHERITED][:4]
        sources = [
            Evidence(url=r.sources["derivatives"]["url"], excerpt=r.sources["derivatives"].get("quote"))
            for r in parent.records
            if "derivatives" in r.sources
        ]
        yield Hit(
            f"{child.expression} declared, but {_chain(path)} is under {parent.expression} "
            f"({'; '.join(clauses)}): its terms still apply",
            (*child.evidence[:1], *node.evidence[:1], *sources[:1]),
        )


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
        if inherited:
            yield Hit(f"from {_chain(path)} ({parent.expression}): {', '.join(inherited)}", tuple(node.evidence[:1]))


@checker("LINEAGE-DATA-TERMS")
def lineage_data_terms(ctx: AuditContext) -> Iterator[Hit]:
    from auditor.licenses.catalog import license_catalog

    if not ctx.license.known or ctx.license.terms.commercial_use == "forbidden":
        return
    for dataset in ctx.facts.datasets:
        records = [license_catalog().get(v) for v in dataset.license]
        limiting = [
            r
            for r in records
            if r is not None and (r.terms.commercial_use == "forbidden" or r.terms.derivatives == "share-alike")
        ]
        if limiting:
            terms = ", ".join(f"{r.spdx} ({r.category})" for r in limiting)
            yield Hit(
                f"training data {dataset.id} is under {terms} while the weights claim commercial use "
                f"({ctx.license.terms.commercial_use})",
                (Evidence(url=f"https://huggingface.co/datasets/{dataset.id}"),),
            )


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

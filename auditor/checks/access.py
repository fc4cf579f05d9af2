"""Checkers about what the source could read: gating, disabled repositories, offline and failed downloads."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.checks import checker
from auditor.context import AuditContext
from auditor.facts import ModelFacts
from auditor.findings import Evidence, Hit


def _notes(facts: ModelFacts, *kinds: str) -> Iterator[Hit]:
    for note in facts.access:
        if note.kind in kinds:
            evidence = (Evidence(file=note.file),) if note.file else (Evidence(url=facts.location),)
            yield Hit(note.message, evidence)


@checker("HUB-ACCESS-DENIED")
def hub_access_denied(ctx: AuditContext) -> Iterator[Hit]:
    facts = ctx.facts
    yield from _notes(facts, "gated")


@checker("HUB-GATED")
def hub_gated(ctx: AuditContext) -> Iterator[Hit]:
    facts = ctx.facts
    gated = facts.hub.gated if facts.hub else None
    if gated and not any(note.kind == "gated" for note in facts.access):
        mode = f" ({gated} approval)" if isinstance(gated, str) else ""
        yield Hit(f"downloads require accepting the repository's terms{mode}", (Evidence(url=facts.location),))


@checker("HUB-DISABLED")
def hub_disabled(ctx: AuditContext) -> Iterator[Hit]:
    facts = ctx.facts
    if facts.hub is not None and facts.hub.disabled:
        yield Hit("the Hub has disabled this repository", (Evidence(url=facts.location),))


@checker("SOURCE-INCOMPLETE")
def source_incomplete(ctx: AuditContext) -> Iterator[Hit]:
    facts = ctx.facts
    yield from _notes(facts, "download-failed", "partial", "refused")


@checker("SOURCE-OFFLINE")
def source_offline(ctx: AuditContext) -> Iterator[Hit]:
    facts = ctx.facts
    yield from _notes(facts, "offline")

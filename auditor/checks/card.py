"""Checkers about the model card: presence, metadata block, YAML validity, field shapes, license field."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.checks import checker
from auditor.context import AuditContext
from auditor.facts import CardFacts, CardProblem, ModelFacts
from auditor.findings import Evidence, Hit


def _problem_hits(card: CardFacts, kinds: set[str]) -> Iterator[Hit]:
    for problem in card.problems:
        if problem.kind in kinds:
            yield Hit(problem.message, (_evidence(card, problem),))


def _evidence(card: CardFacts, problem: CardProblem) -> Evidence:
    return Evidence(field=problem.field, file=card.file, line=problem.line)


def _card_unreadable(facts: ModelFacts) -> bool:
    """True when a card exists but could not be read (gated, failed download): not the same as missing."""
    return any(note.file is not None and note.file.lower().startswith("readme") for note in facts.access)


def weights_file_only(facts: ModelFacts) -> bool:
    """True when the target was one weights file (a .gguf, .safetensors …): no card or repository to read."""
    return facts.source == "local" and facts.files is None and facts.card is None and bool(facts.weights)


@checker("CARD-MISSING")
def card_missing(ctx: AuditContext) -> Iterator[Hit]:
    facts = ctx.facts
    if weights_file_only(facts):
        names = ", ".join(w.path for w in facts.weights or ())
        yield Hit(f"only a weights file was given ({names}): there is no model card to read",
                  (Evidence(url=facts.location),))  # fmt: skip
    elif facts.card is None and not _card_unreadable(facts):
        yield Hit("the repository has no README.md model card", (Evidence(file="README.md"),))


@checker("CARD-NO-METADATA")
def card_no_metadata(ctx: AuditContext) -> Iterator[Hit]:
    facts = ctx.facts
    if facts.card is not None:
        yield from _problem_hits(
            facts.card, {"missing-front-matter", "unclosed-front-matter", "empty-metadata", "not-a-mapping"}
        )


@checker("CARD-YAML-INVALID")
def card_yaml_invalid(ctx: AuditContext) -> Iterator[Hit]:
    facts = ctx.facts
    if facts.card is not None:
        yield from _problem_hits(facts.card, {"yaml-syntax", "too-large"})


@checker("CARD-DUPLICATE-KEY")
def card_duplicate_key(ctx: AuditContext) -> Iterator[Hit]:
    facts = ctx.facts
    if facts.card is not None:
        yield from _problem_hits(facts.card, {"duplicate-key"})


@checker("CARD-FIELD-TYPE")
def card_field_type(ctx: AuditContext) -> Iterator[Hit]:
    facts = ctx.facts
    if facts.card is not None:
        yield from _problem_hits(facts.card, {"wrong-type", "empty-value"})


@checker("CARD-FORMAT")
def card_format(ctx: AuditContext) -> Iterator[Hit]:
    facts = ctx.facts
    if facts.card is not None:
        yield from _problem_hits(facts.card, {"tabs", "encoding", "truncated", "binary"})

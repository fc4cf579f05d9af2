"""Checkers about the model card: presence, metadata block, YAML validity, field shapes, license field."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.checks import checker
from auditor.facts import CardFacts, CardProblem, ModelFacts
from auditor.findings import Evidence, Hit
from auditor.sources.card import string_list


def _problem_hits(card: CardFacts, kinds: set[str]) -> Iterator[Hit]:
    for problem in card.problems:
        if problem.kind in kinds:
            yield Hit(problem.message, (_evidence(card, problem),))


def _evidence(card: CardFacts, problem: CardProblem) -> Evidence:
    return Evidence(field=problem.field, file=card.file, line=problem.line)


def _card_unreadable(facts: ModelFacts) -> bool:
    """True when a card exists but could not be read (gated, failed download): not the same as missing."""
    return any(note.file is not None and note.file.lower().startswith("readme") for note in facts.access)


@checker("CARD-MISSING")
def card_missing(facts: ModelFacts) -> Iterator[Hit]:
    if facts.card is None and not _card_unreadable(facts):
        yield Hit("the repository has no README.md model card", (Evidence(file="README.md"),))


@checker("CARD-NO-METADATA")
def card_no_metadata(facts: ModelFacts) -> Iterator[Hit]:
    if facts.card is not None:
        yield from _problem_hits(
            facts.card, {"missing-front-matter", "unclosed-front-matter", "empty-metadata", "not-a-mapping"}
        )


@checker("CARD-YAML-INVALID")
def card_yaml_invalid(facts: ModelFacts) -> Iterator[Hit]:
    if facts.card is not None:
        yield from _problem_hits(facts.card, {"yaml-syntax", "too-large"})


@checker("CARD-DUPLICATE-KEY")
def card_duplicate_key(facts: ModelFacts) -> Iterator[Hit]:
    if facts.card is not None:
        yield from _problem_hits(facts.card, {"duplicate-key"})


@checker("CARD-FIELD-TYPE")
def card_field_type(facts: ModelFacts) -> Iterator[Hit]:
    if facts.card is not None:
        yield from _problem_hits(facts.card, {"wrong-type", "empty-value"})


@checker("CARD-FORMAT")
def card_format(facts: ModelFacts) -> Iterator[Hit]:
    if facts.card is not None:
        yield from _problem_hits(facts.card, {"tabs", "encoding", "truncated"})


def _license_documents(facts: ModelFacts) -> list[str]:
    return [doc.path for doc in facts.documents if "licen" in doc.path.lower() or "copying" in doc.path.lower()]


def _declared_license(facts: ModelFacts) -> list[str]:
    return string_list(facts.card.metadata.get("license")) if facts.card is not None else []


@checker("LIC-MISSING")
def license_missing(facts: ModelFacts) -> Iterator[Hit]:
    if _declared_license(facts) or _license_documents(facts):
        return
    if facts.card is None and _card_unreadable(facts):
        return  # nothing could be read; the access finding says why
    unread = [n.file for n in facts.access if n.file and "licen" in n.file.lower()]
    message = "no 'license' in the card metadata and no LICENSE file"
    if unread:
        message += f" could be read ({', '.join(unread)} not accessible)"
    elif facts.files is None:
        message += " (only the card was given, so repository files are unknown)"
    file = facts.card.file if facts.card else "README.md"
    yield Hit(message, (Evidence(field="license", file=file),))


@checker("LIC-FIELD-MISSING")
def license_field_missing(facts: ModelFacts) -> Iterator[Hit]:
    documents = _license_documents(facts)
    if documents and not _declared_license(facts):
        evidence = tuple(Evidence(file=path) for path in documents)
        yield Hit(f"{', '.join(documents)} present but the card declares no 'license'", evidence)

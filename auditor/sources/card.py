"""Model card parsing: front matter (tolerant) plus body, into CardFacts."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from auditor.facts import CardFacts, CardProblem
from auditor.sources.body import parse_body
from auditor.sources.frontmatter import load_front_matter
from auditor.sources.passages import find_passages

# huggingface_hub.repocard.REGEX_YAML_BLOCK, the Hub's own front-matter rule, copied so that reading a local card
# does not import huggingface_hub (0.1–0.2 s of a one-card run); tests/test_card_parsing.py keeps the two identical.
YAML_BLOCK = re.compile(r"^(\s*---(?:\r\n|\r|\n))([\S\s]*?)((?:\r\n|\r|\n)---[ \t]*(\r\n|\n|$))")

_EMPTY_BLOCK = re.compile(r"^\s*---[ \t]*\n---[ \t]*(?:\n|$)")
# A card is "binary" when the start of it holds a NUL or is mostly control or undecodable characters.
_BINARY_SAMPLE = 8192
_BINARY_SHARE = 0.3
_NOT_TEXT = re.compile(r"[\x00-\x08\x0e-\x1f\x7f\ufffd]")

# Expected shapes of the fields the Hub documents (modelcard.md); anything else is kept but not checked.
_STRING = "a string"
_STRING_OR_LIST = "a string or a list of strings"
_LIST = "a list"
FIELD_SHAPES: Mapping[str, str] = {
    "license": _STRING_OR_LIST,
    "license_name": _STRING,
    "license_link": _STRING,
    "base_model": _STRING_OR_LIST,
    "base_model_relation": _STRING,
    "datasets": _STRING_OR_LIST,
    "language": _STRING_OR_LIST,
    "tags": _STRING_OR_LIST,
    "metrics": _STRING_OR_LIST,
    "pipeline_tag": _STRING,
    "library_name": _STRING,
    "model-index": _LIST,
    "new_version": _STRING,
}


def decode_card(data: bytes) -> tuple[str, list[CardProblem]]:
    """Bytes of a card to text: BOM dropped, undecodable bytes replaced (and said)."""
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        problem = CardProblem("encoding", f"card is not valid UTF-8 (first bad byte on line {line})", line)
        return data.decode("utf-8-sig", errors="replace"), [problem]


def parse_card(content: str | bytes, file: str = "README.md") -> CardFacts:
    """Parse a model card. Never raises on bad content: problems are recorded with their line.

    A file that is not text ("binary": a NUL, or over 30% control or undecodable characters in its first 8 KiB) or
    holds nothing but whitespace ("empty") is not read further: its problems are that kind and
    "missing-front-matter", so that a source can refuse it and the card rules still see no metadata.
    """
    problems: list[CardProblem] = []
    if isinstance(content, bytes):
        text, problems = decode_card(content)
    else:
        text = content
    text = text.lstrip("\ufeff")
    if _looks_binary(text):
        message = "file is not text (NUL bytes, or mostly control or undecodable characters); not read as a card"
        return _unread(file, text, [CardProblem("binary", message, 1)])
    if not text.strip():
        return _unread(file, text, [CardProblem("empty", "card is empty", 1)])
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")

    match = YAML_BLOCK.search(text)
    metadata: dict[str, Any] = {}
    field_lines: dict[str, int] = {}
    if match:
        first_line = match.group(1).count("\n") + 1  # card line of the first YAML line
        loaded = load_front_matter(match.group(2), first_line)
        metadata, field_lines = loaded.data, loaded.field_lines
        problems.extend(loaded.problems)
        body_offset = text.count("\n", 0, match.end())
        body = text[match.end() :]
        if not metadata and not loaded.problems:
            problems.append(CardProblem("empty-metadata", "front matter is present but declares nothing", 1))
    else:
        body_offset, body = 0, text
        if _EMPTY_BLOCK.match(text):
            problems.append(CardProblem("empty-metadata", "front matter is present but declares nothing", 1))
        elif text.lstrip().startswith("---"):
            problems.append(CardProblem("unclosed-front-matter", "front matter opened with '---' is never closed", 1))
        else:
            problems.append(CardProblem("missing-front-matter", "card has no YAML metadata block", 1))

    problems.extend(check_field_shapes(metadata, field_lines))
    body_facts = parse_body(body, body_offset)
    problems.extend(body_facts.problems)
    return CardFacts(
        file=file,
        metadata=metadata,
        field_lines=field_lines,
        has_front_matter=match is not None,
        body_line_offset=body_offset,
        body_chars=len(body),
        sections=tuple(body_facts.sections),
        links=tuple(body_facts.links),
        license_statements=tuple(body_facts.statements),
        problems=tuple(problems),
        revisions=tuple(body_facts.revisions),
        claims=tuple(body_facts.claims),
        derivations=tuple(body_facts.derivations),
        usage_line=body_facts.usage_line,
        passages=tuple(find_passages(body, body_offset)),
    )


def _looks_binary(text: str) -> bool:
    sample = text[:_BINARY_SAMPLE]
    if "\x00" in sample:
        return True
    return len(_NOT_TEXT.findall(sample)) > len(sample) * _BINARY_SHARE


def _unread(file: str, text: str, problems: list[CardProblem]) -> CardFacts:
    """Facts of a file that is not a card: only why (plus no front matter, as for any card without one)."""
    problems.append(CardProblem("missing-front-matter", "card has no YAML metadata block", 1))
    return CardFacts(
        file=file,
        metadata={},
        field_lines={},
        has_front_matter=False,
        body_line_offset=0,
        body_chars=len(text),
        sections=(),
        links=(),
        license_statements=(),
        problems=tuple(problems),
    )


def check_field_shapes(metadata: Mapping[str, Any], field_lines: Mapping[str, int]) -> list[CardProblem]:
    """Say which documented fields have the wrong type or are empty."""
    problems = []
    for key, shape in FIELD_SHAPES.items():
        if key not in metadata:
            continue
        value = metadata[key]
        line = field_lines.get(key)
        if value is None or value == "" or value == []:
            problems.append(CardProblem("empty-value", f"'{key}' is present but empty", line, key))
        elif not _has_shape(value, shape):
            problems.append(
                CardProblem(
                    "wrong-type",
                    f"'{key}' should be {shape}, found {_describe(value)}; read as {_preview(string_list(value))}",
                    line,
                    key,
                )
            )
    return problems


def _has_shape(value: Any, shape: str) -> bool:
    if shape == _STRING:
        return isinstance(value, str)
    if shape == _LIST:
        return isinstance(value, list)
    if isinstance(value, str):
        return True
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _preview(items: list[str]) -> str:
    text = repr(items)
    return text if len(text) <= 120 else text[:117] + "...]"


def _describe(value: Any) -> str:
    if isinstance(value, bool):
        return f"a boolean ({value})"
    if isinstance(value, (int, float)):
        return f"a number ({value})"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        if all(item is None or item == "" for item in value):
            return "a list of empty items"
        return "a list with non-string items"
    return type(value).__name__


def string_list(value: Any) -> list[str]:
    """A card field read leniently as a list of strings (scalars become one item; nested values dropped)."""
    if value is None:
        return []
    if isinstance(value, list):
        return [str(v).strip() for v in value if isinstance(v, (str, int, float)) and str(v).strip()]
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        text = str(value).strip()
        return [text] if text else []
    return []


def string_value(value: Any) -> str | None:
    """A card field read leniently as one string (first item of a list)."""
    items = string_list(value)
    return items[0] if items else None

"""Tolerant, bounded YAML front-matter loading: YAML 1.2 scalars as the Hub reads them, lines, duplicate keys.

Parsing is ``auditor.yamlio.parse_yaml`` (libyaml events built into plain, JSON-safe values; see its docstring for
the scalar rules and the bounds on depth, nodes, alias expansion and scalar length). Here:

- a block over ``MAX_FRONT_MATTER_BYTES`` (1 MiB; the largest real card's is about 250 KiB) is not parsed at all:
  a "too-large" problem, metadata ignored (the body is still read by the caller);
- a block over ``MAX_METADATA_NODES`` (200,000) nodes after alias expansion, nested deeper than ``MAX_DEPTH``
  (64), with a recursive alias or a scalar over 256 KiB is "too-large" and its metadata ignored;
- tab indentation (invalid YAML, common in cards) is read as spaces and reported ("tabs");
- invalid YAML is "yaml-syntax" at the line libyaml names; values that cannot be built (unsupported tags such as
  ``!!python/object``, a collection used as a key) are "yaml-syntax" too, metadata ignored;
- duplicate keys at any depth are "duplicate-key" (the last value is used), with the top-level key named.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from auditor.facts import CardProblem
from auditor.yamlio import MAX_DEPTH, Limits, Parsed, YamlProblem, parse_yaml

MAX_FRONT_MATTER_BYTES = 1024 * 1024
MAX_METADATA_NODES = 200_000
_LIMITS = Limits(max_depth=MAX_DEPTH, max_nodes=MAX_METADATA_NODES)


@dataclass
class LoadedMetadata:
    """Front-matter data made JSON-safe, the line of each top-level key, and what was wrong."""

    data: dict[str, Any] = field(default_factory=dict)
    field_lines: dict[str, int] = field(default_factory=dict)
    problems: list[CardProblem] = field(default_factory=list)


def load_front_matter(block: str, first_line: int) -> LoadedMetadata:
    """Parse a front-matter block whose first line is card line ``first_line`` (1-based)."""
    result = LoadedMetadata()
    size = len(block)
    if size > MAX_FRONT_MATTER_BYTES or (size > MAX_FRONT_MATTER_BYTES // 4 and _utf8_size(block) > size):
        size = _utf8_size(block)
    if size > MAX_FRONT_MATTER_BYTES:
        limit = MAX_FRONT_MATTER_BYTES // 1024
        result.problems.append(
            CardProblem("too-large", f"front matter is {size:,} bytes, more than {limit:,} KiB; ignored", first_line)
        )
        return result
    try:
        parsed = _parse(block)
    except YamlProblem as problem:
        repaired = _retry_without_tabs(block, problem, first_line, result)
        if repaired is None:
            return result
        parsed = repaired
    if not parsed.present:
        return result  # empty front matter: nothing declared
    if not isinstance(parsed.value, dict):
        kind = "list" if isinstance(parsed.value, list) else "scalar"
        result.problems.append(
            CardProblem("not-a-mapping", f"metadata is a YAML {kind}, not a mapping of fields", first_line)
        )
        return result
    for mapping, key, line in parsed.duplicates:
        result.problems.append(
            CardProblem(
                "duplicate-key",
                f"key '{key}' appears more than once; the last value is used",
                line + first_line,
                key if mapping == () else None,
            )
        )
    result.field_lines = {str(path[0]): line + first_line for path, line in parsed.lines.items() if len(path) == 1}
    result.data = parsed.value
    return result


def _utf8_size(text: str) -> int:
    return len(text.encode("utf-8", "surrogatepass"))


def _parse(block: str) -> Parsed:
    return parse_yaml(block, _LIMITS, line_depth=1)


def _retry_without_tabs(block: str, problem: YamlProblem, first_line: int, result: LoadedMetadata) -> Parsed | None:
    """YAML forbids tab indentation; cards use it anyway. Expand tabs, retry, and say so."""
    line = first_line + (problem.line or 0)
    if problem.kind == "syntax" and "\t" in block:
        tab_line = next(i for i, text in enumerate(block.split("\n")) if "\t" in text) + first_line
        try:
            parsed = _parse(block.expandtabs(2))
        except YamlProblem:
            pass
        else:
            message = f"metadata uses tab characters (line {tab_line}); read with tabs as spaces"
            result.problems.append(CardProblem("tabs", message, tab_line))
            return parsed
    if problem.kind == "limit":
        result.problems.append(CardProblem("too-large", f"metadata {problem.message}; ignored", line))
    elif problem.kind == "content":
        result.problems.append(CardProblem("yaml-syntax", f"metadata cannot be read: {problem.message}", line))
    else:
        result.problems.append(CardProblem("yaml-syntax", f"metadata is not valid YAML: {problem.message}", line))
    return None

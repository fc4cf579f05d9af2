"""Tolerant YAML front-matter loading: safe loader (libyaml when present), line numbers, duplicate keys."""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from auditor.facts import CardProblem

try:  # libyaml's parser is several times faster; fall back to the pure-Python one.
    from yaml import CSafeLoader as _SafeLoader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _SafeLoader  # type: ignore[assignment]

_BOOL = "tag:yaml.org,2002:bool"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"


class HubYamlLoader(_SafeLoader):
    """Safe loader that resolves scalars like YAML 1.2's core schema, as the Hub does.

    PyYAML follows YAML 1.1, where ``no``, ``on`` and ``yes`` are booleans (``language: [en, no]`` would lose
    Norwegian) and ``1:20`` is a base-60 integer. Here only true/false are booleans and numbers are decimal or hex.
    """


HubYamlLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag not in (_BOOL, _INT, _FLOAT)]
    for first, resolvers in _SafeLoader.yaml_implicit_resolvers.items()
}
HubYamlLoader.add_implicit_resolver(_BOOL, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))
HubYamlLoader.add_implicit_resolver(_INT, re.compile(r"^(?:[-+]?[0-9]+|0x[0-9a-fA-F]+)$"), list("-+0123456789"))
HubYamlLoader.add_implicit_resolver(
    _FLOAT,
    re.compile(
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
    ),
    list("-+.0123456789"),
)


def _construct_int(loader: HubYamlLoader, node: yaml.ScalarNode) -> int:
    text = str(loader.construct_scalar(node))
    return int(text, 16) if text.lower().startswith("0x") else int(text, 10)


HubYamlLoader.add_constructor(_INT, _construct_int)

# Upper bound on the nodes produced when metadata is made JSON-safe: stops alias bombs and recursive aliases.
MAX_METADATA_NODES = 200_000


@dataclass
class LoadedMetadata:
    """Front-matter data made JSON-safe, the line of each top-level key, and what was wrong."""

    data: dict[str, Any] = field(default_factory=dict)
    field_lines: dict[str, int] = field(default_factory=dict)
    problems: list[CardProblem] = field(default_factory=list)


class _TooLarge(Exception):
    pass


def load_front_matter(block: str, first_line: int) -> LoadedMetadata:
    """Parse a front-matter block whose first line is card line ``first_line`` (1-based)."""
    result = LoadedMetadata()
    try:
        node = _compose(block)
    except yaml.YAMLError as error:
        repaired = _retry_without_tabs(block, error, first_line, result)
        if repaired is None:
            return result
        node = repaired
    if node is None:
        return result  # empty front matter: nothing declared
    if not isinstance(node, yaml.MappingNode):
        result.problems.append(
            CardProblem("not-a-mapping", f"metadata is a YAML {_node_kind(node)}, not a mapping of fields", first_line)
        )
        return result
    _find_duplicate_keys(node, first_line, result)
    for key_node, _ in node.value:
        if isinstance(key_node, yaml.ScalarNode):
            result.field_lines.setdefault(str(key_node.value), key_node.start_mark.line + first_line)
    try:
        loader = HubYamlLoader("")
        constructed = loader.construct_document(node)
        loader.dispose()
        budget = [MAX_METADATA_NODES]
        plain = _to_plain(constructed, budget, set())
    except _TooLarge:
        result.problems.append(
            CardProblem("too-large", "metadata expands to too many values (alias bomb?); ignored", first_line)
        )
        return result
    except (yaml.YAMLError, ValueError, TypeError, RecursionError) as error:
        result.problems.append(CardProblem("yaml-syntax", f"metadata cannot be read: {error}", first_line))
        return result
    result.data = plain if isinstance(plain, dict) else {}
    return result


def _node_kind(node: yaml.Node) -> str:
    return "list" if isinstance(node, yaml.SequenceNode) else "scalar"


def _compose(text: str) -> yaml.Node | None:
    loader = HubYamlLoader(text)
    try:
        return loader.get_single_node()
    finally:
        loader.dispose()


def _retry_without_tabs(block: str, error: yaml.YAMLError, first_line: int, result: LoadedMetadata) -> yaml.Node | None:
    """YAML forbids tab indentation; cards use it anyway. Expand tabs, retry, and say so."""
    line = _error_line(error, first_line)
    tab_lines = [i + first_line for i, text in enumerate(block.split("\n")) if "\t" in text]
    if tab_lines:
        try:
            node = _compose(block.expandtabs(2))
        except yaml.YAMLError:
            pass
        else:
            result.problems.append(
                CardProblem(
                    "tabs",
                    f"metadata uses tab characters (line {tab_lines[0]}); read with tabs as spaces",
                    tab_lines[0],
                )
            )
            return node
    problem = getattr(error, "problem", None) or str(error).split("\n")[0]
    result.problems.append(CardProblem("yaml-syntax", f"metadata is not valid YAML: {problem}", line))
    return None


def _error_line(error: yaml.YAMLError, first_line: int) -> int:
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    return (mark.line + first_line) if mark is not None else first_line


def _find_duplicate_keys(root: yaml.Node, first_line: int, result: LoadedMetadata) -> None:
    stack: list[yaml.Node] = [root]
    visited: set[int] = set()
    while stack:
        node = stack.pop()
        if id(node) in visited:
            continue
        visited.add(id(node))
        if isinstance(node, yaml.MappingNode):
            seen: set[str] = set()
            for key_node, value_node in node.value:
                if isinstance(key_node, yaml.ScalarNode) and key_node.tag != "tag:yaml.org,2002:merge":
                    key = str(key_node.value)
                    if key in seen:
                        line = key_node.start_mark.line + first_line
                        result.problems.append(
                            CardProblem(
                                "duplicate-key",
                                f"key '{key}' appears more than once; the last value is used",
                                line,
                                key if node is root else None,
                            )
                        )
                    seen.add(key)
                stack.append(value_node)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)


def _to_plain(value: Any, budget: list[int], active: set[int]) -> Any:
    """JSON-safe copy of constructed YAML, bounded in size and safe against recursive aliases."""
    budget[0] -= 1
    if budget[0] < 0:
        raise _TooLarge
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, float):
        return value if value == value and value not in (float("inf"), float("-inf")) else str(value)
    if isinstance(value, (_dt.date, _dt.datetime)):
        return value.isoformat()
    if isinstance(value, (dict, list, set, tuple)):
        if id(value) in active:
            raise _TooLarge
        active.add(id(value))
        try:
            if isinstance(value, dict):
                return {str(k): _to_plain(v, budget, active) for k, v in value.items()}
            return [_to_plain(v, budget, active) for v in value]
        finally:
            active.discard(id(value))
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    return str(value)

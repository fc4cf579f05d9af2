"""Safe YAML for configuration files (policies, manifests): data plus the line of every key, for clear errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from auditor.sources.frontmatter import HubYamlLoader
from auditor.sources.safefs import read_regular_file

KeyPath = tuple[str | int, ...]
MAX_CONFIG_FILE_BYTES = 8 << 20  # policies and manifests are small; a FIFO or device is refused, never read


class YamlFileError(ValueError):
    """A configuration file cannot be read; the message names the file and line."""


def load_with_lines(path: Path) -> tuple[Any, dict[KeyPath, int]]:
    """Parse a YAML file safely; return its data and the 1-based line of each key path (("waivers", 0, "rule"))."""
    try:
        text = read_regular_file(path, MAX_CONFIG_FILE_BYTES).decode("utf-8")
    except OSError as error:
        raise YamlFileError(f"{path}: cannot read ({error.strerror})") from error
    except UnicodeDecodeError as error:
        raise YamlFileError(f"{path}: not UTF-8 text (byte {error.start})") from error
    loader = HubYamlLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise YamlFileError(f"{path}{where}: not valid YAML: {problem}") from error
    finally:
        loader.dispose()
    lines: dict[KeyPath, int] = {}
    if node is not None:
        _walk(node, (), lines)
    return data, lines


def _walk(node: yaml.Node, path: KeyPath, lines: dict[KeyPath, int]) -> None:
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            child = (*path, str(key.value))
            lines[child] = key.start_mark.line + 1
            _walk(value, child, lines)
    elif isinstance(node, yaml.SequenceNode):
        for index, value in enumerate(node.value):
            _walk(value, (*path, index), lines)

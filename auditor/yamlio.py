"""Bounded, fast YAML: libyaml's event stream built into plain Python values, with the line of each key path.

Every untrusted YAML the tool reads (card front matter, policies, manifests, MOT records, merge configs) goes
through ``parse_yaml``. libyaml parses
(iteratively, in C); the values are built here with an explicit stack, so no input can exhaust the C stack, and
every bound is checked as the events arrive, before any further work:

- ``MAX_DEPTH`` (64) nested collections;
- ``MAX_NODES`` (200,000) nodes *after* alias expansion (an alias costs the size of what it names, so a
  billion-laughs document stops after a few thousand events; values are shared, never copied);
- ``MAX_SCALAR_CHARS`` (256 KiB) characters in one scalar, and ``MAX_EXPANDED_CHARS`` (8 MiB) characters in all
  scalars after alias expansion (what a JSON report of the data would hold);
- recursive aliases (an alias to a collection that is still open) are refused;
- integers outside the signed 64-bit range are kept as their source text, so JSON output never fails on them;
- ``MAX_CONFIG_BYTES`` (4 MiB) per configuration file (``load_with_lines``), checked before reading it whole;
  such a file is UTF-8, or UTF-8/16/32 with a byte-order mark, and a key repeated in one mapping is an error.

Scalars follow YAML 1.2's core schema, as the Hub reads cards: only true/false (any case style) are booleans
(``no``, ``on``, ``yes`` stay strings), integers are decimal or ``0x`` hex, floats are the decimal forms plus
``.inf``/``.nan`` (non-finite floats become the strings ``inf``, ``-inf``, ``nan``), null is ``~``/``null``/empty.
Timestamps are kept as PyYAML reads them (date or datetime; ISO text when ``keep_dates`` is false; a date that does
not exist, such as 2023-02-30, stays a string). Keys become strings (``str`` of the scalar). Merge keys (``<<``) are
applied. Explicit tags other than the core ``!!str``, ``!!int``, ``!!float``, ``!!bool``, ``!!null``,
``!!timestamp``, ``!!seq`` and ``!!map`` are refused.
"""

from __future__ import annotations

import codecs
import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.events import (
    AliasEvent,
    DocumentEndEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)
from yaml.reader import ReaderError
from yaml.resolver import Resolver

from auditor.sources.safefs import FileRefused, read_regular_file

try:  # libyaml's parser; the pure-Python one has the same event interface.
    from yaml._yaml import CParser as _Parser
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Parser  # type: ignore[assignment]

KeyPath = tuple[str | int, ...]

MAX_DEPTH = 64
MAX_NODES = 200_000
MAX_SCALAR_CHARS = 256 * 1024
MAX_EXPANDED_CHARS = 8 * 1024 * 1024
MAX_CONFIG_BYTES = 4 * 1024 * 1024
_INT64 = (-(2**63), 2**63 - 1)

_CORE = "tag:yaml.org,2002:"
_STR, _INT, _FLOAT, _BOOL, _NULL = (_CORE + t for t in ("str", "int", "float", "bool", "null"))
_TIMESTAMP, _SEQ, _MAP = (_CORE + t for t in ("timestamp", "seq", "map"))
_WORDS: dict[str, Any] = {
    **dict.fromkeys(("", "~", "null", "Null", "NULL")),
    **dict.fromkeys(("true", "True", "TRUE"), True),
    **dict.fromkeys(("false", "False", "FALSE"), False),
}
_NUMBER_START = frozenset("-+.0123456789")
_INT_TEXT = re.compile(r"[-+]?[0-9]+|0x[0-9a-fA-F]+")
_FLOAT_TEXT = re.compile(
    r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)"
)
_TIMESTAMP_TEXT = next(r for t, r in Resolver.yaml_implicit_resolvers["2"] if t == _TIMESTAMP)
_CONSTRUCTOR = SafeConstructor()
_NO_KEY: Any = object()
_MERGE: Any = object()
_MISSING: Any = object()
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


@dataclass(frozen=True)
class Limits:
    """Bounds on one YAML document (see the module docstring)."""

    max_depth: int = MAX_DEPTH
    max_nodes: int = MAX_NODES
    max_scalar_chars: int = MAX_SCALAR_CHARS
    max_expanded_chars: int = MAX_EXPANDED_CHARS


class YamlProblem(Exception):
    """Why a YAML text cannot be used: ``kind`` is "syntax", "content" (valid YAML, unusable value) or "limit"."""

    def __init__(self, kind: str, message: str, line: int | None, path: KeyPath = ()) -> None:
        super().__init__(message)
        self.kind, self.message, self.line, self.path = kind, message, line, path


class YamlFileError(ValueError):
    """A configuration file cannot be read; the message names the file and line."""


@dataclass
class Parsed:
    """One YAML document: its value, the 0-based line of each tracked key path, and duplicate keys met."""

    present: bool = False  # False when the text holds no document at all (empty, or only comments)
    value: Any = None
    lines: dict[KeyPath, int] = field(default_factory=dict)
    # Each repeated key: the path of its mapping (None where lines are not tracked), the key, its 0-based line.
    duplicates: list[tuple[KeyPath | None, str, int]] = field(default_factory=list)


def parse_yaml(text: str, limits: Limits, *, keep_dates: bool = False, line_depth: int | None = None) -> Parsed:
    """Parse one YAML document within ``limits``; raise YamlProblem. Lines are kept for key paths up to
    ``line_depth`` long (all when None)."""
    try:
        parser = _Parser(text)
    except UnicodeEncodeError as error:
        raise YamlProblem("syntax", "text holds unpaired surrogate characters", None) from error
    try:
        return _Builder(parser, limits, keep_dates, line_depth).document()
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        problem = error.problem or str(error).split("\n")[0]
        raise YamlProblem("syntax", problem, mark.line if mark is not None else None) from error
    except ReaderError as error:
        line = text.encode("utf-8", "replace")[: error.position].count(b"\n")
        code = error.character if isinstance(error.character, int) else ord(error.character[:1] or "\0")
        raise YamlProblem("syntax", f"unacceptable character #x{code:04x}: {error.reason}", line) from error
    finally:
        parser.dispose()


class _Builder:
    def __init__(self, parser: Any, limits: Limits, keep_dates: bool, line_depth: int | None) -> None:
        self.get_event = parser.get_event
        self.limits, self.keep_dates = limits, keep_dates
        self.line_depth = line_depth if line_depth is not None else limits.max_depth + 1
        self.result = Parsed()

    def document(self) -> Parsed:
        get_event = self.get_event
        get_event()  # stream start
        event = get_event()
        if type(event) is StreamEndEvent:
            return self.result
        self.result.present = True
        self.result.value = self.build()
        event = get_event()
        if type(event) is not StreamEndEvent:
            raise YamlProblem("syntax", "expected a single document, found another", event.start_mark.line)
        return self.result

    def build(self) -> Any:
        """The document's value, from its events (one flat loop: this is the hot path)."""
        limits, keep_dates, get_event = self.limits, self.keep_dates, self.get_event
        lines, duplicates = self.result.lines, self.result.duplicates
        max_depth, max_nodes = limits.max_depth, limits.max_nodes
        max_scalar, max_chars, line_depth = limits.max_scalar_chars, limits.max_expanded_chars, self.line_depth
        words_get = _WORDS.get
        anchors: dict[str, tuple[Any, int, int] | None] = {}
        stack: list[tuple[Any, ...]] = []
        # The open collection: container, is it a mapping, pending key, key path (None: lines not tracked),
        # merge sources, anchor, node and character counts when it opened.
        cont: Any = None
        is_map = False
        key: Any = _NO_KEY
        path: KeyPath | None = ()
        merges: list[Any] | None = None
        anchor: str | None = None
        opened_nodes = opened_chars = 0
        root: Any = _MISSING
        nodes = chars = 0
        while True:
            event = get_event()
            cls = type(event)
            if cls is ScalarEvent:
                text = event.value
                nodes += 1
                chars += len(text)
                if len(text) > max_scalar:
                    raise YamlProblem(
                        "limit", f"has a value longer than {max_scalar:,} characters", event.start_mark.line, path or ()
                    )
                tag = event.tag
                if (tag is None or tag == "!") and event.implicit[0]:
                    value = words_get(text, _MISSING)
                    if value is _MISSING:
                        value = _number(text) if text[0] in _NUMBER_START else text
                else:
                    value = text if tag is None or tag == "!" or tag == _STR else _tagged(tag, text, event)
                is_key = is_map and key is _NO_KEY
                if is_key:  # a mapping key: str() of the scalar, as PyYAML + str(key) gave
                    if text == "<<" and tag is None and event.implicit[0]:
                        key = _MERGE
                    else:
                        key = value if type(value) is str else str(value)
                        if key in cont:
                            duplicates.append((path, key, event.start_mark.line))
                        if path is not None:
                            lines.setdefault((*path, key), event.start_mark.line)
                if type(value) is not str and not keep_dates and isinstance(value, dt.date):
                    value = value.isoformat()
                if event.anchor is not None:
                    _register(anchors, event, (value, 1, len(text)))
                if is_key:
                    if nodes > max_nodes or chars > max_chars:
                        raise _too_large(event, path)
                    continue
            elif cls is MappingStartEvent or cls is SequenceStartEvent:
                nodes += 1
                if is_map and key is _NO_KEY:
                    raise YamlProblem(
                        "content", "found unhashable key (a collection as a mapping key)", event.start_mark.line
                    )
                if len(stack) >= max_depth:
                    raise YamlProblem(
                        "limit", f"nests deeper than {max_depth} levels", event.start_mark.line, path or ()
                    )
                tag = event.tag
                mapping = cls is MappingStartEvent
                if tag is not None and tag != "!" and tag != (_MAP if mapping else _SEQ):
                    raise YamlProblem("content", f"unsupported tag '{tag}'", event.start_mark.line)
                child_path = None
                if path is not None and key is not _MERGE:
                    child_path = (*path, key) if is_map else (*path, len(cont)) if cont is not None else ()
                    lines.setdefault(child_path, event.start_mark.line)
                    if len(child_path) >= line_depth:
                        child_path = None
                stack.append((cont, is_map, key, path, merges, anchor, opened_nodes, opened_chars))
                if event.anchor is not None:
                    _register(anchors, event, None)
                cont = {} if mapping else []
                is_map, key, path, merges, anchor = mapping, _NO_KEY, child_path, None, event.anchor
                opened_nodes, opened_chars = nodes, chars
                continue
            elif cls is MappingEndEvent or cls is SequenceEndEvent:
                value = cont if merges is None else _merged(cont, merges, event)
                if anchor is not None:
                    anchors[anchor] = (value, nodes - opened_nodes + 1, chars - opened_chars)
                cont, is_map, key, path, merges, anchor, opened_nodes, opened_chars = stack.pop()
            elif cls is AliasEvent:
                target = anchors.get(event.anchor, _MISSING)
                if target is _MISSING:
                    raise YamlProblem(
                        "syntax", f"found undefined alias '{event.anchor}'", event.start_mark.line, path or ()
                    )
                if target is None:
                    raise YamlProblem(
                        "limit",
                        f"has a recursive alias '*{event.anchor}' (it refers to itself)",
                        event.start_mark.line,
                        path or (),
                    )
                value, size, length = target
                nodes += size
                chars += length
                if is_map and key is _NO_KEY:
                    if isinstance(value, (dict, list)):
                        raise YamlProblem(
                            "content", "found unhashable key (a collection as a mapping key)", event.start_mark.line
                        )
                    key = str(value)
                    if key in cont:
                        duplicates.append((path, key, event.start_mark.line))
                    if path is not None:
                        lines.setdefault((*path, key), event.start_mark.line)
                    if nodes > max_nodes or chars > max_chars:
                        raise _too_large(event, path)
                    continue
            else:
                if cls is DocumentEndEvent:
                    return root
                continue  # pragma: no cover - no other event can occur inside a document
            if nodes > max_nodes or chars > max_chars:
                raise _too_large(event, path)
            if cont is None:
                root = value
                if path is not None and cls is not MappingEndEvent and cls is not SequenceEndEvent:
                    lines.setdefault((), event.start_mark.line)
            elif is_map:
                if key is _MERGE:
                    merges = [*(merges or ()), value]
                else:
                    cont[key] = value
                key = _NO_KEY
            else:
                if path is not None and cls is not MappingEndEvent and cls is not SequenceEndEvent:
                    lines.setdefault((*path, len(cont)), event.start_mark.line)
                cont.append(value)


def _register(anchors: dict[str, tuple[Any, int, int] | None], event: Any, entry: tuple[Any, int, int] | None) -> None:
    if event.anchor in anchors:
        raise YamlProblem("syntax", f"found duplicate anchor '&{event.anchor}'", event.start_mark.line)
    anchors[event.anchor] = entry


def _too_large(event: Any, path: KeyPath | None) -> YamlProblem:
    return YamlProblem("limit", "expands to too many values (alias bomb?)", event.start_mark.line, path or ())


def _number(text: str) -> Any:
    """A plain scalar that starts like a number: int, float, timestamp, or the text itself."""
    if _INT_TEXT.fullmatch(text):
        return _int(text)
    if _FLOAT_TEXT.fullmatch(text):
        return _float(text)
    if len(text) >= 10 and text[4] == "-" and _TIMESTAMP_TEXT.match(text):
        return _timestamp(text, text)  # a date that does not exist (2023-02-30) stays text
    return text


def _timestamp(text: str, invalid: Any) -> Any:
    """A date or datetime, built by PyYAML's constructor; ``invalid`` when the date does not exist."""
    try:
        return _CONSTRUCTOR.construct_yaml_timestamp(yaml.ScalarNode(_TIMESTAMP, text))
    except ValueError:
        return invalid


def _int(text: str) -> int | str:
    """Decimal or 0x hex integer; outside the signed 64-bit range, the source text (JSON-safe, no digit limit)."""
    hexadecimal = text.startswith("0x")
    if len(text) <= 17:
        return int(text, 16) if hexadecimal else int(text, 10)
    digits = text[2:] if hexadecimal else text.lstrip("+-")
    if len(digits.lstrip("0")) > (16 if hexadecimal else 19):
        return text
    value = int(text, 16) if hexadecimal else int(text, 10)
    return value if _INT64[0] <= value <= _INT64[1] else text


def _float(text: str) -> float | str:
    """A float; infinities and NaN as the text Python prints for them ("inf", "-inf", "nan")."""
    value = float(text.replace(".", "", 1)) if text[-1] in "fFnN" else float(text)  # .inf -> inf, .nan -> nan
    return value if value - value == 0 else str(value)


def _tagged(tag: str, text: str, event: Any) -> Any:
    """A scalar with an explicit core tag (``!!int "5"``)."""
    value: Any = _MISSING
    if tag == _INT and _INT_TEXT.fullmatch(text):
        value = _int(text)
    elif tag == _FLOAT and _FLOAT_TEXT.fullmatch(text):
        value = _float(text)
    elif tag == _BOOL:
        value = SafeConstructor.bool_values.get(text.lower(), _MISSING)
    elif tag == _NULL:
        value = None
    elif tag == _TIMESTAMP and SafeConstructor.timestamp_regexp.match(text):
        value = _timestamp(text, _MISSING)
    elif tag not in (_INT, _FLOAT, _TIMESTAMP):
        raise YamlProblem("content", f"unsupported tag '{tag}'", event.start_mark.line)
    if value is _MISSING:
        raise YamlProblem("content", f"'{text[:40]}' is not a valid {tag.removeprefix(_CORE)}", event.start_mark.line)
    return value


def _merged(mapping: dict[str, Any], sources: list[Any], event: Any) -> dict[str, Any]:
    """Apply ``<<`` merge keys as PyYAML does: own keys win, then earlier sources over later ones."""
    pairs: list[dict[str, Any]] = []
    for source in sources:
        group = source if isinstance(source, list) else [source]
        if not all(isinstance(item, dict) for item in group):
            raise YamlProblem("content", "'<<' expects a mapping or a list of mappings", event.start_mark.line)
        pairs.extend(reversed(group))
    merged: dict[str, Any] = {}
    for source in pairs:
        merged.update(source)
    merged.update(mapping)
    return merged


def decode_config(data: bytes, source: str) -> str:
    """Text of a configuration file: UTF-8, or UTF-8/16/32 with a byte-order mark; else a one-line error."""
    codec = next((name for bom, name in _BOMS if data.startswith(bom)), "utf-8")
    try:
        return data.decode(codec)
    except UnicodeDecodeError as error:
        line = data[: error.start].decode(codec, "replace").count("\n") + 1
        bad = data[error.start : error.start + 1].hex()
        raise YamlFileError(
            f"{source}:{line}: not valid {codec.removesuffix('-sig').upper()} text (byte 0x{bad}); save it as UTF-8"
        ) from error


def load_with_lines(path: Path) -> tuple[Any, dict[KeyPath, int]]:
    """Parse a YAML file safely; return its data and the 1-based line of each key path (("waivers", 0, "rule"))."""
    try:
        data = read_regular_file(path, MAX_CONFIG_BYTES)  # a FIFO, device or folder is refused, never read
    except FileRefused as error:
        raise YamlFileError(f"{path}: not read: {error.strerror}") from error
    except OSError as error:
        raise YamlFileError(f"{path}: cannot read ({error.strerror or error})") from error
    return loads_with_lines(decode_config(data, str(path)), str(path))


def loads_with_lines(text: str, source: str) -> tuple[Any, dict[KeyPath, int]]:
    """``load_with_lines`` on text already read; ``source`` names it in errors. Duplicate keys are errors."""
    try:
        parsed = parse_yaml(text.removeprefix("\ufeff"), Limits(), keep_dates=True)
    except YamlProblem as problem:
        where = f":{problem.line + 1}" if problem.line is not None else ""
        shown = format_path(problem.path[:6]) + ("…" if len(problem.path) > 6 else "")
        key = f" {shown}:" if problem.path else ""
        what = {"syntax": "not valid YAML: ", "content": "cannot be read: ", "limit": "refused: the YAML "}
        raise YamlFileError(f"{source}{where}:{key} {what[problem.kind]}{problem.message}") from problem
    if parsed.duplicates:
        mapping, key, line = parsed.duplicates[0]
        raise YamlFileError(f"{source}:{line + 1}: {format_path((*(mapping or ()), key))}: key appears more than once")
    return parsed.value, {key_path: line + 1 for key_path, line in parsed.lines.items()}


def format_path(path: KeyPath) -> str:
    """("waivers", 0, "rule") as waivers[0].rule."""
    return ".".join(str(p) if isinstance(p, str) else f"[{p}]" for p in path).replace(".[", "[")

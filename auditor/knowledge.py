"""Shared parts of the sourced knowledge bases (rules/families, rules/datasets): sources, dates, name patterns.

Every fact of a record names a source (a URL, and a verbatim quote where the source is a license text or an
official page). A malformed record is a ``CatalogError`` that names its file.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from itertools import islice
from pathlib import Path
from typing import Any, Literal, TypeVar

import yaml

from auditor._resources import load_data_yaml
from auditor.licenses.catalog import CatalogError, license_catalog

Confidence = Literal["high", "medium", "low"]
Scope = Literal["name", "prose"]
CONFIDENCE_RANK: dict[str, int] = {"high": 2, "medium": 1, "low": 0}
SCOPES: tuple[Scope, ...] = ("name", "prose")
MAX_TEXT = 2_000_000  # characters of untrusted text searched; the rest is ignored
_DATE = re.compile(r"^\d{4}-\d{2}(-\d{2})?$")
_REPO_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")
_TOKEN_LEFT = re.compile(r"[\w.\-/]*$")
_TOKEN_RIGHT = re.compile(r"[\w.\-/]*")
MAX_HITS_PER_PATTERN = 200  # enough for any real card; bounds the work on hostile text
R = TypeVar("R")


@dataclass(frozen=True, slots=True)
class Source:
    """Where one fact comes from: a URL, a verbatim quote, the shipped text holding the quote, a note."""

    url: str
    quote: str | None = None
    file: str | None = None  # a reference text in rules/licenses/texts/ that contains the quote
    note: str | None = None

    def to_dict(self) -> dict[str, str]:
        out = {"url": self.url}
        for key in ("quote", "file", "note"):
            value = getattr(self, key)
            if value:
                out[key] = value
        return out


@dataclass(frozen=True, slots=True)
class NamePattern:
    """A regular expression that recognises a name in a repo id or in prose, and how much a hit is worth.

    ``source`` is checked when the record is read and compiled (case-insensitive) on first use: a text rarely holds
    the anchor of more than a few of a catalogue's patterns, and compiling all of them was a third of the start-up
    of a one-card audit."""

    source: str
    confidence: Confidence
    scopes: tuple[Scope, ...]
    note: str | None = None

    @property
    def regex(self) -> re.Pattern[str]:
        return _case_insensitive(self.source)

    def to_dict(self) -> dict[str, Any]:
        return {"regex": self.source, "confidence": self.confidence, "scope": list(self.scopes), "note": self.note}


@cache
def _case_insensitive(source: str) -> re.Pattern[str]:
    return re.compile(source, re.IGNORECASE)


def fail(path: Path, message: str) -> CatalogError:
    return CatalogError(f"{path.name}: {message}")


def mapping(value: Any, path: Path, what: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise fail(path, f"{what} must be a mapping")
    return value


def items(value: Any, path: Path, what: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise fail(path, f"{what} must be a list")
    return value


def text(doc: Mapping[str, Any], key: str, path: Path, what: str, required: bool = True) -> str | None:
    value = doc.get(key)
    if value is None or value == "":
        if required:
            raise fail(path, f"{what}: '{key}' is required")
        return None
    if not isinstance(value, (str, int, float)) or isinstance(value, bool):
        raise fail(path, f"{what}: '{key}' must be text")
    return str(value)


def strings(value: Any, path: Path, what: str) -> tuple[str, ...]:
    out = []
    for entry in items(value, path, what):
        if not isinstance(entry, str) or not entry.strip():
            raise fail(path, f"{what} must be a list of non-empty strings")
        out.append(entry)
    return tuple(out)


def parse_source(value: Any, path: Path, what: str) -> Source:
    doc = mapping(value, path, f"source of {what}")
    url = text(doc, "url", path, f"source of {what}")
    assert url is not None
    if not url.startswith(("https://", "http://")):
        raise fail(path, f"source of {what}: url {url!r} is not an http(s) URL")
    quote = text(doc, "quote", path, f"source of {what}", required=False)
    file = text(doc, "file", path, f"source of {what}", required=False)
    if file is not None and quote is None:
        raise fail(path, f"source of {what}: 'file' needs a 'quote' to check")
    return Source(url, quote, file, text(doc, "note", path, f"source of {what}", required=False))


def parse_sources(value: Any, path: Path, what: str, needed: Iterable[str]) -> dict[str, Source]:
    """A mapping fact → source; every fact in ``needed`` must have one."""
    doc = mapping(value or {}, path, f"sources of {what}")
    sources = {str(fact): parse_source(src, path, f"{what} {fact}") for fact, src in doc.items()}
    missing = [fact for fact in needed if fact not in sources]
    if missing:
        raise fail(path, f"{what}: no source for {', '.join(missing)}")
    return sources


def parse_date(value: Any, path: Path, what: str) -> str | None:
    """An ISO date or month (2023-05-31, 2024-01), as text; None when absent."""
    if value is None:
        return None
    if isinstance(value, date):
        return value.isoformat()
    if not isinstance(value, str) or not _DATE.match(value):
        raise fail(path, f"{what}: {value!r} is not a date (YYYY-MM-DD or YYYY-MM)")
    return value


def compile_regex(value: Any, path: Path, what: str) -> re.Pattern[str]:
    if not isinstance(value, str) or not value:
        raise fail(path, f"{what}: a regex must be non-empty text")
    try:
        return re.compile(value, re.IGNORECASE)
    except re.error as error:
        raise fail(path, f"{what}: bad regex {value!r}: {error}") from error


def checked_regex(value: Any, path: Path, what: str) -> str:
    """A regex's text once its syntax is checked (parsing is a small part of compiling, which waits for first use);
    tests/test_families.py compiles every shipped pattern."""
    if not isinstance(value, str) or not value:
        raise fail(path, f"{what}: a regex must be non-empty text")
    try:
        re._parser.parse(value, re.IGNORECASE)  # type: ignore[attr-defined]
    except re.error as error:
        raise fail(path, f"{what}: bad regex {value!r}: {error}") from error
    return value


def parse_patterns(value: Any, path: Path, what: str, default: Confidence = "medium") -> tuple[NamePattern, ...]:
    patterns = []
    for index, entry in enumerate(items(value, path, f"{what} patterns")):
        doc = mapping(entry, path, f"{what} pattern {index + 1}")
        regex = checked_regex(doc.get("regex"), path, f"{what} pattern {index + 1}")
        confidence = doc.get("confidence", default)
        if confidence not in ("medium", "low"):
            raise fail(path, f"{what} pattern {index + 1}: confidence {confidence!r} is not medium or low")
        scopes = strings(doc.get("scope", list(SCOPES)), path, f"{what} pattern {index + 1} scope")
        if not scopes or any(scope not in SCOPES for scope in scopes):
            raise fail(path, f"{what} pattern {index + 1}: scope must list name and/or prose")
        note = text(doc, "note", path, f"{what} pattern {index + 1}", required=False)
        patterns.append(NamePattern(regex, confidence, tuple(scopes), note))  # type: ignore[arg-type]
    return tuple(patterns)


def repo_ids(value: Any, path: Path, what: str) -> tuple[str, ...]:
    ids = strings(value, path, what)
    for repo_id in ids:
        if not _REPO_ID.match(repo_id):
            raise fail(path, f"{what}: {repo_id!r} is not an org/name id")
    return ids


def license_id(value: Any, path: Path, what: str) -> str:
    """A license id that the license knowledge base knows (its own id, not an alias)."""
    if not isinstance(value, str):
        raise fail(path, f"{what}: license must be a knowledge-base license id")
    record = license_catalog().records.get(value)
    if record is None:
        raise fail(path, f"{what}: license {value!r} has no record in rules/licenses")
    return value


def read_records(folder: Path, parse: Callable[[Mapping[str, Any], Path], R], key: Callable[[R], str]) -> list[R]:
    """Parse every ``*.yaml`` record of a folder (sorted); ids must be unique and match the file name."""
    records: list[R] = []
    for path in sorted(folder.glob("*.yaml")):
        try:
            doc = load_data_yaml(path)
        except (OSError, UnicodeDecodeError) as error:
            raise fail(path, f"cannot read ({error})") from error
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            where = f" (line {mark.line + 1})" if mark is not None else ""
            problem = getattr(error, "problem", None) or str(error).splitlines()[0]
            raise fail(path, f"not valid YAML{where}: {problem}") from error
        record = parse(mapping(doc, path, "a record"), path)
        if key(record) != path.stem:
            raise fail(path, f"id {key(record)!r} does not match the file name")
        records.append(record)
    return records


def token_around(text: str, start: int, end: int, reach: int = 120) -> str:
    """The name-like token (letters, digits, . - _ /) that contains text[start:end], at most ``reach`` wider."""
    left = _TOKEN_LEFT.search(text, max(0, start - reach), start)
    right = _TOKEN_RIGHT.match(text, end, min(len(text), end + reach))
    return text[left.start() if left else start : right.end() if right else end].strip("./-_")


class Spans:
    """Non-overlapping [start, end) spans; ``claim`` adds one unless it overlaps a span already held (O(log n))."""

    def __init__(self) -> None:
        self._starts: list[int] = []
        self._ends: list[int] = []

    def claim(self, start: int, end: int) -> bool:
        index = bisect.bisect_right(self._starts, start)
        if index > 0 and self._ends[index - 1] > start:
            return False
        if index < len(self._starts) and self._starts[index] < end:
            return False
        self._starts.insert(index, start)
        self._ends.insert(index, end)
        return True


MATCH_GROUP = "m"  # a pattern may name the part that is the match (group m): the rest is context


def match_span(found: re.Match[str]) -> tuple[int, int]:
    """The span of what a pattern names (its group ``m`` when it has one)."""
    return found.span(MATCH_GROUP) if MATCH_GROUP in found.re.groupindex else found.span()


def match_text(found: re.Match[str]) -> str:
    """The words a pattern names (its group ``m`` when it has one)."""
    return found.group(MATCH_GROUP) if MATCH_GROUP in found.re.groupindex else found.group(0)


def name_key(name: str) -> str:
    """A name as records are looked up by it: lower case, hyphens and underscores as spaces, spaces collapsed."""
    return " ".join(re.sub(r"[-_]", " ", name.strip().lower()).split())


def repo_id_regex(ids: Iterable[str]) -> re.Pattern[str] | None:
    """One case-insensitive regex finding any of the ids as a whole org/name token."""
    words = {i.lower() for i in ids}
    if not words:
        return None
    before = r"(?:(?<=huggingface\.co/)|(?<=hf\.co/)|(?<=\bdatasets/)|(?<![\w.\-/]))"
    return re.compile(before + literal_alternation(words) + r"(?![\w\-]|\.\w)", re.IGNORECASE)


def literal_alternation(words: Iterable[str]) -> str:
    """A regex matching any of ``words`` literally, longest first where one is a prefix of another, written as a
    trie: the regex engine then tries one branch per distinct next character, not one per word (hundreds of names
    searched at every position of a card were most of its audit time)."""
    trie: dict[str, Any] = {}
    for word in set(words):
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}  # the end of a word
    return _trie_regex(trie) if trie else "(?!)"


def _trie_regex(node: Mapping[str, Any]) -> str:
    ends = "" in node
    branches = [re.escape(char) + _trie_regex(child) for char, child in sorted(node.items()) if char]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    return f"(?:{body})?" if ends else body


class PatternIndex:
    """Which of many case-insensitive patterns can match a text, found by the literal each must start with.

    Most texts (a sentence, a repo id) name none of a catalogue's families or datasets; running every pattern on
    every text was most of an audit's time. Each pattern's possible literal prefixes (``llama``, ``stable`` or
    ``sd``) are read from its parsed form; a pattern is tried only when the case-folded text contains one of them.
    A pattern whose prefix cannot be read (it starts with a class or a repeat) is always tried.
    """

    def __init__(self, sources: Sequence[str]) -> None:
        """``sources``: the patterns' texts, read as case-insensitive regexes."""
        self._always: list[int] = []
        by_anchor: dict[str, set[int]] = {}
        for index, source in enumerate(sources):
            anchors = _literal_prefixes(source)
            if anchors is None:
                self._always.append(index)
            for anchor in anchors or ():
                by_anchor.setdefault(anchor, set()).add(index)
        # An anchor found at a position stands for every anchor it starts with (they are there too).
        self._found: dict[str, frozenset[int]] = {
            anchor: frozenset(i for other, indices in by_anchor.items() if anchor.startswith(other) for i in indices)
            for anchor in by_anchor
        }
        self._finder = re.compile(literal_alternation(by_anchor)) if by_anchor else None
        self._ascii = [source.isascii() for source in sources]

    def candidates(self, text: str) -> list[int]:
        """The indices of the patterns that may match ``text``, in order."""
        return [index for index, _ in self.starts(text)]

    def starts(self, text: str) -> list[tuple[int, list[int] | None]]:
        """The patterns that may match ``text`` (indices, in order), each with where its matches can start: at its
        anchors, when text and pattern are ASCII (case folding then keeps positions); None: anywhere.

        The anchor regex finds the longest anchor at the next position where one starts; searching again one
        character further finds every position, so every anchor in the text is seen (tests/test_pattern_index.py
        checks this against testing each anchor as a substring)."""
        anywhere = set(self._always)
        at: dict[int, list[int]] = {}
        finder = self._finder
        if finder is not None:
            folded = text.casefold()
            exact = text.isascii()
            found = finder.search(folded)
            while found is not None:
                start = found.start()
                for index in self._found[found.group()]:
                    if exact and self._ascii[index]:
                        at.setdefault(index, []).append(start)
                    else:
                        anywhere.add(index)
                found = finder.search(folded, start + 1)
        return sorted([*at.items(), *((index, None) for index in anywhere)])


def matches(regex: re.Pattern[str], text: str, starts: list[int] | None, most: int) -> Iterator[re.Match[str]]:
    """``islice(regex.finditer(text), most)``, trying only ``starts`` (ascending) when they are given.

    Every match of an anchored pattern starts at one of its anchors and holds it (two characters or more): trying
    those positions left to right, each after the end of the last match, finds what finditer finds."""
    if starts is None:
        yield from islice(regex.finditer(text), most)
        return
    end = 0
    for start in starts:
        if start >= end and (found := regex.match(text, start)) is not None:
            yield found
            most -= 1
            if most <= 0:
                return
            end = found.end()


_MAX_PREFIXES = 64
_MIN_ANCHOR = 2
_FEW_ANCHORS, _MIN_FEW_ANCHOR = 16, 3


def _literal_prefixes(source: str) -> frozenset[str] | None:
    """The literal texts (case-folded) one of which starts every match of the pattern, fewest needed (a prefix that
    holds another is dropped), or None when unknown (it starts with a class, a repeat of one, or a short literal)."""
    try:
        parsed = re._parser.parse(source, re.IGNORECASE)  # type: ignore[attr-defined]
    except (re.error, RecursionError):
        return None
    found, _ = _prefixes_of(list(parsed), {""})
    if min(map(len, found)) < _MIN_ANCHOR:
        return None
    few = _shortened(found, _FEW_ANCHORS)  # fewer, shorter anchors: fewer substring tests per text
    found = few if min(map(len, few)) >= _MIN_FEW_ANCHOR else found
    return frozenset(p for p in found if not any(q != p and p.startswith(q) for q in found))


def _shortened(prefixes: set[str], most: int = _MAX_PREFIXES) -> set[str]:
    """The prefixes cut to the longest length that leaves at most ``most`` of them (a start of a necessary prefix
    is necessary too)."""
    for length in range(max(map(len, prefixes)), 0, -1):
        cut = {p[:length] for p in prefixes}
        if len(cut) <= most:
            return cut
    return {""}


def _prefixes_of(items: list[Any], current: set[str]) -> tuple[set[str], bool]:
    """Extend ``current`` by the literal start of ``items``; also say whether the literal part reached their end."""
    constants = re._constants  # type: ignore[attr-defined]
    for op, arg in items:
        if op in (constants.ASSERT, constants.ASSERT_NOT, constants.AT):
            continue  # zero-width: adds no text
        if op is constants.LITERAL:
            current = {p + chr(arg).casefold() for p in current}
            continue
        if op is constants.SUBPATTERN:
            alternatives, complete_after = [list(arg[-1])], True
        elif op is constants.BRANCH:
            alternatives, complete_after = [list(a) for a in arg[1]], True
        elif op in (constants.MAX_REPEAT, constants.MIN_REPEAT) and arg[0] == 0:
            alternatives, complete_after = [list(arg[2]), []], arg[1] == 1  # optional: with it or without it
        elif op in (constants.MAX_REPEAT, constants.MIN_REPEAT):
            alternatives, complete_after = [list(arg[2])], False  # at least once: its first copy starts here
        else:
            return current, False
        union: set[str] = set()
        complete = complete_after
        for alternative in alternatives:
            inner, whole = _prefixes_of(alternative, current)
            union |= inner
            complete = complete and whole
        if len(union) > _MAX_PREFIXES:
            return _shortened(union), False
        current = union
        if not complete:
            return current, False
    return current, True

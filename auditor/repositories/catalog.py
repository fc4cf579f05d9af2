"""The catalogue of well-known repositories and sites by role (rules/repositories/*.yaml, schema in its README):
what a link to each one *is* — a library, a training framework, a quantizer, an evaluation harness, a benchmark, a
dataset host … — so that a dependency is not taken for a model's training code nor a benchmark for training data."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from fnmatch import fnmatchcase, translate
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from auditor._resources import data_dir, load_data_yaml
from auditor.knowledge import literal_alternation
from auditor.memo import BoundedMemo

ROLES = frozenset({
    "library", "training-framework", "training-code", "evaluation-harness", "evaluation-code", "quantizer",
    "benchmark", "leaderboard", "dataset-host", "training-data", "model-hub", "base-model", "weights", "paper-host",
    "paper", "experiment-tracker", "training-logs", "inference-server", "ui", "merge-tool", "packaging", "tool",
    "profile", "project-repo", "license", "other", "host", "hint",
})  # fmt: skip
_MATCH_KEYS = ("github", "pypi", "npm", "hf", "urls", "names")


class CatalogueError(ValueError):
    """A catalogue file that does not follow the schema (named with the file and the entry)."""


@dataclass(frozen=True, slots=True)
class PathRule:
    """A URL-path glob (``*`` spans slashes, case-insensitive) and the role of the links it matches."""

    glob: str
    role: str


class FirstRule:
    """The first of some path rules whose glob matches a path (as ``fnmatchcase`` on both lower-cased), found by one
    regex: the globs' regexes as alternatives in order, each closed by an empty group that tells which one matched."""

    __slots__ = ("_match", "_rules")

    def __init__(self, rules: Iterable[PathRule]) -> None:
        self._rules: dict[int, PathRule] = {}
        pieces = []
        for rule in rules:
            source = translate(rule.glob.lower())
            pieces.append(f"(?:{source})()")
            self._rules[sum(re.compile(p).groups for p in pieces)] = rule
        self._match = re.compile("|".join(pieces)).match if pieces else None

    def __call__(self, path: str) -> PathRule | None:
        match = self._match(path.lower()) if self._match is not None else None
        return self._rules[match.lastindex] if match is not None and match.lastindex is not None else None


@dataclass(frozen=True)
class Entry:
    """One repository, package or site of the catalogue."""

    id: str
    name: str
    roles: tuple[str, ...]  # primary role first, then the secondary (``also``) roles
    file: str
    github: frozenset[str] = frozenset()
    pypi: frozenset[str] = frozenset()
    npm: frozenset[str] = frozenset()
    hf: frozenset[str] = frozenset()
    urls: tuple[str, ...] = ()
    names: tuple[str, ...] = ()
    paths: tuple[PathRule, ...] = ()
    license: str | None = None
    first_party_for: tuple[str, ...] = ()
    note: str | None = None
    source: str = ""
    _first_path: FirstRule = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_first_path", FirstRule(self.paths))

    @property
    def role(self) -> str:
        return self.roles[0]

    def first_party(self, model_id: str | None) -> bool:
        """True when the audited model is one whose developers maintain this repository as its own code."""
        return bool(model_id) and any(fnmatchcase(str(model_id).lower(), g.lower()) for g in self.first_party_for)

    def path_role(self, path: str) -> PathRule | None:
        return self._first_path(path)


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, (str, int, float)) for v in value):
        raise CatalogueError(f"{where}: expected a list of strings")
    return tuple(str(v) for v in value)


def _role(value: Any, where: str) -> str:
    if not isinstance(value, str) or value not in ROLES:
        raise CatalogueError(f"{where}: unknown role {value!r}")
    return value


def _entry(raw: Any, file_role: str, file: str) -> Entry:
    if not isinstance(raw, dict) or not isinstance(raw.get("id"), str):
        raise CatalogueError(f"{file}: an entry without an id")
    where = f"{file}: {raw['id']}"
    match = raw.get("match") or {}
    if not isinstance(match, dict) or set(match) - set(_MATCH_KEYS):
        raise CatalogueError(f"{where}: 'match' takes only {', '.join(_MATCH_KEYS)}")
    roles = [_role(r, where) for r in _strings(raw.get("roles"), where)] or [file_role]
    roles += [_role(r, where) for r in _strings(raw.get("also"), where) if r not in roles]
    paths = []
    for rule in raw.get("paths") or ():
        if not isinstance(rule, dict) or not isinstance(rule.get("glob"), str):
            raise CatalogueError(f"{where}: a path rule needs a glob")
        paths.append(PathRule(rule["glob"], _role(rule.get("role"), where)))
    source = raw.get("source")
    license_id = raw.get("license")
    return Entry(
        id=raw["id"], name=str(raw.get("name") or raw["id"]), roles=tuple(roles), file=file,
        github=frozenset(s.lower() for s in _strings(match.get("github"), where)),
        pypi=frozenset(s.lower() for s in _strings(match.get("pypi"), where)),
        npm=frozenset(s.lower() for s in _strings(match.get("npm"), where)),
        hf=frozenset(s.lower() for s in _strings(match.get("hf"), where)),
        urls=tuple(u.lower().rstrip("/") for u in _strings(match.get("urls"), where)),
        names=_strings(match.get("names"), where), paths=tuple(paths),
        license=str(license_id) if license_id is not None else None,
        first_party_for=_strings(raw.get("first_party_for"), where),
        note=str(raw["note"]) if raw.get("note") else None,
        source=str(source.get("url", "")) if isinstance(source, dict) else "",
    )  # fmt: skip


def _names_regex(names: Iterable[str]) -> re.Pattern[str] | None:
    """Whole-word regex for the names; an all-capitals name (ARC, MATH) must keep its case, other names need not."""
    upper = {n for n in names if n.isupper()}
    other = {n.lower() for n in names if not n.isupper()}
    branches = [f"(?i:{literal_alternation(other)})"] if other else []
    branches += [literal_alternation(upper)] if upper else []
    return re.compile(rf"(?<![\w-])(?:{'|'.join(branches)})(?![\w-])") if branches else None


class Catalogue:
    """Entries by role, with lookups by GitHub repository, Hub id, package, site and name."""

    def __init__(self, entries: tuple[Entry, ...], hints: tuple[PathRule, ...]) -> None:
        self.entries = entries
        self.hints = hints
        self.hint = FirstRule(hints)  # the first hint that matches a path
        self._github: dict[str, Entry] = {}
        self._hf: dict[str, Entry] = {}
        self._packages: dict[str, Entry] = {}
        sites: list[tuple[str, Entry]] = []
        names: dict[str, Entry] = {}
        for entry in entries:
            for key in entry.github:
                self._github.setdefault(key, entry)
            for key in entry.hf:
                self._hf.setdefault(key, entry)
            for key in entry.pypi | entry.npm:
                self._packages.setdefault(key, entry)
            sites += [(url, entry) for url in entry.urls]
            for name in entry.names:
                names.setdefault(name if name.isupper() else name.lower(), entry)
        self._sites_by_host: dict[str, list[tuple[str, Entry]]] = {}
        for url, entry in sorted(sites, key=lambda s: -len(s[0])):
            prefix = url.removeprefix("www.")
            self._sites_by_host.setdefault(prefix.split("/", 1)[0], []).append((prefix, entry))
        self._names = names
        self._name_re = _names_regex(names)
        # Each name's ASCII words (runs of letters, digits and underscores, lower case), by its longest word; a name
        # without any could match where no word tells, so then every text is searched.
        self._name_words: dict[bytes, list[frozenset[bytes]]] = {}
        for name in names:
            words = frozenset(w.encode() for w in re.findall(r"\w+", name.lower()) if w.isascii())
            if not words:
                self._name_words = {}
                break
            self._name_words.setdefault(max(words, key=len), []).append(words)
        self._name_keys = frozenset(self._name_words)
        self._named: BoundedMemo[str, tuple[tuple[Entry, str], ...]] = BoundedMemo()

    def __iter__(self) -> Iterator[Entry]:
        return iter(self.entries)

    def github(self, owner_repo: str) -> Entry | None:
        return self._github.get(owner_repo.lower().removesuffix(".git"))

    def hub(self, repo_id: str) -> Entry | None:
        return self._hf.get(repo_id.lower())

    def package(self, name: str) -> Entry | None:
        return self._packages.get(name.lower())

    def site(self, host: str, path: str) -> Entry | None:
        """The entry whose host or host/path prefix is the longest match (``www.`` ignored)."""
        host = host.lower().removeprefix("www.")
        address = f"{host}{path.lower().rstrip('/')}"
        for prefix, entry in self._sites_by_host.get(host, ()):
            if address == prefix or address.startswith(prefix + "/"):
                return entry
        return None

    def names_in(self, text: str) -> list[tuple[Entry, str]]:
        """Entries named in a text (whole words), with the words as written, in text order. Remembered (bounded):
        the sentences of a catalogue's cards recur."""
        known = self._named.get(text)
        return list(known if known is not None else self._named.remember(text, self._find_names(text)))

    def _find_names(self, text: str) -> tuple[tuple[Entry, str], ...]:
        if self._name_re is None or (self._name_keys and text.isascii() and not self._may_name(text)):
            return ()
        found = []
        for match in self._name_re.finditer(text):
            word = match.group(0)
            entry = self._names.get(word) or self._names.get(word.lower())
            if entry is not None:
                found.append((entry, word))
        return tuple(found)

    def _may_name(self, text: str) -> bool:
        """Whether an ASCII text holds every word of some name (a name's words are whole words of any text that
        names it: a name starts and ends at word edges and its inner separators are the text's), read fast."""
        words = set(text.encode().translate(_WORDS_ONLY).split())
        for key in words & self._name_keys:  # mostly none
            for name in self._name_words[key]:
                if name <= words:
                    return True
        return False


# Bytes of an ASCII text lower-cased, with every character that is not a letter, a digit or "_" made a space.
_WORDS_ONLY = bytes(c if chr(c).isalnum() or c == ord("_") else ord(" ") for c in range(128)).lower() + b" " * 128


def load_catalogue(folder: Path) -> Catalogue:
    """Read every catalogue file of a folder; a malformed file raises CatalogueError naming it."""
    entries: list[Entry] = []
    hints: list[PathRule] = []
    for path in sorted(folder.glob("*.yaml")):
        try:
            doc = load_data_yaml(path)
        except (OSError, yaml.YAMLError) as error:
            raise CatalogueError(f"{path.name}: {str(error).splitlines()[0]}") from None
        if not isinstance(doc, Mapping) or not isinstance(doc.get("entries"), list):
            raise CatalogueError(f"{path.name}: expected a mapping with 'role' and 'entries'")
        file_role = _role(doc.get("role"), path.name)
        if file_role == "hint":
            for raw in doc["entries"]:
                if not isinstance(raw, dict) or not isinstance(raw.get("glob"), str):
                    raise CatalogueError(f"{path.name}: a hint needs a glob and a role")
                hints.append(PathRule(raw["glob"], _role(raw.get("role"), path.name)))
            continue
        entries += [_entry(raw, file_role, path.name) for raw in doc["entries"]]
    ids = [e.id for e in entries]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise CatalogueError(f"duplicate catalogue ids: {', '.join(duplicates)}")
    return Catalogue(tuple(entries), tuple(hints))


@cache
def repository_catalogue() -> Catalogue:
    """The shipped catalogue (rules/repositories/), read once."""
    return load_catalogue(data_dir("rules") / "repositories")

"""License names in free text: the phrases (names, aliases, SPDX ids) that identify a license in prose or a title."""

from __future__ import annotations

import re
from functools import cache

from auditor.licenses.catalog import license_catalog

_NOT_THE_LICENSE = re.compile(
    r"(modified version of|based on|derived from|variant of|inspired by|modified|custom|adapted)( the)?( \S+){0,2} $"
)


_TOKEN = re.compile(r"[a-z0-9+]+(?:\.[a-z0-9+]+)*")


def _words(text: str) -> list[str]:
    """Lower-case words; a dot stays only inside a token (2.0), not at a sentence end."""
    return _TOKEN.findall(text.lower())


@cache
def _phrases() -> tuple[tuple[str, str], ...]:
    """(normalized phrase, license id) for prose matching, longest first; single words need a version number."""
    catalog = license_catalog()
    phrases: dict[str, str] = {}
    for record in catalog:
        if record.is_placeholder or record.family:
            continue
        for text in (record.name, *record.aliases, record.spdx):
            key = " ".join(_words(text))
            if len(key) >= 5 and (" " in key or any(c.isdigit() for c in key)) and not key.startswith("licenseref"):
                phrases.setdefault(key, record.id)
    return tuple(sorted(phrases.items(), key=lambda p: -len(p[0])))


@cache
def _phrases_by_first_word() -> dict[str, tuple[tuple[int, str, str], ...]]:
    """The phrases under their first word, each with its rank in the longest-first order."""
    index: dict[str, list[tuple[int, str, str]]] = {}
    for rank, (phrase, license_id) in enumerate(_phrases()):
        index.setdefault(phrase.split(" ", 1)[0], []).append((rank, phrase, license_id))
    return {word: tuple(entries) for word, entries in index.items()}


def phrase_match(text: str) -> tuple[str, str] | None:
    """The license a text names and the phrase that names it, unless it only names the license another one is
    based on."""
    tokens = _words(text)
    words = " " + " ".join(tokens) + " "
    index = _phrases_by_first_word()
    candidates = sorted(entry for word in set(tokens) for entry in index.get(word, ()))  # longest phrase first
    for _, phrase, license_id in candidates:
        position = words.find(f" {phrase} ")
        if position >= 0:
            return None if _NOT_THE_LICENSE.search(words[: position + 1]) else (license_id, phrase)
    return None


def phrase_in(text: str) -> str | None:
    """The license a text names, unless it only names the license another one is based on."""
    found = phrase_match(text)
    return found[0] if found else None

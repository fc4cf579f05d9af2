"""Recognise license texts (LICENSE, USE_POLICY.md …) by similarity to reference texts.

References: the AI-license texts shipped in rules/licenses/texts/ and SPDX texts from the ``spdx`` package, for
the licenses of the knowledge base. Similarity is the Dice coefficient of word 4-gram sets, which tolerates
reformatting, markdown and an added copyright line; the runner-up is reported so a near tie is visible.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Literal

from auditor.licenses.catalog import LicenseCatalog, LicenseRecord, license_catalog, lookup_key, texts_dir
from auditor.licenses.names import phrase_in

Confidence = Literal["high", "medium", "low"]
_SPDX_MARKUP = re.compile(r"<<[^>]*>>")
_WORD = re.compile(r"[a-z0-9]+")
_SHINGLE = 4
HIGH, MEDIUM, LOW = 0.85, 0.6, 0.3


@dataclass(frozen=True, slots=True)
class TextMatch:
    """The best reference for a text, how similar (0–1), how sure, and the runner-up."""

    path: str
    license_id: str | None
    kind: Literal["license", "use-policy"]
    score: float
    confidence: Confidence | None
    method: Literal["text", "title", "none"]
    runner_up: str | None = None
    runner_up_score: float = 0.0

    def to_dict(self) -> dict[str, object]:
        return {
            "path": self.path,
            "license": self.license_id,
            "kind": self.kind,
            "score": round(self.score, 3),
            "confidence": self.confidence,
            "method": self.method,
            "runner_up": self.runner_up,
            "runner_up_score": round(self.runner_up_score, 3),
        }


def normalize_words(text: str) -> list[str]:
    """Lower-case words of a text, SPDX template markup removed."""
    return _WORD.findall(_SPDX_MARKUP.sub(" ", text).lower())


def shingles(words: list[str]) -> frozenset[int]:
    if len(words) < _SHINGLE:
        return frozenset({hash(tuple(words))}) if words else frozenset()
    return frozenset(hash(tuple(words[i : i + _SHINGLE])) for i in range(len(words) - _SHINGLE + 1))


def _spdx_text(spdx_id: str) -> str | None:
    base = resources.files("spdx") / "data"
    for name in (spdx_id, spdx_id.removesuffix("-only"), spdx_id.replace("-or-later", "+")):
        candidate = base / f"{name}.txt"
        if candidate.is_file():
            return candidate.read_bytes().decode("utf-8", errors="replace")
    return None


@dataclass(frozen=True)
class _Reference:
    license_id: str
    kind: Literal["license", "use-policy"]
    grams: frozenset[int]


@cache
def _references() -> tuple[_Reference, ...]:
    refs: list[_Reference] = []
    folder = texts_dir()
    for record in license_catalog():
        spec = record.reference_text
        text = None
        if "file" in spec:
            text = (folder / spec["file"]).read_text(encoding="utf-8", errors="replace")
        elif "spdx" in spec:
            text = _spdx_text(spec["spdx"])
        if text:
            refs.append(_Reference(record.id, "license", shingles(normalize_words(text))))
        if "aup" in spec:
            aup = (folder / spec["aup"]).read_text(encoding="utf-8", errors="replace")
            refs.append(_Reference(record.id, "use-policy", shingles(normalize_words(aup))))
    return tuple(refs)


def detect_text(path: str, text: str, catalog: LicenseCatalog | None = None) -> TextMatch:
    """Compare one document with every reference; fall back to a license name in its title."""
    catalog = catalog or license_catalog()
    grams = shingles(normalize_words(text))
    scored: list[tuple[float, _Reference]] = []
    if grams:
        for ref in _references():
            common = len(grams & ref.grams)
            if common:
                scored.append((2 * common / (len(grams) + len(ref.grams)), ref))
    scored.sort(key=lambda item: item[0], reverse=True)
    policy_name = "polic" in path.lower()
    if scored and scored[0][0] >= LOW:
        score, best = scored[0]
        runner = next(((s, r) for s, r in scored[1:] if r.license_id != best.license_id), (0.0, None))
        confidence: Confidence = "high" if score >= HIGH else "medium" if score >= MEDIUM else "low"
        if runner[1] is not None and score - runner[0] < 0.02 and confidence == "high":
            confidence = "medium"  # a near tie between versions: name the family, not the version
        return TextMatch(path, best.license_id, best.kind, score, confidence, "text",
                         runner[1].license_id if runner[1] else None, runner[0])  # fmt: skip
    titled = title_match(text, catalog)
    kind: Literal["license", "use-policy"] = "use-policy" if policy_name else "license"
    if titled is not None:
        return TextMatch(path, titled.id, kind, scored[0][0] if scored else 0.0, "medium", "title")
    return TextMatch(path, None, kind, scored[0][0] if scored else 0.0, None, "none")


def title_match(text: str, catalog: LicenseCatalog) -> LicenseRecord | None:
    """A license named in the first lines of a text (a short LICENSE that only names its license)."""
    lines = [line for line in text.strip().splitlines()[:8] if line.strip()][:3]
    for line in lines:
        cleaned = lookup_key(re.sub(r"[#*_`>]", " ", line))
        if 3 <= len(cleaned) <= 120:
            record = catalog.get(cleaned)
            if record is not None and not record.is_placeholder:
                return record
    license_id = phrase_in(" ".join(lines))
    return catalog.get(license_id) if license_id else None

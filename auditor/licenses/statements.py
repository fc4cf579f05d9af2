"""License terms a card states in words rather than by naming a license: "Non-commercial license", "for research
purposes only", "commercial use is prohibited", "same license as the base model".

A restriction becomes a ``LicenseRef-`` record whose name is the card's own words and whose every fact cites the
card line, so the effective terms, the findings and the obligations can use it like any license. Intended-use
prose ("intended for research purposes") is not a restriction; only words that restrict are.
"""

from __future__ import annotations

import re
from typing import Literal

from auditor.licenses.catalog import LicenseRecord, LicenseTerms

StatementKind = Literal["non-commercial", "research-only", "inherit"]
NON_COMMERCIAL_SPDX = "LicenseRef-NonCommercial-Statement"
RESEARCH_ONLY_SPDX = "LicenseRef-Research-Only-Statement"

_BOTH = r"(?:commercial\s+(?:and|or|&|/)\s+non[- ]?commercial|non[- ]?commercial\s+(?:and|or|&|/)\s+commercial)"
_NON_COMMERCIAL = re.compile(
    r"\bnon[- ]?commercial\s+(?:\w+\s+){0,2}?(?:licen[cs]e|use\s+only|purposes?\s+only|terms|only)\b|"
    r"\b(?:under|with|has|have|carries|is)\s+(?:a|an)?\s*non[- ]?commercial\b|"
    r"\bnot\s+(?:be\s+)?(?:used\s+)?for\s+commercial\s+(?:use|purposes?)|"
    r"\bcommercial\s+use\s+(?:is\s+|are\s+)?(?:strictly\s+)?(?:not\s+(?:allowed|permitted)|prohibited|forbidden|"
    r"disallowed)|\bno\s+commercial\s+use\b|\bnot\s+(?:licensed|allowed|permitted)\s+for\s+commercial\b|"
    r"\bunauthori[sz]ed\s+commercial\s+use\b|\bexclusive\b[^.;]{0,80}\bcommercial\s+(?:use\s+)?licen[cs]e\b|"
    r"严禁[^。；]{0,20}商用|禁止[^。；]{0,20}商用|不得[^。；]{0,20}商业|不可商用|非商业",
    re.IGNORECASE,
)
_RESEARCH_ONLY = re.compile(
    r"\bresearch[- ](?:purposes?[- ])?only\b|\bfor\s+(?:non-?commercial\s+)?research\s+(?:purposes?|use)\s+only\b|"
    r"\b(?:only|solely|exclusively)\s+(?:be\s+)?(?:used\s+|use[ds]?\s+)?(?:[^.;]{0,80}?\s)?for\s+(?:academic\s+)?"
    r"research\b|\brestrict\w*\s+[^.;]{0,40}\bto\s+research\b|\blicensed\s+for\s+research\b|仅[^。；]{0,10}研究",
    re.IGNORECASE,
)
_INHERIT = re.compile(
    r"\bsame\s+licen[cs]e\s+as\s+(?:the\s+)?(?:base|original|parent|source|underlying|foundation)\b|"
    r"\b(?:base|original|parent|source|underlying)\s+(?:base\s+)?model'?s?\s+licen[cs]e\s+(?:still\s+)?appl|"
    r"\b(?:inherits?|follows?|keeps?|retains?)\s+(?:the\s+)?licen[cs]e\s+of\s+(?:the\s+)?(?:base|original|parent)|"
    r"\boriginal\s+licen[cs]e\s+terms\s+(?:still\s+)?apply|\bsame\s+(?:restrictions|terms)\s+as\s+(?:the\s+)?"
    r"(?:base|original)|\blicen[cs]e\s+(?:is\s+)?(?:inherited|the\s+same)\s+(?:from|as)\s+(?:the\s+)?(?:base|original)",
    re.IGNORECASE,
)


def statement_kind(text: str) -> StatementKind | None:
    """What a sentence says about the model's terms without naming a license (None: nothing restrictive)."""
    cleaned = re.sub(_BOTH, " ", text, flags=re.IGNORECASE)
    if _RESEARCH_ONLY.search(cleaned):
        return "research-only"
    if _NON_COMMERCIAL.search(cleaned):
        return "non-commercial"
    if _INHERIT.search(cleaned):
        return "inherit"
    return None


def statement_record(kind: StatementKind, words: str, where: str) -> LicenseRecord:
    """A record for terms the card states in its own words (``where``: the card's location, cited as the source)."""
    research = kind == "research-only"
    quote = " ".join(words.split())[:200]
    source = {"url": where, "quote": quote}
    conditions = ("research-only",) if research else ()
    return LicenseRecord(
        id="research-only-statement" if research else "noncommercial-statement",
        spdx=RESEARCH_ONLY_SPDX if research else NON_COMMERCIAL_SPDX,
        name=f'"{quote}" (stated in the card)',
        url=where,
        category="non-commercial",
        terms=LicenseTerms("forbidden", "unknown", conditions, None),
        osi_approved=False,
        fsf_libre=False,
        deprecated_spdx=False,
        family=False,
        note="terms stated in the card's own words, not a published license",
        sources={"identity": source, "category": source, "commercial_use": source, "derivatives": source,
                 **({"conditions.research-only": source} if research else {})},
    )  # fmt: skip

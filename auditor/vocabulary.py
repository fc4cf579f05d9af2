"""One display vocabulary for every format: verdict tiers, MOF classes and the OSAID verdict, written one way."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

# Tier words, a one-word label, the colour (HTML) and the mark (Markdown) of each verdict status.
TIERS: Mapping[str, Mapping[str, str]] = {
    "pass": {"label": "PASS", "words": "pass", "colour": "#1a7f37", "mark": "✅"},
    "conditions": {"label": "CONDITIONS", "words": "pass with conditions", "colour": "#9a6700", "mark": "🟡"},
    "fail": {"label": "FAIL", "words": "fail", "colour": "#cf222e", "mark": "❌"},
    "error": {"label": "ERROR", "words": "error", "colour": "#57606a", "mark": "⚠️"},
}
MOF_CLASSES: Mapping[int, str] = {0: "unclassified", 1: "Class I", 2: "Class II", 3: "Class III"}
MOF_MEANINGS: Mapping[int, str] = {0: "", 1: "open science", 2: "open tooling", 3: "open model"}


def tier(status: str) -> str:
    """PASS, CONDITIONS, FAIL or ERROR."""
    return TIERS[status]["label"]


def tier_words(status: str) -> str:
    return TIERS[status]["words"]


def mof_label(mof_class: int | None, *, meaning: bool = False) -> str:
    """``Class III`` (or ``Class III (open model)``), ``unclassified``; ``–`` when openness was not assessed."""
    if mof_class is None:
        return "–"
    label = MOF_CLASSES[mof_class]
    return f"{label} ({MOF_MEANINGS[mof_class]})" if meaning and MOF_MEANINGS[mof_class] else label


def osaid_label(osaid: Mapping[str, Any] | None) -> str:
    """``conformant``, ``conformant (caveat: …)``, ``not conformant``; ``–`` when not assessed."""
    if not osaid:
        return "–"
    if not osaid.get("conformant"):
        return "not conformant"
    caveats: Sequence[str] = osaid.get("caveats") or ()
    return "conformant" + (f" (caveat: {'; '.join(caveats)})" if caveats else "")

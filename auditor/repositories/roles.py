"""What a reference of a card is: its role, how confident the reading is and the words that justify it; which roles
count towards which openness criterion."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from auditor.repositories.catalog import Entry
from auditor.repositories.targets import hub_id

Confidence = Literal["high", "medium", "low"]
RefKind = Literal["link", "field", "mention", "block", "claim", "row"]
RANK = {"high": 3, "medium": 2, "low": 1}
# Roles that count towards a criterion; every other role is set aside (and said why).
COUNTED = {
    "training_data": frozenset({"training-data"}),
    "training_code": frozenset({"training-code", "project-repo"}),
    "evaluation_code": frozenset({"evaluation-code"}),
    "training_metrics": frozenset({"training-logs"}),
}
URL = re.compile(r"https?://\S+|\b[\w.-]+\.(com|org|io|ai|co|net)/\S*", re.I)


@dataclass(frozen=True, slots=True)
class Reference:
    """One reference of a card and what it is for."""

    role: str  # training-data, training-code, evaluation-code, evaluation-data, training-logs, project-repo,
    #            library, quantizer, benchmark, tool, paper, profile, base-model, weights, license, other
    confidence: Confidence
    because: str  # the words that justify the role
    kind: RefKind
    line: int | None = None
    url: str | None = None
    name: str | None = None  # a named artefact without a URL (dataset name, script, config)
    text: str = ""  # the sentence (or block lead) it was read in
    entry: Entry | None = None  # the catalogue entry of the target, when one matched
    first_party: bool = False  # the model's own developers' (by the catalogue, the owner or the card's words)
    repo: str | None = None  # owner/name of the code or Hub repository it points into
    in_this_repo: bool = False  # a file of the audited model's own repository (or the card itself)
    context: tuple[str, ...] = ()  # every sentence of the card that mentions it (terms may be stated in any)


_NOT_ALNUM = re.compile(r"[^a-z0-9]+")


def model_words(model_id: str) -> set[str]:
    """The words of a model's name (four letters or more): a name that is the model's is not a dataset's."""
    name = hub_id(model_id).split("/")[-1].lower()
    return {w for w in _NOT_ALNUM.split(name) if len(w) >= 4 and not w.isdigit()}


def norm(text: str) -> str:
    """Lower-case letters and digits only (QwenLM ~ qwenlm, ibm-granite ~ ibmgranite)."""
    low = text.lower()
    return low if low.isascii() and low.isalnum() else _NOT_ALNUM.sub("", low)

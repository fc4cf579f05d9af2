"""A model whose own license is its parent's: a quantized or converted copy that declares nothing, or a card that
says "same license as the base model". The parent's license (from its card or its family record) becomes the
model's own, and the profile says where it came from."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from auditor.facts import ModelFacts
from auditor.findings import Evidence
from auditor.licenses.catalog import LicenseRecord
from auditor.licenses.resolve import LicenseProfile
from auditor.licenses.terms import combine_all
from auditor.lineage.parents import CONFIDENCE_RANK
from auditor.lineage.tree import LineageNode
from auditor.sources.card import string_list, string_value

COPY_RELATIONS = ("quantized", "conversion", "reupload")
_COPY_NAME = re.compile(
    r"(?:^|[-_.])(?:gguf|ggml|gptq|awq|exl2|hqq|mlx|bnb|\d+[-_]?bits?|int[48]|w4a16|w8a8|fp8|q[2-8](?:_k(?:_[msl])?|_0|_1)?|"
    r"\d+(?:\.\d+)?bpw|llamafile|fp16|bf16|fp32)(?:$|[-_.])",
    re.IGNORECASE,
)
_COPY_TAGS = {"gguf", "ggml", "gptq", "awq", "exl2", "4-bit", "8-bit", "quantized", "llamafile", "mlx"}


def copy_evidence(facts: ModelFacts, tree: Sequence[LineageNode]) -> Evidence | None:
    """Evidence that the model is a quantized, converted or re-uploaded copy of a parent (None: it is not)."""
    card = facts.card
    relation = string_value(card.metadata.get("base_model_relation")) if card else None
    if relation in COPY_RELATIONS:
        return Evidence(field="base_model_relation", file=card.file if card else None, excerpt=relation)
    declared = string_list(card.metadata.get("base_model")) if card else []
    if len(declared) > 1 and len({d.lower() for d in declared}) == 1:  # a passthrough self-merge of one model
        return Evidence(
            field="base_model",
            file=card.file if card else None,
            line=card.line_of("base_model") if card else None,
            excerpt=f"{declared[0]} (x{len(declared)}): a self-merge of one model",
        )
    name = facts.model_id.replace("__", "/").rsplit("/", 1)[-1]
    if _COPY_NAME.search(name):
        return Evidence(field="model id", excerpt=name)
    tags = {t.lower() for t in string_list(card.metadata.get("tags"))} if card else set()
    if tags & _COPY_TAGS:
        return Evidence(field="tags", file=card.file if card else None, excerpt=", ".join(sorted(tags & _COPY_TAGS)))
    if any(w.format == "gguf" for w in facts.weights or ()):
        return Evidence(excerpt="GGUF weight files")
    for node in tree:
        if node.kind == "model" and node.relation in COPY_RELATIONS and node.evidence:
            return node.evidence[0]
    return None


def _declares_nothing(profile: LicenseProfile) -> bool:
    return not profile.known and not profile.name and not profile.link and not profile.prose_unidentified


def _parent_records(tree: Sequence[LineageNode]) -> tuple[tuple[LicenseRecord, ...], list[LineageNode]]:
    """The licenses of the surest direct parents (all of them, when several are equally sure). Only a declared
    parent (base_model, Hub, configs) or one the card calls the source of the copy ("GGUF of X") counts: a parent
    read from a name, or a "fine-tuned from" sentence copied from the original's card, may be a grandparent."""
    known = [n for n in tree if n.license is not None and n.license.known
             and (n.confidence == "high" or n.relation in COPY_RELATIONS)]  # fmt: skip
    if not known:
        return (), []
    best = max(CONFIDENCE_RANK[n.confidence] for n in known)
    chosen = [n for n in known if CONFIDENCE_RANK[n.confidence] == best]
    records = tuple(dict.fromkeys(r for n in chosen if n.license for r in n.license.records if not r.is_placeholder))
    return records, chosen


def inherit_license(profile: LicenseProfile, facts: ModelFacts, tree: Sequence[LineageNode] | None) -> LicenseProfile:
    """The model's own license, taken from its parent when the card says so or the model is a plain copy."""
    if profile.known or not tree:
        return profile
    if profile.inherits is not None:
        card_file = facts.card.file if facts.card else None
        why = Evidence(file=card_file, line=profile.inherits.line, excerpt=profile.inherits.text[:160])
    elif _declares_nothing(profile):
        copy = copy_evidence(facts, tree)
        if copy is None:
            return profile
        why = copy
    else:
        return profile
    records, parents = _parent_records(tree)
    if not records:
        return profile
    terms, category, osi = combine_all(records)
    basis = Evidence(excerpt=f"the license of {', '.join(n.id for n in parents)}", url=None)
    return replace(
        profile,
        expression=" AND ".join(dict.fromkeys(r.spdx for r in records)),
        records=records,
        alternatives=(records,),
        resolved_from="base model",
        terms=terms,
        category=category,
        osi_approved=osi,
        evidence=(*profile.evidence, why, basis),
    )

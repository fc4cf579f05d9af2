"""Which models a model derives from, and where that is stated (card, Hub, adapter/config/merge files, prose)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from auditor.facts import ModelFacts
from auditor.findings import Evidence
from auditor.sources.card import string_list, string_value
from auditor.yamlio import Limits, YamlProblem, parse_yaml

HUB_ID = re.compile(r"^[A-Za-z0-9][\w.\-]{0,95}/[A-Za-z0-9][\w.\-]{0,95}$")
_PROSE = re.compile(
    r"\b(fine-?tuned|finetuned|trained|quantized|quantised|merged|distilled|adapted|based)\b[^.\n]{0,40}?"
    r"\b(from|of|on|version of|on top of)\b\s+(?:the\s+)?\[?"
    r"(?<![/\w.])([A-Za-z0-9][\w.\-]*/[A-Za-z0-9][\w.\-]*)(?![\w./])",
    re.IGNORECASE,
)
_DELTA = re.compile(r"\b(delta|xor)\b[^.\n]{0,60}\b(llama|LLaMA)\b", re.IGNORECASE)
_FINETUNE_WORDS = re.compile(r"\b(fine-?tuned|finetuned|fine-?tune of|quantized version|merge of|lora adapter)\b", re.I)


@dataclass
class Parent:
    """A declared parent and every place that declares it."""

    id: str
    relation: str | None
    evidence: list[Evidence] = field(default_factory=list)
    hub_id: bool = True


def _add(parents: dict[str, Parent], model: str, relation: str | None, evidence: Evidence) -> None:
    model = model.strip()
    if not model:
        return
    key = model.lower()
    if key not in parents:
        parents[key] = Parent(model, relation, [], bool(HUB_ID.match(model)))
    parent = parents[key]
    parent.relation = parent.relation or relation
    parent.evidence.append(evidence)


def find_parents(facts: ModelFacts) -> list[Parent]:
    """Parents from every source of evidence, first-declared first, each with all of its evidence."""
    parents: dict[str, Parent] = {}
    card = facts.card
    metadata = card.metadata if card else {}
    relation = string_value(metadata.get("base_model_relation"))
    for model in string_list(metadata.get("base_model")):
        _add(parents, model, relation, Evidence(field="base_model", file=card.file if card else None,
                                                line=card.line_of("base_model") if card else None))  # fmt: skip
    for model in facts.hub.base_models if facts.hub else ():
        _add(parents, model, None, Evidence(field="baseModels", url=facts.location))
    for document in facts.configs:
        for model, kind in _from_config(document.path, document.text):
            _add(parents, model, kind, Evidence(file=document.path, excerpt=f"{kind}: {model}"))
    for link_id, line, text in _from_prose(facts):
        _add(parents, link_id, "finetune", Evidence(file=card.file if card else None, line=line, excerpt=text[:160]))
    return [p for p in parents.values() if p.id.lower() != facts.model_id.lower()]


def _from_config(path: str, text: str) -> list[tuple[str, str]]:
    name = path.rsplit("/", 1)[-1].lower()
    found: list[tuple[str, str]] = []
    try:
        data = json.loads(text) if name.endswith(".json") else parse_yaml(text, Limits()).value
    except (ValueError, RecursionError, YamlProblem):  # malformed, nested too deep, over a bound
        return found
    if not isinstance(data, dict):
        return found
    if name == "adapter_config.json" and isinstance(data.get("base_model_name_or_path"), str):
        found.append((data["base_model_name_or_path"], "adapter"))
    elif name == "config.json" and isinstance(data.get("_name_or_path"), str) and HUB_ID.match(data["_name_or_path"]):
        found.append((data["_name_or_path"], "finetune"))
    elif "merge" in name or "mergekit" in name:
        for key in ("models", "slices"):
            for entry in data.get(key) or ():
                for model in _merge_models(entry):
                    found.append((model, "merge"))
        if isinstance(data.get("base_model"), str):
            found.append((data["base_model"], "merge"))
    return found


def _merge_models(entry: object) -> list[str]:
    if isinstance(entry, dict):
        if isinstance(entry.get("model"), str):
            return [entry["model"]]
        return [m for source in entry.get("sources") or () for m in _merge_models(source)]
    return []


def _from_prose(facts: ModelFacts) -> list[tuple[str, int, str]]:
    card = facts.card
    if card is None:
        return []
    found = []
    for statement in card.derivations:
        for match in _PROSE.finditer(statement.text):
            found.append((match.group(3).rstrip(".,)"), statement.line, statement.text))
    for link in card.links:
        if link.kind == "model" and re.search(r"(fine-?tun|finetun|based on|quantiz|merge of)", link.context, re.I):
            parts = [p for p in urlsplit(link.url).path.split("/") if p]
            if len(parts) >= 2:
                found.append((f"{parts[0]}/{parts[1]}", link.line, link.context))
    return found


def says_derivative(facts: ModelFacts) -> Evidence | None:
    """Evidence that a model presents itself as a fine-tune, adapter, quantization or merge."""
    card = facts.card
    paths = set(facts.file_paths())
    if "adapter_config.json" in paths:
        return Evidence(file="adapter_config.json", excerpt="a PEFT adapter")
    if card is not None:
        tags = [t.lower() for t in string_list(card.metadata.get("tags"))]
        if any(t in ("finetuned", "fine-tuned", "lora", "peft", "merge", "mergekit", "gguf") for t in tags):
            return Evidence(field="tags", file=card.file, line=card.line_of("tags"))
        for statement in card.derivations:
            if _FINETUNE_WORDS.search(statement.text) or _DELTA.search(statement.text):
                return Evidence(file=card.file, line=statement.line, excerpt=statement.text[:160])
    return None

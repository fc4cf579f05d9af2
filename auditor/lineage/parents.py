"""Which models a model derives from, from every signal, each with its direction, confidence and evidence.

Signals, strongest first: the card's ``base_model`` and the Hub's ``baseModels``, ``adapter_config.json`` and merge
configs (high); config.json ``_name_or_path`` naming a Hub id, GGUF ``general.base_model.*`` /
``general.source.*`` keys, and a derivation phrase naming a Hub id or a family with its version (medium); a family
named in the repo name, tags or title, or in a derivation phrase without a version (low). A link or a mention is a
parent only when the sentence says the model derives from it (auditor.lineage.prose).

Parents that name no Hub id but a family ("a Llama 2 7B model fine-tuned on …", ``llama-2-13b-chat-GGUF``) are
*family* parents with the id ``family:<family>-<version>`` (``family:llama-2``): no repository is implied; their
terms come from the family record (auditor.families). A family parent is added only when no Hub-id parent is
already known to belong to that family; a family read from the model's own name or tags only when no other parent
names a family at all.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
from typing import Literal

from auditor.facts import ModelFacts
from auditor.families import FamilyMatch, family_catalog, family_for_repo, match_families
from auditor.findings import Evidence
from auditor.lineage.prose import derivation_mentions, hub_id_of_url, says_own_derivation
from auditor.sources.card import string_list, string_value
from auditor.yamlio import Limits, YamlProblem, parse_yaml

HUB_ID = re.compile(r"^[A-Za-z0-9][\w.\-]{0,95}/[A-Za-z0-9][\w.\-]{0,95}$")
FAMILY_PREFIX = "family:"
MAX_GGUF_PARENTS = 8
Confidence = Literal["high", "medium", "low"]
Signal = Literal[
    "base_model", "hub", "adapter_config", "merge_config", "config", "gguf", "prose", "name", "tags", "title"
]  # fmt: skip
ParentKind = Literal["model", "family"]
CONFIDENCE_RANK = {"high": 2, "medium": 1, "low": 0}
XOR_DELTA_CONVENTION = "xor-delta-weights"
_DERIVATIVE_TAGS = {"finetuned", "fine-tuned", "lora", "peft", "merge", "mergekit", "gguf", "gptq", "awq", "exl2"}


@dataclass
class Parent:
    """A parent model (or family) and every place that names it, with the strongest signal's confidence."""

    id: str
    relation: str | None
    evidence: list[Evidence] = field(default_factory=list)
    hub_id: bool = True
    confidence: Confidence = "high"
    signal: Signal = "base_model"
    family: FamilyMatch | None = None
    kind: ParentKind = "model"


def family_node_id(match: FamilyMatch) -> str:
    """The id of a family parent: ``family:llama-2``, ``family:mistral-mixtral``, ``family:llama``."""
    return f"{FAMILY_PREFIX}{match.family}" + (f"-{match.version}" if match.version else "")


def _implied_version(match: FamilyMatch, relation: str | None) -> FamilyMatch:
    """The version a family named without one must be: its only version (Gemma, ChatGLM …), or for delta/XOR
    weights its first version when the record says derivatives were published that way because the first
    license forbade redistributing the weights (LLaMA 1: convention ``xor-delta-weights``)."""
    record = family_catalog().records.get(match.family)
    if match.version is not None or record is None:
        return match
    if len(record.versions) == 1:
        return replace(match, version=record.versions[0].id)
    if relation == "delta" and any(c.id == XOR_DELTA_CONVENTION for c in record.conventions):
        first = min(record.versions, key=lambda v: v.released or "9999")
        return replace(match, version=first.id, note=f"delta weights: {XOR_DELTA_CONVENTION} convention")
    return match


class _Parents:
    def __init__(self, own_id: str) -> None:
        self.own = own_id.lower().replace("__", "/")
        self.org = self.own.split("/", 1)[0] if "/" in self.own else ""
        self.found: dict[str, Parent] = {}

    def add(self, model: str, relation: str | None, evidence: Evidence, confidence: Confidence, signal: Signal,
            family: FamilyMatch | None = None, kind: ParentKind = "model") -> None:  # fmt: skip
        model = model.strip()
        key = model.lower()
        if not model or key == self.own:
            return
        parent = self.found.get(key)
        if parent is None:
            is_id = kind == "model" and bool(HUB_ID.match(model))
            if kind == "model" and family is None:
                family = family_for_repo(model) if is_id else None
            parent = self.found[key] = Parent(model, relation, [], is_id, confidence, signal, family, kind)
        elif CONFIDENCE_RANK[confidence] > CONFIDENCE_RANK[parent.confidence]:
            parent.confidence, parent.signal = confidence, signal
        parent.relation = parent.relation or relation
        if evidence not in parent.evidence:
            parent.evidence.append(evidence)

    def families(self) -> set[tuple[str, str | None]]:
        return {(p.family.family, p.family.version) for p in self.found.values() if p.family is not None}

    def add_family(self, match: FamilyMatch, relation: str | None, evidence: Evidence, signal: Signal) -> None:
        if self.org and self.org in _vendor_orgs(match.family):
            return  # the family's own repositories describe the family, they do not derive from it
        match = _implied_version(match, relation)
        known = self.families()
        if (match.family, match.version) in known or (match.version is None and any(f == match.family
                                                                                      for f, _ in known)):  # fmt: skip
            return
        if match.version is not None:  # a versioned mention replaces the same family named without a version
            self.found.pop(family_node_id(match)[: -len(match.version) - 1].lower(), None)
        confidence: Confidence = "low" if signal in ("name", "tags", "title") or match.version is None else "medium"
        self.add(family_node_id(match), relation, evidence, confidence, signal, match, "family")


def find_parents(facts: ModelFacts) -> list[Parent]:
    """Parents from every signal, strongest first, each with all of its evidence."""
    parents = _Parents(facts.model_id)
    card = facts.card
    card_file = card.file if card else None
    metadata = card.metadata if card else {}
    relation = string_value(metadata.get("base_model_relation"))
    for model in string_list(metadata.get("base_model")):
        line = card.line_of("base_model") if card else None
        parents.add(model, relation, Evidence(field="base_model", file=card_file, line=line), "high", "base_model")
    for model in facts.hub.base_models if facts.hub else ():
        parents.add(model, None, Evidence(field="baseModels", url=facts.location), "high", "hub")
    for document in facts.configs:
        for model, kind, confidence, signal in _from_config(document.path, document.text):
            parents.add(model, kind, Evidence(file=document.path, excerpt=f"{kind}: {model}"), confidence, signal)
    _from_weights(facts, parents)
    mentions = derivation_mentions(card, facts.model_id)
    for mention in mentions:  # Hub ids first: a family they belong to is then not added again
        if mention.hub_id is not None:
            evidence = Evidence(file=card_file, line=mention.line, excerpt=mention.sentence[:160])
            parents.add(mention.hub_id, mention.relation, evidence, "medium", "prose")
    for mention in mentions:
        if mention.hub_id is None and mention.family is not None:
            evidence = Evidence(file=card_file, line=mention.line, excerpt=mention.sentence[:160])
            parents.add_family(mention.family, mention.relation, evidence, "prose")
    if not any(version is not None for _, version in parents.families()):  # "based on LLaMA" names no version:
        _from_names(facts, parents)  # the model's name may ("Ziya-LLaMA-13B-v1")
    return list(parents.found.values())


def _from_config(path: str, text: str) -> list[tuple[str, str, Confidence, Signal]]:
    name = path.rsplit("/", 1)[-1].lower()
    found: list[tuple[str, str, Confidence, Signal]] = []
    try:
        data = json.loads(text) if name.endswith(".json") else parse_yaml(text, Limits()).value
    except (ValueError, RecursionError, YamlProblem):  # malformed, nested too deep, over a bound
        return found
    if not isinstance(data, dict):
        return found
    if name == "adapter_config.json" and isinstance(data.get("base_model_name_or_path"), str):
        found.append((data["base_model_name_or_path"], "adapter", "high", "adapter_config"))
    elif name == "config.json" and isinstance(data.get("_name_or_path"), str) and HUB_ID.match(data["_name_or_path"]):
        found.append((data["_name_or_path"], "finetune", "medium", "config"))
    elif "merge" in name or "mergekit" in name:
        for key in ("models", "slices"):
            for entry in data.get(key) or ():
                for model in _merge_models(entry):
                    found.append((model, "merge", "high", "merge_config"))
        if isinstance(data.get("base_model"), str):
            found.append((data["base_model"], "merge", "high", "merge_config"))
    return found


def _merge_models(entry: object) -> list[str]:
    if isinstance(entry, dict):
        if isinstance(entry.get("model"), str):
            return [entry["model"]]
        return [m for source in entry.get("sources") or () for m in _merge_models(source)]
    return []


def _from_weights(facts: ModelFacts, parents: _Parents) -> None:
    """GGUF metadata: the model the file was converted from and the base models it names (llama.cpp keys)."""
    for weight in facts.weights or ():
        metadata = weight.metadata
        source = metadata.get("general.source.huggingface.repository") or _url_id(metadata.get("general.source.url"))
        if isinstance(source, str) and source:
            evidence = Evidence(file=weight.path, field="general.source.huggingface.repository", excerpt=source)
            parents.add(source, "quantized", evidence, "medium", "gguf")
        count = metadata.get("general.base_model.count")
        for index in range(min(count if isinstance(count, int) else MAX_GGUF_PARENTS, MAX_GGUF_PARENTS)):
            prefix = f"general.base_model.{index}."
            repo = _url_id(metadata.get(prefix + "repo_url"))
            name = metadata.get(prefix + "name")
            if repo is not None:
                parents.add(repo, None, Evidence(file=weight.path, field=prefix + "repo_url", excerpt=repo), "medium",
                            "gguf")  # fmt: skip
            elif isinstance(name, str) and name.strip():
                matches = [m for m in match_families(name, "name") if m.decisive]
                evidence = Evidence(file=weight.path, field=prefix + "name", excerpt=name[:160])
                if matches:
                    parents.add_family(matches[0], None, evidence, "gguf")


def _url_id(value: object) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    value = value.strip()
    if HUB_ID.match(value):
        return value
    return hub_id_of_url(value) if "huggingface.co/" in value or "hf.co/" in value else None


def _vendor_orgs(family: str) -> set[str]:
    record = family_catalog().records.get(family)
    return {repo.split("/", 1)[0].lower() for v in record.versions for repo in v.repos} if record else set()


def _from_names(facts: ModelFacts, parents: _Parents) -> None:
    """A family named by the model's own repo name, tags or title (low confidence; never the family's own repos)."""
    own = facts.model_id.replace("__", "/")
    canonical = family_for_repo(own)
    if canonical is not None and canonical.kind == "repo":
        return
    card = facts.card
    texts: list[tuple[str, Signal, Evidence]] = [(own.rsplit("/", 1)[-1], "name", Evidence(field="model id",
                                                                                        excerpt=own))]  # fmt: skip
    if card is not None:
        for tag in string_list(card.metadata.get("tags"))[:50]:
            texts.append((tag, "tags", Evidence(field="tags", file=card.file, line=card.line_of("tags"), excerpt=tag)))
        title = next((s for s in card.sections if s.level == 1), None)
        if title is not None:
            texts.append((title.title, "title", Evidence(file=card.file, line=title.line, excerpt=title.title[:160])))
    for text, signal, evidence in texts:
        matches = [m for m in match_families(text, "name") if m.decisive and m.version is not None]
        for match in matches[:1]:
            parents.add_family(match, None, evidence, signal)
            return


def says_derivative(facts: ModelFacts) -> Evidence | None:
    """Evidence that a model presents itself as a fine-tune, adapter, quantization or merge."""
    card = facts.card
    paths = set(facts.file_paths())
    if "adapter_config.json" in paths:
        return Evidence(file="adapter_config.json", excerpt="a PEFT adapter")
    if card is not None:
        tags = [t.lower() for t in string_list(card.metadata.get("tags"))]
        if any(t in _DERIVATIVE_TAGS for t in tags):
            return Evidence(field="tags", file=card.file, line=card.line_of("tags"))
        for statement in card.derivations:
            if says_own_derivation(statement.text):
                return Evidence(file=card.file, line=statement.line, excerpt=statement.text[:160])
    return None

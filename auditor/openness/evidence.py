"""Evidence of openness: what a model's card, files and links show for each artifact, and under which license.

An item is a file of the repository, a link of the card, a metadata field or a claim in prose. Files and links
are published artifacts; prose claims ("logs coming soon", "we release all code") are intent, not proof. The
license of an item is known only where the repository's license covers it (its own files) or the card states one
(a "License: X" line for the release, or a sentence naming what the license covers); otherwise it is unknown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlsplit

from auditor.facts import Link, ModelFacts
from auditor.licenses.catalog import license_catalog
from auditor.licenses.names import phrase_in
from auditor.licenses.resolve import LicenseProfile
from auditor.sources.card import string_list
from auditor.sources.datasets import evaluation_datasets, training_datasets
from auditor.weights.inspect import weight_format

ItemKind = Literal["field", "file", "link", "prose"]
Scope = Literal["release", "code", "data", "weights", "logs"]

_TRAIN_FILE = re.compile(r"(^|/)(train|training|finetun\w*|fine_tun\w*|pretrain\w*|sft|dpo|rlhf)[^/]*\.(py|sh|ipynb)$"
                         r"|(^|/)(train|training|recipes?)/.+\.(py|sh|yaml|yml|json)$", re.I)  # fmt: skip
_EVAL_FILE = re.compile(
    r"(^|/)(eval|evaluate|evaluation|benchmark)\w*\.(py|sh|ipynb)$|(^|/)(eval|evals|evaluation)/", re.I
)
_LOG_FILE = re.compile(r"events\.out\.tfevents|(^|/)runs/|trainer_state\.json$|(^|/)(train|training)[\w.-]*\.log$"
                       r"|(^|/)(all|train|eval)_results\.json$|(^|/)logs?/", re.I)  # fmt: skip
_TRAIN_WORDS = re.compile(r"\b(train\w*|fine-?tun\w*|pre-?train\w*|recipe|sft|dpo|rlhf|reproduc\w*)\b", re.I)
_EVAL_WORDS = re.compile(r"\b(eval\w*|benchmark\w*|harness|metrics?|analysis)\b", re.I)
_DATA_SECTION = re.compile(r"\b(training data|dataset|datasets|data mix|pretraining data|corpus|data)\b", re.I)
_CLAIMS = {
    "training_code": re.compile(
        r"\b(training|fine-?tuning) (code|scripts?|recipes?)\b|\brelease[sd]? (all|the) (source )?code", re.I
    ),
    "training_metrics": re.compile(r"\b(training|wandb|w&b|tensorboard) (logs?|curves?|metrics)\b", re.I),
    "evaluation_code": re.compile(r"\bevaluation (code|scripts?|harness)\b", re.I),
}  # fmt: skip
_SCOPE_WORDS: dict[Scope, re.Pattern[str]] = {
    "code": re.compile(r"\b(code|codebase|source|scripts?|software|repositor(y|ies))\b", re.I),
    "data": re.compile(r"\b(data|datasets?|corpus|data sequence)\b", re.I),
    "weights": re.compile(r"\b(weights?|checkpoints?|parameters|models?)\b", re.I),
    "logs": re.compile(r"\b(logs?|metrics|curves)\b", re.I),
}
_EXPLICIT = re.compile(r"^\W*licen[cs]e\s*:\s*(.+)$", re.I)


@dataclass(frozen=True, slots=True)
class EvidenceItem:
    """One piece of evidence: where it is, what it shows, and the license that governs it when known."""

    kind: ItemKind
    description: str
    field: str | None = None
    file: str | None = None
    line: int | None = None
    url: str | None = None
    license: str | None = None  # knowledge-base id (or SPDX id) of the governing license
    license_basis: str | None = None

    @property
    def published(self) -> bool:
        return self.kind in ("file", "link", "field")

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in (("kind", self.kind), ("description", self.description), ("field", self.field),
                                  ("file", self.file), ("line", self.line), ("url", self.url),
                                  ("license", self.license), ("license_basis", self.license_basis))
                if v is not None}  # fmt: skip


@dataclass(frozen=True)
class StatedLicense:
    license_id: str
    line: int
    text: str


def stated_licenses(facts: ModelFacts) -> dict[Scope, StatedLicense]:
    """Licenses the card states in prose, by what they cover: the whole release, code, data, weights, logs."""
    stated: dict[Scope, StatedLicense] = {}
    card = facts.card
    for statement in card.license_statements if card else ():
        explicit = _EXPLICIT.match(statement.text)
        if explicit:
            record = license_catalog().get(explicit.group(1))
            license_id = record.id if record is not None and not record.is_placeholder else phrase_in(explicit.group(1))
            if license_id:
                stated.setdefault("release", StatedLicense(license_id, statement.line, statement.text))
            continue
        license_id = phrase_in(statement.text)
        if license_id is None:
            continue
        for scope, words in _SCOPE_WORDS.items():
            if words.search(statement.text):
                stated.setdefault(scope, StatedLicense(license_id, statement.line, statement.text))
    return stated


def owner(facts: ModelFacts) -> str | None:
    """The producer's namespace (Hub org), used to tell first-party links from third-party ones."""
    for separator in ("/", "__"):
        if separator in facts.model_id:
            return facts.model_id.split(separator, 1)[0].lower()
    return None


def first_party(link: Link, facts: ModelFacts) -> bool:
    org = owner(facts)
    segments = [s.lower() for s in urlsplit(link.url).path.split("/") if s]
    if link.kind == "dataset" and len(segments) >= 3:
        return org is not None and segments[1] == org
    return org is not None and bool(segments) and segments[0] == org


def link_description(link: Link) -> str:
    """What the card says about a link: its line, and the next line unless the line is only the link's label."""
    line, _, following = link.context.partition(" | ")
    label_only = line.strip(" -*•:>").lower() == link.text.strip().lower()
    return line if label_only else f"{line} {following}"


class EvidenceCollector:
    """Builds the evidence items of one model; every method is pure over the facts and the license profile."""

    def __init__(self, facts: ModelFacts, profile: LicenseProfile) -> None:
        self.facts = facts
        self.profile = profile
        self.stated = stated_licenses(facts)
        card = facts.card
        self.links = card.links if card else ()
        self.card_file = card.file if card else "README.md"
        self.dataset_cards = {d.id.lower(): d for d in facts.datasets}
        self.repo_license = profile.records[0].id if profile.known and len(profile.records) == 1 else None
        if profile.known and len(profile.records) > 1:
            self.repo_license = profile.expression

    # -- license of an item -------------------------------------------------------------------------------------
    def _repo_file_license(self) -> tuple[str | None, str | None]:
        if self.repo_license:
            return self.repo_license, f"the repository's license ({self.profile.expression})"
        return None, None

    def dataset_license(self, dataset_id: str) -> tuple[str | None, str | None]:
        """The license a dataset's own Hub card declares, when the source read it."""
        card = self.dataset_cards.get(dataset_id.lower())
        if card is None or not card.found or not card.license:
            return None, None
        values = [card.license_name] if card.license[0] == "other" and card.license_name else list(card.license)
        records = [license_catalog().get(v) for v in values]
        ids = [r.id if r is not None else v for r, v in zip(records, values, strict=True)]
        return " AND ".join(ids), f"the dataset card of {card.id} (license: {', '.join(card.license)})"

    def _link_license(self, link: Link, scope: Scope) -> tuple[str | None, str | None]:
        if link.kind == "dataset":
            parts = [p for p in urlsplit(link.url).path.split("/") if p]
            if len(parts) >= 3:
                license_id, basis = self.dataset_license(f"{parts[1]}/{parts[2]}")
                if license_id:
                    return license_id, basis
        own = self.stated.get(scope)
        if own is not None:
            return own.license_id, f'the card states it (line {own.line}: "{own.text[:80]}")'
        release = self.stated.get("release")
        if release is not None and first_party(link, self.facts):
            return release.license_id, f"first-party; the card's release license (line {release.line})"
        return None, None

    def _link_item(self, link: Link, description: str, scope: Scope) -> EvidenceItem:
        license_id, basis = self._link_license(link, scope)
        return EvidenceItem("link", description, file=self.card_file, line=link.line, url=link.url,
                            license=license_id, license_basis=basis)  # fmt: skip

    def _file_item(self, path: str, description: str) -> EvidenceItem:
        license_id, basis = self._repo_file_license()
        return EvidenceItem("file", description, file=path, license=license_id, license_basis=basis)

    def _claims(self, criterion: str) -> list[EvidenceItem]:
        pattern = _CLAIMS.get(criterion)
        card = self.facts.card
        if pattern is None or card is None:
            return []
        return [EvidenceItem("prose", f'claim in prose (intent, not proof): "{s.text[:120]}"', file=card.file,
                             line=s.line) for s in card.claims if pattern.search(s.text)][:3]  # fmt: skip

    # -- criteria -----------------------------------------------------------------------------------------------
    def weights(self) -> list[EvidenceItem]:
        files = self.facts.files
        if files is None:
            return [EvidenceItem("prose", "only the card was given: the repository's weight files are unknown",
                                 file=self.card_file)]  # fmt: skip
        items = [self._file_item(f.path, "weights file") for f in files if weight_format(f.path)]
        return items[:20]

    def intermediate_checkpoints(self) -> list[EvidenceItem]:
        card = self.facts.card
        checkpoint = re.compile(r"/tree/(step|ckpt|checkpoint|iter)", re.I)
        items = [self._link_item(link, "intermediate checkpoint", "weights") for link in self.links
                 if link.kind == "model" and checkpoint.search(link.url)]  # fmt: skip
        if card is not None and card.revisions and self.facts.source in ("hub", "card", "local", "hub-cache"):
            license_id, basis = self._repo_file_license()
            items.append(EvidenceItem("field", f"checkpoint revisions named in code: {', '.join(card.revisions[:5])}",
                                      file=card.file, line=card.usage_line, license=license_id,
                                      license_basis=basis))  # fmt: skip
        return items[:10]

    def training_data(self) -> list[EvidenceItem]:
        items: list[EvidenceItem] = []
        card = self.facts.card
        stated = self.stated.get("data")
        for dataset in string_list(card.metadata.get("datasets")) if card else ():
            url = f"https://huggingface.co/datasets/{dataset}"
            link = Link(url, "dataset", dataset, card.line_of("datasets") or 1) if card else None
            license_id, basis = self.dataset_license(dataset)
            if license_id is None and link is not None:
                license_id, basis = self._link_license(link, "data")
            items.append(EvidenceItem("field", f"dataset {dataset}", field="datasets", file=self.card_file,
                                      line=card.line_of("datasets") if card else None, url=url,
                                      license=license_id, license_basis=basis))  # fmt: skip
        for link in self.links:
            in_data_section = link.section is not None and _DATA_SECTION.search(link.section)
            if link.kind == "dataset" or (in_data_section and link.kind in ("other", "code")):
                items.append(self._link_item(link, f"training data: {link.text or link.url}", "data"))
        if not items and card is not None:
            for section in card.sections:
                if re.search(r"\b(training data|datasets?|data mix|pretraining data)\b", section.title, re.I):
                    items.append(EvidenceItem("prose", f"data described in section '{section.title}' (no link)",
                                              file=card.file, line=section.line))  # fmt: skip
                    break
        if stated is not None and items:
            items = [i if i.license else EvidenceItem(i.kind, i.description, i.field, i.file, i.line, i.url,
                     stated.license_id, f"the card states it (line {stated.line})") for i in items]  # fmt: skip
        return items[:20]

    def _code(
        self, words: re.Pattern[str], file_pattern: re.Pattern[str], what: str, criterion: str
    ) -> list[EvidenceItem]:
        items = [self._file_item(f.path, f"{what} file") for f in self.facts.files or () if file_pattern.search(f.path)]
        for link in self.links:
            if link.kind != "code":
                continue
            said = " ".join((link.url, link.text, link_description(link), link.section or ""))
            if words.search(said):
                items.append(self._link_item(link, f"{what}: {link.text or link.url}", "code"))
        return (items or self._claims(criterion))[:20]

    def training_code(self) -> list[EvidenceItem]:
        return self._code(_TRAIN_WORDS, _TRAIN_FILE, "training code", "training_code")

    def evaluation_code(self) -> list[EvidenceItem]:
        return self._code(_EVAL_WORDS, _EVAL_FILE, "evaluation code", "evaluation_code")

    def training_metrics(self) -> list[EvidenceItem]:
        items = [self._file_item(f.path, "training log or metrics file") for f in self.facts.files or ()
                 if _LOG_FILE.search(f.path)]  # fmt: skip
        items += [self._link_item(link, f"training logs: {link.text or link.url}", "logs") for link in self.links
                  if link.kind == "training_logs"]  # fmt: skip
        return (items or self._claims("training_metrics"))[:20]

    def evaluation_results(self) -> list[EvidenceItem]:
        card = self.facts.card
        items = []
        if card is not None and card.metadata.get("model-index"):
            license_id, basis = self._repo_file_license()
            items.append(EvidenceItem("field", "evaluation results in model-index", field="model-index",
                                      file=card.file, line=card.line_of("model-index"), license=license_id,
                                      license_basis=basis))  # fmt: skip
        if card is not None:
            for section in card.sections:
                if re.search(r"\b(evaluations?|results|benchmarks?)\b", section.title, re.I):
                    license_id, basis = self._repo_file_license()
                    items.append(EvidenceItem("field", f"evaluation section '{section.title}'", file=card.file,
                                              line=section.line, license=license_id, license_basis=basis))  # fmt: skip
                    break
        return items

    def evaluation_data(self) -> list[EvidenceItem]:
        card = self.facts.card
        items = []
        for name in evaluation_datasets(card):
            license_id, basis = self.dataset_license(name)
            items.append(EvidenceItem("field", f"evaluation dataset {name}", field="model-index",
                                      file=self.card_file, line=card.line_of("model-index") if card else None,
                                      url=f"https://huggingface.co/datasets/{name}", license=license_id,
                                      license_basis=basis))  # fmt: skip
        return items[:20]

    def data_cards(self) -> list[EvidenceItem]:
        items = []
        for dataset in self.facts.datasets:
            if dataset.found and dataset.id in training_datasets(self.facts.card):
                license_id, basis = self.dataset_license(dataset.id)
                items.append(EvidenceItem("link", f"dataset card of {dataset.id}",
                                          url=f"https://huggingface.co/datasets/{dataset.id}", license=license_id,
                                          license_basis=basis))  # fmt: skip
        if not items:  # the card itself documents first-party datasets it links
            items = [i for i in self.training_data() if i.url and "/datasets/" in i.url and i.license]
        return items

    def preprocessing_code(self) -> list[EvidenceItem]:
        words = re.compile(r"\b(pre-?process\w*|data[- _]?prep\w*|clean\w*|dedup\w*|filter\w*|tokeni[sz]\w*)", re.I)
        return [self._link_item(link, f"data preprocessing code: {link.text or link.url}", "code")
                for link in self.links if link.kind == "code"
                and words.search(" ".join((link.url, link.text, link_description(link))))][:10]  # fmt: skip

    def papers(self) -> list[EvidenceItem]:
        return [self._link_item(link, f"paper: {link.text or link.url}", "release") for link in self.links
                if link.kind == "paper"][:5]  # fmt: skip

    def technical_reports(self) -> list[EvidenceItem]:
        return [self._link_item(link, f"technical report: {link.text or link.url}", "release") for link in self.links
                if re.search(r"technical report|tech report|blog post|report", f"{link.text} {link.context}", re.I)
                and link.kind in ("paper", "docs", "other")][:5]  # fmt: skip

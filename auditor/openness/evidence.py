"""Evidence of openness: what a model's card, files and links show for each artefact, and under which terms.

Every reference of the card gets a role, a confidence and the words that justify it (auditor.repositories.
references); an evidence item carries them. Items whose role is the criterion's (training data, training code …)
count; the others (a benchmark for training data, a library or quantizer for training code) are set aside and say
why. Files and links are published artefacts; a named dataset or script is a pointer; prose claims ("logs coming
soon") are intent, not proof. Terms are known only where the repository's license covers the item (its own files,
the card's embedded configs), the card states them for that item, the item is first-party code or logs (the card's
declared license, MOF's distribution-wide fallback), a dataset's own Hub card declares them, or the catalogue records
them for a well-known third-party repository. Data never inherits the model's license.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal

from auditor.facts import ModelFacts
from auditor.licenses.catalog import license_catalog
from auditor.licenses.names import phrase_in
from auditor.licenses.resolve import LicenseProfile
from auditor.repositories import cues
from auditor.repositories.references import card_references
from auditor.repositories.roles import COUNTED, RANK, Reference
from auditor.repositories.targets import hub_id
from auditor.sources.datasets import evaluation_datasets
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
_SCOPE_WORDS: dict[Scope, re.Pattern[str]] = {
    "code": re.compile(r"\b(code|codebase|source|scripts?|software|repositor(y|ies))\b", re.I),
    "data": re.compile(r"\b(data|datasets?|corpus|data sequence)\b", re.I),
    "weights": re.compile(r"\b(weights?|checkpoints?|parameters|models?)\b", re.I),
    "logs": re.compile(r"\b(logs?|metrics|curves)\b", re.I),
}
_EXPLICIT = re.compile(r"^\W*licen[cs]e\s*:\s*(.+)$", re.I)
# Creative Commons terms named without a version: non-commercial or no-derivatives whatever the version.
_CC_NOT_OPEN = re.compile(r"\bcc[- ]?(by[- ](nc[- ]nd|nc[- ]sa|nc|nd)|nc[- ]by([- ]sa|[- ]nd)?)\b", re.I)
_CC_OPEN = re.compile(r"\bcc[- ]?by([- ]sa)?\b(?![- ](nc|nd))(?![- ]?\d)", re.I)
_NON_COMMERCIAL = re.compile(r"\bnon-?commercial (use|purposes|license|terms)\b[^.]{0,40}", re.I)
_PROVIDER_TERMS = re.compile(r"\b(openai|chatgpt|gpt-?4|gpt-?3\.5)['’]?s?\b[^.]{0,60}\bterms of (use|service)\b|"
                             r"\bterms of (use|service)\b[^.]{0,40}\b(openai|chatgpt)\b", re.I)  # fmt: skip
_TERMS_WORDS = re.compile(
    r"licen[cs]|terms|\bcc[- ]?(by|nc|0)\b|public domain|non-?commercial|\bunder (the |a |an )?\w", re.I
)
_OPEN_SOURCE_UNNAMED = re.compile(r"\b(open[- ]?sourc\w*|permissive\w*|freely available)\b", re.I)
_DATASHEET = re.compile(r"\b(data ?sheets?|data cards?|dataset cards?)\b", re.I)
_REPORT = re.compile(r"technical report|tech report|blog post|\breport\b", re.I)
_SENTENCE = re.compile(r"(?<=[.;!?])\s+")
_CHECKPOINT = re.compile(r"/tree/(step|ckpt|checkpoint|iter)", re.I)
_RESULTS_SECTION = re.compile(r"\b(evaluations?|results|benchmarks?)\b", re.I)
_PREPROCESSING = re.compile(r"\b(pre-?process\w*|data[- _]?prep\w*|clean\w*|dedup\w*|filter\w*|tokeni[sz]\w*)", re.I)
_ITEM_KIND: dict[str, ItemKind] = {"link": "link", "field": "field", "block": "file", "row": "file"}
_UNDER = re.compile(r"^[^.]{0,80}\b(under|licensed|released under|available under|license[ds]? (is|as))\b", re.I)


NOT_OPEN_TERMS = "LicenseRef-not-open-unnamed"  # terms the card says are non-commercial (or a provider's), unnamed


@dataclass(frozen=True, slots=True)
class EvidenceItem:
    """One piece of evidence: where it is, what it shows, its role and why, and the governing terms when known."""

    kind: ItemKind
    description: str
    field: str | None = None
    file: str | None = None
    line: int | None = None
    url: str | None = None
    license: str | None = None  # knowledge-base id (or SPDX id) of the governing license
    license_basis: str | None = None
    role: str | None = None  # training-data, training-code, project-repo, benchmark, library … (see references)
    confidence: str | None = None  # high / medium / low
    because: str | None = None  # the words of the card (or the catalogue entry) that give the role

    @property
    def published(self) -> bool:
        return self.kind in ("file", "link", "field")

    def to_dict(self) -> dict[str, Any]:
        pairs = (("kind", self.kind), ("description", self.description), ("field", self.field), ("file", self.file),
                 ("line", self.line), ("url", self.url), ("license", self.license),
                 ("license_basis", self.license_basis), ("role", self.role), ("confidence", self.confidence),
                 ("because", self.because))  # fmt: skip
        return {k: v for k, v in pairs if v is not None}


@dataclass(frozen=True)
class CriterionEvidence:
    """The items that count for a criterion and those considered and set aside (with their role)."""

    counted: tuple[EvidenceItem, ...] = ()
    set_aside: tuple[EvidenceItem, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class StatedLicense:
    license_id: str
    line: int
    text: str


def terms_in(text: str) -> tuple[str | None, str | None]:
    """The terms a sentence states (a license id) and how. Creative Commons terms named without a version count
    (non-commercial and no-derivatives ones are not open at any version, BY and BY-SA are open at every version),
    and so do non-commercial terms or a provider's terms of use for generated data that name no license."""
    loose = _CC_NOT_OPEN.search(text)
    if loose:
        family = "-".join(sorted(set(re.findall(r"nc|nd|sa", loose.group(0).lower())), key=["nc", "nd", "sa"].index))
        return f"cc-by-{family}-4.0", f'"{loose.group(0)}" (no version stated; {family.upper()} terms at every version)'
    license_id = phrase_in(text)
    if license_id:
        return license_id, f'"{text[:100]}"'
    provider = _PROVIDER_TERMS.search(text)
    if provider:
        return NOT_OPEN_TERMS, f'"{provider.group(0)}" (a provider\'s terms for generated data)'
    unnamed = _NON_COMMERCIAL.search(text)
    if unnamed:
        return NOT_OPEN_TERMS, f'"{unnamed.group(0)}" (non-commercial terms, license not named)'
    loose = _CC_OPEN.search(text)
    if loose:
        family = "cc-by-sa" if "sa" in loose.group(0).lower() else "cc-by"
        return f"{family}-4.0", f'"{loose.group(0)}" (no version stated; {family.upper()} is open at every version)'
    return None, None


def stated_licenses(facts: ModelFacts) -> dict[Scope, StatedLicense]:
    """Licenses the card states in prose, by what each sentence covers: the release, code, data, weights, logs."""
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
        for sentence in _SENTENCE.split(statement.text):
            license_id = phrase_in(sentence)
            if license_id is None:
                continue
            for scope, words in _SCOPE_WORDS.items():
                subject = words.search(sentence)
                if subject and (scope != "data" or _UNDER.search(sentence[subject.start() :])):
                    stated.setdefault(scope, StatedLicense(license_id, statement.line, sentence))
    return stated


def owner(facts: ModelFacts) -> str | None:
    """The producer's namespace (Hub org), used to tell first-party links from third-party ones."""
    model = hub_id(facts.model_id)
    return model.split("/", 1)[0].lower() if "/" in model else None


class EvidenceCollector:
    """Builds the evidence items of one model; every method is pure over the facts and the license profile."""

    def __init__(self, facts: ModelFacts, profile: LicenseProfile) -> None:
        self.facts = facts
        self.profile = profile
        self.stated = stated_licenses(facts)
        card = facts.card
        self.card_file = card.file if card else "README.md"
        self.dataset_cards = {d.id.lower(): d for d in facts.datasets}
        self.repo_license = profile.records[0].id if profile.known and len(profile.records) == 1 else None
        if profile.known and len(profile.records) > 1:
            self.repo_license = profile.expression
        self.references = card_references(card, facts.model_id)
        self.org = owner(facts)

    # -- terms ----------------------------------------------------------------------------------------------------
    def _repo_terms(self) -> tuple[str | None, str | None]:
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

    def _first_party_terms(self, scope: Scope, ref: Reference) -> tuple[str | None, str | None]:
        """First-party code or logs: the terms the card states for them, else the card's declared license."""
        own = self.stated.get(scope)
        if own is not None:
            return own.license_id, f'the card states it (line {own.line}: "{own.text[:80]}")'
        if scope == "code" and _OPEN_SOURCE_UNNAMED.search(ref.text) and phrase_in(ref.text) is None:
            return None, None  # the card gives the code terms of its own, without naming them
        if self.repo_license:
            return self.repo_license, f"first-party; the card's declared license ({self.profile.expression})"
        release = self.stated.get("release")
        if release is not None:
            return release.license_id, f"first-party; the card's release license (line {release.line})"
        return None, None

    def _code_terms(self, ref: Reference, scope: Scope = "code") -> tuple[str | None, str | None]:
        if ref.role == "project-repo" or ref.kind == "claim":
            return None, None  # a pointer without proof of what it holds
        if ref.in_this_repo:
            return self._repo_terms()
        entry = ref.entry
        if entry is not None and entry.license and entry.role == "evaluation-harness" and not ref.first_party:
            if not cues.said(cues.SETTINGS, ref.text, *ref.context):
                return None, None  # a harness named as used, without the settings that reproduce the results
            return entry.license, f"catalogue: {entry.name}'s license ({entry.source}); settings stated"
        if entry is not None and entry.license and entry.role != "training-data":
            return entry.license, f"catalogue: {entry.name}'s license ({entry.source})"
        if ref.first_party and ref.kind in ("link", "mention"):
            return self._first_party_terms(scope, ref)
        return None, None

    def _data_terms(self, ref: Reference) -> tuple[str | None, str | None]:
        if ref.kind == "claim":
            return None, None
        dataset = ref.repo or ref.name
        if dataset and ref.url and "/datasets/" in ref.url:
            license_id, basis = self.dataset_license(dataset)
            if license_id:
                return license_id, basis
        for text in dict.fromkeys((ref.text, *ref.context)) if ref.kind in ("mention", "row", "link") else ():
            license_id, words = terms_in(text) if _TERMS_WORDS.search(text) else (None, None)
            if license_id:
                return license_id, f"the card states it for this data ({words})"
        general = self.stated.get("data")
        owned = ref.first_party or (self.org is not None and (ref.repo or "").lower().startswith(self.org + "/"))
        if general is not None and owned:
            return (
                general.license_id,
                f'first-party data; the card states it (line {general.line}: "{general.text[:80]}")',
            )
        return None, None

    # -- items ----------------------------------------------------------------------------------------------------
    def _item(self, ref: Reference, terms: tuple[str | None, str | None] = (None, None)) -> EvidenceItem:
        kind = _ITEM_KIND.get(ref.kind, "prose")
        what = ref.role.replace("-", " ")
        label = ref.name or ref.url or ""
        if ref.kind == "claim":
            description = f'claim in prose (intent, not proof): "{ref.text[:120]}"'
        elif ref.kind == "block":
            description = f"{label} embedded in the card" + (f' ("{ref.text[:80]}")' if ref.text else "")
        else:
            description = f"{what}: {label}"[:200]
        return EvidenceItem(kind, description, field="datasets" if ref.kind == "field" else None,
                            file=self.card_file, line=ref.line, url=ref.url, license=terms[0],
                            license_basis=terms[1], role=ref.role, confidence=ref.confidence,
                            because=ref.because[:240])  # fmt: skip

    def _split(self, criterion: str, terms: Any) -> CriterionEvidence:
        """Counted items (the criterion's roles, at least medium confidence) and the set-aside ones (other roles
        a reader might take for it, and weak ones)."""
        roles = COUNTED[criterion]
        counted, aside = [], []
        tempting = _TEMPTING[criterion]
        for ref in self.references:
            if ref.role in roles and RANK[ref.confidence] >= RANK["medium"]:
                counted.append(self._item(ref, terms(ref)))
            elif ref.role in roles or ref.role in tempting:
                aside.append(self._item(ref))
        if any(i.role != "project-repo" and not i.description.startswith("claim") for i in counted):
            aside += [i for i in counted if i.description.startswith("claim")]  # artefacts decide, not intent
            counted = [i for i in counted if not i.description.startswith("claim")]
        return CriterionEvidence(tuple(_unique(counted)[:20]), tuple(_unique(aside)[:10]))

    # -- criteria ---------------------------------------------------------------------------------------------
    def training_data(self) -> CriterionEvidence:
        return self._split("training_data", self._data_terms)

    def training_code(self) -> CriterionEvidence:
        found = self._split("training_code", self._code_terms)
        files = [EvidenceItem("file", "training code file", file=f.path, license=self._repo_terms()[0],
                              license_basis=self._repo_terms()[1], role="training-code", confidence="high",
                              because=f"a training script in the repository ({f.path})")
                 for f in self.facts.files or () if _TRAIN_FILE.search(f.path)]  # fmt: skip
        return CriterionEvidence(tuple([*files, *found.counted][:20]), found.set_aside)

    def evaluation_code(self) -> CriterionEvidence:
        found = self._split("evaluation_code", self._code_terms)
        files = [EvidenceItem("file", "evaluation code file", file=f.path, license=self._repo_terms()[0],
                              license_basis=self._repo_terms()[1], role="evaluation-code", confidence="high",
                              because=f"an evaluation script in the repository ({f.path})")
                 for f in self.facts.files or () if _EVAL_FILE.search(f.path)]  # fmt: skip
        return CriterionEvidence(tuple([*files, *found.counted][:20]), found.set_aside)

    def training_metrics(self) -> CriterionEvidence:
        found = self._split("training_metrics", lambda ref: self._code_terms(ref, "logs"))
        files = [EvidenceItem("file", "training log or metrics file", file=f.path, license=self._repo_terms()[0],
                              license_basis=self._repo_terms()[1], role="training-logs", confidence="high",
                              because=f"a log or metrics file in the repository ({f.path})")
                 for f in self.facts.files or () if _LOG_FILE.search(f.path)]  # fmt: skip
        return CriterionEvidence(tuple([*files, *found.counted][:20]), found.set_aside)

    def weights(self) -> list[EvidenceItem]:
        files = self.facts.files
        if files is None:  # a bare card knows no files; a single weights file given as the target is itself one
            given = [w for w in self.facts.weights or () if w.is_weights]
            return [EvidenceItem("file", f"weights file ({w.format})", file=w.path, role="weights", confidence="high",
                                 because="the weights file given as the target") for w in given]  # fmt: skip
        return [EvidenceItem("file", f"weights file ({weight_format(f.path)})", file=f.path, role="weights",
                             confidence="high", because="a weights file of the repository")
                for f in files if weight_format(f.path)][:20]  # fmt: skip

    def intermediate_checkpoints(self) -> list[EvidenceItem]:
        card = self.facts.card
        items = []
        for ref in self.references:
            if ref.kind == "link" and ref.url and _CHECKPOINT.search(ref.url):
                items.append(self._item(ref, self._first_party_terms("weights", ref) if ref.first_party else
                                        (None, None)))  # fmt: skip
        if card is not None and card.revisions and self.facts.source in ("hub", "card", "local", "hub-cache"):
            license_id, basis = self._repo_terms()
            items.append(EvidenceItem("field", f"checkpoint revisions named in code: {', '.join(card.revisions[:5])}",
                                      file=card.file, line=card.usage_line, license=license_id,
                                      license_basis=basis))  # fmt: skip
        return items[:10]

    def evaluation_results(self) -> list[EvidenceItem]:
        card = self.facts.card
        items = []
        license_id, basis = self._repo_terms()
        if card is not None and card.metadata.get("model-index"):
            items.append(EvidenceItem("field", "evaluation results in model-index", field="model-index",
                                      file=card.file, line=card.line_of("model-index"), license=license_id,
                                      license_basis=basis))  # fmt: skip
        for section in card.sections if card else ():
            if _RESULTS_SECTION.search(section.title):
                items.append(EvidenceItem("field", f"evaluation section '{section.title}'", file=self.card_file,
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
                                      license_basis=basis, role="evaluation-data", confidence="high",
                                      because="named by model-index results"))  # fmt: skip
        return items[:20]

    def data_cards(self, data: CriterionEvidence) -> list[EvidenceItem]:
        """Dataset cards of the training data (read from the Hub) or first-party dataset pages with known terms."""
        items = []
        training = {i.url.rsplit("/datasets/", 1)[-1].lower() for i in data.counted if i.url and "/datasets/" in i.url}
        for dataset in self.facts.datasets:
            if dataset.found and dataset.id.lower() in training:
                license_id, basis = self.dataset_license(dataset.id)
                items.append(EvidenceItem("link", f"dataset card of {dataset.id}",
                                          url=f"https://huggingface.co/datasets/{dataset.id}", license=license_id,
                                          license_basis=basis))  # fmt: skip
        items = items or [i for i in data.counted if i.url and "/datasets/" in i.url and i.license]
        return items or [self._item(ref, self._release_terms()) for ref in self.references
                         if ref.kind == "link" and cues.said(_DATASHEET, ref.text)][:3]  # fmt: skip

    def _release_terms(self) -> tuple[str | None, str | None]:
        """A paper or report of the release: the license the card states for the release (MOF's fallback)."""
        release = self.stated.get("release")
        if release is None:
            return None, None
        return release.license_id, f"the card's release license (line {release.line})"

    def preprocessing_code(self) -> list[EvidenceItem]:
        found = [ref for ref in self.references
                 if ref.kind == "link" and ref.role in ("training-code", "project-repo", "other")
                 and ref.url and "github" in ref.url and _PREPROCESSING.search(f"{ref.url} {ref.text}")]  # fmt: skip
        return [self._item(ref, self._code_terms(ref)) for ref in found[:10]]

    def papers(self) -> list[EvidenceItem]:
        return [self._item(ref, self._release_terms()) for ref in self.references
                if ref.kind == "link" and ref.role == "paper"][:5]  # fmt: skip

    def technical_reports(self) -> list[EvidenceItem]:
        return [self._item(ref, self._release_terms()) for ref in self.references if ref.kind == "link"
                and ref.role in ("paper", "other") and cues.said(_REPORT, ref.text)][:5]  # fmt: skip


# Roles a reader might mistake for each criterion's: kept as "set aside", with the reason, in the result.
_TEMPTING = {
    "training_data": frozenset({"benchmark", "evaluation-data"}),
    "training_code": frozenset({"library", "quantizer", "tool"}),
    "evaluation_code": frozenset({"benchmark"}),
    "training_metrics": frozenset(),
}


def _unique(items: list[EvidenceItem]) -> list[EvidenceItem]:
    """One item per target and role: the first, unless a later one knows the terms."""
    kept: dict[tuple[str, str | None], EvidenceItem] = {}
    for item in items:
        key = (item.url or item.description.lower(), item.role)
        if key not in kept or (item.license and not kept[key].license):
            kept[key] = item
    return list(kept.values())

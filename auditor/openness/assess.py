"""Openness from evidence: the five criteria, the MOF class the evidence supports, and the OSAID verdict."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from auditor.facts import ModelFacts
from auditor.licenses.catalog import license_catalog
from auditor.licenses.resolve import LicenseProfile
from auditor.openness.evidence import EvidenceCollector, EvidenceItem
from auditor.openness.mof import ComponentStatus, MofResult, classify, mof_data
from auditor.vocabulary import mof_label

CriterionStatus = Literal["open", "restricted", "unverified", "absent"]
CRITERIA = ("training_data", "weights", "evaluation_code", "training_code", "training_metrics")
# Libraries whose model classes implement the architecture, with their license (their repositories' LICENSE).
ARCHITECTURE_LIBRARIES = {
    "transformers": "apache-2.0", "diffusers": "apache-2.0", "sentence-transformers": "apache-2.0",
    "timm": "apache-2.0", "peft": "apache-2.0", "open_clip": "mit", "espnet": "apache-2.0", "nemo": "apache-2.0",
    "flair": "mit", "fairseq": "mit", "keras": "apache-2.0", "spacy": "mit", "setfit": "apache-2.0",
}  # fmt: skip


def license_is_open(license_id: str | None) -> bool | None:
    """True for OSI-approved or open-data licenses (the MOT's notion); False for known others; None unknown."""
    if not license_id:
        return None
    catalog = license_catalog()
    parts = [p.strip("() ") for p in license_id.replace(" OR ", " AND ").split(" AND ")]
    verdicts: list[bool | None] = []
    for part in parts:
        record = catalog.get(part)
        if record is None or record.is_placeholder or record.family:
            verdicts.append(None)
        else:
            verdicts.append(bool(record.osi_approved) or mof_data().is_open(record.spdx))
    if False in verdicts:
        return False
    return None if None in verdicts else True


@dataclass(frozen=True)
class Criterion:
    status: CriterionStatus
    evidence: tuple[EvidenceItem, ...]
    license: str | None
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"status": self.status, "license": self.license, "reason": self.reason,
                "evidence": [e.to_dict() for e in self.evidence]}  # fmt: skip


def judge(items: Sequence[EvidenceItem], what: str) -> Criterion:
    """open / restricted / unverified / absent from the evidence items of one criterion."""
    published = [i for i in items if i.published]
    if not published:
        if items:
            return Criterion("unverified", tuple(items), None, f"{what}: claimed, but no file or link was found")
        return Criterion("absent", (), None, f"{what}: no evidence found")
    verdicts = [(license_is_open(i.license), i) for i in published]
    opened = [i for verdict, i in verdicts if verdict is True]
    if opened:
        return Criterion("open", tuple(items), opened[0].license, f"{what}: published under open terms")
    closed = [i for verdict, i in verdicts if verdict is False]
    if closed:
        return Criterion("restricted", tuple(items), closed[0].license,
                         f"{what}: published under terms that are not open ({closed[0].license})")  # fmt: skip
    return Criterion("unverified", tuple(items), None, f"{what}: published, but under no stated license")


@dataclass(frozen=True)
class Osaid:
    conformant: bool
    reasons: tuple[str, ...]
    caveats: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"conformant": self.conformant, "reasons": list(self.reasons), "caveats": list(self.caveats)}


@dataclass(frozen=True)
class Openness:
    criteria: Mapping[str, Criterion]
    mof: MofResult
    osaid: Osaid
    mot_comparison: tuple[dict[str, Any], ...] = field(default_factory=tuple)

    def to_dict(self) -> dict[str, Any]:
        next_class = {0: 3, 3: 2, 2: 1}.get(self.mof.mof_class)
        return {
            "criteria": {name: c.to_dict() for name, c in self.criteria.items()},
            "mof_class": self.mof.mof_class,
            "mof_label": mof_label(self.mof.mof_class),
            "mof_progress": self.mof.progress,
            "mof_components": {n: s.to_dict() for n, s in self.mof.components.items()},
            "mof_missing_for_next_class": None if next_class is None else {
                "class": next_class,
                "missing": self.mof.per_class["missing"][str(next_class)],
                "unlicensed": self.mof.per_class["unlicensed"][str(next_class)],
                "invalid": self.mof.per_class["invalid"][str(next_class)],
            },
            "osaid": self.osaid.to_dict(),
            "mot_comparison": list(self.mot_comparison),
        }  # fmt: skip


def _component(name: str, items: Sequence[EvidenceItem]) -> ComponentStatus:
    """An MOF component status from evidence: included (open), invalid (not open), unlicensed, or missing."""
    published = [i for i in items if i.published]
    if not published:
        return ComponentStatus(name, "missing", None)
    for item in published:
        if license_is_open(item.license):
            return ComponentStatus(name, "included", _spdx(item.license))
    closed = next((i for i in published if license_is_open(i.license) is False), None)
    if closed is not None:
        return ComponentStatus(name, "invalid", _spdx(closed.license))
    return ComponentStatus(name, "unlicensed", None)


def _spdx(license_id: str | None) -> str | None:
    record = license_catalog().get(license_id) if license_id else None
    return record.spdx if record is not None else license_id


def assess_openness(facts: ModelFacts, profile: LicenseProfile) -> Openness:
    collect = EvidenceCollector(facts, profile)
    evidence = {
        "training_data": collect.training_data(),
        "weights": collect.weights(),
        "evaluation_code": collect.evaluation_code(),
        "training_code": collect.training_code(),
        "training_metrics": collect.training_metrics(),
    }
    names = {"training_data": "training data", "weights": "the weights", "evaluation_code": "evaluation code",
             "training_code": "training code", "training_metrics": "training metrics/logs"}  # fmt: skip
    criteria = {key: judge(items, names[key]) for key, items in evidence.items()}
    repo_license = collect.repo_license
    card_item = ([EvidenceItem("file", "model card", file=facts.card.file, license=repo_license,
                               license_basis="the repository's license")] if facts.card else [])  # fmt: skip
    components: dict[str, list[EvidenceItem]] = {
        "Model architecture": _architecture(facts, collect),
        "Model parameters (Final)": evidence["weights"],
        "Model card": card_item,
        "Data card": collect.data_cards(),
        "Technical report": collect.technical_reports(),
        "Evaluation results": collect.evaluation_results(),
        "Training code": evidence["training_code"],
        "Inference code": _inference(facts, collect),
        "Evaluation code": evidence["evaluation_code"],
        "Evaluation data": collect.evaluation_data(),
        "Data preprocessing code": collect.preprocessing_code(),
        "Datasets": evidence["training_data"],
        "Model parameters (Intermediate)": collect.intermediate_checkpoints(),
        "Research paper": collect.papers(),
        "Model metadata": [],
        "Sample model outputs": [],
        "Supporting libraries and tools": [],
    }
    statuses = {c.name: _component(c.name, components.get(c.name, [])) for c in mof_data().components}
    mof = classify(statuses)
    return Openness(criteria, mof, _osaid(criteria, profile, files_known=facts.files is not None))


def _architecture(facts: ModelFacts, collect: EvidenceCollector) -> list[EvidenceItem]:
    card = facts.card
    library = str(card.metadata.get("library_name") or "") if card else ""
    if not library and facts.hub and facts.hub.library_name:
        library = facts.hub.library_name
    paths = {f.path for f in facts.files or ()}
    if not library and "config.json" in paths:
        library = "transformers"
    items = [
        collect._file_item(p, "model code") for p in sorted(paths) if p.startswith("modeling_") and p.endswith(".py")
    ]
    if library.lower() in ARCHITECTURE_LIBRARIES:
        items.append(EvidenceItem("field", f"architecture implemented in {library}", field="library_name",
                                  license=ARCHITECTURE_LIBRARIES[library.lower()],
                                  license_basis=f"the {library} library's license"))  # fmt: skip
    return items


def _inference(facts: ModelFacts, collect: EvidenceCollector) -> list[EvidenceItem]:
    card = facts.card
    architecture = _architecture(facts, collect)
    if card is None or card.usage_line is None:
        return [i for i in architecture if i.kind == "file"]
    return [EvidenceItem("field", "usage snippet loads the model with its library", file=card.file,
                         line=card.usage_line, license=i.license, license_basis=i.license_basis)
            for i in architecture]  # fmt: skip


def _osaid(criteria: Mapping[str, Criterion], profile: LicenseProfile, *, files_known: bool) -> Osaid:
    """OSI Open Source AI Definition 1.0: data information, code and parameters under OSI-approved terms."""
    reasons = []
    caveats = []
    weights = criteria["weights"]
    if profile.osi_approved is not True:
        reasons.append(f"parameters are not under OSI-approved terms ({profile.expression or 'no license'})")
    elif weights.status == "absent":
        reasons.append("parameters (weights) are not published")
    elif not files_known:
        caveats.append("only the card was read: the published parameters themselves were not seen")
    code = criteria["training_code"]
    code_record = license_catalog().get(code.license) if code.license else None
    if code.status != "open" or code_record is None or not code_record.osi_approved:
        reasons.append(f"training code is not available under OSI-approved terms ({code.status})")
    data = criteria["training_data"]
    if data.status == "absent" or not any(i.published for i in data.evidence):
        reasons.append("no data information: the training data is not identified")
    caveats += [f"{name.replace('_', ' ')}: license inferred ({item.license_basis})"
                for name in ("training_code",) for item in criteria[name].evidence[:1]
                if item.license_basis and "first-party" in item.license_basis]  # fmt: skip
    return Osaid(not reasons, tuple(reasons), tuple(caveats))


def compare_with_mot(openness: Openness, record: Mapping[str, Any]) -> tuple[dict[str, Any], ...]:
    """Where an MOT record (the producer's self-declaration) and the evidence disagree, component by component."""
    from auditor.openness.mof import classify_record

    declared = classify_record(record)
    rows: list[dict[str, Any]] = []
    for name, claimed in declared.components.items():
        found = openness.mof.components.get(name)
        if found is None or claimed.status == found.status:
            continue
        if claimed.status == "missing" and found.status != "included":
            continue  # the record is silent and the evidence shows nothing open either
        rows.append({"component": name, "declared": claimed.status, "declared_license": claimed.license,
                     "evidence": found.status, "evidence_license": found.license})  # fmt: skip
    if declared.mof_class != openness.mof.mof_class:
        rows.append({"component": "class", "declared": declared.mof_class, "declared_license": None,
                     "evidence": openness.mof.mof_class, "evidence_license": None})  # fmt: skip
    return tuple(rows)

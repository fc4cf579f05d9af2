"""Openness from evidence: the five criteria, the MOF class the evidence supports, and the OSAID verdict."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

from auditor.facts import ModelFacts
from auditor.licenses.catalog import license_catalog
from auditor.licenses.resolve import LicenseProfile
from auditor.lineage.effective import EffectiveTerms
from auditor.openness.evidence import NOT_OPEN_TERMS, CriterionEvidence, EvidenceCollector, EvidenceItem
from auditor.openness.mof import ComponentStatus, MofResult, classify, mof_data
from auditor.repositories.roles import RANK
from auditor.vocabulary import mof_label
from auditor.weights.inspect import weight_format

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
    if license_id == NOT_OPEN_TERMS:
        return False
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


OpenVerdict = Callable[[str | None], bool | None]
_T = TypeVar("_T")


def _once_each(work: Callable[[str | None], _T]) -> Callable[[str | None], _T]:
    """``work`` done once per license id: within one assessment, many items carry the same terms."""
    known: dict[str | None, _T] = {}

    def remembered(license_id: str | None) -> _T:
        if license_id not in known:
            known[license_id] = work(license_id)
        return known[license_id]

    return remembered


@dataclass(frozen=True)
class Criterion:
    status: CriterionStatus
    evidence: tuple[EvidenceItem, ...]
    license: str | None
    reason: str
    set_aside: tuple[EvidenceItem, ...] = ()  # considered and not counted (a benchmark, a library …), with why
    terms_status: CriterionStatus | None = None  # weights: what the terms alone say when the files are unseen

    def to_dict(self) -> dict[str, Any]:
        payload: dict[str, Any] = {"status": self.status, "license": self.license, "reason": self.reason,
                                   "evidence": [e.to_dict() for e in self.evidence],
                                   "set_aside": [e.to_dict() for e in self.set_aside]}  # fmt: skip
        if self.terms_status is not None:
            payload["terms_status"] = self.terms_status
        return payload


def _terms_status(license_id: str | None, is_open: OpenVerdict = license_is_open) -> CriterionStatus:
    verdict = is_open(license_id)
    return "open" if verdict is True else "restricted" if verdict is False else "unverified"


def _where(item: EvidenceItem) -> str:
    place = item.url or (f"{item.file} line {item.line}" if item.line else item.file) or item.field or ""
    because = f" — {item.because}" if item.because else ""
    return f"{place}{because}"


def judge(
    found: CriterionEvidence, what: str, *, all_parts: bool = False, is_open: OpenVerdict = license_is_open
) -> Criterion:
    """open / restricted / unverified / absent from the counted items of one criterion.

    ``open`` needs a concrete artefact (a file, link or field, or a config embedded in the card) under known open
    terms; ``restricted`` the same under known terms that are not open; ``unverified`` a pointer without proof or
    without terms (a named dataset, the project's repository, a promise); ``absent`` no pointer at all. One item
    decides — the strongest (most confident, with known terms) — except where the criterion has parts
    (``all_parts``: several datasets), which are open only if every part is: restricted if any part is not open.
    """
    items = found.counted
    if not items:
        return Criterion("absent", (), None, f"{what}: the card gives no pointer", found.set_aside)
    concrete = [i for i in items if i.published and i.role != "project-repo"]
    judged = [(is_open(i.license), i) for i in concrete]
    opened = [i for verdict, i in judged if verdict is True]
    if all_parts:
        closed = [i for i in items if is_open(i.license) is False]
        if closed:
            return Criterion("restricted", items, closed[0].license,
                             f"{what}: {_where(closed[0])}; under terms that are not open ({closed[0].license})",
                             found.set_aside)  # fmt: skip
        if opened and len(opened) == len(items):
            return Criterion("open", items, opened[0].license, f"{what}: every part under open terms",
                             found.set_aside)  # fmt: skip
    else:
        known = sorted((i for v, i in judged if v is not None), key=lambda i: -RANK.get(i.confidence or "low", 1))
        if known:
            best = known[0]
            if is_open(best.license):
                return Criterion(
                    "open",
                    items,
                    best.license,
                    f"{what}: {_where(best)}; under open terms ({best.license_basis})",
                    found.set_aside,
                )
            return Criterion("restricted", items, best.license,
                             f"{what}: {_where(best)}; under terms that are not open ({best.license}: "
                             f"{best.license_basis})", found.set_aside)  # fmt: skip
    first = sorted(items, key=lambda i: -RANK.get(i.confidence or "low", 1))[0]
    if not concrete:
        why = "a pointer without proof of what it holds or under which terms"
    else:
        why = "published, but under no known terms"
    return Criterion("unverified", items, None, f"{what}: {_where(first)}; {why}", found.set_aside)


def judge_weights(
    items: list[EvidenceItem],
    license_id: str | None,
    basis: str,
    *,
    files_known: bool,
    is_open: OpenVerdict = license_is_open,
) -> Criterion:
    """Weights from the repository listing (or the weights file given as the target) under the model's effective
    terms; a card alone cannot show them."""
    terms = _terms_status(license_id, is_open)
    if not files_known:
        reason = ("weights: only the card was read, so the repository's files are unknown; "
                  + (f"if it holds the weights the card describes, they are under {license_id} ({basis})"
                     if license_id else "and the card states no known license"))  # fmt: skip
        return Criterion("unverified", (), license_id, reason, terms_status=terms)
    if not items:
        return Criterion("absent", (), None, "weights: the repository holds no weights file")
    usable = [i for i in items if i.file and weight_format(i.file)]
    stamped = tuple(EvidenceItem(i.kind, i.description, file=i.file, license=license_id, license_basis=basis,
                                 role=i.role, confidence=i.confidence, because=i.because) for i in usable)  # fmt: skip
    if terms == "unverified":
        return Criterion("unverified", stamped, None, "weights: published, but under no known license")
    words = "open terms" if terms == "open" else "terms that are not open"
    return Criterion(terms, stamped, license_id, f"weights: {len(usable)} weights file(s) under {words} ({basis})")


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


def _component(
    name: str,
    items: Sequence[EvidenceItem],
    is_open: OpenVerdict,
    spdx: Callable[[str | None], str | None],
) -> ComponentStatus:
    """An MOF component status from evidence: included (open), invalid (not open), unlicensed, or missing."""
    published = [i for i in items if i.published]
    if not published:
        return ComponentStatus(name, "missing", None)
    closed = None
    for item in published:
        verdict = is_open(item.license)
        if verdict:
            return ComponentStatus(name, "included", spdx(item.license))
        if verdict is False and closed is None:
            closed = item
    if closed is not None:
        return ComponentStatus(name, "invalid", spdx(closed.license))
    return ComponentStatus(name, "unlicensed", None)


def _spdx(license_id: str | None) -> str | None:
    record = license_catalog().get(license_id) if license_id else None
    return record.spdx if record is not None else license_id


def effective_weights_terms(profile: LicenseProfile, effective: EffectiveTerms | None) -> tuple[str | None, str]:
    """The license of the weights: the model's own, made stricter by every ancestor's and binding data terms."""
    records = [r for r in profile.records if not r.is_placeholder]
    own = (records[0].id if len(records) == 1 else profile.expression) if profile.known else None
    if effective is None or not effective.inherited:
        return own, f"the model's license ({profile.expression or 'none'})"
    ids = list(dict.fromkeys(s.record.id for s in effective.sources if not s.record.is_placeholder))
    if not ids or own is None:
        return own, f"the model's license ({profile.expression or 'none'})"
    names = ", ".join(f"{s.record.id} ({s.origin}{': ' + s.name if s.name else ''})" for s in effective.sources)
    return " AND ".join(ids), f"effective terms after lineage: {names}"


def assess_openness(facts: ModelFacts, profile: LicenseProfile, effective: EffectiveTerms | None = None) -> Openness:
    collect = EvidenceCollector(facts, profile)
    is_open = _once_each(license_is_open)
    found = {
        "training_data": collect.training_data(),
        "evaluation_code": collect.evaluation_code(),
        "training_code": collect.training_code(),
        "training_metrics": collect.training_metrics(),
    }
    names = {"training_data": "training data", "evaluation_code": "evaluation code",
             "training_code": "training code", "training_metrics": "training metrics/logs"}  # fmt: skip
    weights_license, weights_basis = effective_weights_terms(profile, effective)
    seen = facts.files is not None or any(w.is_weights for w in facts.weights or ())  # a listing, or the file itself
    weights = judge_weights(collect.weights(), weights_license, weights_basis, files_known=seen, is_open=is_open)
    criteria = {
        "training_data": judge(found["training_data"], names["training_data"], all_parts=True, is_open=is_open),
        "weights": weights,
        **{
            key: judge(found[key], names[key], is_open=is_open)
            for key in ("evaluation_code", "training_code", "training_metrics")
        },
    }
    repo_license = collect.repo_license
    card_item = ([EvidenceItem("file", "model card", file=facts.card.file, license=repo_license,
                               license_basis="the repository's license")] if facts.card else [])  # fmt: skip
    code_items = [i for i in found["training_code"].counted if i.role == "training-code"]
    architecture = _architecture(facts, collect)
    components: dict[str, list[EvidenceItem]] = {
        "Model architecture": architecture,
        "Model parameters (Final)": list(weights.evidence),
        "Model card": card_item,
        "Data card": collect.data_cards(found["training_data"]),
        "Technical report": collect.technical_reports(),
        "Evaluation results": collect.evaluation_results(),
        "Training code": code_items,
        "Inference code": _inference(facts, architecture),
        "Evaluation code": list(found["evaluation_code"].counted),
        "Evaluation data": collect.evaluation_data(),
        "Data preprocessing code": collect.preprocessing_code(),
        "Datasets": list(found["training_data"].counted),
        "Model parameters (Intermediate)": collect.intermediate_checkpoints(),
        "Research paper": collect.papers(),
        "Model metadata": [],
        "Sample model outputs": [],
        "Supporting libraries and tools": [],
    }
    spdx = _once_each(_spdx)
    statuses = {c.name: _component(c.name, components.get(c.name, []), is_open, spdx) for c in mof_data().components}
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
        EvidenceItem(
            "file", "model code", file=p, license=collect.repo_license, license_basis="the repository's license"
        )
        for p in sorted(paths)
        if p.startswith("modeling_") and p.endswith(".py")
    ]
    if library.lower() in ARCHITECTURE_LIBRARIES:
        items.append(EvidenceItem("field", f"architecture implemented in {library}", field="library_name",
                                  license=ARCHITECTURE_LIBRARIES[library.lower()],
                                  license_basis=f"the {library} library's license"))  # fmt: skip
    return items


def _inference(facts: ModelFacts, architecture: list[EvidenceItem]) -> list[EvidenceItem]:
    card = facts.card
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
    if data.status == "absent" or all(i.description.startswith("claim") for i in data.evidence):
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

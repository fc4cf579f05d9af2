"""AuditResult: the one shape every renderer reads, and its versioned JSON contract."""

from __future__ import annotations

import datetime as _dt
import os
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Literal

from auditor import __version__
from auditor.facts import ModelFacts
from auditor.findings import SEVERITIES, Finding, Severity, severity_at_least
from auditor.licenses.resolve import LicenseProfile
from auditor.licenses.terms import combine_all
from auditor.lineage.tree import LineageNode, unresolved_parents
from auditor.openness.assess import Openness
from auditor.sources.card import string_list, string_value
from auditor.sources.datasets import evaluation_datasets, training_datasets

SCHEMA_VERSION = "1"
VerdictStatus = Literal["pass", "fail", "error"]
_NO_OPENNESS: dict[str, Any] = {
    "criteria": {},
    "mof_class": None,
    "mof_progress": None,
    "mof_components": {},
    "mof_missing_for_next_class": None,
    "osaid": None,
    "mot_comparison": [],
}


@dataclass(frozen=True, slots=True)
class Verdict:
    status: VerdictStatus
    fail_on: Severity
    counts: dict[str, int]
    reasons: tuple[str, ...] = ()
    policy: dict[str, Any] | None = None  # path, sha256 and waivers used / expired / stale


@dataclass(frozen=True, slots=True)
class AuditError:
    kind: str
    message: str


@dataclass(frozen=True, slots=True)
class AuditResult:
    """The outcome of auditing one target. ``facts`` is None when the target could not be read."""

    target: str
    facts: ModelFacts | None
    findings: tuple[Finding, ...]
    verdict: Verdict
    error: AuditError | None = None
    license: LicenseProfile | None = None
    openness: Openness | None = None
    lineage: list[LineageNode] | None = None
    smoke: dict[str, Any] | None = None
    generated_at: str = field(default_factory=lambda: _now())

    @property
    def exit_code(self) -> int:
        return {"pass": 0, "fail": 1, "error": 2}[self.verdict.status]

    def to_dict(self) -> dict[str, Any]:
        """The JSON contract (see auditor/schema/audit-result.schema.json)."""
        facts = self.facts
        return {
            "schema_version": SCHEMA_VERSION,
            "tool": {"name": "auditor", "version": __version__},
            "generated_at": self.generated_at,
            "target": self.target,
            "model": _model(facts, self.target),
            "card": _card(facts),
            "license": _license(self.license),
            "openness": self.openness.to_dict() if self.openness is not None else _NO_OPENNESS,
            "lineage": _lineage(facts, self.lineage, self.license),
            "findings": [f.to_dict() for f in self.findings],
            "verdict": {
                "status": self.verdict.status,
                "fail_on": self.verdict.fail_on,
                "counts": self.verdict.counts,
                "reasons": list(self.verdict.reasons),
                "policy": self.verdict.policy,
            },
            "smoke": self.smoke,
            "error": {"kind": self.error.kind, "message": self.error.message} if self.error else None,
        }


def _now() -> str:
    """UTC time of the audit; SOURCE_DATE_EPOCH pins it for reproducible reports."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    moment = (
        _dt.datetime.fromtimestamp(int(epoch), _dt.timezone.utc)
        if epoch and epoch.isdigit()
        else _dt.datetime.now(_dt.timezone.utc)
    )
    return moment.replace(microsecond=0).isoformat().replace("+00:00", "Z")


def decide(findings: list[Finding] | tuple[Finding, ...], fail_on: Severity) -> Verdict:
    """pass, or fail when any finding is at or above ``fail_on``."""
    counts = Counter(f.severity for f in findings if f.waiver is None)
    blocking = [f for f in findings if f.waiver is None and severity_at_least(f.severity, fail_on)]
    reasons = tuple(f"{f.rule}: {f.message}" for f in blocking)
    return Verdict("fail" if blocking else "pass", fail_on, {s: counts.get(s, 0) for s in SEVERITIES}, reasons)


def error_result(target: str, kind: str, message: str, fail_on: Severity) -> AuditResult:
    """The result of a target that could not be audited at all."""
    verdict = Verdict("error", fail_on, {s: 0 for s in SEVERITIES}, (message,))
    return AuditResult(target, None, (), verdict, AuditError(kind, message))


def _model(facts: ModelFacts | None, target: str) -> dict[str, Any]:
    if facts is None:
        return {
            "id": target,
            "revision": None,
            "sha": None,
            "source": None,
            "location": None,
            "hub": None,
            "files": None,
        }
    hub = facts.hub
    return {
        "id": facts.model_id,
        "revision": facts.revision,
        "sha": facts.sha,
        "source": facts.source,
        "location": facts.location,
        "hub": None
        if hub is None
        else {
            "gated": hub.gated,
            "private": hub.private,
            "disabled": hub.disabled,
            "last_modified": hub.last_modified,
            "pipeline_tag": hub.pipeline_tag,
            "library_name": hub.library_name,
            "tags": list(hub.tags),
            "base_models": list(hub.base_models),
        },
        "files": None
        if facts.files is None
        else [{"path": f.path, "size": f.size, "sha256": f.sha256, "lfs": f.lfs} for f in facts.files],
        "access": [{"kind": n.kind, "message": n.message, "file": n.file} for n in facts.access],
    }


def _card(facts: ModelFacts | None) -> dict[str, Any] | None:
    card = facts.card if facts else None
    if card is None:
        return None
    return {
        "file": card.file,
        "has_front_matter": card.has_front_matter,
        "metadata": dict(card.metadata),
        "field_lines": dict(card.field_lines),
        "body_chars": card.body_chars,
        "sections": [
            {"title": s.title, "level": s.level, "line": s.line, "end_line": s.end_line} for s in card.sections
        ],
        "links": [{"url": link.url, "kind": link.kind, "text": link.text, "line": link.line} for link in card.links],
        "license_statements": [{"text": s.text, "line": s.line, "section": s.section} for s in card.license_statements],
        "problems": [{"kind": p.kind, "message": p.message, "line": p.line, "field": p.field} for p in card.problems],
    }


def _license(profile: LicenseProfile | None) -> dict[str, Any]:
    if profile is not None:
        return profile.to_dict()
    return {
        "declared": [],
        "name": None,
        "link": None,
        "spdx": None,
        "records": [],
        "resolved_from": "none",
        "osi_approved": None,
        "category": None,
        "terms": None,
        "unknown_ids": [],
        "detected_files": [],
        "prose": [],
        "sources": [],
    }


def _lineage(
    facts: ModelFacts | None, tree: list[LineageNode] | None, profile: LicenseProfile | None
) -> dict[str, Any]:
    declared = _declared_lineage(facts)
    nodes = [n for node in tree or () for _, n in node.walk()]
    unresolved = unresolved_parents(tree)
    effective = None
    if profile is not None and profile.known:
        records = [*profile.records, *(r for n in nodes if n.license and n.license.known for r in n.license.records)]
        terms, category, osi = combine_all(list(dict.fromkeys(records)))
        effective = {
            "licenses": sorted({r.spdx for r in records}),
            "category": category,
            "osi_approved": osi,
            "terms": terms.to_dict(),
        }
    return {**declared, "tree": [n.to_dict() for n in tree or ()], "unresolved": unresolved, "effective": effective}


def _declared_lineage(facts: ModelFacts | None) -> dict[str, Any]:
    card = facts.card if facts else None
    metadata = card.metadata if card else {}
    parents: dict[str, dict[str, Any]] = {}
    for model in string_list(metadata.get("base_model")):
        parents.setdefault(
            model,
            {
                "id": model,
                "relation": string_value(metadata.get("base_model_relation")),
                "declared_in": "card:base_model",
            },
        )
    for model in facts.hub.base_models if facts and facts.hub else ():
        parents.setdefault(model, {"id": model, "relation": None, "declared_in": "hub:baseModels"})
    datasets: dict[str, dict[str, Any]] = {d: {"id": d, "declared_in": "card"} for d in training_datasets(card)}
    for name in evaluation_datasets(card):
        datasets.setdefault(name, {"id": name, "declared_in": "card:model-index"})
    for link in card.links if card else ():
        if link.kind == "dataset" and "huggingface.co" not in link.url and "hf.co" not in link.url:
            datasets.setdefault(link.url, {"id": link.url, "declared_in": f"card:line {link.line}"})
    for dataset in facts.datasets if facts else ():
        entry = datasets.setdefault(dataset.id, {"id": dataset.id, "declared_in": "card:model-index"})
        entry.update({"card_found": dataset.found, "license": list(dataset.license), "note": dataset.note})
    return {"base_models": list(parents.values()), "datasets": list(datasets.values())}


def schema() -> dict[str, Any]:
    """The JSON Schema of ``AuditResult.to_dict()`` (shipped in the package)."""
    import json
    from importlib.resources import files

    text = files("auditor").joinpath("schema/audit-result.schema.json").read_text(encoding="utf-8")
    return json.loads(text)  # type: ignore[no-any-return]

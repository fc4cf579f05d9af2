"""AuditResult: the one shape every renderer reads, and its versioned JSON contract.

Plain data: the judgement (auditor.judge) computes every part once — the assessment (license profile, effective
terms, openness, lineage), the findings and the verdict — and stores it here. ``to_dict`` only serialises; renderers
only read. This module imports no part of the pipeline at run time, so a renderer that imports it stays light.
"""

from __future__ import annotations

import datetime as _dt
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from auditor._version import __version__
from auditor.facts import ModelFacts
from auditor.findings import Finding
from auditor.verdict import Obligation, PolicyInfo, Verdict, VerdictStatus

if TYPE_CHECKING:
    from auditor.licenses.resolve import LicenseProfile
    from auditor.lineage.summary import LineageSummary
    from auditor.openness.assess import Openness

__all__ = ["SCHEMA_VERSION", "AuditError", "AuditResult", "Obligation", "PolicyInfo", "Verdict", "VerdictStatus"]

SCHEMA_VERSION = "2"
_NO_OPENNESS: dict[str, Any] = {
    "criteria": {},
    "mof_class": None,
    "mof_label": None,
    "mof_progress": None,
    "mof_components": {},
    "mof_missing_for_next_class": None,
    "osaid": None,
    "mot_comparison": [],
}
_NO_LINEAGE: dict[str, Any] = {"base_models": [], "datasets": [], "tree": [], "unresolved": [], "effective": None}


@dataclass(frozen=True, slots=True)
class AuditError:
    """Why a target could not be judged (kind: input, not-found, hub-unavailable, offline-missing, smoke, internal)."""

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
    lineage: LineageSummary | None = None
    smoke: Mapping[str, Any] | None = None
    quantization: tuple[Mapping[str, Any], ...] = ()
    generated_at: str = field(default_factory=lambda: _now())

    @property
    def exit_code(self) -> int:
        return self.verdict.exit_code

    @property
    def model_id(self) -> str:
        return self.facts.model_id if self.facts is not None else self.target

    def to_dict(self) -> dict[str, Any]:
        """The JSON contract (see auditor/schema/audit-result.schema.json)."""
        facts = self.facts
        return {
            "schema_version": SCHEMA_VERSION,
            "tool": {"name": "auditor", "version": __version__},
            "generated_at": self.generated_at,
            "target": self.target,
            "model": _model(facts, self.target, self.quantization),
            "card": _card(facts),
            "license": _license(self.license),
            "openness": self.openness.to_dict() if self.openness is not None else _NO_OPENNESS,
            "lineage": self.lineage.to_dict() if self.lineage is not None else _NO_LINEAGE,
            "findings": [f.to_dict() for f in self.findings],
            "verdict": self.verdict.to_dict(),
            "smoke": dict(self.smoke) if self.smoke is not None else None,
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


def _model(facts: ModelFacts | None, target: str, quantization: tuple[Mapping[str, Any], ...]) -> dict[str, Any]:
    if facts is None:
        return {
            "id": target,
            "revision": None,
            "sha": None,
            "source": None,
            "location": None,
            "identity_basis": None,
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
        "identity_basis": facts.identity_basis,
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
        "weights": None if facts.weights is None else [w.to_dict() for w in facts.weights],
        "quantization": [dict(q) for q in quantization],
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


def schema() -> dict[str, Any]:
    """The JSON Schema of ``AuditResult.to_dict()`` (shipped in the package)."""
    import json
    from importlib.resources import files

    text = files("auditor").joinpath("schema/audit-result.schema.json").read_text(encoding="utf-8")
    return json.loads(text)  # type: ignore[no-any-return]

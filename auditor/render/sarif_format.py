"""SARIF 2.1.0 (GitHub code scanning and other SARIF viewers): one run, auditor's rules, one result per finding."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from auditor._version import __version__
from auditor.findings import Finding
from auditor.result import AuditResult
from auditor.rulebook import default_catalog

SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
_LEVEL = {"error": "error", "warning": "warning", "info": "note"}


def level(finding: Finding) -> str:
    """A finding that fails the verdict is an SARIF error; the others keep their severity's level."""
    return "error" if finding.blocking else _LEVEL[finding.severity]


def _rule_descriptor(rule_id: str) -> dict[str, Any]:
    rule = default_catalog()[rule_id]
    descriptor: dict[str, Any] = {
        "id": rule.id,
        "name": "".join(part.capitalize() for part in rule.id.split("-")),
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": rule.rationale},
        "help": {"text": f"{rule.rationale} See {rule.reference}"},
        "defaultConfiguration": {"level": _LEVEL[rule.severity]},
        "properties": {"tags": [rule.criterion], "precision": "high"},
    }
    if rule.reference.startswith(("https://", "http://")):
        descriptor["helpUri"] = rule.reference
    return descriptor


def _artifact_uri(result: AuditResult, file: str | None) -> str:
    """Where a finding is: a path relative to the working directory for local files, a Hub URL otherwise."""
    facts = result.facts
    if facts is None:
        return result.target
    if facts.source in ("local", "card", "hub-cache"):
        base = Path(facts.location)
        path = (base if facts.source == "card" else base / (file or "README.md")).resolve()
        try:
            return path.relative_to(Path(os.getcwd()).resolve()).as_posix()
        except ValueError:
            return path.as_uri()
    revision = facts.sha or facts.revision or "main"
    return f"{facts.location}/blob/{revision}/{file or 'README.md'}"


def _result(result: AuditResult, finding: Finding, rule_index: int) -> dict[str, Any]:
    evidence = next((e for e in finding.evidence if e.file), None)
    location: dict[str, Any] = {"artifactLocation": {"uri": _artifact_uri(result, evidence.file if evidence else None)}}
    if evidence is not None and evidence.line:
        location["region"] = {"startLine": evidence.line}
    model = result.model_id
    fingerprint = hashlib.sha256(f"{model}\0{finding.rule}\0{finding.message}".encode()).hexdigest()
    item: dict[str, Any] = {
        "ruleId": finding.rule,
        "ruleIndex": rule_index,
        "level": level(finding),
        "message": {"text": f"{model}: {finding.message}"},
        "locations": [{"physicalLocation": location}],
        "partialFingerprints": {"auditorFinding/v1": fingerprint},
        "properties": {"model": model, "criterion": finding.criterion, "blocking": finding.blocking},
    }
    if finding.waiver is not None:
        waiver = finding.waiver
        reason = f"{waiver['reason']} (approved by {waiver['approved_by']}, expires {waiver['expires']})"
        item["suppressions"] = [{"kind": "external", "status": "accepted", "justification": reason}]
    return item


def render_sarif(results: Sequence[AuditResult]) -> str:
    used = sorted({f.rule for r in results for f in r.findings})
    index = {rule_id: i for i, rule_id in enumerate(used)}
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "auditor",
                "version": __version__,
                "semanticVersion": __version__,
                "informationUri": "https://pypi.org/project/auditor/",
                "rules": [_rule_descriptor(r) for r in used],
            }
        },
        "results": [_result(r, f, index[f.rule]) for r in results for f in r.findings],
        "invocations": [{"executionSuccessful": all(r.error is None for r in results)}],
        "properties": {
            "verdicts": [
                {
                    "target": r.target,
                    "model": r.model_id,
                    **r.verdict.to_dict(),
                    "error": r.error.message if r.error else None,
                }
                for r in results
            ]
        },
    }
    return json.dumps({"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}, indent=2) + "\n"

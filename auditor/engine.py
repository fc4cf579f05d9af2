"""The engine: run every rule's checker over ModelFacts and turn hits into findings."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from auditor.checks import Checker, all_checkers
from auditor.context import AuditContext
from auditor.facts import ModelFacts
from auditor.findings import SEVERITIES, Evidence, Finding, Severity
from auditor.rulebook import RuleCatalog, default_catalog

log = logging.getLogger(__name__)
_ORDER = {severity: index for index, severity in enumerate(SEVERITIES)}


def run_checks(
    ctx: AuditContext | ModelFacts,
    *,
    catalog: RuleCatalog | None = None,
    checkers: Mapping[str, Checker] | None = None,
    severity_overrides: Mapping[str, Severity | None] | None = None,
) -> list[Finding]:
    """Findings for one model, most severe first. A checker that crashes yields AUDIT-CHECK-FAILED."""
    if isinstance(ctx, ModelFacts):
        ctx = AuditContext(ctx)
    facts = ctx.facts
    catalog = catalog or default_catalog()
    checkers = checkers if checkers is not None else all_checkers()
    overrides = severity_overrides or {}
    findings: list[Finding] = []
    for rule in catalog:
        function = checkers.get(rule.id)
        if function is None or (rule.id in overrides and overrides[rule.id] is None):
            continue
        severity = overrides.get(rule.id) or rule.severity
        try:
            hits = list(function(ctx))
        except Exception as error:  # a bug in one checker must not lose the rest of the audit
            log.debug("checker %s failed on %s", rule.id, facts.target, exc_info=True)
            failed = catalog["AUDIT-CHECK-FAILED"]
            findings.append(
                Finding(
                    failed.id,
                    failed.severity,
                    failed.title,
                    f"checker {rule.id} raised {type(error).__name__}: {error}",
                    failed.criterion,
                    (Evidence(field=rule.id),),
                )
            )
            continue
        findings.extend(
            Finding(rule.id, severity, rule.title, hit.message, rule.criterion, hit.evidence) for hit in hits
        )
    findings.sort(key=lambda f: _ORDER[f.severity])
    return findings

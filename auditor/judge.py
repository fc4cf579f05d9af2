"""The judgement: facts → assessment → findings → policy → verdict, decided here and nowhere else.

``judge`` runs every rule over the assessment of one model (the policy's severity overrides and disabled rules
applied by the engine), attaches the policy's waivers, derives the adopter's obligations from the effective terms,
and decides the verdict tier. Exit codes, JUnit, SARIF levels, Markdown, HTML, text and SBOM properties all read
the verdict and the ``blocking`` flag of each finding that it sets.

Settings that both the command line and a policy can set take the command line's value first, then the
policy's, then the default (``resolve_settings``).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from auditor.context import AuditContext
from auditor.engine import run_checks
from auditor.facts import ModelFacts
from auditor.findings import SEVERITIES, Finding, Severity, severity_at_least
from auditor.licenses.obligations import obligations as obligations_of
from auditor.lineage.tree import LineageNode, resolve_lineage
from auditor.policy.model import Policy, Waiver
from auditor.policy.waivers import apply_waivers
from auditor.result import AuditError, AuditResult
from auditor.rulebook import default_catalog
from auditor.verdict import FailOn, Obligation, PolicyInfo, SettingSource, Verdict

# The findings each fail level fails on; ``conditions`` also fails on obligations beyond notice, and so does every
# level after it (each level fails on everything the one before it does).
_SEVERITY_OF: dict[FailOn, Severity] = {"error": "error", "conditions": "error", "warning": "warning", "info": "info"}


@dataclass(frozen=True)
class Settings:
    """How to judge: the fail level (and where it was set), the date waivers are checked at, smoke required."""

    fail_on: FailOn = "error"
    fail_on_source: SettingSource = "default"
    today: dt.date = field(default_factory=dt.date.today)
    smoke_requested: bool = False


def resolve_settings(
    fail_on: FailOn | None = None,
    policy: Policy | None = None,
    *,
    smoke_requested: bool = False,
    today: dt.date | None = None,
) -> Settings:
    """Command line over policy file over defaults."""
    if fail_on is not None:
        level, source = fail_on, "command line"
    elif policy is not None and policy.fail_on is not None:
        level, source = policy.fail_on, "policy"
    else:
        level, source = "error", "default"
    return Settings(level, source, today or dt.date.today(), smoke_requested)  # type: ignore[arg-type]


def judge(
    facts: ModelFacts,
    *,
    settings: Settings | None = None,
    policy: Policy | None = None,
    lineage: list[LineageNode] | None = None,
    mot_record: Mapping[str, Any] | None = None,
    smoke: Mapping[str, Any] | None = None,
) -> AuditResult:
    """The full judgement of one model whose facts (and lineage, when resolved through a source) are gathered."""
    settings = settings or resolve_settings(policy=policy)
    if lineage is None:
        lineage = resolve_lineage(facts, None)  # parents listed, not resolved
    ctx = AuditContext(facts, mot_record=mot_record, smoke=smoke, lineage=lineage, policy=policy)
    findings = run_checks(ctx, severity_overrides=policy.rules if policy else None)
    policy_info = None
    if policy is not None:
        outcome = apply_waivers(findings, policy, facts.target, facts, settings.today)
        findings = [*outcome.findings, *_expired(outcome.expired, policy)]
        policy_info = PolicyInfo(policy.path, policy.sha256, tuple(w.to_dict() for w in outcome.used),
                                 tuple(w.to_dict() for w in outcome.expired))  # fmt: skip
    error = _smoke_not_run(smoke) if settings.smoke_requested else None
    verdict, judged = decide(findings, obligations_of(ctx.effective), settings, policy_info, error=error)
    return AuditResult(
        facts.target,
        facts,
        judged,
        verdict,
        error=AuditError("smoke", error) if error else None,
        license=ctx.license,
        openness=ctx.openness,
        lineage=ctx.lineage_summary,
        smoke=smoke,
        quantization=tuple(ctx.quantization),
    )


def judge_error(
    target: str, kind: str, message: str, *, settings: Settings | None = None, policy: Policy | None = None
) -> AuditResult:
    """The result of a target that could not be audited at all."""
    settings = settings or resolve_settings(policy=policy)
    info = PolicyInfo(policy.path, policy.sha256) if policy is not None else None
    verdict, _ = decide((), (), settings, info, error=message)
    return AuditResult(target, None, (), verdict, AuditError(kind, message))


def decide(
    findings: Sequence[Finding],
    obligations: Sequence[Obligation],
    settings: Settings,
    policy: PolicyInfo | None = None,
    *,
    error: str | None = None,
) -> tuple[Verdict, tuple[Finding, ...]]:
    """The verdict tier and its reasons; the findings returned carry their ``blocking`` flag."""
    threshold = _SEVERITY_OF[settings.fail_on]
    ordered = sorted(findings, key=lambda f: SEVERITIES.index(f.severity))
    judged = tuple(replace(f, blocking=f.waiver is None and severity_at_least(f.severity, threshold)) for f in ordered)
    counts = Counter(f.severity for f in judged if f.waiver is None)
    blocking = [f for f in judged if f.blocking]
    conditions = [o for o in obligations if o.level == "condition"]
    fails_on_conditions = settings.fail_on != "error"
    reasons = [f"{f.rule}: {f.message}" for f in blocking]
    if error is not None:
        status = "error"
        reasons.insert(0, error)
    elif blocking:
        status = "fail"
    elif conditions and fails_on_conditions:
        status = "fail"
        reasons = [f"fail-on {settings.fail_on}: {_condition_line(o)}" for o in _distinct(conditions)]
    elif conditions:
        status = "conditions"
        reasons = [_condition_line(o) for o in _distinct(conditions)]
    else:
        status = "pass"
    verdict = Verdict(
        status,  # type: ignore[arg-type]  # one of the four literals above
        settings.fail_on,
        settings.fail_on_source,
        {s: counts.get(s, 0) for s in SEVERITIES},
        tuple(reasons),
        tuple(obligations),
        policy,
        tuple(dict.fromkeys(f.rule for f in blocking)),
    )
    return verdict, judged


def _condition_line(obligation: Obligation) -> str:
    inherited = f" (inherited from {obligation.inherited_from})" if obligation.inherited_from else ""
    return f"condition: {obligation.text}{inherited}"


def _distinct(obligations: Sequence[Obligation]) -> list[Obligation]:
    """One line per duty and license (the same clause inherited twice is said once)."""
    seen: set[tuple[str, str]] = set()
    kept = []
    for obligation in obligations:
        key = (obligation.code, obligation.license)
        if key not in seen:
            seen.add(key)
            kept.append(obligation)
    return kept


def _expired(waivers: Sequence[Waiver], policy: Policy) -> list[Finding]:
    """POLICY-WAIVER-EXPIRED for each waiver that matched a finding but is past its date (overrides applied)."""
    rule = default_catalog()["POLICY-WAIVER-EXPIRED"]
    severity = policy.rules.get(rule.id, rule.severity) if rule.id in policy.rules else rule.severity
    if severity is None:
        return []
    return [
        Finding(rule.id, severity, rule.title,
                f"waiver #{w.index + 1} ({w.rule} for {w.model}, approved by {w.approved_by}) expired on "
                f"{w.expires.isoformat()}", rule.criterion)
        for w in waivers
    ]  # fmt: skip


def _smoke_not_run(smoke: Mapping[str, Any] | None) -> str | None:
    """Why a smoke run that was asked for did not run (None when it ran, whatever its outcome)."""
    if smoke is None:
        return "smoke inference was asked for but did not run"
    if smoke.get("status") == "skipped":
        return f"smoke inference could not run: {smoke.get('reason') or 'no reason given'}"
    return None

"""Applying a policy to an audit: rule overrides, requirements, waivers (with expiry), and the verdict."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import replace
from fnmatch import fnmatchcase

from auditor.findings import SEVERITIES, Evidence, Finding
from auditor.licenses.catalog import LicenseRecord, license_catalog
from auditor.lineage.tree import unresolved_parents
from auditor.policy.model import Policy, Waiver
from auditor.result import AuditResult, decide
from auditor.rulebook import default_catalog
from auditor.weights.inspect import PICKLE_FORMATS, SAFE_FORMATS, weight_format

_SHA = re.compile(r"^[0-9a-f]{40}$")
_CRITERION_RANK = {"open": 3, "restricted": 2, "unverified": 1, "absent": 0}


def _finding(rule_id: str, message: str, evidence: Sequence[Evidence] = ()) -> Finding:
    rule = default_catalog()[rule_id]
    return Finding(rule.id, rule.severity, rule.title, message, rule.criterion, tuple(evidence))


def _matches(record: LicenseRecord, term: str) -> bool:
    if term.startswith("category:"):
        return record.category == term.removeprefix("category:")
    wanted = license_catalog().get(term)
    return wanted is not None and (wanted is record or wanted.spdx == record.spdx)


def license_findings(result: AuditResult, policy: Policy) -> list[Finding]:
    profile = result.license
    if profile is None or not (policy.allow or policy.deny):
        return []
    evidence = profile.evidence[:1]
    shown = profile.expression or "no identified license"
    findings = []
    options = [option for option in profile.alternatives if option] if profile.known else []
    if policy.deny and options:
        denied = [[t for r in option for t in policy.deny if _matches(r, t)] for option in options]
        if all(denied):
            findings.append(
                _finding("POLICY-LICENSE-DENIED", f"{shown} is denied by the policy ({denied[0][0]})", evidence)
            )
    if policy.allow:
        allowed = [all(any(_matches(r, t) for t in policy.allow) for r in option) for option in options]
        if not any(allowed):
            findings.append(
                _finding(
                    "POLICY-LICENSE-NOT-ALLOWED",
                    f"{shown} is not on the allow list ({', '.join(policy.allow)})",
                    evidence,
                )
            )
    return findings


def requirement_findings(result: AuditResult, policy: Policy) -> list[Finding]:
    findings: list[Finding] = []
    profile, openness, facts = result.license, result.openness, result.facts
    if policy.commercial_use and profile is not None:
        accepted = ("allowed",) if policy.commercial_use == "allowed" else ("allowed", "conditional")
        if profile.terms.commercial_use not in accepted:
            findings.append(
                _finding(
                    "POLICY-COMMERCIAL-USE",
                    f"commercial use is {profile.terms.commercial_use}; the policy requires {policy.commercial_use}",
                    profile.evidence[:1],
                )
            )
    if openness is not None:
        achieved = openness.mof.mof_class
        if policy.mof_class is not None and (achieved == 0 or achieved > policy.mof_class):
            findings.append(
                _finding(
                    "POLICY-MOF-CLASS",
                    f"the evidence supports MOF class {achieved or 'none'}; "
                    f"the policy requires class {policy.mof_class} or better",
                )
            )
        if policy.osaid and not openness.osaid.conformant:
            findings.append(_finding("POLICY-OSAID", "not OSAID-conformant: " + "; ".join(openness.osaid.reasons)))
        for name, level in policy.criteria.items():
            status = openness.criteria[name].status
            if _CRITERION_RANK[status] < _CRITERION_RANK[level]:
                findings.append(
                    _finding("POLICY-CRITERION", f"{name.replace('_', ' ')} is {status}; the policy requires {level}")
                )
    if policy.safe_weights and facts is not None:
        findings += _weights_findings([f.path for f in facts.files] if facts.files is not None else None)
    if policy.max_unresolved_parents is not None:
        parents = unresolved_parents(result.lineage)
        if len(parents) > policy.max_unresolved_parents:
            names = ", ".join(parents)
            findings.append(
                _finding(
                    "POLICY-LINEAGE-UNRESOLVED",
                    f"{len(parents)} parent(s) not audited ({names}); "
                    f"the policy allows {policy.max_unresolved_parents}",
                )
            )
    unpinned = facts is not None and facts.source in ("hub", "hub-cache") and not _SHA.match(facts.revision or "")
    if policy.pinned_revisions and facts is not None and unpinned:
        shown = f"'{facts.revision}'" if facts.revision else "the default branch"
        resolved = f"; it resolved to {facts.sha}" if facts.sha else ""
        findings.append(_finding("POLICY-UNPINNED", f"revision {shown} is not a commit sha{resolved}"))
    return findings


def _weights_findings(paths: list[str] | None) -> list[Finding]:
    if paths is None:
        return [_finding("POLICY-SAFE-WEIGHTS", "only the card was given: the weight formats cannot be checked")]
    formats = {p: weight_format(p) for p in paths}
    safe = [p for p, fmt in formats.items() if fmt in SAFE_FORMATS]
    pickled = [p for p, fmt in formats.items() if fmt in PICKLE_FORMATS]
    if pickled and not safe:
        return [
            _finding(
                "POLICY-SAFE-WEIGHTS",
                f"weights only in pickle formats: {', '.join(pickled[:5])}",
                [Evidence(file=p) for p in pickled[:5]],
            )
        ]
    return []


def _waiver_applies(waiver: Waiver, result: AuditResult, finding: Finding) -> bool:
    facts = result.facts
    names = {result.target, *([facts.model_id] if facts else [])}
    if not any(fnmatchcase(name, waiver.model) for name in names):
        return False
    if waiver.revision and facts is not None and waiver.revision not in (facts.revision, facts.sha):
        return False
    return fnmatchcase(finding.rule, waiver.rule)


def apply_policy(result: AuditResult, policy: Policy, *, today: dt.date | None = None) -> AuditResult:
    """The audit judged by a policy. Error results (target unreadable) are returned with the policy identity."""
    today = today or dt.date.today()
    if result.error is not None:
        verdict = replace(result.verdict, policy={**policy.identity(), "waivers_used": [], "waivers_expired": []})
        return replace(result, verdict=verdict)
    findings = _overridden(
        [*result.findings, *license_findings(result, policy), *requirement_findings(result, policy)], policy
    )
    used: dict[int, Waiver] = {}
    expired: dict[int, Waiver] = {}
    judged: list[Finding] = []
    for finding in findings:
        matching = [w for w in policy.waivers if _waiver_applies(w, result, finding)]
        valid = [w for w in matching if w.expires >= today]
        for waiver in matching:
            if waiver.expires < today:
                expired[waiver.index] = waiver
        if valid:
            used[valid[0].index] = valid[0]
            judged.append(replace(finding, waiver=valid[0].to_dict()))
        else:
            judged.append(finding)
    judged += _overridden(
        [
            _finding(
                "POLICY-WAIVER-EXPIRED",
                f"waiver #{w.index + 1} ({w.rule} for {w.model}, "
                f"approved by {w.approved_by}) expired on {w.expires.isoformat()}",
            )
            for w in expired.values()
        ],
        policy,
    )
    judged.sort(key=lambda f: SEVERITIES.index(f.severity))
    verdict = decide(judged, policy.fail_on)
    verdict = replace(
        verdict,
        policy={
            **policy.identity(),
            "waivers_used": [w.to_dict() for w in used.values()],
            "waivers_expired": [w.to_dict() for w in expired.values()],
        },
    )
    return replace(result, findings=tuple(judged), verdict=verdict)


def _overridden(findings: list[Finding], policy: Policy) -> list[Finding]:
    """Findings with the policy's severity overrides applied (a rule set to off drops its findings)."""
    result = []
    for finding in findings:
        if finding.rule in policy.rules:
            severity = policy.rules[finding.rule]
            if severity is None:
                continue
            finding = replace(finding, severity=severity)
        result.append(finding)
    return result


def stale_waivers(results: Iterable[AuditResult], policy: Policy) -> list[Waiver]:
    """Waivers that matched no finding of any audited model (neither used nor expired)."""
    matched = set()
    for result in results:
        info = result.verdict.policy or {}
        for key in ("waivers_used", "waivers_expired"):
            matched |= {(w["model"], w["rule"], w["expires"]) for w in info.get(key, [])}
    return [w for w in policy.waivers if (w.model, w.rule, w.expires.isoformat()) not in matched]

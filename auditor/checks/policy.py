"""Checkers of an organisation's policy: allowed and denied licenses, and every `require:` key.

They judge the effective terms (the model's own license and everything inherited through lineage and training
data), and yield nothing when no policy is given.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from auditor.checks import checker
from auditor.context import AuditContext
from auditor.findings import Evidence, Hit
from auditor.licenses.catalog import LicenseRecord, license_catalog
from auditor.lineage.effective import TermSource
from auditor.lineage.tree import unresolved_parents
from auditor.weights.inspect import PICKLE_FORMATS, SAFE_FORMATS

_SHA = re.compile(r"^[0-9a-f]{40}$")
_CRITERION_RANK = {"open": 3, "restricted": 2, "unverified": 1, "absent": 0}
_MOF = {0: "unclassified", 1: "Class I", 2: "Class II", 3: "Class III"}


def _matches(record: LicenseRecord, term: str) -> bool:
    if term.startswith("category:"):
        return record.category == term.removeprefix("category:")
    wanted = license_catalog().get(term)
    return wanted is not None and (wanted is record or wanted.spdx == record.spdx)


def _where(source: TermSource) -> str:
    return "" if source.origin == "own" else f" (inherited from {source.name})"


def _own_options(ctx: AuditContext) -> list[tuple[LicenseRecord, ...]]:
    profile = ctx.license
    return [option for option in profile.alternatives if option] if profile.known else []


@checker("POLICY-LICENSE-DENIED")
def policy_license_denied(ctx: AuditContext) -> Iterator[Hit]:
    policy = ctx.policy
    if policy is None or not policy.deny:
        return
    profile = ctx.license
    options = _own_options(ctx)
    denied = [[t for record in option for t in policy.deny if _matches(record, t)] for option in options]
    if options and all(denied):
        yield Hit(f"{profile.expression} is denied by the policy ({denied[0][0]})", profile.evidence[:1])
    for source in ctx.effective.inherited:
        terms = [t for t in policy.deny if _matches(source.record, t)]
        if terms:
            yield Hit(f"{source.record.name}{_where(source)} is denied by the policy ({terms[0]})",
                      (Evidence(excerpt=" → ".join(source.via)),))  # fmt: skip


@checker("POLICY-LICENSE-NOT-ALLOWED")
def policy_license_not_allowed(ctx: AuditContext) -> Iterator[Hit]:
    policy = ctx.policy
    if policy is None or not policy.allow:
        return
    profile = ctx.license
    options = _own_options(ctx)
    if not any(all(any(_matches(r, t) for t in policy.allow) for r in option) for option in options):
        shown = profile.expression or "no identified license"
        yield Hit(f"{shown} is not on the allow list ({', '.join(policy.allow)})", profile.evidence[:1])
    for source in ctx.effective.inherited:
        if not any(_matches(source.record, t) for t in policy.allow):
            yield Hit(f"{source.record.name}{_where(source)} is not on the allow list ({', '.join(policy.allow)})",
                      (Evidence(excerpt=" → ".join(source.via)),))  # fmt: skip


@checker("POLICY-COMMERCIAL-USE")
def policy_commercial_use(ctx: AuditContext) -> Iterator[Hit]:
    policy = ctx.policy
    if policy is None or policy.commercial_use is None:
        return
    accepted = ("allowed",) if policy.commercial_use == "allowed" else ("allowed", "conditional")
    effective = ctx.effective
    status = effective.terms.commercial_use
    if status not in accepted:
        limiting = [s for s in effective.sources if s.record.terms.commercial_use not in accepted]
        because = "; ".join(f"{s.record.name}{_where(s)}" for s in limiting[:3]) or "no identified license"
        yield Hit(f"commercial use is {status} ({because}); the policy requires {policy.commercial_use}",
                  ctx.license.evidence[:1])  # fmt: skip


@checker("POLICY-MOF-CLASS")
def policy_mof_class(ctx: AuditContext) -> Iterator[Hit]:
    policy = ctx.policy
    if policy is None or policy.mof_class is None:
        return
    achieved = ctx.openness.mof.mof_class
    if achieved == 0 or achieved > policy.mof_class:
        yield Hit(f"the evidence supports MOF {_MOF[achieved]}; the policy requires {_MOF[policy.mof_class]} "
                  f"or better (class {policy.mof_class} or better)")  # fmt: skip


@checker("POLICY-OSAID")
def policy_osaid(ctx: AuditContext) -> Iterator[Hit]:
    policy = ctx.policy
    if policy is not None and policy.osaid and not ctx.openness.osaid.conformant:
        yield Hit("not OSAID-conformant: " + "; ".join(ctx.openness.osaid.reasons))


@checker("POLICY-CRITERION")
def policy_criterion(ctx: AuditContext) -> Iterator[Hit]:
    policy = ctx.policy
    if policy is None:
        return
    for name, level in policy.criteria.items():
        status = ctx.openness.criteria[name].status
        if _CRITERION_RANK[status] < _CRITERION_RANK[level]:
            yield Hit(f"{name.replace('_', ' ')} is {status}; the policy requires {level}")


@checker("POLICY-SAFE-WEIGHTS")
def policy_safe_weights(ctx: AuditContext) -> Iterator[Hit]:
    policy, facts = ctx.policy, ctx.facts
    if policy is None or not policy.safe_weights:
        return
    weights = facts.weights if facts.weights is not None else ()
    if facts.files is None and not weights:
        yield Hit("weights not found: only the card was given, so the weight formats cannot be checked")
        return
    formats = {w.path: w.format for w in weights if w.is_weights}
    if not formats:
        yield Hit(f"weights not found: none of the {len(facts.files or ())} repository files is a weights file",
                  (Evidence(url=facts.location),))  # fmt: skip
        return
    pickled = [p for p, fmt in formats.items() if fmt in PICKLE_FORMATS]
    if pickled and not any(fmt in SAFE_FORMATS for fmt in formats.values()):
        yield Hit(f"weights only in pickle formats: {', '.join(pickled[:5])}",
                  tuple(Evidence(file=p) for p in pickled[:5]))  # fmt: skip


@checker("POLICY-LINEAGE-UNRESOLVED")
def policy_lineage_unresolved(ctx: AuditContext) -> Iterator[Hit]:
    policy = ctx.policy
    if policy is None or policy.max_unresolved_parents is None:
        return
    parents = unresolved_parents(ctx.lineage)
    if len(parents) > policy.max_unresolved_parents:
        yield Hit(f"{len(parents)} parent(s) not audited ({', '.join(parents)}); "
                  f"the policy allows {policy.max_unresolved_parents}")  # fmt: skip


@checker("POLICY-UNPINNED")
def policy_unpinned(ctx: AuditContext) -> Iterator[Hit]:
    policy, facts = ctx.policy, ctx.facts
    if policy is None or not policy.pinned_revisions or facts.source not in ("hub", "hub-cache"):
        return
    if not _SHA.match(facts.revision or ""):
        shown = f"'{facts.revision}'" if facts.revision else "the default branch"
        resolved = f"; it resolved to {facts.sha}: pin it as {facts.model_id}@{facts.sha}" if facts.sha else ""
        yield Hit(f"revision {shown} is not a commit sha{resolved}", (Evidence(url=facts.location),))

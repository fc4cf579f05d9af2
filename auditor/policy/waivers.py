"""Waivers: a policy's approved exceptions, matched to findings (with expiry), and those that matched nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from fnmatch import fnmatchcase
from typing import Any

from auditor.facts import ModelFacts
from auditor.findings import Finding
from auditor.policy.model import Policy, Waiver


@dataclass(frozen=True)
class WaiverOutcome:
    """Findings with the valid waivers attached, and which waivers were used or had expired."""

    findings: tuple[Finding, ...]
    used: tuple[Waiver, ...]
    expired: tuple[Waiver, ...]


def _applies(waiver: Waiver, names: set[str], facts: ModelFacts | None, finding: Finding) -> bool:
    if not any(fnmatchcase(name, waiver.model) for name in names):
        return False
    if waiver.revision and facts is not None and waiver.revision not in (facts.revision, facts.sha):
        return False
    return fnmatchcase(finding.rule, waiver.rule)


def apply_waivers(
    findings: Sequence[Finding], policy: Policy, target: str, facts: ModelFacts | None, today: dt.date
) -> WaiverOutcome:
    """Attach each finding's first valid waiver; remember the waivers that matched but have expired."""
    names = {target, *([facts.model_id] if facts else [])}
    used: dict[int, Waiver] = {}
    expired: dict[int, Waiver] = {}
    judged = []
    for finding in findings:
        matching = [w for w in policy.waivers if _applies(w, names, facts, finding)]
        for waiver in matching:
            if waiver.expires < today:
                expired[waiver.index] = waiver
        valid = [w for w in matching if w.expires >= today]
        if valid:
            used[valid[0].index] = valid[0]
            finding = replace(finding, waiver=valid[0].to_dict())
        judged.append(finding)
    return WaiverOutcome(tuple(judged), tuple(used.values()), tuple(expired.values()))


def stale_waivers(matched: Iterable[Mapping[str, Any]], policy: Policy) -> list[Waiver]:
    """Waivers of the policy that matched no finding of any audited model (neither used nor expired).

    ``matched`` are the waivers (as in ``Waiver.to_dict()``) that the results report as used or expired.
    """
    seen = {(w["model"], w["rule"], w["expires"], w.get("revision")) for w in matched}
    return [w for w in policy.waivers if (w.model, w.rule, w.expires.isoformat(), w.revision) not in seen]

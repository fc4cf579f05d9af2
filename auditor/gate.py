"""The pre-merge gate: audit a manifest's models and judge them by a policy (`auditor check`)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from auditor.api import audit_many
from auditor.policy import ManifestEntry, Policy, changed_since, load_manifest, stale_waivers
from auditor.result import AuditResult
from auditor.verdict import FailOn


def select_entries(manifests: list[Path], since: str | None, *, allow_outside: bool = False) -> list[ManifestEntry]:
    """Manifest entries to audit (only those added or changed since a git ref, when one is given)."""
    entries: list[ManifestEntry] = []
    for manifest in manifests:
        found = load_manifest(manifest, allow_outside)
        entries += changed_since(manifest, since, found) if since else found
    return entries


def check(
    entries: list[ManifestEntry],
    policy: Policy,
    *,
    offline: bool = False,
    workers: int = 4,
    fail_on: FailOn | None = None,
) -> Iterator[AuditResult]:
    """Audit every entry, judged by the policy, in manifest order; each result names the run's stale waivers."""
    judged = list(audit_many([e.target for e in entries], offline=offline, policy=policy, fail_on=fail_on,
                             workers=workers))  # fmt: skip
    matched = []
    for result in judged:
        info = result.verdict.policy
        if info is not None:
            matched += [*info.waivers_used, *info.waivers_expired]
    stale = tuple(w.to_dict() for w in stale_waivers(matched, policy))
    for result in judged:
        info = result.verdict.policy
        if info is not None:
            result = replace(result, verdict=replace(result.verdict, policy=replace(info, waivers_stale=stale)))
        yield result

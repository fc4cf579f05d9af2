"""The pre-merge gate: audit a manifest's models and judge them by a policy (`auditor check`)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from auditor.api import audit_many
from auditor.policy import (
    ManifestEntry,
    Policy,
    apply_policy,
    changed_since,
    load_manifest,
    stale_waivers,
)
from auditor.result import AuditResult


def select_entries(manifests: list[Path], since: str | None, *, allow_outside: bool = False) -> list[ManifestEntry]:
    """Manifest entries to audit (only those added or changed since a git ref, when one is given)."""
    entries: list[ManifestEntry] = []
    for manifest in manifests:
        found = load_manifest(manifest, allow_outside)
        entries += changed_since(manifest, since, found) if since else found
    return entries


def check(
    entries: list[ManifestEntry], policy: Policy, *, offline: bool = False, workers: int = 4
) -> Iterator[AuditResult]:
    """Audit every entry and judge it by the policy, in manifest order; stale waivers are added at the end."""
    judged = [
        apply_policy(result, policy)
        for result in audit_many([e.target for e in entries], offline=offline, fail_on=policy.fail_on, workers=workers)
    ]
    stale = [w.to_dict() for w in stale_waivers(judged, policy)]
    for result in judged:
        info = {**(result.verdict.policy or {}), "waivers_stale": stale}
        yield replace(result, verdict=replace(result.verdict, policy=info))

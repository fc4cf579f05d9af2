"""Policy as code: load a policy, apply it to audits, read the manifest of models a project uses."""

from auditor.policy.apply import apply_policy, stale_waivers
from auditor.policy.manifest import ManifestEntry, ManifestError, changed_since, load_manifest
from auditor.policy.model import Policy, PolicyError, Waiver, load_policy

__all__ = [
    "ManifestEntry",
    "ManifestError",
    "Policy",
    "PolicyError",
    "Waiver",
    "apply_policy",
    "changed_since",
    "load_manifest",
    "load_policy",
    "stale_waivers",
]

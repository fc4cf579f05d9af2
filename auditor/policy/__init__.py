"""Policy as code: load a policy, match its waivers, read the manifest of models a project uses.

The policy's rules are checkers (auditor/checks/policy.py); the verdict it leads to is decided by auditor.judge.
"""

from auditor.policy.manifest import ManifestEntry, ManifestError, changed_since, load_manifest
from auditor.policy.model import Policy, PolicyError, Waiver, load_policy
from auditor.policy.waivers import WaiverOutcome, apply_waivers, stale_waivers

__all__ = [
    "ManifestEntry",
    "ManifestError",
    "Policy",
    "PolicyError",
    "Waiver",
    "WaiverOutcome",
    "apply_waivers",
    "changed_since",
    "load_manifest",
    "load_policy",
    "stale_waivers",
]

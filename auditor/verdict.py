"""The verdict of one audit, as plain data: tier, reasons, obligations, and the policy that judged it.

The tiers, from best to worst:

- ``pass``: usable; no obligation beyond notice (keep the license text, the copyright notice, mark changes).
- ``conditions``: usable, with obligations the adopter must meet (acceptable-use policy, user cap, naming,
  share-alike, use restrictions, output-use limits …), each listed in ``obligations`` with its source.
- ``fail``: a finding at or above the fail level (``fail_on``), or conditions when ``fail_on`` is ``conditions``.
- ``error``: the model could not be judged as asked (unreadable target, a smoke run that could not run).

It is decided in one place (``auditor.judge``); every renderer and the exit code read it from here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

VerdictStatus = Literal["pass", "conditions", "fail", "error"]
FailOn = Literal["error", "conditions", "warning", "info"]
FAIL_ON_LEVELS: tuple[FailOn, ...] = ("error", "conditions", "warning", "info")  # each fails on more than the last
SettingSource = Literal["default", "policy", "command line"]
ObligationLevel = Literal["notice", "condition"]
EXIT_CODES: dict[VerdictStatus, int] = {"pass": 0, "conditions": 0, "fail": 1, "error": 2}


@dataclass(frozen=True, slots=True)
class Obligation:
    """One duty the adopter takes on, in plain words, with the license clause it comes from.

    ``via`` is the chain from the audited model to where the duty comes from (empty for the model's own license);
    ``inherited_from`` names that ancestor model or training dataset.
    """

    code: (
        str  # the license condition (rules/obligations/conditions.yaml): attribution, user-cap, acceptable-use-policy …
    )
    level: ObligationLevel
    text: str
    license: str  # knowledge-base id of the license that imposes it
    license_name: str
    source_url: str | None = None
    quote: str | None = None
    inherited_from: str | None = None
    origin: Literal["own", "ancestor", "dataset"] = "own"
    via: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "level": self.level,
            "text": self.text,
            "license": self.license,
            "license_name": self.license_name,
            "source": {"url": self.source_url, "quote": self.quote} if self.source_url else None,
            "origin": self.origin,
            "inherited_from": self.inherited_from,
            "via": list(self.via),
        }


@dataclass(frozen=True, slots=True)
class PolicyInfo:
    """Which policy judged the model (None: no policy was applied), and the waivers it used."""

    path: str
    sha256: str
    waivers_used: tuple[dict[str, Any], ...] = ()
    waivers_expired: tuple[dict[str, Any], ...] = ()
    waivers_stale: tuple[dict[str, Any], ...] = ()  # of the whole run (auditor check)

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "sha256": self.sha256,
            "waivers_used": list(self.waivers_used),
            "waivers_expired": list(self.waivers_expired),
            "waivers_stale": list(self.waivers_stale),
        }


@dataclass(frozen=True, slots=True)
class Verdict:
    status: VerdictStatus
    fail_on: FailOn
    fail_on_source: SettingSource
    counts: dict[str, int]  # findings per severity, waived ones excluded
    reasons: tuple[str, ...] = ()  # one line each: why it is not ``pass``
    obligations: tuple[Obligation, ...] = ()
    policy: PolicyInfo | None = None
    blocking: tuple[str, ...] = field(default=())  # rule ids of the findings that fail it

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[self.status]

    @property
    def conditions(self) -> tuple[Obligation, ...]:
        """The obligations beyond notice (those that make the tier ``conditions``)."""
        return tuple(o for o in self.obligations if o.level == "condition")

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "fail_on": self.fail_on,
            "fail_on_source": self.fail_on_source,
            "counts": dict(self.counts),
            "reasons": list(self.reasons),
            "obligations": [o.to_dict() for o in self.obligations],
            "policy": self.policy.to_dict() if self.policy is not None else None,
        }

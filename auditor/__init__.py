"""auditor: license and openness compliance auditor for open AI models.

Public API::

    from auditor import audit, audit_many
    result = audit("allenai/OLMo-7B@main")
    result.verdict.status            # pass / conditions / fail / error
    result.to_dict()["license"]["declared"]

The names below are loaded on first use, so importing one module of the package (a renderer, say) does not
import the whole audit pipeline and its dependencies.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from auditor._version import __version__

if TYPE_CHECKING:
    from auditor.api import assess, audit, audit_many
    from auditor.errors import (
        AuditorError,
        HubUnavailableError,
        InputError,
        OfflineMissingError,
        TargetNotFoundError,
    )
    from auditor.facts import CardFacts, ModelFacts
    from auditor.findings import Evidence, Finding
    from auditor.result import AuditResult, Obligation, Verdict
    from auditor.sources.card import parse_card

_EXPORTS = {
    "assess": "auditor.api",
    "audit": "auditor.api",
    "audit_many": "auditor.api",
    "AuditorError": "auditor.errors",
    "HubUnavailableError": "auditor.errors",
    "InputError": "auditor.errors",
    "OfflineMissingError": "auditor.errors",
    "TargetNotFoundError": "auditor.errors",
    "CardFacts": "auditor.facts",
    "ModelFacts": "auditor.facts",
    "Evidence": "auditor.findings",
    "Finding": "auditor.findings",
    "AuditResult": "auditor.result",
    "Obligation": "auditor.result",
    "Verdict": "auditor.result",
    "parse_card": "auditor.sources.card",
}
__all__ = [
    "AuditResult",
    "AuditorError",
    "CardFacts",
    "Evidence",
    "Finding",
    "HubUnavailableError",
    "InputError",
    "ModelFacts",
    "Obligation",
    "OfflineMissingError",
    "TargetNotFoundError",
    "Verdict",
    "__version__",
    "assess",
    "audit",
    "audit_many",
    "parse_card",
]


def __getattr__(name: str) -> Any:
    """Load a public name from its module on first access (PEP 562)."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'auditor' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value

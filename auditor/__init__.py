"""auditor: license and openness compliance auditor for open AI models.

Public API::

    from auditor import audit, audit_many
    result = audit("allenai/OLMo-7B@main")
    result.to_dict()["license"]["declared"]
"""

from __future__ import annotations

__version__ = "0.1.0"

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
from auditor.result import AuditResult
from auditor.sources.card import parse_card

__all__ = [
    "AuditResult",
    "AuditorError",
    "CardFacts",
    "Evidence",
    "Finding",
    "HubUnavailableError",
    "InputError",
    "ModelFacts",
    "OfflineMissingError",
    "TargetNotFoundError",
    "__version__",
    "assess",
    "audit",
    "audit_many",
    "parse_card",
]

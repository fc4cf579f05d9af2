"""Findings: what a rule found, how severe it is, and the evidence behind it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

Severity = Literal["error", "warning", "info"]
SEVERITIES: tuple[Severity, ...] = ("error", "warning", "info")
_RANK = {"info": 1, "warning": 2, "error": 3}


def severity_at_least(severity: str, level: str) -> bool:
    """True when ``severity`` is as severe as ``level`` or more."""
    return _RANK[severity] >= _RANK[level]


@dataclass(frozen=True, slots=True)
class Evidence:
    """Where a finding comes from: a metadata field, a file and line, or a URL."""

    field: str | None = None
    file: str | None = None
    line: int | None = None
    url: str | None = None
    excerpt: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            k: v
            for k, v in (
                ("field", self.field),
                ("file", self.file),
                ("line", self.line),
                ("url", self.url),
                ("excerpt", self.excerpt),
            )
            if v is not None
        }


@dataclass(frozen=True, slots=True)
class Hit:
    """What a checker yields: a message and its evidence. The engine adds the rule's metadata."""

    message: str
    evidence: tuple[Evidence, ...] = ()


@dataclass(frozen=True, slots=True)
class Finding:
    """A rule's verdict on one model."""

    rule: str
    severity: Severity
    title: str
    message: str
    criterion: str
    evidence: tuple[Evidence, ...] = ()
    waiver: Mapping[str, Any] | None = None  # set when a policy waiver covers the finding
    blocking: bool = False  # set by the judgement: this finding fails the verdict

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "rule": self.rule,
            "severity": self.severity,
            "title": self.title,
            "criterion": self.criterion,
            "message": self.message,
            "evidence": [e.to_dict() for e in self.evidence],
            "blocking": self.blocking,
        }
        if self.waiver is not None:
            data["waiver"] = dict(self.waiver)
        return data

"""A short human summary for a terminal (reports/summary.txt.j2)."""

from __future__ import annotations

from collections.abc import Sequence

from auditor.render.templates import environment
from auditor.result import AuditResult


def render_text(results: Sequence[AuditResult]) -> str:
    template = environment().get_template("summary.txt.j2")
    return template.render(results=[r.to_dict() for r in results])

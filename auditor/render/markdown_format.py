"""Markdown for pull-request comments (reports/report.md.j2): compact, the same facts as the other formats."""

from __future__ import annotations

from collections.abc import Sequence

from auditor.render.templates import environment
from auditor.result import AuditResult


def render_markdown(results: Sequence[AuditResult]) -> str:
    return environment().get_template("report.md.j2").render(results=[r.to_dict() for r in results])

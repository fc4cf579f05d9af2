"""Markdown for pull-request comments (reports/report.md.j2): a summary line with the count per tier, a table with
one row per model (Hub id, tier, license, commercial use, top reason), then per failing or conditional model its
blocking findings and obligations, details folded. Failing models come first.

GitHub refuses comments over 65,536 characters: the comment is built piece by piece and stops before the limit
with a note saying how many models were left out and where the full report is.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from auditor.render import view
from auditor.render.html_format import TIER_ORDER, effective_license, safe_url
from auditor.render.templates import environment, markdown_safe
from auditor.result import AuditResult

GITHUB_COMMENT_LIMIT = 65_536
_RESERVE = 1_500  # for the closing note and the policy line


def _where(finding: Any) -> str | None:
    for evidence in finding.evidence[:1]:
        place = evidence.file or evidence.field
        if place:
            return f"{place}:{evidence.line}" if evidence.line else place
    return None


def _link(url: str | None) -> str | None:
    """A URL safe inside Markdown link parentheses (http(s) only)."""
    url = safe_url(url)
    return url.replace("(", "%28").replace(")", "%29") if url else None


def model_view(result: AuditResult) -> dict[str, Any]:
    """What the comment shows of one model."""
    verdict = result.verdict
    effective = effective_license(result)
    blocking = [{"rule": f.rule, "message": f.message, "where": _where(f)} for f in result.findings if f.blocking]
    others = [
        {
            "severity": f.severity,
            "rule": f.rule,
            "message": f.message,
            "waived": f.waiver["expires"] if f.waiver else None,
        }
        for f in result.findings
        if not f.blocking and f.severity != "info"
    ]
    conditions = [
        {**o, "source_url": _link((o["source"] or {}).get("url"))} for o in view.obligations(result, "condition")
    ]
    reasons = list(verdict.reasons) if verdict.status not in ("conditions", "error") else []
    if blocking:
        reason = f"{blocking[0]['rule']}: {blocking[0]['message']}"
    elif result.error is not None:
        reason = result.error.message
    elif reasons:
        reason = reasons[0]
    elif conditions:
        reason = "; ".join(dict.fromkeys(o["code"] for o in conditions))
    else:
        reason = ""
    return {
        "name": result.model_id,
        "url": view.hub_url(result),
        "tier": verdict.status,
        "licenses": list(dict.fromkeys(lic["name"] for lic in effective["licenses"])),
        "commercial_use": (effective["terms"] or {}).get("commercial_use", "unknown"),
        "reason": reason,
        "error": result.error.message if result.error else None,
        "blocking": blocking,
        "reasons": reasons,
        "conditions": conditions,
        "notices": view.obligations(result, "notice"),
        "others": others,
        "mof_class": result.openness.mof.mof_class if result.openness is not None else None,
        "osaid": result.openness.osaid.to_dict() if result.openness is not None else None,
    }


def render_markdown(results: Sequence[AuditResult], *, full_report: str | None = None) -> str:
    """The PR comment for the results; ``full_report`` (a URL or path) is named when models had to be left out."""
    template = environment().get_template("report.md.j2").module
    models = sorted((model_view(r) for r in results), key=lambda m: TIER_ORDER[m["tier"]])
    counts = {tier: sum(1 for m in models if m["tier"] == tier) for tier in TIER_ORDER}
    policy = next((r.verdict.policy.to_dict() for r in results if r.verdict.policy), None)
    fail_on = results[0].verdict.fail_on if results else "error"
    budget = GITHUB_COMMENT_LIMIT - _RESERVE
    parts = [str(template.header(counts, len(models), policy, fail_on))]  # type: ignore[attr-defined]
    size = len(parts[0])
    rows_shown = 0
    for model in models:
        row = str(template.row(model))  # type: ignore[attr-defined]
        if size + len(row) > budget * 0.6:
            break
        parts.append(row)
        size += len(row)
        rows_shown += 1
    parts.append("\n")
    sections_shown = sections_wanted = 0
    for model in models[:rows_shown]:
        if model["tier"] == "pass":
            continue
        sections_wanted += 1
        section = str(template.section(model))  # type: ignore[attr-defined]
        if size + len(section) > budget:
            continue
        parts.append(section)
        size += len(section)
        sections_shown += 1
    note = _truncation_note(len(models) - rows_shown, sections_wanted - sections_shown, full_report)
    return "".join(parts).rstrip("\n") + "\n" + note


def _truncation_note(rows_left: int, sections_left: int, full_report: str | None) -> str:
    if not rows_left and not sections_left:
        return ""
    if full_report:
        where = "the full report: " + (_link(full_report) or markdown_safe(full_report))
    else:
        where = "the full report (`auditor audit … --format html`)"
    left = []
    if rows_left:
        left.append(f"{rows_left} model{'s' if rows_left != 1 else ''} left out of the table")
    if sections_left:
        left.append(f"details of {sections_left} model{'s' if sections_left != 1 else ''} left out")
    return f"\n> [!NOTE]\n> Truncated to stay under GitHub's comment limit: {', '.join(left)}. See {where}.\n"

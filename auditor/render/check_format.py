"""The one-screen summary of `auditor check`: the verdict per model, the policy and the waivers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from auditor.render.templates import environment
from auditor.result import AuditResult


def render_check_summary(
    results: Sequence[AuditResult],
    *,
    policy: dict[str, Any],
    fail_on: str,
    fail_on_source: str,
    stale: Sequence[dict[str, Any]],
    since: str | None = None,
) -> str:
    return environment().get_template("check.txt.j2").render(
        results=[r.to_dict() for r in results], policy=policy, since=since, stale=list(stale),
        fail_on=fail_on, fail_on_source=fail_on_source,
    )  # fmt: skip

"""JSON (one object, or a list for several targets) and JSON Lines."""

from __future__ import annotations

import json
from collections.abc import Sequence

from auditor.result import AuditResult


def dumps_result(result: AuditResult, *, indent: int | None = None) -> str:
    return json.dumps(result.to_dict(), indent=indent, ensure_ascii=False, sort_keys=False)


def render_json(results: Sequence[AuditResult]) -> str:
    """One target: its object. Several: a list in input order."""
    payload = results[0].to_dict() if len(results) == 1 else [r.to_dict() for r in results]
    return json.dumps(payload, indent=2, ensure_ascii=False) + "\n"


def render_json_list(results: Sequence[AuditResult]) -> str:
    """Always a list, whatever the number of results (the gate's report over a manifest)."""
    return json.dumps([r.to_dict() for r in results], indent=2, ensure_ascii=False) + "\n"


def render_jsonl(results: Sequence[AuditResult]) -> str:
    return "".join(dumps_result(r) + "\n" for r in results)

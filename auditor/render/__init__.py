"""Renderers: each turns AuditResults into one output format; none fetches or decides anything."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from auditor.render import (
    cyclonedx_format,
    html_format,
    json_format,
    junit_format,
    markdown_format,
    sarif_format,
    spdx_format,
    text_format,
)
from auditor.result import AuditResult

Renderer = Callable[[Sequence[AuditResult]], str]

RENDERERS: dict[str, Renderer] = {
    "json": json_format.render_json,
    "jsonl": json_format.render_jsonl,
    "text": text_format.render_text,
    "md": markdown_format.render_markdown,
    "sarif": sarif_format.render_sarif,
    "junit": junit_format.render_junit,
    "html": html_format.render_html,
    "spdx": spdx_format.render_spdx,
    "spdx3": spdx_format.render_spdx3,
    "cyclonedx": cyclonedx_format.render_cyclonedx,
}

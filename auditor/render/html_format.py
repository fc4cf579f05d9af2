"""Self-contained HTML: one page per audit, and a portfolio page comparing several (reports/*.html.j2).

Card text is untrusted: templates autoescape everything, only http(s) URLs become links, and each page carries a
Content-Security-Policy that forbids every script except the portfolio's own sorting code (by hash).
"""

from __future__ import annotations

import base64
import hashlib
import re
import shlex
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from auditor.render.templates import environment
from auditor.result import AuditResult
from auditor.rulebook import default_catalog

SORT_SCRIPT = """
document.body.dataset.sortable = "ready";
document.querySelectorAll("th[data-sort]").forEach(function (th) {
  th.addEventListener("click", function () {
    var table = th.closest("table"), body = table.tBodies[0], index = th.cellIndex;
    var rows = Array.prototype.slice.call(body.rows), asc = th.dataset.dir !== "asc";
    rows.sort(function (a, b) {
      var x = a.cells[index].dataset.key || a.cells[index].textContent;
      var y = b.cells[index].dataset.key || b.cells[index].textContent;
      return (asc ? 1 : -1) * x.localeCompare(y, undefined, {numeric: true});
    });
    rows.forEach(function (row) { body.appendChild(row); });
    th.dataset.dir = asc ? "asc" : "desc";
  });
});
""".strip()


def script_hash(script: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()


def safe_url(value: object) -> str | None:
    """Only http(s) URLs become links; anything else (javascript:, data:, relative) stays text."""
    text = str(value or "").strip()
    return text if re.match(r"^https?://[^\s\"'<>]+$", text, re.IGNORECASE) else None


def slug(result: AuditResult, index: int) -> str:
    name = result.facts.model_id if result.facts else result.target
    return f"{index + 1:02d}-{re.sub(r'[^A-Za-z0-9._-]+', '-', name).strip('-')[:80] or 'model'}.html"


def _command(result: AuditResult) -> str:
    facts = result.facts
    target = result.target
    if facts is not None and facts.source == "hub" and facts.sha:
        target = f"{facts.model_id}@{facts.sha}"
    return "auditor audit " + shlex.quote(target) + " --format html"


def _view(result: AuditResult) -> dict[str, Any]:
    data = result.to_dict()
    catalog = default_catalog()
    records = []
    for record in result.license.records if result.license else ():
        rows = [
            {
                "fact": fact,
                "url": safe_url(source.get("url")),
                "url_text": source.get("url", ""),
                "quote": source.get("quote"),
                "note": source.get("note"),
            }
            for fact, source in record.sources.items()
        ]
        records.append({"record": record.to_dict(), "sources": rows})
    groups: dict[str, list[dict[str, Any]]] = {"error": [], "warning": [], "info": []}
    for finding in data["findings"]:
        rule = catalog.rules.get(finding["rule"])
        finding = {
            **finding,
            "rationale": rule.rationale if rule else "",
            "reference": safe_url(rule.reference) if rule else None,
        }
        groups[finding["severity"]].append(finding)
    return {"r": data, "records": records, "groups": groups, "command": _command(result)}


def render_page(result: AuditResult, *, index_href: str | None = None) -> str:
    template = environment().get_template("report.html.j2")
    return template.render(**_view(result), index_href=index_href, csp="script-src 'none'")


def portfolio_row(result: AuditResult, page: str | None = None) -> dict[str, Any]:
    """What the portfolio shows of one model: small, so a batch can keep one per model instead of the result."""
    data = result.to_dict()
    return {"r": {key: data[key] for key in ("target", "model", "license", "openness", "lineage", "verdict")},
            "page": page}  # fmt: skip


def render_portfolio_rows(rows: Sequence[dict[str, Any]]) -> str:
    """The portfolio page from ``portfolio_row`` rows, in the order given."""
    template = environment().get_template("portfolio.html.j2")
    return template.render(rows=list(rows), script=SORT_SCRIPT, csp=f"script-src '{script_hash(SORT_SCRIPT)}'")


def render_portfolio(results: Sequence[AuditResult], pages: Sequence[str] | None = None) -> str:
    return render_portfolio_rows([portfolio_row(r, pages[i] if pages else None) for i, r in enumerate(results)])


def render_html(results: Sequence[AuditResult]) -> str:
    """One target: its page. Several: the portfolio with every page inline is not self-contained; use write_html."""
    if len(results) == 1:
        return render_page(results[0])
    return render_portfolio(results)


def write_html(results: Sequence[AuditResult], output: Path) -> list[Path]:
    """One target: a file. Several: a folder with index.html (the portfolio) and one page per model."""
    if len(results) == 1 and output.suffix.lower() in (".html", ".htm"):
        output.write_text(render_page(results[0]), encoding="utf-8")
        return [output]
    output.mkdir(parents=True, exist_ok=True)
    pages = [slug(r, i) for i, r in enumerate(results)]
    written = []
    for result, page in zip(results, pages, strict=True):
        (output / page).write_text(render_page(result, index_href="index.html"), encoding="utf-8")
        written.append(output / page)
    (output / "index.html").write_text(render_portfolio(results, pages), encoding="utf-8")
    return [output / "index.html", *written]

"""Self-contained HTML: one page per audit, and a portfolio page comparing many (reports/*.html.j2).

The page opens with what a reviewer acts on — the verdict tier and why, what the adopter must do (each duty with
its source), the effective license by name, commercial use, blocking findings — then the evidence: license,
lineage, openness, weights, findings by severity; raw evidence is folded. The portfolio lists failing and
conditional models first, with counts per tier, a reason per model and filters by tier and license category.

Card text is untrusted: templates autoescape everything, only http(s) URLs become links (besides the report's own
sibling files), bidi overrides are shown, and each page carries a Content-Security-Policy that forbids every script
except the portfolio's own sorting code (by hash). Filters are pure CSS (radio buttons), so they work without it.
"""

from __future__ import annotations

import base64
import hashlib
import re
import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from auditor.render import json_format, view
from auditor.render.templates import environment, is_http_url
from auditor.result import AuditResult
from auditor.rulebook import default_catalog

TIER_ORDER = {"fail": 0, "error": 1, "conditions": 2, "pass": 3}
CRITERIA = ("training_data", "weights", "evaluation_code", "training_code", "training_metrics")
SORT_SCRIPT = """
document.body.dataset.sortable = "ready";
var collator = new Intl.Collator(undefined, {numeric: true, sensitivity: "base"});
document.querySelectorAll("th[data-sort]").forEach(function (th) {
  th.tabIndex = 0;
  function sort() {
    var table = th.closest("table"), body = table.tBodies[0], index = th.cellIndex;
    var asc = th.getAttribute("aria-sort") !== "ascending";
    var rows = Array.prototype.map.call(body.rows, function (row) {
      var cell = row.cells[index];
      return [cell.getAttribute("data-key") || cell.textContent, row];
    });
    rows.sort(function (a, b) { return (asc ? 1 : -1) * collator.compare(a[0], b[0]); });
    var fragment = document.createDocumentFragment();
    rows.forEach(function (pair) { fragment.appendChild(pair[1]); });
    body.appendChild(fragment);
    table.querySelectorAll("th[aria-sort]").forEach(function (other) { other.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", asc ? "ascending" : "descending");
  }
  th.addEventListener("click", sort);
  th.addEventListener("keydown", function (event) { if (event.key === "Enter") { sort(); } });
});
""".strip()


def script_hash(script: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()


def safe_url(value: object) -> str | None:
    """Only http(s) URLs become links; anything else (javascript:, data:, relative) stays text."""
    text = str(value or "").strip()
    return text if is_http_url(text) else None


def slug(result: AuditResult, index: int) -> str:
    return f"{index + 1:02d}-{re.sub(r'[^A-Za-z0-9._-]+', '-', result.model_id).strip('-')[:80] or 'model'}.html"


def _command(result: AuditResult) -> str:
    facts = result.facts
    target = result.target
    if facts is not None and facts.source == "hub" and facts.sha:
        target = f"{facts.model_id}@{facts.sha}"
    return "auditor audit " + shlex.quote(target) + " --format html"


def _license_names(result: AuditResult) -> dict[str, str]:
    """Human names of the licenses the result mentions, by SPDX id / LicenseRef."""
    return {n.spdx: n.name for n in view.license_names(result) if n.spdx}


def effective_license(result: AuditResult) -> dict[str, Any]:
    """The license(s) that bind an adopter, by name, with where each comes from (own, ancestor, dataset)."""
    lineage = result.lineage
    if lineage is not None and lineage.effective is not None:
        effective = lineage.effective
        sources = [{"spdx": s.record.spdx, "name": s.record.name, "url": safe_url(s.record.url), "origin": s.origin,
                    "from": s.name} for s in effective.sources if not s.record.is_placeholder]  # fmt: skip
        unique = list({(s["spdx"], s["origin"], s["from"]): s for s in sources}.values())
        return {"licenses": unique, "category": effective.category, "terms": effective.terms.to_dict(),
                "osi_approved": effective.osi_approved}  # fmt: skip
    profile = result.license
    records = [r for r in (profile.records if profile else ()) if not r.is_placeholder]
    return {
        "licenses": [{"spdx": r.spdx, "name": r.name, "url": safe_url(r.url), "origin": "own", "from": None}
                     for r in records],
        "category": profile.category if profile and profile.known else None,
        "terms": profile.terms.to_dict() if profile and profile.known and profile.terms else None,
        "osi_approved": profile.osi_approved if profile else None,
    }  # fmt: skip


def _criterion_of(criterion: str) -> str | None:
    name = criterion.rsplit(".", 1)[-1]
    return name if name in CRITERIA else None


def _weights(result: AuditResult) -> dict[str, Any]:
    rows = []
    for weight in view.weight_files(result):
        rows.append({**weight.to_dict(), "pickled": weight.pickled, "quantization": view.quantization(weight)})
    totals: dict[str, int] = {}
    for row in rows:
        if row["parameters"]:
            totals[row["format"]] = totals.get(row["format"], 0) + row["parameters"]
    family, architecture = view.architecture(result)
    inspected = result.facts is not None and result.facts.weights is not None
    return {"rows": rows, "totals": totals, "family": family, "architecture": architecture, "inspected": inspected}


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
        records.append({"record": record.to_dict(), "sources": rows})  # fmt: skip
    groups: dict[str, list[dict[str, Any]]] = {"error": [], "warning": [], "info": []}
    by_criterion: dict[str, list[dict[str, Any]]] = {}
    for n, finding in enumerate(data["findings"], start=1):
        rule = catalog.rules.get(finding["rule"])
        item = {**finding, "anchor": f"finding-{n}", "rationale": rule.rationale if rule else "",
                "reference": safe_url(rule.reference) if rule else None}  # fmt: skip
        groups[finding["severity"]].append(item)
        criterion = _criterion_of(finding["criterion"])
        if criterion and finding["severity"] != "info" and "waiver" not in finding:
            by_criterion.setdefault(criterion, []).append(item)
    return {
        "r": data,
        "records": records,
        "groups": groups,
        "blocking": [f for f in groups["error"] + groups["warning"] + groups["info"] if f["blocking"]],
        "by_criterion": by_criterion,
        "conditions": view.obligations(result, "condition"),
        "notices": view.obligations(result, "notice"),
        "effective": effective_license(result),
        "license_names": _license_names(result),
        "weights": _weights(result),
        "datasets": [d for role in ("training", "evaluation") for d in view.datasets(result, role)],
        "hub_url": view.hub_url(result),
        "purl": view.purl(result),
        "command": _command(result),
    }


def render_page(result: AuditResult, *, index_href: str | None = None, json_href: str | None = None) -> str:
    """One model's page; ``index_href`` links back to the portfolio, ``json_href`` to the JSON result beside it."""
    template = environment().get_template("report.html.j2")
    return template.render(**_view(result), index_href=index_href, json_href=json_href, csp="script-src 'none'")


def portfolio_row(result: AuditResult, page: str | None = None) -> dict[str, Any]:
    """What the portfolio shows of one model: small, so a batch can keep one per model instead of the result."""
    verdict = result.verdict
    effective = effective_license(result)
    terms = effective["terms"] or {}
    blocking = [f"{f.rule}: {f.message}" for f in result.findings if f.blocking]
    reasons = list(verdict.reasons) if verdict.status != "conditions" else []
    if result.error is not None:
        reasons = [result.error.message]
    openness = result.openness.to_dict() if result.openness is not None else None
    return {
        "model": result.model_id,
        "target": result.target,
        "page": page,
        "tier": verdict.status,
        "reasons": [reason[:400] for reason in (blocking or reasons or [o.text for o in verdict.conditions])[:5]],
        "licenses": list({s["spdx"]: {"spdx": s["spdx"], "name": s["name"]} for s in effective["licenses"]}.values()),
        "category": effective["category"] or "unknown",
        "commercial_use": terms.get("commercial_use") or "unknown",
        "obligations": list(
            {
                o.code: {"code": o.code, "text": o.text, "license": o.license_name}
                for o in reversed(verdict.conditions)
            }.values()
        )[::-1],
        "mof_class": openness["mof_class"] if openness else None,
        "osaid": openness["osaid"] if openness else None,
    }


def render_portfolio_rows(rows: Sequence[dict[str, Any]]) -> str:
    """The portfolio page from ``portfolio_row`` rows: failing, erroneous and conditional models first (stable
    within a tier, so the given order breaks ties)."""
    ordered = sorted(rows, key=lambda row: TIER_ORDER[row["tier"]])
    counts = {tier: sum(1 for row in rows if row["tier"] == tier) for tier in TIER_ORDER}
    categories: dict[str, int] = {}
    for row in ordered:
        categories[row["category"]] = categories.get(row["category"], 0) + 1
    listed = sorted(categories.items())
    category_index = {name: n for n, (name, _) in enumerate(listed, start=1)}
    template = environment().get_template("portfolio.html.j2")
    return template.render(rows=ordered, counts=counts, categories=listed, category_index=category_index,
                           script=SORT_SCRIPT, csp=f"script-src '{script_hash(SORT_SCRIPT)}'")  # fmt: skip


def render_portfolio(results: Sequence[AuditResult], pages: Sequence[str] | None = None) -> str:
    return render_portfolio_rows([portfolio_row(r, pages[i] if pages else None) for i, r in enumerate(results)])


def render_html(results: Sequence[AuditResult]) -> str:
    """One target: its page. Several: the portfolio (write_html writes it with one page per model)."""
    if len(results) == 1:
        return render_page(results[0])
    return render_portfolio(results)


@dataclass(frozen=True, slots=True)
class FolderPage:
    """One model's files in an HTML report folder: its page, its JSON result beside it, its portfolio row."""

    page: str
    html: str
    json_name: str
    json_text: str
    row: dict[str, Any]

    def write(self, folder: Path) -> Path:
        (folder / self.json_name).write_text(self.json_text, encoding="utf-8")
        (folder / self.page).write_text(self.html, encoding="utf-8")
        return folder / self.page


def folder_page(result: AuditResult, index: int) -> FolderPage:
    """The files of the ``index``-th model of a report folder (linked to index.html and to its JSON)."""
    page = slug(result, index)
    json_name = page.removesuffix(".html") + ".json"
    html = render_page(result, index_href="index.html", json_href=json_name)
    return FolderPage(page, html, json_name, json_format.render_json([result]), portfolio_row(result, page))


def write_html(results: Sequence[AuditResult], output: Path) -> list[Path]:
    """One target: a file. Several: a folder with index.html (the portfolio) and one page per model. Each page
    has its JSON result beside it (same name, .json), linked from the page. Returns the HTML files written."""
    if len(results) == 1 and output.suffix.lower() in (".html", ".htm"):
        json_path = output.with_suffix(".json")
        json_path.write_text(json_format.render_json(results), encoding="utf-8")
        output.write_text(render_page(results[0], json_href=json_path.name), encoding="utf-8")
        return [output]
    output.mkdir(parents=True, exist_ok=True)
    pages = [folder_page(result, index) for index, result in enumerate(results)]
    written = [page.write(output) for page in pages]
    (output / "index.html").write_text(render_portfolio_rows([p.row for p in pages]), encoding="utf-8")
    return [output / "index.html", *written]

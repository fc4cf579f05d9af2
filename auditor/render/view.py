"""What the renderers read from a result, in one place: identity links, weight files, training data, card facts.

Only reading: every value here is a fact of the result (its facts, assessment, findings or verdict) put in the
shape a format needs; nothing is fetched, nothing is judged. The BOM formats and the HTML page share it, so a
weight file's checksum or a dataset's license reads the same in all of them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from auditor.facts import WeightFile
from auditor.findings import Finding
from auditor.result import AuditResult
from auditor.rulebook import default_catalog

HUB = "https://huggingface.co"
# Dataset names that name no dataset: never exported as training data.
PLACEHOLDER_DATASETS = frozenset({"", "unknown", "other", "none", "n/a", "na", "tbd", "custom", "private"})
_QUANT_TYPE = re.compile(r"^(I?Q\d|TQ\d)")  # GGUF block-quantized tensor types (ggml_type names)
_LIMITATION_SECTION = re.compile(r"limitation|bias|risk|out[- ]of[- ]scope|ethic|misuse|caveat|recommendation", re.I)


@dataclass(frozen=True, slots=True)
class LicenseName:
    """A license as a BOM writes it: its SPDX id or LicenseRef (None when the knowledge base does not know it) and
    its human name; ``placeholder`` for ``other`` and ``unknown``, which name no license."""

    spdx: str | None
    name: str
    url: str | None = None
    placeholder: bool = False


@dataclass(frozen=True, slots=True)
class DatasetView:
    id: str
    role: str
    url: str | None
    licenses: tuple[LicenseName, ...]  # empty: unknown
    license_basis: str  # where the license comes from, or why it is unknown


def is_hub_id(text: str) -> bool:
    from auditor.sources.identity import is_hub_id as valid  # imported when used: auditor.sources is heavy

    return valid(text)


def hub_purl(hub_id: str, commit: str | None = None) -> str | None:
    from auditor.sources.identity import hub_purl as purl_of

    return purl_of(hub_id, commit)


def is_hub_model(result: AuditResult) -> bool:
    """The model id is a Hub repository id (audited on the Hub, or a snapshot whose Hub id is known)."""
    facts = result.facts
    if facts is None:
        return False
    return facts.source in ("hub", "hub-cache") or ("/" in facts.model_id and is_hub_id(facts.model_id))


def commit(result: AuditResult) -> str | None:
    return result.facts.sha if result.facts else None


def hub_url(result: AuditResult) -> str | None:
    """The model's page on the Hub (at the audited commit when known)."""
    if not is_hub_model(result):
        return None
    sha = commit(result)
    return f"{HUB}/{result.model_id}" + (f"/tree/{sha}" if sha else "")


def purl(result: AuditResult) -> str | None:
    return hub_purl(result.model_id, commit(result)) if is_hub_model(result) else None


def base_purl(model_id: str) -> str | None:
    return hub_purl(model_id) if "/" in model_id else None


def download_url(result: AuditResult) -> str | None:
    """Where the model can be downloaded: its Hub page, else the https address it was read from."""
    location = result.facts.location if result.facts else ""
    return hub_url(result) or (location if re.match(r"^https://[^\s\"'<>]+$", location) else None)


def weight_files(result: AuditResult) -> list[WeightFile]:
    """The weight files the audit inspected, with the Hub's LFS checksum where the inspection has none."""
    facts = result.facts
    if facts is None or facts.weights is None:
        return []
    checksums = {f.path: f.sha256 for f in facts.files or () if f.sha256}
    out = []
    for weight in facts.weights:
        if weight.sha256 is None and weight.path in checksums:
            weight = replace(weight, sha256=checksums[weight.path])
        out.append(weight)
    return out


def quantization(weight: WeightFile) -> str | None:
    """How the weights are quantized, as the weights inspection found it (GGUF file type, GPTQ/AWQ/bitsandbytes
    configs, packed tensor layouts); None when they are not quantized."""
    from auditor.weights.quantization import describe

    return describe(weight.quantization) if weight.quantization else None


def config(result: AuditResult) -> dict[str, Any]:
    """The model's config.json as parsed JSON ({} when absent or not a JSON object)."""
    facts = result.facts
    document = next((d for d in facts.configs if d.path == "config.json"), None) if facts else None
    if document is None:
        return {}
    try:
        parsed = json.loads(document.text)
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


def architecture(result: AuditResult) -> tuple[str | None, str | None]:
    """(family, architecture): config.json's model_type and architectures, or GGUF's general.architecture."""
    data = config(result)
    family = data.get("model_type") if isinstance(data.get("model_type"), str) else None
    names = data.get("architectures")
    name = names[0] if isinstance(names, list) and names and isinstance(names[0], str) else None
    if family is None:
        for weight in weight_files(result):
            value = weight.metadata.get("general.architecture")
            if isinstance(value, str):
                family = value
                break
    return family, name


def card_metadata(result: AuditResult) -> Mapping[str, Any]:
    card = result.facts.card if result.facts else None
    return card.metadata if card else {}


def task(result: AuditResult) -> str | None:
    """The Hub's pipeline tag (or the card's)."""
    hub = result.facts.hub if result.facts else None
    tag = (hub.pipeline_tag if hub else None) or card_metadata(result).get("pipeline_tag")
    return tag if isinstance(tag, str) and tag else None


def metrics(result: AuditResult) -> list[dict[str, str]]:
    """Evaluation results the card's model-index reports: metric type, value, dataset and task."""
    out: list[dict[str, str]] = []
    index = card_metadata(result).get("model-index")
    for model in index if isinstance(index, list) else ():
        results = model.get("results") if isinstance(model, dict) else None
        for item in results if isinstance(results, list) else ():
            if not isinstance(item, dict):
                continue
            dataset = _mapping(item.get("dataset"))
            task_ = _mapping(item.get("task"))
            values = item.get("metrics")
            for metric in values if isinstance(values, list) else ():
                if isinstance(metric, dict) and metric.get("type") is not None and metric.get("value") is not None:
                    out.append(
                        {
                            "type": str(metric.get("name") or metric["type"])[:120],
                            "value": str(metric["value"])[:60],
                            "slice": str(dataset.get("name") or dataset.get("type") or "")[:120],
                            "task": str(task_.get("type") or "")[:60],
                        }
                    )
    return out[:200]


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}


def limitation_sections(result: AuditResult) -> list[str]:
    """Where the card speaks of limitations, bias and risks: its sections by title and lines."""
    card = result.facts.card if result.facts else None
    if card is None:
        return []
    return [
        f"{card.file} section \u201c{s.title}\u201d (lines {s.line}\u2013{s.end_line})"
        for s in card.sections
        if _LIMITATION_SECTION.search(s.title)
    ][:10]


def license_name(text: str) -> LicenseName:
    """A license id as the knowledge base names it (a Hub id, an SPDX id or a LicenseRef)."""
    from auditor.licenses.catalog import license_catalog

    record = license_catalog().get(text)
    if record is None:
        return LicenseName(None, text)
    return LicenseName(record.spdx, record.name, record.url or None, record.is_placeholder)


def license_names(result: AuditResult) -> list[LicenseName]:
    """The model's effective licenses (own and inherited), by name; its own when lineage was not assessed."""
    lineage = result.lineage
    if lineage is not None and lineage.effective is not None:
        records = [s.record for s in lineage.effective.sources if not s.record.is_placeholder]
    else:
        records = [r for r in (result.license.records if result.license else ()) if not r.is_placeholder]
    unique = {r.spdx: LicenseName(r.spdx, r.name, r.url or None) for r in records}
    return list(unique.values())


def datasets(result: AuditResult, role: str) -> list[DatasetView]:
    """The datasets of one role (``training``, ``evaluation``) as the lineage lists them, with their licenses as
    the datasets' own cards declare them (unknown when no card was read)."""
    if result.lineage is None:
        return []
    out = []
    for entry in result.lineage.datasets:
        name = str(entry.get("id", ""))
        if entry.get("role") != role or name.strip().lower() in PLACEHOLDER_DATASETS:
            continue
        declared = [str(x) for x in entry.get("license") or ()]
        licenses = tuple(license_name(x) for x in declared)
        if licenses:
            basis = "the dataset's card on the Hub"
        elif entry.get("card_found") is False:
            basis = "unknown: the dataset's card could not be read"
        else:
            basis = "unknown: the dataset's card was not read"
        url = name if re.match(r"^https?://", name) else (f"{HUB}/datasets/{name}" if is_hub_id(name) else None)
        out.append(DatasetView(name, role, url, licenses, basis))
    return out


def ancestors(result: AuditResult) -> list[tuple[tuple[str, ...], Any]]:
    """Every base model of the lineage tree with its position ((1,) a parent, (1, 2) that parent's second parent …)."""
    found: list[tuple[tuple[str, ...], Any]] = []

    def walk(nodes: Sequence[Any], path: tuple[str, ...]) -> None:
        for n, node in enumerate(nodes, start=1):
            here = (*path, str(n))
            found.append((here, node))
            walk(node.parents, here)

    walk(result.lineage.tree if result.lineage else (), ())
    return found


def obligations(result: AuditResult, level: str) -> list[dict[str, Any]]:
    """The verdict's obligations of one level (``condition``, ``notice``) as dictionaries (one per duty: the
    judgement names every ancestor that passes it on in ``inherited_from``)."""
    return [o.to_dict() for o in result.verdict.obligations if o.level == level]


def cwe_of(finding: Finding) -> int | None:
    """The CWE a finding's rule names (``cwe:`` in rules/*.yaml): the weakness it is an instance of."""
    rules = default_catalog()
    return rules[finding.rule].cwe if finding.rule in rules else None


def security_findings(result: AuditResult) -> list[tuple[Finding, int]]:
    """Findings that are security weaknesses of the published files, with their CWE number."""
    return [(f, cwe) for f in result.findings if (cwe := cwe_of(f)) is not None]


def finding_line(finding: Finding) -> str:
    """One line for a finding in a BOM: severity, blocking, rule, message, first evidence."""
    where = ""
    for evidence in finding.evidence[:1]:
        place = evidence.file or evidence.field or evidence.url
        if place:
            where = f" [{place}{':' + str(evidence.line) if evidence.line else ''}]"
    flags = ", blocking" if finding.blocking else (", waived" if finding.waiver else "")
    return f"[{finding.severity}{flags}] {finding.rule}: {finding.message}{where}"

"""CycloneDX 1.6 ML-BOM: the model as a machine-learning-model component with a model card, its weight files
(with checksums), base models and datasets as components, and security findings as vulnerabilities.

cyclonedx-python-lib builds and serialises everything it models; it has no model card yet, so the ``modelCard``
of each model is built as data and added to the serialised document by bom-ref (tests validate the whole
document against the official 1.6 schema). Verdict, obligations, openness and findings are properties in an
``auditor:`` namespace.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Sequence
from typing import Any

from auditor._version import __version__
from auditor.result import AuditResult
from auditor.vocabulary import mof_label, osaid_label

from . import view

_SEVERITY = {"error": "high", "warning": "medium", "info": "low"}


def _licenses(names: Sequence[view.LicenseName]) -> list[Any]:
    """CycloneDX licenses: an SPDX id where it is one, else the license's name (and URL); "unknown" when none."""
    from cyclonedx.model import XsUri
    from cyclonedx.model.license import DisjunctiveLicense
    from cyclonedx.spdx import fixup_id

    out: list[Any] = []
    for item in names:
        spdx_id = fixup_id(item.spdx) if item.spdx and not item.placeholder else None
        if spdx_id:
            out.append(DisjunctiveLicense(id=spdx_id))
        else:
            out.append(DisjunctiveLicense(name=item.name, url=XsUri(item.url) if item.url else None))
    return out or [DisjunctiveLicense(name="unknown")]


def _expression_licenses(expression: str | None) -> list[Any]:
    """A concluded SPDX expression as CycloneDX licenses: an id when it is one SPDX id, else the expression
    (LicenseRef- ids and compounds); "unknown" when there is none."""
    from cyclonedx.model.license import DisjunctiveLicense, LicenseExpression
    from cyclonedx.spdx import fixup_id

    if not expression:
        return [DisjunctiveLicense(name="unknown")]
    spdx_id = fixup_id(expression)
    return [DisjunctiveLicense(id=spdx_id) if spdx_id else LicenseExpression(expression)]


def _properties(result: AuditResult) -> list[Any]:
    from cyclonedx.model import Property

    verdict = result.verdict
    props = [
        Property(name="auditor:verdict", value=verdict.status),
        Property(name="auditor:verdict.fail_on", value=verdict.fail_on),
        *(Property(name="auditor:verdict.reason", value=reason) for reason in verdict.reasons),
        *(
            Property(
                name="auditor:obligation",
                value=f"[{o.level}] {o.text} ({o.license_name}" + (f"; {o.source_url}" if o.source_url else "") + ")",
            )
            for o in verdict.obligations
        ),
        *(Property(name="auditor:finding", value=view.finding_line(f)) for f in result.findings),
    ]
    if result.license is not None:
        props.append(Property(name="auditor:license.resolved_from", value=result.license.resolved_from))
        if result.license.terms is not None:
            props.append(Property(name="auditor:license.commercial_use", value=result.license.terms.commercial_use))
    effective = result.lineage.effective if result.lineage else None
    if effective is not None:
        props.append(Property(name="auditor:effective.commercial_use", value=effective.terms.commercial_use))
        props.append(Property(name="auditor:effective.derivatives", value=effective.terms.derivatives))
    if result.openness is not None:
        data = result.openness.to_dict()
        props.append(Property(name="auditor:mof.class", value=mof_label(data["mof_class"])))
        props.append(Property(name="auditor:osaid.conformant", value=str(data["osaid"]["conformant"]).lower()))
        props.append(Property(name="auditor:osaid", value=osaid_label(data["osaid"])))
        for criterion, value in data["criteria"].items():
            props.append(Property(name=f"auditor:openness.{criterion}", value=value["status"]))
    policy = verdict.policy
    if policy:
        props.append(Property(name="auditor:policy.path", value=policy.path))
        props.append(Property(name="auditor:policy.sha256", value=policy.sha256))
        for waiver in policy.waivers_used:
            value = f"{waiver['rule']} for {waiver['model']} until {waiver['expires']} ({waiver['approved_by']})"
            props.append(Property(name="auditor:waiver", value=value))
    return props


def _weight_component(weight: Any, ref: str) -> Any:
    from cyclonedx.model import HashAlgorithm, HashType, Property
    from cyclonedx.model.component import Component, ComponentType

    props = [Property(name="auditor:weights.format", value=weight.format)]
    for name, value in (("tensors", weight.tensors), ("parameters", weight.parameters), ("size", weight.size)):
        if value is not None:
            props.append(Property(name=f"auditor:weights.{name}", value=str(value)))
    if weight.dtypes:
        props.append(Property(name="auditor:weights.dtypes", value=", ".join(weight.dtypes)))
    if weight.pickled:
        scanned = ", ".join(weight.pickle_globals) or "none"
        props.append(Property(name="auditor:weights.pickle_imports", value=scanned))
        props.append(
            Property(name="auditor:weights.dangerous_imports", value=", ".join(weight.dangerous_globals) or "none")
        )
    if weight.error:
        props.append(Property(name="auditor:weights.error", value=weight.error))
    hashes = [HashType(alg=HashAlgorithm.SHA_256, content=weight.sha256)] if weight.sha256 else []
    return Component(name=weight.path, type=ComponentType.FILE, bom_ref=ref, hashes=hashes, properties=props)


def _dataset_component(dataset: view.DatasetView, ref: str) -> Any:
    from cyclonedx.model import ExternalReference, ExternalReferenceType, Property, XsUri
    from cyclonedx.model.component import Component, ComponentType

    references = (
        [ExternalReference(type=ExternalReferenceType.DISTRIBUTION, url=XsUri(dataset.url))] if dataset.url else []
    )
    return Component(
        name=dataset.id,
        type=ComponentType.DATA,
        bom_ref=ref,
        licenses=_licenses(dataset.licenses),
        external_references=references,
        properties=[
            Property(name="auditor:dataset.role", value=dataset.role),
            Property(name="auditor:license.basis", value=dataset.license_basis),
        ],
    )


def _model_card(result: AuditResult, dataset_refs: list[str]) -> dict[str, Any]:
    """The CycloneDX 1.6 modelCard of a model, from what the audit read (card metadata, config, weights)."""
    parameters: dict[str, Any] = {}
    task = view.task(result)
    if task:
        parameters["task"] = task
    family, architecture = view.architecture(result)
    if family:
        parameters["architectureFamily"] = family
    if architecture:
        parameters["modelArchitecture"] = architecture
    if dataset_refs:
        parameters["datasets"] = [{"ref": ref} for ref in dataset_refs]
    card: dict[str, Any] = {}
    if parameters:
        card["modelParameters"] = parameters
    metrics = view.metrics(result)
    if metrics:
        card["quantitativeAnalysis"] = {
            "performanceMetrics": [
                {"type": m["type"], "value": m["value"], **({"slice": m["slice"]} if m["slice"] else {})}
                for m in metrics
            ]
        }
    sections = view.limitation_sections(result)
    technical = [s for s in sections if not _ethical(s)]
    ethical = [{"name": s} for s in sections if _ethical(s)]
    considerations: dict[str, Any] = {}
    if technical:
        considerations["technicalLimitations"] = technical
    if ethical:
        considerations["ethicalConsiderations"] = ethical
    if considerations:
        card["considerations"] = considerations
    props = []
    totals: dict[str, int] = {}
    for weight in view.weight_files(result):
        if weight.parameters:
            totals[weight.format] = totals.get(weight.format, 0) + weight.parameters
    for fmt, total in totals.items():
        props.append({"name": f"auditor:parameters.{fmt}", "value": str(total)})
    dtypes = sorted({d for w in view.weight_files(result) for d in w.dtypes})
    if dtypes:
        props.append({"name": "auditor:dtypes", "value": ", ".join(dtypes)})
    if props:
        card["properties"] = props
    return card


def _ethical(section: str) -> bool:
    lowered = section.lower()
    return any(word in lowered for word in ("bias", "ethic", "risk", "misuse"))


def cyclonedx_bom(results: Sequence[AuditResult]) -> tuple[Any, dict[str, dict[str, Any]]]:
    """The library's Bom for the results, and the model card of each model by bom-ref."""
    from cyclonedx.model import ExternalReference, ExternalReferenceType, Property, XsUri
    from cyclonedx.model.bom import Bom
    from cyclonedx.model.component import Component, ComponentType
    from cyclonedx.model.vulnerability import (
        BomTarget,
        Vulnerability,
        VulnerabilityRating,
        VulnerabilityScoreSource,
        VulnerabilitySeverity,
        VulnerabilitySource,
    )
    from packageurl import PackageURL

    stamp = results[0].generated_at if results else None
    seed = "|".join(r.target for r in results) + (stamp or "")
    bom = Bom(serial_number=uuid.uuid5(uuid.NAMESPACE_URL, f"auditor:{seed}"))
    if stamp:  # the audit's time (pinned by SOURCE_DATE_EPOCH), so the same audit gives the same BOM
        bom.metadata.timestamp = dt.datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    bom.metadata.tools.components.add(
        Component(type=ComponentType.APPLICATION, name="auditor", version=__version__, group=None)
    )
    cards: dict[str, dict[str, Any]] = {}
    source = VulnerabilitySource(name="auditor", url=None)
    for index, result in enumerate(results, start=1):
        prefix = f"model-{index}"
        parents: dict[str, Any] = {}
        children: dict[str, list[Any]] = {}
        references = []
        download = view.download_url(result)
        if download:
            references.append(ExternalReference(type=ExternalReferenceType.DISTRIBUTION, url=XsUri(download)))
        if view.hub_url(result) and result.facts and result.facts.card:
            card_url = f"{view.HUB}/{result.model_id}/blob/{view.commit(result) or 'main'}/{result.facts.card.file}"
            references.append(ExternalReference(type=ExternalReferenceType.MODEL_CARD, url=XsUri(card_url)))
        purl = view.purl(result)
        weights = [_weight_component(w, f"{prefix}-file-{n}") for n, w in enumerate(view.weight_files(result), 1)]
        model = Component(
            name=result.model_id,
            type=ComponentType.MACHINE_LEARNING_MODEL,
            bom_ref=prefix,
            version=(result.facts.sha or result.facts.revision) if result.facts else None,
            purl=PackageURL.from_string(purl) if purl else None,
            licenses=_expression_licenses(_expression(result.license)),
            properties=_properties(result),
            external_references=references,
            components=weights,
        )
        bom.components.add(model)
        depends = []
        for path, node in view.ancestors(result):
            ref = f"{prefix}-base-" + "-".join(path)
            node_purl = view.base_purl(node.id)
            component = Component(
                name=node.id,
                type=ComponentType.MACHINE_LEARNING_MODEL,
                bom_ref=ref,
                purl=PackageURL.from_string(node_purl) if node_purl else None,
                licenses=_expression_licenses(_expression(node.license)),
                properties=[
                    Property(name="auditor:relation", value=node.relation or "parent"),
                    Property(name="auditor:lineage.status", value=node.status),
                ],
            )
            bom.components.add(component)
            parents[ref] = component
            if len(path) == 1:
                depends.append(component)
            else:
                children.setdefault(f"{prefix}-base-" + "-".join(path[:-1]), []).append(component)
        training_refs = []
        for role in ("training", "evaluation"):
            for n, dataset in enumerate(view.datasets(result, role), start=1):
                ref = f"{prefix}-{role}-data-{n}"
                component = _dataset_component(dataset, ref)
                bom.components.add(component)
                depends.append(component)
                if role == "training":
                    training_refs.append(ref)
        if depends:
            bom.register_dependency(model, depends)
        for ref, below in children.items():
            bom.register_dependency(parents[ref], below)
        cards[prefix] = _model_card(result, training_refs)
        for n, (finding, cwe) in enumerate(view.security_findings(result), start=1):
            files = [w for w in weights if any(e.file == w.name for e in finding.evidence)]
            rating = VulnerabilityRating(
                source=source,
                severity=VulnerabilitySeverity(_SEVERITY[finding.severity]),
                method=VulnerabilityScoreSource.OTHER,
            )
            bom.vulnerabilities.add(
                Vulnerability(
                    bom_ref=f"{prefix}-vuln-{n}",
                    id=finding.rule,
                    source=source,
                    ratings=[rating],
                    cwes=[cwe],
                    description=f"{finding.title}: {finding.message}",
                    detail=view.finding_line(finding),
                    recommendation=_rationale(finding.rule),
                    affects=[BomTarget(ref=str(c.bom_ref.value)) for c in files] or [BomTarget(ref=prefix)],
                )
            )
    return bom, cards


def _expression(profile: Any) -> str | None:
    return profile.expression if profile is not None and profile.known else None


def _rationale(rule: str) -> str | None:
    from auditor.rulebook import default_catalog

    found = default_catalog().rules.get(rule)
    return found.rationale if found else None


def render_cyclonedx(results: Sequence[AuditResult]) -> str:
    from cyclonedx.output.json import JsonV1Dot6

    bom, cards = cyclonedx_bom(results)
    document = json.loads(JsonV1Dot6(bom).output_as_string())
    for component in document.get("components", []):
        card = cards.get(component.get("bom-ref", ""))
        if card:
            component["modelCard"] = card
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"

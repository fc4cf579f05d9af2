"""SPDX: 2.3 JSON through spdx-tools (validated), and 3.0.1 JSON-LD with the AI profile through spdx-python-model.

The model is a package with its license expression (LicenseRef- ids carry their text or URL as extracted
licensing info); base models and datasets are related packages.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import uuid
from collections.abc import Sequence
from typing import Any

from auditor._version import __version__
from auditor.result import AuditResult
from auditor.vocabulary import tier_words

NAMESPACE = "https://spdx.org/spdxdocs/auditor"


def verdict_summary(result: AuditResult) -> str:
    """The verdict tier, why, the obligations, the policy applied (with its hash) and the waivers used, as one
    line for BOM comments."""
    verdict = result.verdict
    text = f"auditor verdict: {verdict.status} ({tier_words(verdict.status)}; fail on {verdict.fail_on})"
    if verdict.reasons:
        text += "; reasons: " + " | ".join(verdict.reasons)
    conditions = verdict.conditions
    if conditions:
        text += "; obligations: " + " | ".join(dict.fromkeys(o.text for o in conditions))
    policy = verdict.policy
    if policy:
        waivers = "; ".join(f"{w['rule']} for {w['model']} until {w['expires']}" for w in policy.waivers_used)
        text += f"; policy {policy.path} sha256 {policy.sha256}; waivers used: {waivers or 'none'}"
    else:
        text += "; no policy applied"
    return text


def _ref(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9.-]+", "-", text).strip("-")[:120] or "x"


def _created(result: AuditResult) -> dt.datetime:
    return dt.datetime.fromisoformat(result.generated_at.replace("Z", "+00:00"))


def _expression(result: AuditResult) -> str | None:
    profile = result.license
    return profile.expression if profile is not None and profile.known else None


def _download(result: AuditResult) -> str | None:
    facts = result.facts
    return facts.location if facts is not None and facts.location.startswith("https://") else None


def spdx2_document(result: AuditResult) -> Any:
    """An spdx-tools Document for one audit (validate with validate_full_spdx_document)."""
    from license_expression import get_spdx_licensing
    from spdx_tools.spdx.model import (
        Actor,
        ActorType,
        CreationInfo,
        Document,
        ExtractedLicensingInfo,
        Package,
        PackagePurpose,
        Relationship,
        RelationshipType,
        SpdxNoAssertion,
    )

    facts = result.facts
    model_id = facts.model_id if facts else result.target
    licensing = get_spdx_licensing()
    expression = _expression(result)
    concluded = licensing.parse(expression) if expression else SpdxNoAssertion()
    declared_raw = result.license.declared if result.license else ()
    namespace_seed = result.target + result.generated_at
    info = CreationInfo(
        spdx_version="SPDX-2.3",
        spdx_id="SPDXRef-DOCUMENT",
        name=f"auditor report for {model_id}",
        document_namespace=f"{NAMESPACE}/{_ref(model_id)}-{uuid.uuid5(uuid.NAMESPACE_URL, namespace_seed)}",
        creators=[Actor(ActorType.TOOL, f"auditor-{__version__}")],
        created=_created(result),
        document_comment=f"{verdict_summary(result)}; declared license: {', '.join(declared_raw) or 'none'}",
    )
    model = Package(
        spdx_id="SPDXRef-Model",
        name=model_id,
        download_location=_download(result) or SpdxNoAssertion(),
        version=(facts.sha or facts.revision) if facts else None,
        files_analyzed=False,
        license_concluded=concluded,
        license_declared=concluded,
        copyright_text=SpdxNoAssertion(),
        primary_package_purpose=PackagePurpose.OTHER,
        comment="machine-learning model",
    )
    packages = [model]
    relationships = [Relationship("SPDXRef-DOCUMENT", RelationshipType.DESCRIBES, "SPDXRef-Model")]
    lineage = result.to_dict()["lineage"]
    for index, parent in enumerate(lineage["tree"]):
        ref = f"SPDXRef-Base-{index + 1}"
        parent_expr = parent["license"] if parent["license"] and parent["status"] == "resolved" else None
        packages.append(
            Package(
                spdx_id=ref,
                name=parent["id"],
                download_location=f"https://huggingface.co/{parent['id']}"
                if "/" in parent["id"]
                else SpdxNoAssertion(),
                files_analyzed=False,
                license_concluded=licensing.parse(parent_expr) if parent_expr else SpdxNoAssertion(),
                primary_package_purpose=PackagePurpose.OTHER,
                comment=f"base model ({parent['relation'] or 'parent'})",
            )
        )
        relationships.append(Relationship("SPDXRef-Model", RelationshipType.DESCENDANT_OF, ref))
    for index, dataset in enumerate(lineage["datasets"]):
        ref = f"SPDXRef-Dataset-{index + 1}"
        url = (
            dataset["id"]
            if str(dataset["id"]).startswith("http")
            else f"https://huggingface.co/datasets/{dataset['id']}"
        )
        packages.append(
            Package(
                spdx_id=ref,
                name=str(dataset["id"]),
                download_location=url,
                files_analyzed=False,
                primary_package_purpose=PackagePurpose.OTHER,
                comment="dataset",
            )
        )
        relationships.append(Relationship("SPDXRef-Model", RelationshipType.GENERATED_FROM, ref))
    extracted = []
    texts = {m.license_id: d.text for m, d in _detected(result)}
    refs = sorted(set(re.findall(r"LicenseRef-[A-Za-z0-9.+-]+", json.dumps(lineage) + (expression or ""))))
    for license_ref in refs:
        record = next((r for r in _all_records(result) if r.spdx == license_ref), None)
        text = (texts.get(record.id) if record else None) or (f"See {record.url}" if record else "NOASSERTION")
        extracted.append(
            ExtractedLicensingInfo(
                license_id=license_ref,
                extracted_text=text,
                license_name=record.name if record else license_ref,
                cross_references=[record.url] if record else [],
            )
        )
    return Document(info, packages=packages, relationships=relationships, extracted_licensing_info=extracted)


def _detected(result: AuditResult) -> list[tuple[Any, Any]]:
    if result.license is None or result.facts is None:
        return []
    documents = {d.path: d for d in result.facts.documents}
    return [(m, documents[m.path]) for m in result.license.detected_files if m.license_id and m.path in documents]


def _all_records(result: AuditResult) -> list[Any]:
    from auditor.licenses.catalog import license_catalog

    return list(license_catalog())


def render_spdx(results: Sequence[AuditResult]) -> str:
    """SPDX 2.3 JSON: one document per model (a JSON list for several)."""
    from spdx_tools.spdx.jsonschema.document_converter import DocumentConverter

    converter = DocumentConverter()  # type: ignore[no-untyped-call]
    documents = [converter.convert(spdx2_document(r)) for r in results]
    payload: Any = documents[0] if len(documents) == 1 else documents
    return json.dumps(payload, indent=2, default=str) + "\n"


def render_spdx3(results: Sequence[AuditResult]) -> str:
    """SPDX 3.0.1 JSON-LD with the AI profile (ai_AIPackage); several models share one graph."""
    from spdx_python_model import v3_0_1 as spdx

    objects = spdx.SHACLObjectSet()
    created = _created(results[0]) if results else dt.datetime.now(dt.timezone.utc)
    base = f"{NAMESPACE}/{uuid.uuid5(uuid.NAMESPACE_URL, '|'.join(r.target for r in results) + str(created))}"
    info = spdx.CreationInfo(_id="_:creationinfo", specVersion="3.0.1", created=created, createdBy=[f"{base}#auditor"])
    agent = objects.add(spdx.SoftwareAgent(_id=f"{base}#auditor", name=f"auditor {__version__}", creationInfo=info))
    roots = []
    elements: list[Any] = [agent]

    def relate(name: str, source: Any, kind: Any, target: Any) -> None:
        """Add ``target`` and a relationship ``source -kind-> target`` to the graph."""
        relationship = spdx.Relationship(
            _id=f"{base}#{name}", creationInfo=info, from_=source, relationshipType=kind, to=[target]
        )
        elements.extend([objects.add(target), objects.add(relationship)])

    for index, result in enumerate(results):
        facts = result.facts
        package = spdx.ai_AIPackage(
            _id=f"{base}#model-{index + 1}",
            name=facts.model_id if facts else result.target,
            creationInfo=info,
            software_primaryPurpose=spdx.software_SoftwarePurpose.model,
            comment=verdict_summary(result),
        )
        if _download(result):
            package.software_downloadLocation = _download(result)
        if facts is not None and (facts.sha or facts.revision):
            package.software_packageVersion = facts.sha or facts.revision
        if result.openness is not None:
            criteria = result.openness.criteria.items()
            package.ai_informationAboutTraining = "; ".join(f"{k}: {c.status}" for k, c in criteria)
        objects.add(package)
        roots.append(package)
        elements.append(package)
        model = f"{index + 1}"
        expression = _expression(result)
        if expression:
            license_element = spdx.simplelicensing_LicenseExpression(
                _id=f"{base}#license-{model}", creationInfo=info, simplelicensing_licenseExpression=expression
            )
            relate(f"declared-{model}", package, spdx.RelationshipType.hasDeclaredLicense, license_element)
        lineage = result.to_dict()["lineage"]
        for n, parent in enumerate(lineage["tree"], start=1):
            parent_package = spdx.ai_AIPackage(
                _id=f"{base}#model-{model}-base-{n}", name=parent["id"], creationInfo=info
            )
            relate(f"descends-{model}-{n}", package, spdx.RelationshipType.descendantOf, parent_package)
        for n, dataset in enumerate(lineage["datasets"], start=1):
            data_package = spdx.dataset_DatasetPackage(
                _id=f"{base}#model-{model}-data-{n}",
                name=str(dataset["id"]),
                creationInfo=info,
                dataset_datasetType=[spdx.dataset_DatasetType.other],
            )
            relate(f"trained-{model}-{n}", package, spdx.RelationshipType.trainedOn, data_package)
    objects.add(
        spdx.SpdxDocument(
            _id=f"{base}#document",
            creationInfo=info,
            rootElement=roots,
            element=elements,
            profileConformance=[
                spdx.ProfileIdentifierType.core,
                spdx.ProfileIdentifierType.software,
                spdx.ProfileIdentifierType.ai,
                spdx.ProfileIdentifierType.dataset,
                spdx.ProfileIdentifierType.simpleLicensing,
            ],
        )
    )
    buffer = io.BytesIO()
    spdx.JSONLDSerializer().write(objects, buffer, indent=2)
    return buffer.getvalue().decode("utf-8") + "\n"

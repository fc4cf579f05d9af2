"""SPDX: 2.3 JSON through spdx-tools (validated), and 3.0.1 JSON-LD with the AI profile through spdx-python-model.

The model is a package with its license expression and package URL; its weight files are packages it contains,
each with its SHA-256; base models are packages it descends from; training datasets are packages it is generated
(2.3) or trained (3.0.1) from, evaluation datasets packages that test it, each with the license its card declares
(NOASSERTION when unknown). Findings are review annotations on the model. LicenseRef- ids carry their text or URL
as extracted licensing info.
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

from . import view

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


def _expression(profile: Any) -> str | None:
    return profile.expression if profile is not None and profile.known else None


def _dataset_expression(dataset: view.DatasetView) -> str | None:
    """The licenses a dataset's card declares, all applying (AND); None when unknown or not SPDX-expressible."""
    ids = [n.spdx for n in dataset.licenses]
    return " AND ".join(dict.fromkeys(i for i in ids if i)) if ids and all(ids) else None


def _weight_comment(weight: Any) -> str:
    parts = [f"weights, {weight.format}"]
    if weight.parameters is not None:
        parts.append(f"{weight.parameters:,} parameters in {weight.tensors} tensors")
    if weight.dtypes:
        parts.append("dtypes " + ", ".join(weight.dtypes))
    if weight.pickled:
        parts.append("pickle imports: " + (", ".join(weight.pickle_globals) or "none"))
        if weight.dangerous_globals:
            parts.append("DANGEROUS imports: " + ", ".join(weight.dangerous_globals))
    if weight.sha256 is None:
        parts.append("checksum unknown")
    if weight.error:
        parts.append(weight.error)
    return "; ".join(parts)


def _resolve_url(result: AuditResult, path: str) -> str | None:
    sha = view.commit(result)
    return f"{view.HUB}/{result.model_id}/resolve/{sha}/{path}" if view.is_hub_model(result) and sha else None


def spdx2_document(result: AuditResult) -> Any:
    """An spdx-tools Document for one audit (validate with validate_full_spdx_document)."""
    from license_expression import get_spdx_licensing
    from spdx_tools.spdx.model import (
        Actor,
        ActorType,
        Annotation,
        AnnotationType,
        Checksum,
        ChecksumAlgorithm,
        CreationInfo,
        Document,
        ExternalPackageRef,
        ExternalPackageRefCategory,
        Package,
        PackagePurpose,
        Relationship,
        RelationshipType,
        SpdxNoAssertion,
    )

    model_id = result.model_id
    licensing = get_spdx_licensing()
    used: set[str] = set()

    def license_of(expression: str | None) -> Any:
        if not expression:
            return SpdxNoAssertion()
        used.add(expression)
        return licensing.parse(expression)

    def purl_refs(purl: str | None) -> list[Any]:
        return [ExternalPackageRef(ExternalPackageRefCategory.PACKAGE_MANAGER, "purl", purl)] if purl else []

    expression = _expression(result.license)
    declared_raw = result.license.declared if result.license else ()
    tool = Actor(ActorType.TOOL, f"auditor-{__version__}")
    seed = result.target + result.generated_at
    info = CreationInfo(
        spdx_version="SPDX-2.3",
        spdx_id="SPDXRef-DOCUMENT",
        name=f"auditor report for {model_id}",
        document_namespace=f"{NAMESPACE}/{_ref(model_id)}-{uuid.uuid5(uuid.NAMESPACE_URL, seed)}",
        creators=[tool],
        created=_created(result),
        document_comment=f"{verdict_summary(result)}; declared license: {', '.join(declared_raw) or 'none'}",
    )
    model = Package(
        spdx_id="SPDXRef-Model",
        name=model_id,
        download_location=view.download_url(result) or SpdxNoAssertion(),
        version=(result.facts.sha or result.facts.revision) if result.facts else None,
        files_analyzed=False,
        license_concluded=license_of(expression),
        license_declared=license_of(expression),
        copyright_text=SpdxNoAssertion(),
        primary_package_purpose=PackagePurpose.OTHER,
        external_references=purl_refs(view.purl(result)),
        comment="machine-learning model" + (f" ({view.task(result)})" if view.task(result) else ""),
    )
    packages = [model]
    relationships = [Relationship("SPDXRef-DOCUMENT", RelationshipType.DESCRIBES, "SPDXRef-Model")]
    for n, weight in enumerate(view.weight_files(result), start=1):
        ref = f"SPDXRef-Weights-{n}"
        checksums = [Checksum(ChecksumAlgorithm.SHA256, weight.sha256)] if weight.sha256 else []
        packages.append(
            Package(
                spdx_id=ref,
                name=weight.path,
                download_location=_resolve_url(result, weight.path) or SpdxNoAssertion(),
                files_analyzed=False,
                checksums=checksums,
                primary_package_purpose=PackagePurpose.FILE,
                comment=_weight_comment(weight),
            )
        )
        relationships.append(Relationship("SPDXRef-Model", RelationshipType.CONTAINS, ref))
    for path, node in view.ancestors(result):
        ref = "SPDXRef-Base-" + "-".join(path)
        child = "SPDXRef-Model" if len(path) == 1 else "SPDXRef-Base-" + "-".join(path[:-1])
        hub = f"{view.HUB}/{node.id}" if "/" in node.id else None
        packages.append(
            Package(
                spdx_id=ref,
                name=node.id,
                download_location=hub or SpdxNoAssertion(),
                files_analyzed=False,
                license_concluded=license_of(_expression(node.license)),
                primary_package_purpose=PackagePurpose.OTHER,
                external_references=purl_refs(view.base_purl(node.id)),
                comment=f"base model ({node.relation or 'parent'}; {node.status})",
            )
        )
        relationships.append(Relationship(child, RelationshipType.DESCENDANT_OF, ref))
    for role, kind in (("training", RelationshipType.GENERATED_FROM), ("evaluation", RelationshipType.TEST_OF)):
        for n, dataset in enumerate(view.datasets(result, role), start=1):
            ref = f"SPDXRef-Dataset-{role}-{n}"
            declared = license_of(_dataset_expression(dataset))
            packages.append(
                Package(
                    spdx_id=ref,
                    name=dataset.id,
                    download_location=dataset.url or SpdxNoAssertion(),
                    files_analyzed=False,
                    license_concluded=declared,
                    license_declared=declared,
                    primary_package_purpose=PackagePurpose.OTHER,
                    comment=f"{role} dataset; license: {dataset.license_basis}",
                )
            )
            if role == "training":
                relationships.append(Relationship("SPDXRef-Model", kind, ref))
            else:
                relationships.append(Relationship(ref, kind, "SPDXRef-Model"))
    annotations = [
        Annotation("SPDXRef-Model", AnnotationType.REVIEW, tool, _created(result), _finding_text(finding))
        for finding in result.findings
    ]
    return Document(
        info,
        packages=packages,
        relationships=relationships,
        annotations=annotations,
        extracted_licensing_info=_extracted(result, used),
    )


def _finding_text(finding: Any) -> str:
    cwe = view.cwe_of(finding)
    return f"auditor finding {view.finding_line(finding)}" + (f" (security: CWE-{cwe})" if cwe else "")


def _extracted(result: AuditResult, expressions: set[str]) -> list[Any]:
    """Extracted licensing info for every LicenseRef- id the document uses: the license text when a LICENSE file
    of the model was recognised as it, else its URL."""
    from spdx_tools.spdx.model import ExtractedLicensingInfo

    from auditor.licenses.catalog import license_catalog

    texts = {m.license_id: d.text for m, d in _detected(result)}
    refs = sorted({ref for e in expressions for ref in re.findall(r"LicenseRef-[A-Za-z0-9.+-]+", e)})
    out = []
    for license_ref in refs:
        record = license_catalog().by_spdx(license_ref)
        text = (texts.get(record.id) if record else None) or (
            f"See {record.url}" if record and record.url else (record.name if record else "NOASSERTION")
        )
        out.append(
            ExtractedLicensingInfo(
                license_id=license_ref,
                extracted_text=text,
                license_name=record.name if record else license_ref,
                cross_references=[record.url] if record and record.url else [],
            )
        )
    return out


def _detected(result: AuditResult) -> list[tuple[Any, Any]]:
    if result.license is None or result.facts is None:
        return []
    documents = {d.path: d for d in result.facts.documents}
    return [(m, documents[m.path]) for m in result.license.detected_files if m.license_id and m.path in documents]


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

    def add(element: Any) -> Any:
        elements.append(objects.add(element))
        return element

    def relate(name: str, source: Any, kind: Any, target: Any) -> None:
        """Add ``target`` and a relationship ``source -kind-> target`` to the graph."""
        add(target)
        add(
            spdx.Relationship(_id=f"{base}#{name}", creationInfo=info, from_=source, relationshipType=kind, to=[target])
        )

    def license_element(name: str, expression: str) -> Any:
        return spdx.simplelicensing_LicenseExpression(
            _id=f"{base}#license-{name}", creationInfo=info, simplelicensing_licenseExpression=expression
        )

    for index, result in enumerate(results, start=1):
        model = f"{index}"
        package = spdx.ai_AIPackage(
            _id=f"{base}#model-{model}",
            name=result.model_id,
            creationInfo=info,
            software_primaryPurpose=spdx.software_SoftwarePurpose.model,
            comment=verdict_summary(result),
        )
        _ai_fields(spdx, package, result)
        add(package)
        roots.append(package)
        expression = _expression(result.license)
        if expression:
            relate(
                f"declared-{model}",
                package,
                spdx.RelationshipType.hasDeclaredLicense,
                license_element(model, expression),
            )
        for n, weight in enumerate(view.weight_files(result), start=1):
            file = spdx.software_File(
                _id=f"{base}#model-{model}-file-{n}",
                name=weight.path,
                creationInfo=info,
                software_primaryPurpose=spdx.software_SoftwarePurpose.model,
                comment=_weight_comment(weight),
            )
            if weight.sha256:
                file.verifiedUsing = [spdx.Hash(algorithm=spdx.HashAlgorithm.sha256, hashValue=weight.sha256)]
            relate(f"contains-{model}-{n}", package, spdx.RelationshipType.contains, file)
        nodes: dict[tuple[str, ...], Any] = {}
        for path, node in view.ancestors(result):
            key = "-".join(path)
            parent = spdx.ai_AIPackage(
                _id=f"{base}#model-{model}-base-{key}",
                name=node.id,
                creationInfo=info,
                comment=f"base model ({node.relation or 'parent'}; {node.status})",
            )
            parent_purl = view.base_purl(node.id)
            if parent_purl:
                parent.software_packageUrl = parent_purl
            child = package if len(path) == 1 else nodes[path[:-1]]
            relate(f"descends-{model}-{key}", child, spdx.RelationshipType.descendantOf, parent)
            nodes[path] = parent
            parent_expression = _expression(node.license)
            if parent_expression:
                relate(
                    f"declared-{model}-base-{key}",
                    parent,
                    spdx.RelationshipType.hasDeclaredLicense,
                    license_element(f"{model}-base-{key}", parent_expression),
                )
        for role, kind in (
            ("training", spdx.RelationshipType.trainedOn),
            ("evaluation", spdx.RelationshipType.testedOn),
        ):
            for n, dataset in enumerate(view.datasets(result, role), start=1):
                key = f"{model}-{role}-{n}"
                data = spdx.dataset_DatasetPackage(
                    _id=f"{base}#data-{key}",
                    name=dataset.id,
                    creationInfo=info,
                    software_primaryPurpose=spdx.software_SoftwarePurpose.data,
                    dataset_datasetType=[spdx.dataset_DatasetType.noAssertion],
                    comment=f"{role} dataset; license: {dataset.license_basis}",
                )
                if dataset.url:
                    data.software_downloadLocation = dataset.url
                relate(f"{role}-{key}", package, kind, data)
                data_expression = _dataset_expression(dataset)
                if data_expression:
                    relate(
                        f"declared-data-{key}",
                        data,
                        spdx.RelationshipType.hasDeclaredLicense,
                        license_element(f"data-{key}", data_expression),
                    )
        for n, finding in enumerate(result.findings, start=1):
            add(
                spdx.Annotation(
                    _id=f"{base}#finding-{model}-{n}",
                    creationInfo=info,
                    subject=package,
                    annotationType=spdx.AnnotationType.review,
                    statement=_finding_text(finding),
                )
            )
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


def _ai_fields(spdx: Any, package: Any, result: AuditResult) -> None:
    """The AI profile's fields the audit knows: where it comes from, its type, task, metrics, limitations."""
    download = view.download_url(result)
    if download:
        package.software_downloadLocation = download
    if result.facts is not None and (result.facts.sha or result.facts.revision):
        package.software_packageVersion = result.facts.sha or result.facts.revision
    purl = view.purl(result)
    if purl:
        package.software_packageUrl = purl
    family, architecture = view.architecture(result)
    kinds = [k for k in (family, architecture) if k]
    if kinds:
        package.ai_typeOfModel = kinds
    task = view.task(result)
    if task:
        package.ai_informationAboutApplication = f"task: {task}"
    if result.openness is not None:
        criteria = result.openness.criteria.items()
        package.ai_informationAboutTraining = "; ".join(f"{k}: {c.status}" for k, c in criteria)
    metrics = view.metrics(result)
    if metrics:
        package.ai_metric = [
            spdx.DictionaryEntry(key=f"{m['type']} ({m['slice']})" if m["slice"] else m["type"], value=m["value"])
            for m in metrics
        ]
    limitations = view.limitation_sections(result)
    if limitations:
        package.ai_limitation = "See " + "; ".join(limitations)

"""CycloneDX 1.6 ML-BOM through cyclonedx-python-lib: the model as a machine-learning-model component.

Model-card facts the library has no typed field for (verdict, openness, MOF class, OSAID) are component properties
in an `auditor:` namespace; base models and datasets are components the model depends on.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from auditor._version import __version__
from auditor.result import AuditResult
from auditor.vocabulary import mof_label, osaid_label


def cyclonedx_bom(results: Sequence[AuditResult]) -> Any:
    from cyclonedx.model import ExternalReference, ExternalReferenceType, Property, XsUri
    from cyclonedx.model.bom import Bom
    from cyclonedx.model.component import Component, ComponentType
    from cyclonedx.model.license import LicenseExpression

    bom = Bom()
    bom.metadata.properties.add(Property(name="auditor:version", value=__version__))
    for index, result in enumerate(results):
        data = result.to_dict()
        facts = result.facts
        name = facts.model_id if facts else result.target
        licenses = [LicenseExpression(data["license"]["spdx"])] if data["license"]["spdx"] else []
        properties = [
            Property(name="auditor:verdict", value=result.verdict.status),
            Property(name="auditor:verdict.fail_on", value=result.verdict.fail_on),
            *(Property(name="auditor:verdict.reason", value=reason) for reason in result.verdict.reasons),
            *(
                Property(name="auditor:obligation", value=f"[{o.level}] {o.text} ({o.license_name})")
                for o in result.verdict.obligations
            ),
            Property(name="auditor:license.resolved_from", value=data["license"]["resolved_from"]),
        ]
        if data["license"]["terms"]:
            properties.append(
                Property(name="auditor:license.commercial_use", value=data["license"]["terms"]["commercial_use"])
            )
        openness = data["openness"]
        if openness["mof_class"] is not None:
            properties.append(Property(name="auditor:mof.class", value=mof_label(openness["mof_class"])))
            properties.append(
                Property(name="auditor:osaid.conformant", value=str(openness["osaid"]["conformant"]).lower())
            )
            properties.append(Property(name="auditor:osaid", value=osaid_label(openness["osaid"])))
            for criterion, value in openness["criteria"].items():
                properties.append(Property(name=f"auditor:openness.{criterion}", value=value["status"]))
        if result.verdict.policy:
            policy = result.verdict.policy
            properties.append(Property(name="auditor:policy.path", value=policy.path))
            properties.append(Property(name="auditor:policy.sha256", value=policy.sha256))
            for waiver in policy.waivers_used:
                value = f"{waiver['rule']} for {waiver['model']} until {waiver['expires']} ({waiver['approved_by']})"
                properties.append(Property(name="auditor:waiver", value=value))
        references = []
        if facts is not None and facts.location.startswith("https://"):
            references.append(ExternalReference(type=ExternalReferenceType.DISTRIBUTION, url=XsUri(facts.location)))
        model = Component(
            name=name,
            type=ComponentType.MACHINE_LEARNING_MODEL,
            bom_ref=f"model-{index + 1}",
            version=(facts.sha or facts.revision) if facts else None,
            licenses=licenses,
            properties=properties,
            external_references=references,
        )
        bom.components.add(model)
        depends = []
        for n, parent in enumerate(data["lineage"]["tree"]):
            parent_licenses = [LicenseExpression(parent["license"])] if parent["license"] else []
            component = Component(
                name=parent["id"],
                type=ComponentType.MACHINE_LEARNING_MODEL,
                bom_ref=f"model-{index + 1}-base-{n + 1}",
                licenses=parent_licenses,
                properties=[Property(name="auditor:relation", value=parent["relation"] or "parent")],
            )
            bom.components.add(component)
            depends.append(component)
        for n, dataset in enumerate(data["lineage"]["datasets"]):
            component = Component(
                name=str(dataset["id"]), type=ComponentType.DATA, bom_ref=f"model-{index + 1}-data-{n + 1}"
            )
            bom.components.add(component)
            depends.append(component)
        if depends:
            bom.register_dependency(model, depends)
    return bom


def render_cyclonedx(results: Sequence[AuditResult]) -> str:
    from cyclonedx.output.json import JsonV1Dot6

    return JsonV1Dot6(cyclonedx_bom(results)).output_as_string(indent=2) + "\n"

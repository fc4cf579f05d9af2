"""JUnit XML for CI dashboards: a test suite per model, a test case per rule group, failures for errors."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence

from auditor.result import AuditResult

GROUPS = ("card", "license", "access", "openness", "weights", "policy", "engine")


def _group(criterion: str) -> str:
    head = criterion.split(".", 1)[0]
    return head if head in GROUPS else "engine"


def render_junit(results: Sequence[AuditResult]) -> str:
    suites = ET.Element("testsuites", name="auditor")
    total_failures = total_tests = 0
    for result in results:
        model = result.facts.model_id if result.facts else result.target
        suite = ET.SubElement(suites, "testsuite", name=model)
        properties = ET.SubElement(suite, "properties")
        ET.SubElement(properties, "property", name="target", value=result.target)
        ET.SubElement(properties, "property", name="verdict", value=result.verdict.status)
        if result.verdict.policy:
            ET.SubElement(properties, "property", name="policy", value=str(result.verdict.policy.get("path")))
            ET.SubElement(properties, "property", name="policy.sha256", value=str(result.verdict.policy.get("sha256")))
            for waiver in result.verdict.policy.get("waivers_used", []):
                ET.SubElement(
                    properties,
                    "property",
                    name="waiver",
                    value=f"{waiver['rule']} for {waiver['model']} until {waiver['expires']}",
                )
        failures = 0
        if result.error is not None:
            case = ET.SubElement(suite, "testcase", classname=model, name="audit")
            ET.SubElement(case, "error", message=result.error.message, type=result.error.kind)
            suite.set("tests", "1")
            suite.set("errors", "1")
            suite.set("failures", "0")
            total_tests += 1
            total_failures += 1
            continue
        for group in GROUPS:
            findings = [f for f in result.findings if _group(f.criterion) == group]
            case = ET.SubElement(suite, "testcase", classname=model, name=group)
            blocking = [f for f in findings if f.waiver is None and f.severity == "error"]
            if blocking:
                failures += 1
                failure = ET.SubElement(
                    case, "failure", message=f"{len(blocking)} error finding(s)", type=blocking[0].rule
                )
                failure.text = "\n".join(f"{f.rule}: {f.message}" for f in blocking)
            others = [f for f in findings if f not in blocking]
            if others:
                ET.SubElement(case, "system-out").text = "\n".join(
                    f"{f.severity} {f.rule}: {f.message}" + (" (waived)" if f.waiver else "") for f in others
                )
        suite.set("tests", str(len(GROUPS)))
        suite.set("failures", str(failures))
        suite.set("errors", "0")
        total_tests += len(GROUPS)
        total_failures += failures
    suites.set("tests", str(total_tests))
    suites.set("failures", str(total_failures))
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"

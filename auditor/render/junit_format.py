"""JUnit XML for CI dashboards: a test suite per model, a test case per rule group plus the verdict.

A test case fails exactly when it holds a finding that fails the verdict (``blocking``, set by the judgement);
the ``verdict`` case fails when the verdict does for another reason (conditions under ``fail_on: conditions``),
and lists the obligations an adopter takes on otherwise. An unauditable target is an ``error``.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence

from auditor.findings import Finding
from auditor.result import AuditResult

GROUPS = ("card", "license", "lineage", "access", "openness", "weights", "smoke", "policy", "engine")
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def xml_text(value: object) -> str:
    """Text XML 1.0 can carry: control characters from card text shown as \\xNN instead of breaking the file."""
    return _NOT_XML.sub(lambda m: f"\\x{ord(m.group(0)):02x}", str(value))


def group_of(finding: Finding) -> str:
    """The test case a finding belongs to: its rule's criterion (openness.weights → openness)."""
    if finding.rule.startswith("SMOKE-"):
        return "smoke"
    head = finding.criterion.split(".", 1)[0]
    return head if head in GROUPS else "engine"


def _property(parent: ET.Element, name: str, value: object) -> None:
    ET.SubElement(parent, "property", name=name, value=xml_text(value))


def _suite(suites: ET.Element, result: AuditResult) -> tuple[int, int, int]:
    model = xml_text(result.model_id)
    verdict = result.verdict
    suite = ET.SubElement(suites, "testsuite", name=model)
    properties = ET.SubElement(suite, "properties")
    _property(properties, "target", result.target)
    _property(properties, "verdict", verdict.status)
    _property(properties, "fail_on", f"{verdict.fail_on} ({verdict.fail_on_source})")
    if verdict.policy:
        _property(properties, "policy", verdict.policy.path)
        _property(properties, "policy.sha256", verdict.policy.sha256)
        for waiver in verdict.policy.waivers_used:
            _property(properties, "waiver", f"{waiver['rule']} for {waiver['model']} until {waiver['expires']}")
    if result.error is not None and result.facts is None:
        case = ET.SubElement(suite, "testcase", classname=model, name="audit")
        ET.SubElement(case, "error", message=xml_text(result.error.message), type=result.error.kind)
        suite.set("tests", "1")
        suite.set("failures", "0")
        suite.set("errors", "1")
        return 1, 0, 1
    failures = errors = 0
    for group in GROUPS:
        findings = [f for f in result.findings if group_of(f) == group]
        case = ET.SubElement(suite, "testcase", classname=model, name=group)
        blocking = [f for f in findings if f.blocking]
        if blocking:
            failures += 1
            failure = ET.SubElement(case, "failure", message=f"{len(blocking)} blocking finding(s)",
                                    type=blocking[0].rule)  # fmt: skip
            failure.text = xml_text("\n".join(f"{f.severity} {f.rule}: {f.message}" for f in blocking))
        others = [f for f in findings if not f.blocking]
        if others:
            ET.SubElement(case, "system-out").text = xml_text("\n".join(
                f"{f.severity} {f.rule}: {f.message}" + (" (waived)" if f.waiver else "") for f in others))  # fmt: skip
    case = ET.SubElement(suite, "testcase", classname=model, name="verdict")
    if verdict.status == "error":
        errors += 1
        ET.SubElement(case, "error", message=xml_text(verdict.reasons[0] if verdict.reasons else "error"),
                      type=result.error.kind if result.error else "error")  # fmt: skip
    elif verdict.status == "fail" and not verdict.blocking:
        failures += 1
        failure = ET.SubElement(case, "failure", message=f"fails on {verdict.fail_on}", type="verdict")
        failure.text = xml_text("\n".join(verdict.reasons))
    if verdict.obligations:
        ET.SubElement(case, "system-out").text = xml_text(
            f"{verdict.status}: obligations of the adopter\n"
            + "\n".join(f"[{o.level}] {o.text} ({o.license_name}"
                        + (f", inherited from {o.inherited_from})" if o.inherited_from else ")")
                        for o in verdict.obligations))  # fmt: skip
    tests = len(GROUPS) + 1
    suite.set("tests", str(tests))
    suite.set("failures", str(failures))
    suite.set("errors", str(errors))
    return tests, failures, errors


def render_junit(results: Sequence[AuditResult]) -> str:
    suites = ET.Element("testsuites", name="auditor")
    totals = [0, 0, 0]
    for result in results:
        for index, count in enumerate(_suite(suites, result)):
            totals[index] += count
    suites.set("tests", str(totals[0]))
    suites.set("failures", str(totals[1]))
    suites.set("errors", str(totals[2]))
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"

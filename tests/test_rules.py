"""The rule catalog and the engine: every rule has metadata and a checker; a crashing checker is contained."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.checks import all_checkers
from auditor.engine import run_checks
from auditor.findings import Hit
from auditor.rulebook import RuleCatalogError, default_catalog, load_catalog
from auditor.sources.local import read_card_file
from tests.conftest import CARDS


def test_every_rule_has_a_checker_and_every_checker_a_rule() -> None:
    catalog = default_catalog()
    checkers = all_checkers()
    needs_checker = {rule.id for rule in catalog if rule.emitted_by == "checker"}
    assert needs_checker == set(checkers)
    for rule in catalog:
        assert rule.title and rule.rationale and rule.reference and rule.criterion


def test_catalog_rejects_malformed_packs(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(
        "rules:\n  - id: X-ONE\n    title: t\n    severity: fatal\n"
        "    criterion: c\n    rationale: r\n    reference: u\n"
    )
    with pytest.raises(RuleCatalogError, match="unknown severity"):
        load_catalog(tmp_path)
    (tmp_path / "a.yaml").write_text("rules:\n  - id: X-ONE\n    title: t\n")
    with pytest.raises(RuleCatalogError, match="lacks severity"):
        load_catalog(tmp_path)
    (tmp_path / "a.yaml").write_text(
        "rules:\n  - id: X-ONE\n    title: t\n    severity: error\n"
        "    criterion: c\n    rationale: r\n    reference: u\n    cwe: CWE-502\n"
    )
    with pytest.raises(RuleCatalogError, match="expected a CWE number"):
        load_catalog(tmp_path)


def test_security_weaknesses_are_named_by_their_rules() -> None:
    rules = default_catalog()
    assert {r.id: r.cwe for r in rules if r.cwe} == {
        "WEIGHTS-UNSAFE-PICKLE": 502,  # https://cwe.mitre.org/data/definitions/502.html
        "WEIGHTS-PICKLE-ONLY": 502,
        "WEIGHTS-HASH-MISMATCH": 345,  # https://cwe.mitre.org/data/definitions/345.html
    }


def test_crashing_checker_becomes_a_finding_and_the_rest_runs() -> None:
    facts = read_card_file(CARDS / "KoboldAI__fairseq-dense-13B" / "README.md", "x")

    def boom(_facts):  # type: ignore[no-untyped-def]
        raise KeyError("oops")

    checkers = {**all_checkers(), "CARD-FORMAT": boom}
    findings = run_checks(facts, checkers=checkers)
    rules = [f.rule for f in findings]
    assert "AUDIT-CHECK-FAILED" in rules and "LIC-MISSING" in rules
    failed = next(f for f in findings if f.rule == "AUDIT-CHECK-FAILED")
    assert "CARD-FORMAT" in failed.message and failed.severity == "error"


def test_severity_override_and_disable() -> None:
    facts = read_card_file(CARDS / "KoboldAI__fairseq-dense-13B" / "README.md", "x")
    assert [
        f.severity for f in run_checks(facts, severity_overrides={"LIC-MISSING": "info"}) if f.rule == "LIC-MISSING"
    ] == ["info"]
    assert "LIC-MISSING" not in {f.rule for f in run_checks(facts, severity_overrides={"LIC-MISSING": None})}


def test_findings_carry_rule_metadata_and_are_sorted_by_severity(tmp_path: Path) -> None:
    card = tmp_path / "README.md"
    card.write_text("---\ntags:\n\t- a\nlicense: 3\n---\n")
    facts = read_card_file(card, "x")

    def extra(_facts):  # type: ignore[no-untyped-def]
        yield Hit("x")

    findings = run_checks(facts, checkers={**all_checkers(), "LIC-MISSING": extra})
    assert [f.severity for f in findings] == sorted(
        (f.severity for f in findings), key=["error", "warning", "info"].index
    )
    by_rule = {f.rule: f for f in findings}
    assert by_rule["CARD-FIELD-TYPE"].evidence[0].line == 4
    assert by_rule["CARD-FORMAT"].evidence[0].line == 3
    assert by_rule["LIC-MISSING"].title == default_catalog()["LIC-MISSING"].title

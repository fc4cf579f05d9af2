"""The rule catalog: rule metadata read from rules/*.yaml (id, title, severity, criterion, rationale, reference)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from auditor._resources import data_dir, load_data_yaml
from auditor.findings import SEVERITIES, Severity

_REQUIRED = ("id", "title", "severity", "criterion", "rationale", "reference")


@dataclass(frozen=True, slots=True)
class Rule:
    """One rule's metadata. ``emitted_by`` is "checker" (a function in auditor.checks) or "engine"."""

    id: str
    title: str
    severity: Severity
    criterion: str
    rationale: str
    reference: str
    emitted_by: str = "checker"
    pack: str = ""
    cwe: int | None = None  # the weakness a security finding is an instance of (reported as a vulnerability)


class RuleCatalogError(ValueError):
    """A rule pack is malformed."""


@dataclass(frozen=True)
class RuleCatalog:
    rules: Mapping[str, Rule]

    def __getitem__(self, rule_id: str) -> Rule:
        return self.rules[rule_id]

    def __contains__(self, rule_id: object) -> bool:
        return rule_id in self.rules

    def __iter__(self) -> Iterator[Rule]:
        return iter(self.rules.values())

    def __len__(self) -> int:
        return len(self.rules)


def _parse_rule(entry: Any, pack: str) -> Rule:
    if not isinstance(entry, dict):
        raise RuleCatalogError(f"{pack}: each rule must be a mapping, found {type(entry).__name__}")
    missing = [key for key in _REQUIRED if not entry.get(key)]
    if missing:
        raise RuleCatalogError(f"{pack}: rule {entry.get('id', '?')} lacks {', '.join(missing)}")
    if entry["severity"] not in SEVERITIES:
        raise RuleCatalogError(f"{pack}: rule {entry['id']} has unknown severity {entry['severity']!r}")
    cwe = entry.get("cwe")
    if cwe is not None and (not isinstance(cwe, int) or isinstance(cwe, bool) or cwe <= 0):
        raise RuleCatalogError(f"{pack}: rule {entry['id']} has cwe {cwe!r}; expected a CWE number such as 502")
    return Rule(
        id=str(entry["id"]),
        title=str(entry["title"]).strip(),
        severity=entry["severity"],
        criterion=str(entry["criterion"]),
        rationale=" ".join(str(entry["rationale"]).split()),
        reference=str(entry["reference"]),
        emitted_by=str(entry.get("emitted_by", "checker")),
        pack=pack,
        cwe=cwe,
    )


def load_catalog(folder: Path) -> RuleCatalog:
    """Read every rules/*.yaml pack in a folder (sorted, for a stable order)."""
    rules: dict[str, Rule] = {}
    for path in sorted(folder.glob("*.yaml")):
        doc = load_data_yaml(path)
        entries = doc.get("rules") if isinstance(doc, dict) else None
        if not isinstance(entries, list):
            raise RuleCatalogError(f"{path.name}: expected a top-level 'rules:' list")
        for entry in entries:
            rule = _parse_rule(entry, path.name)
            if rule.id in rules:
                raise RuleCatalogError(f"{path.name}: rule {rule.id} is also defined in {rules[rule.id].pack}")
            rules[rule.id] = rule
    return RuleCatalog(rules)


@cache
def default_catalog() -> RuleCatalog:
    """The rule packs shipped with auditor."""
    return load_catalog(data_dir("rules"))

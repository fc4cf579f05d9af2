"""The Model Openness Framework (MOF 1.0): component statuses, progress per class and the class, computed as the
LF AI & Data Model Openness Tool computes them (components and license data in rules/openness/mof.yaml)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Literal

from auditor._resources import data_dir, load_data_yaml

Status = Literal["included", "unlicensed", "invalid", "missing"]
REPORT, PAPER = "Technical report", "Research paper"
CLASSES = (3, 2, 1)


@dataclass(frozen=True, slots=True)
class Component:
    id: int
    name: str
    content_type: str
    mof_class: int
    required: bool


@dataclass(frozen=True)
class MofData:
    components: tuple[Component, ...]
    open_licenses: frozenset[str]
    open_patterns: tuple[re.Pattern[str], ...]
    content_types: Mapping[str, tuple[str, ...]]
    source: str
    required_by_class: Mapping[int, list[Component]] = field(default_factory=dict)
    needed_by_class: Mapping[int, list[Component]] = field(default_factory=dict)

    def is_open(self, license_id: str) -> bool:
        return license_id in self.open_licenses or any(p.match(license_id) for p in self.open_patterns)

    def required(self, mof_class: int) -> list[Component]:
        return self.required_by_class.get(mof_class, [])

    def needed(self, mof_class: int) -> list[Component]:
        """What a class needs: its required components and those of every class below it (III is the lowest)."""
        return self.needed_by_class.get(mof_class, [])

    def by_name(self, name: str) -> Component | None:
        return next((c for c in self.components if c.name.lower() == name.strip().lower()), None)


@cache
def mof_data() -> MofData:
    doc = load_data_yaml(data_dir("rules") / "openness" / "mof.yaml")
    components = tuple(
        Component(int(c["id"]), str(c["name"]), str(c["content_type"]), int(c["class"]), bool(c["required"]))
        for c in doc["components"]
    )
    required = {k: [c for c in components if c.mof_class == k and c.required] for k in CLASSES}
    return MofData(
        components=components,
        required_by_class=required,
        needed_by_class={k: [c for above in CLASSES if above >= k for c in required[above]] for k in CLASSES},
        open_licenses=frozenset(doc["open_licenses"]) | frozenset(doc["open_data_licenses"]),
        open_patterns=tuple(re.compile(p) for p in doc["open_data_patterns"]),
        content_types={k: tuple(v) for k, v in doc["content_types"].items()},
        source=str(doc["source"]),
    )


@dataclass(frozen=True)
class ComponentStatus:
    name: str
    status: Status
    license: str | None
    type_appropriate: bool = True

    def to_dict(self) -> dict[str, Any]:
        return {"status": self.status, "license": self.license, "type_appropriate": self.type_appropriate}


@dataclass(frozen=True)
class MofResult:
    """Class (0 = unclassified, 1 open science, 2 open tooling, 3 open model) and progress per class."""

    mof_class: int
    progress: dict[str, float]
    components: dict[str, ComponentStatus]
    per_class: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    conditional: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "class": self.mof_class,
            "progress": self.progress,
            "components": {name: status.to_dict() for name, status in self.components.items()},
            **{key: value for key, value in self.per_class.items()},
            "conditional": self.conditional,
        }


def _text(value: Any) -> str:
    if isinstance(value, dict):
        value = value.get("name")
    return "" if value is None else str(value).strip()


def component_statuses(release: Mapping[str, Any], data: MofData | None = None) -> dict[str, ComponentStatus]:
    """Status of every MOF component from an MOT record's ``release`` (or the same shape built from evidence)."""
    data = data or mof_data()
    declared = release.get("license")
    global_licenses: Mapping[str, Any] = declared if isinstance(declared, dict) else {}
    listed: dict[str, Mapping[str, Any]] = {}
    for entry in release.get("components") or ():
        if isinstance(entry, dict) and entry.get("name"):
            component = data.by_name(str(entry["name"]))
            if component is not None:
                listed.setdefault(component.name, entry)
    statuses = {}
    for component in data.components:
        entry = listed.get(component.name)
        if entry is None:
            statuses[component.name] = ComponentStatus(component.name, "missing", None)
            continue
        if "license" in entry:
            license_id = _text(entry.get("license"))
        else:
            license_id = _text(global_licenses.get(component.content_type)) or _text(
                global_licenses.get("distribution")
            )
        if not license_id or license_id.lower() == "unlicensed":
            statuses[component.name] = ComponentStatus(component.name, "unlicensed", license_id or None)
        elif data.is_open(license_id):
            appropriate = component.content_type in data.content_types.get(license_id, ())
            statuses[component.name] = ComponentStatus(component.name, "included", license_id, appropriate)
        else:
            statuses[component.name] = ComponentStatus(component.name, "invalid", license_id)
    return statuses


def classify(statuses: Mapping[str, ComponentStatus], data: MofData | None = None) -> MofResult:
    """Progress per class and the class, from component statuses."""
    data = data or mof_data()
    report, paper = statuses[REPORT], statuses[PAPER]
    substitute = report.status != "included" and paper.status != "missing"

    def included(component: Component, substituted: bool) -> bool:
        if component.name == REPORT and substitute and substituted:
            return paper.status == "included"
        return statuses[component.name].status == "included"

    progress: dict[str, float] = {}
    for target in CLASSES:
        total = 0
        value: float = 0.0
        for level in CLASSES:
            total += len(data.required(level))
            needed = data.needed(level)
            if level == target:
                # Classes III and II count an included paper in the report's place; class I counts the paper
                # once, in its own place, and needs one component fewer when it stands in for the report.
                done = sum(1 for c in needed if included(c, substituted=target >= 2))
                if target == 1 and substitute and paper.status == "included":
                    total -= 1
                value = min(100.0, done / total * 100) if total else 0.0
                break
            if sum(1 for c in needed if included(c, substituted=True)) < total:
                break
        progress[str(target)] = value
    mof_class = next((c for c in (1, 2, 3) if progress[str(c)] == 100.0), 0)

    per_class: dict[str, dict[str, list[str]]] = {"missing": {}, "unlicensed": {}, "invalid": {}}
    for target in CLASSES:
        needed = data.needed(target)
        for key in ("missing", "unlicensed", "invalid"):
            per_class[key][str(target)] = [c.name for c in needed if statuses[c.name].status == key]
    conditional = [s.name for s in statuses.values() if s.status == "included" and not s.type_appropriate]
    return MofResult(mof_class, progress, dict(statuses), per_class, conditional)


def classify_record(record: Mapping[str, Any]) -> MofResult:
    """Classify one MOT record (the YAML/JSON shape with ``release``)."""
    release = record.get("release") if isinstance(record.get("release"), dict) else {}
    return classify(component_statuses(release or {}))

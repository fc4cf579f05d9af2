"""The starter policy (`auditor policy init`) and the policy files' JSON Schema (`auditor policy schema`)."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from auditor._resources import data_dir


def starter_text() -> str:
    """The commented starter policy shipped in reports/policy-starter.yaml."""
    return (data_dir("reports") / "policy-starter.yaml").read_text(encoding="utf-8")


def write_starter(path: Path) -> None:
    path.write_text(starter_text(), encoding="utf-8")


def policy_schema_text() -> str:
    return files("auditor").joinpath("schema/policy.schema.json").read_text(encoding="utf-8")

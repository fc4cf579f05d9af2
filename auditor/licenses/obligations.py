"""Obligations: the duties the effective terms put on an adopter, in plain words, each with its license clause.

The words and the level of each license condition (``notice`` or ``condition``) are data:
rules/obligations/conditions.yaml.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cache
from typing import Any

from auditor._resources import data_dir, load_data_yaml
from auditor.licenses.catalog import CONDITIONS, LicenseRecord
from auditor.lineage.effective import EffectiveTerms, TermSource
from auditor.verdict import Obligation, ObligationLevel


@dataclass(frozen=True, slots=True)
class Duty:
    """How one license condition reads as an obligation."""

    level: ObligationLevel
    text: str


class ObligationsError(ValueError):
    """rules/obligations/conditions.yaml is malformed."""


@cache
def duties() -> tuple[dict[str, Duty], dict[str, Duty]]:
    """Duties by license condition, and by commercial-use status (``conditional``)."""
    doc: Any = load_data_yaml(data_dir("rules") / "obligations" / "conditions.yaml")
    conditions: dict[str, Duty] = {}
    for code, entry in (doc.get("conditions") or {}).items():
        if code not in CONDITIONS:
            raise ObligationsError(f"obligations/conditions.yaml: unknown condition {code!r}")
        if entry.get("obligation", True) is False:
            continue
        if entry.get("level") not in ("notice", "condition") or not entry.get("text"):
            raise ObligationsError(f"obligations/conditions.yaml: {code} needs a level (notice/condition) and a text")
        conditions[code] = Duty(entry["level"], str(entry["text"]))
    commercial = {k: Duty(v["level"], str(v["text"])) for k, v in (doc.get("commercial_use") or {}).items()}
    return conditions, commercial


def _phrase(duty: Duty, record: LicenseRecord, quote: str | None, cap: int | None, ancestor: str | None) -> str:
    suffix = f': "{quote}"' if quote else ""
    return duty.text.format(license=record.name, cap=f"{cap:,}" if cap else "the cap", quote_suffix=suffix,
                            ancestor=ancestor or "the parent model")  # fmt: skip


def _obligation(code: str, duty: Duty, source: TermSource, fact: str) -> Obligation:
    record = source.record
    cited = record.sources.get(fact) or {}
    quote = cited.get("quote")
    return Obligation(
        code=code,
        level=duty.level,
        text=_phrase(duty, record, quote, record.terms.user_cap, source.name),
        license=record.id,
        license_name=record.name,
        source_url=cited.get("url") or record.url,
        quote=quote,
        inherited_from=source.name,
        origin=source.origin,
        via=source.via,
    )


def obligations(effective: EffectiveTerms) -> tuple[Obligation, ...]:
    """Every duty of every binding license, most demanding first; one per (duty, license, where it comes from)."""
    by_condition, by_commercial = duties()
    found: dict[tuple[str, str, str | None], Obligation] = {}
    for source in effective.sources:
        record = source.record
        if record.is_placeholder:
            unknown = by_commercial.get("unknown")
            if source.origin == "ancestor" and unknown is not None:  # a parent whose terms nobody could read
                found.setdefault(("terms-unknown", record.id, source.name),
                                 _obligation("terms-unknown", unknown, source, "identity"))  # fmt: skip
            continue
        codes = list(record.terms.conditions)
        if record.terms.user_cap and "user-cap" not in codes:
            codes.append("user-cap")
        for code in codes:
            duty = by_condition.get(code)
            if duty is not None:
                fact = "user_cap" if code == "user-cap" and "user_cap" in record.sources else f"conditions.{code}"
                found.setdefault((code, record.id, source.name), _obligation(code, duty, source, fact))
        commercial = by_commercial.get(record.terms.commercial_use)
        if commercial is not None and not any(c in codes for c in ("user-cap", "revenue-cap", "registration")):
            key = ("commercial-conditional", record.id, source.name)
            found.setdefault(key, _obligation("commercial-conditional", commercial, source, "commercial_use"))
    ranked = sorted(found.values(), key=lambda o: (o.level != "condition", o.origin != "own"))
    return _one_per_duty(ranked)


def _one_per_duty(ranked: list[Obligation]) -> tuple[Obligation, ...]:
    """One obligation per duty of a license: the same clause met on the model's own license and on several
    ancestors (a Llama 2 fine-tune of a Code Llama model) is said once, naming every ancestor that passes it on."""
    merged: dict[tuple[str, str, str], Obligation] = {}
    for obligation in ranked:
        key = (obligation.code, obligation.license, obligation.text)
        first = merged.setdefault(key, replace(obligation, inherited_from=None))
        if obligation.inherited_from:
            names = first.inherited_from.split(", ") if first.inherited_from else []
            joined = ", ".join(dict.fromkeys([*names, obligation.inherited_from]))
            merged[key] = replace(first, inherited_from=joined)
    return tuple(merged.values())

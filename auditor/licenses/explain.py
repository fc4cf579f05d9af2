"""Explain a license query (Hub id, SPDX id, alias or expression) from the knowledge base."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from auditor.licenses.catalog import LicenseCatalog, LicenseRecord, license_catalog
from auditor.licenses.resolve import parse_expression
from auditor.licenses.terms import combine_all, combine_any


class UnknownLicenseError(LookupError):
    """The query names no license of the knowledge base or the SPDX list."""


@dataclass(frozen=True)
class Explanation:
    query: str
    records: tuple[LicenseRecord, ...]
    alternatives: tuple[tuple[LicenseRecord, ...], ...]
    unknown: tuple[str, ...]

    @property
    def is_expression(self) -> bool:
        return len(self.records) != 1

    def to_dict(self) -> dict[str, Any]:
        if not self.is_expression:
            return self.records[0].to_dict()
        terms, category, osi = combine_any([combine_all(list(option)) for option in self.alternatives])
        expression = " OR ".join(
            " AND ".join(r.spdx for r in option) if len(option) == 1 or len(self.alternatives) == 1
            else "(" + " AND ".join(r.spdx for r in option) + ")"
            for option in self.alternatives
        )  # fmt: skip
        return {
            "query": self.query,
            "spdx": expression,
            "osi_approved": osi,
            "category": category,
            "terms": terms.to_dict(),
            "unknown": list(self.unknown),
            "licenses": [r.to_dict() for r in self.records],
        }


def explain(query: str, catalog: LicenseCatalog | None = None) -> Explanation:
    """Resolve a query; raises UnknownLicenseError when nothing in it is known."""
    catalog = catalog or license_catalog()
    record = catalog.get(query)
    if record is not None:
        return Explanation(query, (record,), ((record,),), ())
    parsed = parse_expression(query, catalog)
    if parsed is None or not parsed[0]:
        raise UnknownLicenseError(f"'{query}' is not a known license id, alias, SPDX id or expression")
    alternatives = tuple(tuple(option) for option in parsed[0])
    records = tuple(dict.fromkeys(r for option in alternatives for r in option))
    return Explanation(query, records, alternatives, tuple(parsed[1]))

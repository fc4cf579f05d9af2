"""Combining license terms: all of several licenses (AND) and a choice between them (OR)."""

from __future__ import annotations

from collections.abc import Sequence

from auditor.licenses.catalog import CATEGORIES, LicenseRecord, LicenseTerms

_COMMERCIAL_RANK = {"allowed": 0, "conditional": 1, "unknown": 2, "forbidden": 3}
_DERIVATIVES_RANK = {"allowed": 0, "share-alike": 1, "restricted": 2, "unknown": 3, "forbidden": 4}
_CATEGORY_RANK = {category: rank for rank, category in enumerate(CATEGORIES)}
Combined = tuple[LicenseTerms, str, bool | None]


def combine_all(records: Sequence[LicenseRecord]) -> Combined:
    """Terms when every license applies: the most restrictive of each term, every condition, the lowest cap."""
    if not records:
        return LicenseTerms("unknown", "unknown", (), None), "unknown", None
    commercial = max((r.terms.commercial_use for r in records), key=_COMMERCIAL_RANK.__getitem__)
    derivatives = max((r.terms.derivatives for r in records), key=_DERIVATIVES_RANK.__getitem__)
    conditions = tuple(dict.fromkeys(c for r in records for c in r.terms.conditions))
    caps = [r.terms.user_cap for r in records if r.terms.user_cap is not None]
    category = max((r.category for r in records), key=_CATEGORY_RANK.__getitem__)
    approvals = [r.osi_approved for r in records]
    osi = False if False in approvals else (None if None in approvals else True)
    return LicenseTerms(commercial, derivatives, conditions, min(caps) if caps else None), category, osi


def combine_any(options: Sequence[Combined]) -> Combined:
    """Terms when the licensee may choose: the most permissive option as a whole."""
    if not options:
        return LicenseTerms("unknown", "unknown", (), None), "unknown", None

    def openness(option: Combined) -> tuple[int, int, int, int]:
        terms, category, _ = option
        return (
            _COMMERCIAL_RANK[terms.commercial_use],
            _DERIVATIVES_RANK[terms.derivatives],
            _CATEGORY_RANK[category],
            len(terms.conditions),
        )

    return min(options, key=openness)

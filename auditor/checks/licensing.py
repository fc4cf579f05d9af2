"""Checkers about the license: is there one, which is it, and what its terms demand of an adopter."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from auditor.checks import checker
from auditor.checks.card import weights_file_only
from auditor.context import AuditContext
from auditor.facts import LICENSE_UNKNOWN
from auditor.findings import Evidence, Hit
from auditor.licenses.catalog import LicenseRecord
from auditor.licenses.resolve import LicenseProfile

_COMMERCIAL_CONDITIONS = {
    "revenue-cap": "an annual revenue threshold",
    "hosting-restriction": "no hosted or managed service without a separate license",
    "territory-restriction": "territories excluded from the license",
    "registration": "registration with the licensor",
}
_USE_RESTRICTIONS = {
    "acceptable-use-policy": "an acceptable-use policy",
    "use-restrictions": "use-based restrictions",
    "output-use-limit": "limits on using outputs to improve other models",
    "guardrails": "safety guardrails must not be bypassed",
}
_ATTRIBUTION = ("attribution", "notice", "state-changes")


def _declared(profile: LicenseProfile) -> Evidence:
    return profile.evidence[0] if profile.evidence else Evidence(field="license")


def _with(records: Iterable[LicenseRecord], fact: str) -> list[LicenseRecord]:
    return [r for r in records if fact in r.sources]


def _sourced(profile: LicenseProfile, facts_: Iterable[str]) -> tuple[Evidence, ...]:
    """The declaration, then the knowledge-base source (URL and quote) of each fact behind the finding."""
    evidence = [_declared(profile)]
    seen: set[tuple[str, str]] = set()
    for fact in facts_:
        for record in _with(profile.records, fact):
            source = record.sources[fact]
            key = (source["url"], source.get("quote", ""))
            if key not in seen:
                seen.add(key)
                evidence.append(Evidence(url=source["url"], excerpt=source.get("quote")))
    return tuple(evidence)


def _names(records: Iterable[LicenseRecord], condition: str) -> str:
    return ", ".join(r.name for r in records if condition in r.terms.conditions)


def _license_documents(ctx: AuditContext) -> list[str]:
    return [d.path for d in ctx.facts.documents if "licen" in d.path.lower() or "copying" in d.path.lower()]


@checker("LIC-MISSING")
def license_missing(ctx: AuditContext) -> Iterator[Hit]:
    profile, facts = ctx.license, ctx.facts
    if profile.known or profile.declared or profile.name or profile.link or _license_documents(ctx):
        return
    if profile.prose_unidentified:
        return  # the card claims a license in prose that is not identified: LIC-UNKNOWN
    if _unread(ctx):
        return  # the card or a license file exists but could not be read: LIC-UNREADABLE
    message = "no 'license' in the card metadata, no LICENSE file and no license statement"
    if facts.files is None:
        message += (
            " (only a weights file was given, so the card and repository files are unknown)"
            if weights_file_only(facts)
            else " (only the card was given, so repository files are unknown)"
        )
    yield Hit(message, (Evidence(field="license", file=facts.card.file if facts.card else "README.md"),))


def _unread(ctx: AuditContext) -> list[str]:
    """Why the card or a license file could not be read (gating, failed downloads), as the source noted it."""
    facts = ctx.facts
    notes = [n for n in facts.access if n.kind in ("gated", "download-failed", "disabled", "refused")]
    hidden = [n.message for n in notes if n.message.startswith(LICENSE_UNKNOWN)]  # the source says so itself
    relevant = [n for n in notes if n.file is None or n.file.lower().startswith("readme") or "licen" in n.file.lower()]
    if facts.card is None or not facts.card.metadata:
        return hidden or [n.message for n in relevant]
    return hidden or [n.message for n in relevant if n.file is not None and "licen" in n.file.lower()]


@checker("LIC-UNREADABLE")
def license_unreadable(ctx: AuditContext) -> Iterator[Hit]:
    if ctx.license.known:
        return
    reasons = _unread(ctx)
    if reasons:
        yield Hit(f"no license could be seen: {'; '.join(dict.fromkeys(reasons))}",
                  (Evidence(url=ctx.facts.location),))  # fmt: skip


@checker("LIC-UNKNOWN")
def license_unknown(ctx: AuditContext) -> Iterator[Hit]:
    profile = ctx.license
    if profile.known:
        return
    stated = [*profile.declared, *([f"license_name: {profile.name}"] if profile.name else []),
              *([f"license_link: {profile.link}"] if profile.link else [])]  # fmt: skip
    documents = _license_documents(ctx)
    claims = profile.prose_unidentified
    if not stated and not documents and not claims:
        return  # nothing declared at all: LIC-MISSING
    parts = []
    if stated:
        parts.append(f"declared {', '.join(stated)}")
    if documents:
        parts.append(f"{', '.join(documents)} not recognised")
    if claims:
        parts.append(f'the card says "{claims[0].text[:160]}" (line {claims[0].line})')
    card_file = ctx.facts.card.file if ctx.facts.card else None
    evidence = [_declared(profile), *(Evidence(file=d) for d in documents),
                *(Evidence(file=card_file, line=c.line, excerpt=c.text[:200]) for c in claims[:3])]  # fmt: skip
    yield Hit(f"no known license could be identified ({'; '.join(parts)})", tuple(evidence))


@checker("LIC-OTHER-UNNAMED")
def license_other_unnamed(ctx: AuditContext) -> Iterator[Hit]:
    profile = ctx.license
    if "other" in profile.placeholders and not profile.name:
        how = f"; identified from {profile.resolved_from}" if profile.known else ""
        card = ctx.facts.card
        line = card.line_of("license") if card else None
        yield Hit(f"'license: other' is declared without license_name{how}",
                  (Evidence(field="license", file=card.file if card else None, line=line),))  # fmt: skip


@checker("LIC-UNRECOGNIZED-ID")
def license_unrecognized(ctx: AuditContext) -> Iterator[Hit]:
    card = ctx.facts.card
    for value in ctx.license.unknown_ids:
        yield Hit(f"'{value}' is not a Hub license id, an SPDX id or a known license name",
                  (Evidence(field="license", file=card.file if card else None,
                            line=card.line_of("license") if card else None, excerpt=value),))  # fmt: skip


@checker("LIC-FAMILY")
def license_family(ctx: AuditContext) -> Iterator[Hit]:
    for record in ctx.license.records:
        if record.family:
            yield Hit(f"'{record.id}' names the {record.name}, not one license: {record.note or 'terms vary'}",
                      (_declared(ctx.license),))  # fmt: skip


@checker("LIC-NOT-OSI")
def license_not_osi(ctx: AuditContext) -> Iterator[Hit]:
    profile = ctx.license
    if profile.known and profile.osi_approved is False:
        names = ", ".join(r.name for r in profile.records if r.osi_approved is False)
        yield Hit(f"not OSI-approved: {names}", _sourced(profile, ["osi_approved"]))


@checker("LIC-NON-COMMERCIAL")
def license_non_commercial(ctx: AuditContext) -> Iterator[Hit]:
    profile = ctx.license
    if profile.terms.commercial_use == "forbidden":
        names = ", ".join(r.name for r in profile.records if r.terms.commercial_use == "forbidden")
        yield Hit(f"commercial use is not allowed under {names}", _sourced(profile, ["commercial_use"]))


@checker("LIC-COMMERCIAL-CONDITIONS")
def license_commercial_conditions(ctx: AuditContext) -> Iterator[Hit]:
    profile = ctx.license
    found = [c for c in _COMMERCIAL_CONDITIONS if c in profile.terms.conditions]
    if found and profile.terms.commercial_use != "forbidden":
        what = "; ".join(f"{_COMMERCIAL_CONDITIONS[c]} ({_names(profile.records, c)})" for c in found)
        yield Hit(f"commercial use is conditional: {what}", _sourced(profile, [f"conditions.{c}" for c in found]))


@checker("LIC-USER-CAP")
def license_user_cap(ctx: AuditContext) -> Iterator[Hit]:
    profile = ctx.license
    cap = profile.terms.user_cap
    if cap is not None:
        yield Hit(f"above {cap:,} monthly active users a separate license is needed "
                  f"({_names(profile.records, 'user-cap')})", _sourced(profile, ["user_cap"]))  # fmt: skip


@checker("LIC-USE-RESTRICTIONS")
def license_use_restrictions(ctx: AuditContext) -> Iterator[Hit]:
    profile = ctx.license
    found = [c for c in _USE_RESTRICTIONS if c in profile.terms.conditions]
    if not found:
        return
    what = "; ".join(f"{_USE_RESTRICTIONS[c]} ({_names(profile.records, c)})" for c in found)
    evidence = list(_sourced(profile, [f"conditions.{c}" for c in found]))
    evidence += [Evidence(file=m.path) for m in profile.detected_files if m.kind == "use-policy" and m.license_id]
    yield Hit(f"use is restricted by {what}", tuple(evidence))


@checker("LIC-NAMING")
def license_naming(ctx: AuditContext) -> Iterator[Hit]:
    profile = ctx.license
    found = [c for c in ("name-prefix", "display-built-with") if c in profile.terms.conditions]
    quotes = [
        r.sources[f"conditions.{c}"].get("quote", "") for c in found for r in _with(profile.records, f"conditions.{c}")
    ]
    if found:
        yield Hit(f"naming obligations: {'; '.join(q for q in quotes if q) or ', '.join(found)}",
                  _sourced(profile, [f"conditions.{c}" for c in found]))  # fmt: skip


@checker("LIC-ATTRIBUTION")
def license_attribution(ctx: AuditContext) -> Iterator[Hit]:
    profile = ctx.license
    found = [c for c in _ATTRIBUTION if c in profile.terms.conditions]
    if found and profile.known:
        yield Hit(f"redistribution must keep {', '.join(found)} ({', '.join(r.name for r in profile.records)})",
                  _sourced(profile, [f"conditions.{c}" for c in found]))  # fmt: skip


@checker("LIC-SHARE-ALIKE")
def license_share_alike(ctx: AuditContext) -> Iterator[Hit]:
    profile = ctx.license
    found = [c for c in ("share-alike", "disclose-source", "network-use-disclose") if c in profile.terms.conditions]
    if found:
        yield Hit(f"copyleft: {', '.join(found)} ({_names(profile.records, found[0])})",
                  _sourced(profile, [f"conditions.{c}" for c in found]))  # fmt: skip


@checker("LIC-NO-DERIVATIVES")
def license_no_derivatives(ctx: AuditContext) -> Iterator[Hit]:
    profile = ctx.license
    if profile.terms.derivatives == "forbidden":
        names = ", ".join(r.name for r in profile.records if r.terms.derivatives == "forbidden")
        yield Hit(f"adapted material may not be shared under {names}", _sourced(profile, ["derivatives"]))


@checker("LIC-FILE-MISMATCH")
def license_file_mismatch(ctx: AuditContext) -> Iterator[Hit]:
    profile = ctx.license
    if profile.resolved_from != "license" or not profile.known:
        return
    declared = {r.id for r in profile.records}
    for match in profile.detected_files:
        if match.kind != "license" or match.license_id is None or match.license_id in declared:
            continue
        if match.confidence == "high" or (match.confidence == "medium" and match.runner_up not in declared):
            yield Hit(
                f"the card declares {', '.join(profile.declared)} but {match.path} is the "
                f"{match.license_id} text (similarity {match.score:.2f}, {match.confidence} confidence)",
                (_declared(profile), Evidence(file=match.path, excerpt=f"matches {match.license_id}")),
            )


@checker("LIC-PROSE-ONLY")
def license_prose_only(ctx: AuditContext) -> Iterator[Hit]:
    profile = ctx.license
    if profile.resolved_from == "prose" and profile.prose:
        mention = profile.prose[0]
        card = ctx.facts.card
        evidence = Evidence(file=card.file if card else None, line=mention.line, excerpt=mention.text[:200])
        named = mention.record.name if mention.record is not None else mention.license_id
        yield Hit(f"the license ({named}) is named only in the card's text", (evidence,))


@checker("LIC-BODY-CONTRADICTS")
def license_body_contradicts(ctx: AuditContext) -> Iterator[Hit]:
    """The card's text states terms for the model that restrict more than the license declared elsewhere."""
    profile = ctx.license
    by_record: dict[str, list[Evidence]] = {}
    for record, evidence in ctx.stated:
        by_record.setdefault(record.spdx, []).append(evidence)
    for record, evidence in ctx.stated:
        lines = by_record.pop(record.spdx, None)
        if lines is None:
            continue  # said once per license, with every line that states it
        also = f" (also line {', '.join(str(e.line) for e in lines[1:])})" if len(lines) > 1 else ""
        yield Hit(
            f"{profile.expression} is declared ({profile.terms.commercial_use} commercial use), but the card says "
            f'"{(evidence.excerpt or "")[:160]}" (line {evidence.line}){also}: {record.name}, commercial use '
            f"{record.terms.commercial_use}; the more restrictive terms apply",
            (_declared(profile), *lines[:3]),
        )


@checker("LIC-INHERITED")
def license_inherited(ctx: AuditContext) -> Iterator[Hit]:
    profile = ctx.license
    if profile.resolved_from != "base model":
        return
    why = "the card says so" if profile.inherits is not None else "it is a copy (quantized, converted or re-uploaded)"
    yield Hit(f"no license of its own: {why}, so its parent's license applies ({profile.expression})",
              tuple(profile.evidence[-2:]))  # fmt: skip


@checker("LIC-DEPRECATED-SPDX")
def license_deprecated(ctx: AuditContext) -> Iterator[Hit]:
    for value, record_id in ctx.license.deprecated_ids:
        record = next((r for r in ctx.license.records if r.id == record_id), None)
        current = record.spdx if record else record_id
        yield Hit(f"'{value}' is a deprecated SPDX id; read as {current}", (_declared(ctx.license),))


@checker("LIC-FIELD-MISSING")
def license_field_missing(ctx: AuditContext) -> Iterator[Hit]:
    documents = _license_documents(ctx)
    if documents and not ctx.license.declared:
        evidence = tuple(Evidence(file=path) for path in documents)
        yield Hit(f"{', '.join(documents)} present but the card declares no 'license'", evidence)

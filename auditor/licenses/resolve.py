"""Normalization: card license fields, LICENSE files and prose → one SPDX expression and the records behind it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Literal
from urllib.parse import urlsplit

import license_expression as spdx_expr

from auditor.facts import LicenseStatement, ModelFacts
from auditor.findings import Evidence
from auditor.licenses.catalog import (
    LicenseCatalog,
    LicenseRecord,
    LicenseTerms,
    is_deprecated_spdx,
    license_catalog,
)
from auditor.licenses.detect import TextMatch, detect_text
from auditor.licenses.names import phrase_match
from auditor.licenses.statements import statement_kind, statement_record
from auditor.licenses.terms import combine_all, combine_any
from auditor.sources.card import string_list, string_value

ResolvedFrom = Literal[
    "license", "license_name", "license_link", "file", "weights", "prose", "base model", "family", "none"
]
COMMERCIAL_RANK = {"allowed": 0, "conditional": 1, "unknown": 2, "forbidden": 3}
_CC_URL = re.compile(r"creativecommons\.org/(?:licenses/([a-z-]+)/(\d\.\d)|publicdomain/zero/1\.0)")


@dataclass(frozen=True, slots=True)
class ProseMention:
    """A license named (or terms stated) in a sentence of the card body.

    ``kind`` is ``license`` when a known license is named, ``non-commercial`` / ``research-only`` for restrictions
    stated in words (``record`` is then a LicenseRef for them), ``inherit`` for "same license as the base model".
    """

    license_id: str
    line: int
    text: str
    kind: str = "license"
    record: LicenseRecord | None = None
    vague: bool = False  # named without a version ("the Llama license")


@dataclass(frozen=True)
class LicenseProfile:
    """What license governs the model, how it was found, and its combined terms."""

    declared: tuple[str, ...]
    name: str | None
    link: str | None
    expression: str | None
    records: tuple[LicenseRecord, ...]
    alternatives: tuple[tuple[LicenseRecord, ...], ...]  # OR of ANDs; one tuple when there is no choice
    resolved_from: ResolvedFrom
    terms: LicenseTerms
    category: str
    osi_approved: bool | None
    unknown_ids: tuple[str, ...] = ()
    deprecated_ids: tuple[tuple[str, str], ...] = ()
    placeholders: tuple[str, ...] = ()
    detected_files: tuple[TextMatch, ...] = ()
    prose: tuple[ProseMention, ...] = ()
    prose_unidentified: tuple[ProseMention, ...] = ()
    evidence: tuple[Evidence, ...] = field(default_factory=tuple)
    inherits: ProseMention | None = None  # "same license as the base model": the license comes from the parent

    @property
    def known(self) -> bool:
        """True when at least one concrete license (not other/unknown/a family only) was identified."""
        return any(not r.is_placeholder for r in self.records)

    def to_dict(self) -> dict[str, Any]:
        return {
            "declared": list(self.declared),
            "name": self.name,
            "link": self.link,
            "spdx": self.expression,
            "records": [r.id for r in self.records],
            "resolved_from": self.resolved_from,
            "osi_approved": self.osi_approved,
            "category": self.category,
            "terms": self.terms.to_dict(),
            "unknown_ids": list(self.unknown_ids),
            "detected_files": [m.to_dict() for m in self.detected_files],
            "prose": [
                {"license": p.license_id or None, "line": p.line, "text": p.text, "kind": p.kind}
                for p in (*self.prose, *self.prose_unidentified, *([self.inherits] if self.inherits else []))
            ],
            "sources": [e.to_dict() for e in self.evidence],
        }


@cache
def _licensing() -> spdx_expr.Licensing:
    """A license-expression parser that knows the knowledge base (ids and aliases) and the SPDX list."""
    catalog = license_catalog()
    symbols: dict[str, set[str]] = {}
    for record in catalog:
        aliases = {record.id, *(a for a in record.aliases if " " not in a)}
        symbols.setdefault(record.spdx, set()).update(a for a in aliases if a.lower() != record.spdx.lower())
    index = spdx_expr.get_license_index()
    for entry in index:
        key = entry.get("spdx_license_key")
        if key and not key.startswith("LicenseRef-") and key not in symbols:
            symbols[key] = set()
    return spdx_expr.Licensing([spdx_expr.LicenseSymbol(k, aliases=tuple(sorted(v))) for k, v in symbols.items()])


MAX_EXPRESSION_CHARS = 1_000
MAX_CHOICES = 64  # an expression offering more alternatives than this is not evaluated (it is not a real license)


def _choices(expression: Any) -> int:
    """How many alternatives the expression's disjunctive normal form has, computed without building it."""
    if isinstance(expression, spdx_expr.OR):
        return sum(_choices(arg) for arg in expression.args)
    if isinstance(expression, spdx_expr.AND):
        total = 1
        for arg in expression.args:
            total *= _choices(arg)
            if total > MAX_CHOICES:
                return total
        return total
    return 1


def _choice_under_and(expression: Any, under_and: bool = False) -> bool:
    if isinstance(expression, spdx_expr.OR) and under_and:
        return True
    inside = under_and or isinstance(expression, spdx_expr.AND)
    return any(_choice_under_and(arg, inside) for arg in getattr(expression, "args", ()))


def parse_expression(text: str, catalog: LicenseCatalog) -> tuple[list[list[LicenseRecord]], list[str]] | None:
    """An SPDX-style expression → alternatives (OR) of records that all apply (AND), plus unknown keys.

    None when the text is not an expression at all. license-expression raises on malformed input (and its
    validate() crashes on some): every failure means "not an expression".
    """
    if len(text) > MAX_EXPRESSION_CHARS or not re.search(r"\b(or|and|with)\b|[()]", text, re.IGNORECASE):
        return None
    try:
        licensing = _licensing()
        parsed = licensing.parse(text, validate=False, simple=False)
        if parsed is None or _choices(parsed) > MAX_CHOICES:
            return None
        unknown = [str(k) for k in licensing.unknown_license_keys(parsed)]
        # MIT AND (A OR B) → (MIT AND A) OR (MIT AND B): every choice spelled out (declared order kept otherwise)
        normal = licensing.dnf(parsed) if _choice_under_and(parsed) else parsed
        branches = normal.args if isinstance(normal, spdx_expr.OR) else (normal,)
        alternatives = []
        for branch in branches:
            keys = [str(s.key) for s in licensing.license_symbols(branch, unique=True)]
            records = [r for r in (catalog.by_spdx(k) for k in keys) if r is not None]
            if records:
                alternatives.append(records)
    except Exception:  # ExpressionError, ParseError and the odd TypeError from malformed input
        return None
    return alternatives, unknown


def _url_key(url: str) -> str:
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").removeprefix("www.")
    return f"{host}{parts.path}".rstrip("/").removesuffix("/legalcode").lower()


def record_for_link(link: str, catalog: LicenseCatalog) -> LicenseRecord | None:
    """A license URL (canonical page, Creative Commons deed) → its record."""
    match = _CC_URL.search(link.lower())
    if match:
        return catalog.get(f"cc-{match.group(1)}-{match.group(2)}" if match.group(1) else "cc0-1.0")
    key = _url_key(link)
    return _records_by_url(catalog).get(key) if key else None


@cache
def _records_by_url(catalog: LicenseCatalog) -> dict[str, LicenseRecord]:
    """URL key → the first record (in catalogue order) that cites the URL; built once per catalogue."""
    index: dict[str, LicenseRecord] = {}
    for record in catalog:
        for url in (record.url, *record.urls):
            index.setdefault(_url_key(url), record)
    return index


_EXPLICIT = re.compile(r"^\W*licen[cs]e(?:\(s\))?\s*:\s*(.+)$", re.IGNORECASE)
_CLAUSE = re.compile(r"[.;]\s+|[，。；]|,\s*(?:while|whereas|but)\s+|\s+while\s+")
_CODE_SCOPE = re.compile(
    r"\b(code|codes|codebase|source|repo|repository|scripts?|software|datasets?|data|corpus|annotations)\b|代码|仓库|数据",
    re.I,
)
_MODEL_SCOPE = re.compile(r"\b(models?|weights?|checkpoints?|parameters|lora|adapter)\b|模型|权重", re.I)
_CLAIM = re.compile(r"\b(licensed under|released under|governed by|comply with|subject to|under the|follow)\b", re.I)
_NO_VALUE = re.compile(r"^\W*(other|unknown|none|n/?a|tbd|more information needed|see below|see above)\W*$", re.I)
_COMPARING = re.compile(r"\b(than|compared to|better|worse|vs\.?|versus|unlike)\b", re.I)
_URL = re.compile(r"https?://\S+")
_CELL_NAME = re.compile(r"[^a-z0-9]")


def _link_in(text: str) -> str | None:
    for url in _URL.findall(text):
        record = record_for_link(url.rstrip(".,;:)"), license_catalog())
        if record is not None:
            return record.id
    return None


def _squash(text: str) -> str:
    return _CELL_NAME.sub("", text.lower())


def _table_row_about_other_model(statement: LicenseStatement, model_id: str) -> bool:
    """A table row (| name | … | license |) that names a model other than this one: its license is not ours. An
    HTML table cell ("<th colspan=12>… Released for research purposes only</th>" over a family's comparison
    table) speaks for this model only when it names it."""
    own = _squash(model_id.replace("__", "/").rsplit("/", 1)[-1])
    if statement.html_table:
        return not (own and own in _squash(statement.text))
    cells = [c.strip() for c in statement.text.strip().strip("|").split("|")]
    if len(cells) < 3:
        return False
    return not any(own and _squash(cell) == own for cell in cells)


_CELL_NON_COMMERCIAL = re.compile(r"^\W*non[- ]?commercial\W*$", re.IGNORECASE)


def _row_cell_terms(text: str) -> str | None:
    """A table row's bare "Non-commercial" license cell, made a sentence the statement patterns read."""
    cells = [c.strip() for c in text.strip().strip("|").split("|")]
    if len(cells) >= 3 and any(_CELL_NON_COMMERCIAL.match(cell) for cell in cells):
        return "non-commercial license"
    return None


def _mention(text: str, line: int, where: str) -> ProseMention | None:
    """The license a clause names, or the restriction it states; None when it says neither."""
    text = _row_cell_terms(text) or text if "|" in text else text
    named = phrase_match(text)
    if named is not None:
        return ProseMention(named[0], line, text, vague=not re.search(r"\d", named[1]))
    license_id = _link_in(text)
    if license_id:
        return ProseMention(license_id, line, text)
    kind = statement_kind(text)
    if kind in ("non-commercial", "research-only"):
        record = statement_record(kind, text, where)
        return ProseMention(record.id, line, text, kind, record)
    if kind == "inherit":
        return ProseMention("", line, text, "inherit")
    return None


def _prefer_versions(found: list[ProseMention]) -> list[ProseMention]:
    """Drop a license named without a version ("Meta's Llama license") when the card names a version of it."""
    named = {m.license_id for m in found if not m.vague}
    kept = []
    for mention in found:
        stem = re.match(r"[a-z]{4,}", mention.license_id)
        versioned = stem is not None and any(i != mention.license_id and i.startswith(stem.group(0)) for i in named)
        if not (mention.vague and versioned):
            kept.append(mention)
    return kept


# "Yi models are subject to the Yi license": a statement about a set of other models, not about this one.
_SUBJECT = re.compile(r"^\W*(?:all\s+)?(?:the\s+)?(?P<name>[\w.\-/ ]{2,40}?)\s+models\s+(?:are|were)\b", re.I)


def _own_families(facts: ModelFacts) -> set[str]:
    """Families the model's name names or its card says it derives from: licenses of other families are not its
    own."""
    from auditor.families import family_for_repo, match_families  # the family knowledge base reads this package
    from auditor.lineage.prose import derivation_mentions

    own = {m.family for m in match_families(facts.model_id, "name")}
    for mention in derivation_mentions(facts.card, facts.model_id):
        family = mention.family or (family_for_repo(mention.hub_id) if mention.hub_id else None)
        if family is not None:
            own.add(family.family)
    return own


def _about_another_family(clause: str, own: set[str]) -> bool:
    """A clause about the models of a family this card never says it belongs to ("Yi models are subject to …")."""
    from auditor.families import family_catalog, match_families

    subject = _SUBJECT.match(clause)
    if subject is None:
        return False
    named = {m.family for m in match_families(subject.group("name"), "prose") if m.decisive}
    record = family_catalog().get(subject.group("name"))
    named |= {record[0].id} if record else set()
    return bool(named) and not named & own


def prose_mentions(facts: ModelFacts) -> tuple[list[ProseMention], list[ProseMention]]:
    """Licenses named (or restrictions stated) in the card's license statements, and license claims that name
    nothing known; an "inherit" statement ("same license as the base model") comes last in the first list.

    An explicit "License: X" line wins. Clauses about code ("the code is Apache-2.0"), about a license the model's
    is only based on ("a modified version of the Apache 2.0 license"), comparisons with other models and rows of
    tables that list other models' licenses do not name the model's license.
    """
    card = facts.card
    statements = card.license_statements if card else ()
    where = facts.location
    found: list[ProseMention] = []
    unidentified: list[ProseMention] = []
    inherits: list[ProseMention] = []
    own_families = _own_families(facts) if statements else set()
    for statement in statements:
        if _table_row_about_other_model(statement, facts.model_id):
            continue
        explicit = _EXPLICIT.match(statement.text)
        if explicit and not _NO_VALUE.match(explicit.group(1)):
            mention = _mention(explicit.group(1).strip(), statement.line, where)
            if mention is not None and mention.kind != "inherit":
                return [ProseMention(mention.license_id, statement.line, statement.text, mention.kind,
                                     mention.record)], []  # fmt: skip
    for statement in statements:
        if _table_row_about_other_model(statement, facts.model_id):
            continue
        for clause in _CLAUSE.split(statement.text):
            if _COMPARING.search(clause) or _about_another_family(clause, own_families):
                continue
            mention = _mention(clause, statement.line, where)
            if mention is None:
                if _CLAIM.search(clause) and re.search(r"licen[cs]e", clause, re.I):
                    unidentified.append(ProseMention("", statement.line, statement.text))
                continue
            code_or_data_only = _CODE_SCOPE.search(clause) and not _MODEL_SCOPE.search(clause)
            if code_or_data_only:
                continue
            mention = ProseMention(mention.license_id, statement.line, statement.text, mention.kind, mention.record,
                                   mention.vague)  # fmt: skip
            (inherits if mention.kind == "inherit" else found).append(mention)
    return [*_prefer_versions(found), *inherits[:1]], unidentified


def stated_restrictions(profile: LicenseProfile) -> list[tuple[ProseMention, LicenseRecord]]:
    """What the card body says about the model's terms that restricts commercial use more than the license
    declared elsewhere (front matter, license_name/link, a LICENSE file, the weights' metadata)."""
    if not profile.known or profile.resolved_from in ("prose", "family", "base model"):
        return []
    catalog = license_catalog()
    found = []
    for mention in profile.prose:
        record = mention.record or catalog.get(mention.license_id)
        if record is None or record.is_placeholder or record in profile.records:
            continue
        if COMMERCIAL_RANK[record.terms.commercial_use] > COMMERCIAL_RANK[profile.terms.commercial_use]:
            found.append((mention, record))
    return found


def _is_license_file(path: str) -> bool:
    lowered = path.lower()
    return "licen" in lowered or "copying" in lowered


def resolve_license(facts: ModelFacts, catalog: LicenseCatalog | None = None) -> LicenseProfile:
    """Work out the license of a model from every place it can be stated, and its combined terms."""
    catalog = catalog or license_catalog()
    card = facts.card
    metadata = card.metadata if card else {}
    declared = tuple(string_list(metadata.get("license")))
    name = string_value(metadata.get("license_name"))
    link = string_value(metadata.get("license_link"))
    card_file = card.file if card else "README.md"
    evidence: list[Evidence] = []
    alternatives: list[list[LicenseRecord]] = [[]]
    unknown: list[str] = []
    deprecated: list[tuple[str, str]] = []
    placeholders: list[str] = []

    for value in declared:
        record = catalog.get(value)
        line = card.line_of("license") if card else None
        if record is not None:
            if is_deprecated_spdx(value):
                deprecated.append((value, record.id))
            if record.is_placeholder:
                placeholders.append(record.id)
                continue
            alternatives = [[*alt, record] for alt in alternatives]
            evidence.append(Evidence(field="license", file=card_file, line=line, excerpt=value))
            continue
        parsed = parse_expression(value, catalog)
        if parsed is not None and parsed[0]:
            options, missing = parsed
            alternatives = [[*alt, *option] for alt in alternatives for option in options]
            unknown.extend(missing)
            evidence.append(Evidence(field="license", file=card_file, line=line, excerpt=value))
        else:
            unknown.append(value)

    matches = tuple(detect_text(doc.path, doc.text, catalog) for doc in facts.documents)
    mentions, unidentified = prose_mentions(facts)
    inherits = next((m for m in mentions if m.kind == "inherit"), None)
    mentions = [m for m in mentions if m.kind != "inherit"]
    resolved_from: ResolvedFrom = "license" if alternatives != [[]] else "none"
    if resolved_from == "none":
        fallback, resolved_from, where = _fallback(name, link, matches, _weights_licenses(facts), tuple(mentions),
                                                   catalog)  # fmt: skip
        if fallback is not None:
            alternatives = [[fallback]]
            evidence.append(_fallback_evidence(resolved_from, where, card_file, card))
    records = tuple(dict.fromkeys(r for alt in alternatives for r in alt))
    if not records:
        placeholder = catalog.get(placeholders[0] if placeholders else "unknown")
        assert placeholder is not None
        alternatives = [[placeholder]]
    terms, category, osi = combine_any([combine_all(alt) for alt in alternatives])
    expression = _render(alternatives) if records else None
    return LicenseProfile(
        declared=declared, name=name, link=link, expression=expression, records=records,
        alternatives=tuple(tuple(a) for a in alternatives), resolved_from=resolved_from, terms=terms,
        category=category, osi_approved=osi, unknown_ids=tuple(dict.fromkeys(unknown)),
        deprecated_ids=tuple(deprecated), placeholders=tuple(placeholders), detected_files=matches,
        prose=tuple(mentions), prose_unidentified=tuple(unidentified), evidence=tuple(evidence), inherits=inherits,
    )  # fmt: skip


def profile_of(
    records: tuple[LicenseRecord, ...], evidence: Evidence, resolved_from: ResolvedFrom = "family"
) -> LicenseProfile:
    """A profile for licenses known from elsewhere than the model's own card (a family record)."""
    terms, category, osi = combine_all(records)
    return LicenseProfile(
        declared=(), name=None, link=None, expression=_render([list(records)]), records=records,
        alternatives=(records,), resolved_from=resolved_from, terms=terms, category=category, osi_approved=osi,
        evidence=(evidence,),
    )  # fmt: skip


_WEIGHTS_LICENSE_KEYS = ("general.license", "license")  # GGUF general.license; safetensors __metadata__ license


def _weights_licenses(facts: ModelFacts) -> tuple[tuple[str, str], ...]:
    """(file, license) written into the weight files' own metadata."""
    found = []
    for weight in facts.weights or ():
        for key in _WEIGHTS_LICENSE_KEYS:
            value = weight.metadata.get(key)
            if isinstance(value, str) and value.strip():
                found.append((weight.path, value.strip()[:200]))
                break
    return tuple(found)


def _fallback(
    name: str | None,
    link: str | None,
    matches: tuple[TextMatch, ...],
    weights: tuple[tuple[str, str], ...],
    mentions: tuple[ProseMention, ...],
    catalog: LicenseCatalog,
) -> tuple[LicenseRecord | None, ResolvedFrom, str | int | None]:
    """For ``other``/``unknown`` or no license: license_name, then license_link, a LICENSE text, the weight files'
    metadata (GGUF ``general.license``), then prose."""
    if name:
        record = catalog.get(name)
        if record is not None and not record.is_placeholder:
            return record, "license_name", name
    if link:
        record = record_for_link(link, catalog)
        if record is not None:
            return record, "license_link", link
    for match in matches:
        if _is_license_file(match.path) and match.license_id and match.confidence in ("high", "medium"):
            return catalog.get(match.license_id), "file", match.path
    for path, value in weights:
        record = catalog.get(value)
        if record is not None and not record.is_placeholder:
            return record, "weights", f"{path}: {value}"
    if mentions:
        return mentions[0].record or catalog.get(mentions[0].license_id), "prose", mentions[0].line
    return None, "none", None


def _fallback_evidence(how: ResolvedFrom, where: str | int | None, card_file: str, card: Any) -> Evidence:
    if how == "file":
        return Evidence(file=str(where))
    if how == "weights":
        path, _, value = str(where).partition(": ")
        return Evidence(file=path, field="general.license", excerpt=value)
    if how == "prose":
        return Evidence(file=card_file, line=int(where) if isinstance(where, int) else None)
    if how == "license_link":
        return Evidence(field="license_link", file=card_file, line=card.line_of("license_link") if card else None,
                        url=str(where))  # fmt: skip
    return Evidence(field="license_name", file=card_file, line=card.line_of("license_name") if card else None,
                    excerpt=str(where))  # fmt: skip


def _render(alternatives: list[list[LicenseRecord]]) -> str:
    parts = []
    for option in alternatives:
        ids = list(dict.fromkeys(r.spdx for r in option))
        parts.append(" AND ".join(ids) if len(alternatives) == 1 or len(ids) == 1 else f"({' AND '.join(ids)})")
    return " OR ".join(parts)

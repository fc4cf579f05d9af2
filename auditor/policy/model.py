"""An organisation's policy: license allow/deny lists, requirements, rule overrides, fail level and waivers.

Loaded from YAML with strict validation: an unknown key, a wrong type or a bad value is a PolicyError that
names the file, the line and the key (with a "did you mean" for near misses).
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from auditor.findings import SEVERITIES, Severity
from auditor.licenses.catalog import CATEGORIES, license_catalog
from auditor.sources.safefs import read_regular_file
from auditor.verdict import FAIL_ON_LEVELS, FailOn
from auditor.yamlio import MAX_CONFIG_BYTES, KeyPath, YamlFileError, load_with_lines

CRITERIA = ("training_data", "weights", "evaluation_code", "training_code", "training_metrics")
COMMERCIAL_LEVELS = ("allowed", "conditional")
_TOP = ("version", "licenses", "require", "fail_on", "rules", "waivers", "lineage")
_LICENSES = ("allow", "deny")
_REQUIRE = ("commercial_use", "mof_class", "osaid", "criteria", "safe_weights", "pinned_revisions")
_LINEAGE = ("max_unresolved",)
_WAIVER = ("model", "revision", "rule", "reason", "approved_by", "expires")


class PolicyError(ValueError):
    """The policy file is malformed; the message names file, line and key."""


@dataclass(frozen=True)
class Waiver:
    model: str
    rule: str
    reason: str
    approved_by: str
    expires: dt.date
    revision: str | None = None
    index: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "revision": self.revision,
            "rule": self.rule,
            "reason": self.reason,
            "approved_by": self.approved_by,
            "expires": self.expires.isoformat(),
        }


@dataclass(frozen=True)
class Policy:
    path: str
    sha256: str
    allow: tuple[str, ...] = ()
    deny: tuple[str, ...] = ()
    commercial_use: str | None = None
    mof_class: int | None = None
    osaid: bool = False
    criteria: dict[str, str] = field(default_factory=dict)
    safe_weights: bool = False
    pinned_revisions: bool = True
    max_unresolved_parents: int | None = None
    fail_on: FailOn | None = None  # None: not set by the policy (the command line or the default decides)
    rules: dict[str, Severity | None] = field(default_factory=dict)
    waivers: tuple[Waiver, ...] = ()

    def identity(self) -> dict[str, Any]:
        return {"path": self.path, "sha256": self.sha256}


class _Reader:
    def __init__(self, path: Path, lines: dict[KeyPath, int]) -> None:
        self.path, self.lines = path, lines

    def fail(self, where: KeyPath, message: str) -> PolicyError:
        key = ".".join(str(p) if isinstance(p, str) else f"[{p}]" for p in where).replace(".[", "[")
        line = self.lines.get(where) or self.lines.get(where[:-1]) or 1
        return PolicyError(f"{self.path}:{line}: {key or 'policy'}: {message}")

    def mapping(self, value: Any, where: KeyPath, allowed: tuple[str, ...]) -> dict[str, Any]:
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise self.fail(where, f"must be a mapping, found {type(value).__name__}")
        for key in value:
            if str(key) not in allowed:
                near = difflib.get_close_matches(str(key), allowed, n=1)
                hint = f" (did you mean '{near[0]}'?)" if near else f" (known keys: {', '.join(allowed)})"
                raise self.fail((*where, str(key)), f"unknown key{hint}")
        return {str(k): v for k, v in value.items()}

    def strings(self, value: Any, where: KeyPath) -> tuple[str, ...]:
        if value is None:
            return ()
        items = value if isinstance(value, list) else [value]
        for index, item in enumerate(items):
            if not isinstance(item, str) or not item.strip():
                raise self.fail((*where, index), "must be a non-empty string")
        return tuple(i.strip() for i in items)

    def choice(self, value: Any, where: KeyPath, allowed: tuple[str, ...]) -> str:
        if value not in allowed:
            raise self.fail(where, f"{value!r:.60} is not one of {', '.join(allowed)}")
        return str(value)


def _check_license_term(reader: _Reader, term: str, where: KeyPath) -> None:
    if term.startswith("category:"):
        category = term.removeprefix("category:")
        if category not in CATEGORIES:
            near = difflib.get_close_matches(category, CATEGORIES, n=1)
            hint = f" (did you mean 'category:{near[0]}'?)" if near else f" (categories: {', '.join(CATEGORIES)})"
            raise reader.fail(where, f"unknown license category '{category}'{hint}")
    elif license_catalog().get(term) is None:
        raise reader.fail(where, f"unknown license '{term}' (see `auditor licenses`)")


def load_policy(path: str | Path) -> Policy:
    """Read and validate a policy file."""
    path = Path(path)
    try:
        data, lines = load_with_lines(path)
    except YamlFileError as error:
        raise PolicyError(str(error)) from error
    reader = _Reader(path, lines)
    top = reader.mapping(data, (), _TOP)
    licenses = reader.mapping(top.get("licenses"), ("licenses",), _LICENSES)
    allow = reader.strings(licenses.get("allow"), ("licenses", "allow"))
    deny = reader.strings(licenses.get("deny"), ("licenses", "deny"))
    for key, terms in (("allow", allow), ("deny", deny)):
        for index, term in enumerate(terms):
            _check_license_term(reader, term, ("licenses", key, index))
    require = reader.mapping(top.get("require"), ("require",), _REQUIRE)
    commercial = require.get("commercial_use")
    if commercial is not None:
        commercial = reader.choice(commercial, ("require", "commercial_use"), COMMERCIAL_LEVELS)
    mof_class = require.get("mof_class")
    if mof_class is not None and (isinstance(mof_class, bool) or mof_class not in (1, 2, 3)):
        shown = f"{mof_class!r:.60}"
        raise reader.fail(("require", "mof_class"), f"{shown} is not a class: use 1, 2 or 3 (1 is the most open)")
    criteria = _criteria(reader, require.get("criteria"))
    for key in ("osaid", "safe_weights", "pinned_revisions"):
        if key in require and not isinstance(require[key], bool):
            raise reader.fail(("require", key), "must be true or false")
    lineage = reader.mapping(top.get("lineage"), ("lineage",), _LINEAGE)
    unresolved = lineage.get("max_unresolved")
    if unresolved is not None and (isinstance(unresolved, bool) or not isinstance(unresolved, int) or unresolved < 0):
        raise reader.fail(("lineage", "max_unresolved"), "must be a whole number ≥ 0")
    fail_on = reader.choice(top["fail_on"], ("fail_on",), FAIL_ON_LEVELS) if top.get("fail_on") is not None else None
    rules = _rules(reader, top.get("rules"))
    waivers = _waivers(reader, top.get("waivers"))
    return Policy(
        path=str(path),
        sha256=_digest(path),
        allow=allow,
        deny=deny,
        commercial_use=commercial,
        mof_class=mof_class,
        osaid=bool(require.get("osaid", False)),
        criteria=criteria,
        safe_weights=bool(require.get("safe_weights", False)),
        pinned_revisions=bool(require.get("pinned_revisions", True)),
        max_unresolved_parents=unresolved,
        fail_on=fail_on,  # type: ignore[arg-type]  # checked by reader.choice
        rules=rules,
        waivers=waivers,
    )


def _criteria(reader: _Reader, value: Any) -> dict[str, str]:
    where: KeyPath = ("require", "criteria")
    if value is None:
        return {}
    if isinstance(value, list):
        value = {str(v): "open" for v in value}
    result = {}
    for key, level in reader.mapping(value, where, CRITERIA).items():
        result[key] = reader.choice(level, (*where, key), ("open", "restricted", "unverified"))
    return result


def _rules(reader: _Reader, value: Any) -> dict[str, Severity | None]:
    from auditor.rulebook import default_catalog

    if value is None:
        return {}
    if not isinstance(value, dict):
        raise reader.fail(("rules",), "must be a mapping of rule id to error, warning, info or off")
    known = [rule.id for rule in default_catalog()]
    result: dict[str, Severity | None] = {}
    for key, level in value.items():
        rule = str(key)
        if rule not in known:
            near = difflib.get_close_matches(rule, known, n=1)
            hint = f" (did you mean '{near[0]}'?)" if near else ""
            raise reader.fail(("rules", rule), f"unknown rule{hint}")
        if level is False or level == "off":
            result[rule] = None
        else:
            result[rule] = reader.choice(level, ("rules", rule), (*SEVERITIES, "off"))  # type: ignore[assignment]
    return result


def _digest(path: Path) -> str:
    """sha256 of the policy file, read as safely as the loader read it (a regular file, bounded)."""
    try:
        return hashlib.sha256(read_regular_file(path, MAX_CONFIG_BYTES)).hexdigest()
    except OSError as error:
        raise PolicyError(f"{path}: cannot read ({error.strerror or error})") from error


def _date(value: Any) -> dt.date | None:
    """A waiver's expiry: a YAML date, a timestamp (its day), or an ISO date string; None when it is none of them."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        text = value.strip()
        for parse in (dt.date.fromisoformat, lambda t: dt.datetime.fromisoformat(t).date()):
            try:
                return parse(text)
            except ValueError:
                continue
    return None


def _waivers(reader: _Reader, value: Any) -> tuple[Waiver, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise reader.fail(("waivers",), "must be a list")
    waivers = []
    for index, item in enumerate(value):
        where: KeyPath = ("waivers", index)
        entry = reader.mapping(item, where, _WAIVER)
        for key in ("model", "rule", "reason", "approved_by", "expires"):
            if entry.get(key) in (None, ""):
                raise reader.fail(where, f"'{key}' is required")
        expires = _date(entry["expires"])
        if expires is None:
            raise reader.fail((*where, "expires"), f"{entry['expires']!r:.60} is not a date (YYYY-MM-DD)")
        revision = entry.get("revision")
        waivers.append(
            Waiver(
                str(entry["model"]),
                str(entry["rule"]),
                str(entry["reason"]),
                str(entry["approved_by"]),
                expires,
                str(revision) if revision else None,
                index,
            )
        )
    return tuple(waivers)

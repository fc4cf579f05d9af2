"""Property-based fuzzing (hypothesis, fixed budget, derandomized): parsers of untrusted text never raise.

- the card parser on random text, random bytes and random YAML-ish front matter: no exception, output within the
  bounds and JSON-serialisable; on YAML that PyYAML's emitter wrote from random data, the data itself comes back;
- the policy and manifest loaders on random YAML files: a Policy / entries, or a one-line PolicyError /
  ManifestError naming the file, never anything else;
- the license normaliser: parse_expression on random expressions, resolve_license on random ``license:`` values.
"""

from __future__ import annotations

import json
import math
import tempfile
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from auditor import parse_card
from auditor.facts import CardFacts, ModelFacts
from auditor.licenses.catalog import license_catalog
from auditor.licenses.resolve import parse_expression, resolve_license
from auditor.policy import ManifestError, PolicyError, load_manifest, load_policy
from auditor.sources.body import MAX_LINKS, MAX_STATEMENTS
from auditor.sources.frontmatter import MAX_METADATA_NODES
from auditor.yamlio import _FLOAT_TEXT, _INT_TEXT, MAX_DEPTH

FUZZ = settings(max_examples=300, deadline=None, derandomize=True, database=None)
KINDS = {
    "missing-front-matter", "yaml-syntax", "unclosed-front-matter", "not-a-mapping", "duplicate-key", "tabs",
    "wrong-type", "empty-value", "encoding", "too-large", "truncated", "empty-metadata", "binary", "empty",
}  # fmt: skip

# Pieces of YAML that exercise the scanner, the parser and the builder (anchors, tags, flow, block, tabs …).
YAML_PIECES = [
    "license", "base_model", "model-index", "tags", ":", ": ", "- ", "\n", "\n  ", "\n    ", "\t", "[", "]", "{",
    "}", ", ", "&a ", "*a", "&b ", "*b", "<<: ", "!!str ", "!!int ", "!!set ", "!!binary ", "!custom ", "? ", "'",
    '"', "|\n  ", ">\n  ", "# c", "~", "null", "no", "yes", "True", "0x1F", "0x" + "f" * 40, "9" * 30, "1e5",
    ".inf", ".nan", "010", "1:20", "2024-02-30", "2024-01-02 03:04:05", "=", "<<", "...", "%YAML 1.2", "\\",
    "é", "\u2028", "\x00", "\x85", "mit", "apache-2.0", "cc-by-nc-4.0",
]  # fmt: skip
yaml_text = st.lists(st.sampled_from(YAML_PIECES), max_size=60).map("".join)


def depth(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + max(map(depth, value.values()), default=0)
    if isinstance(value, list):
        return 1 + max(map(depth, value), default=0)
    return 0


def nodes(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + sum(1 + nodes(v) for v in value.values())
    if isinstance(value, list):
        return 1 + sum(map(nodes, value))
    return 1


def check_card(card: CardFacts) -> None:
    json.dumps(card.metadata, allow_nan=False)
    json.dumps(dict(card.field_lines))
    assert depth(card.metadata) <= MAX_DEPTH and nodes(card.metadata) <= MAX_METADATA_NODES
    assert set(card.field_lines) <= set(card.metadata)
    assert {p.kind for p in card.problems} <= KINDS
    assert len(card.links) <= MAX_LINKS and len(card.license_statements) <= MAX_STATEMENTS


@FUZZ
@given(st.text(max_size=2000))
def test_card_parser_on_random_text(text: str) -> None:
    check_card(parse_card(text))
    check_card(parse_card("---\n" + text + "\n---\n" + text))


@FUZZ
@given(st.binary(max_size=2000))
def test_card_parser_on_random_bytes(data: bytes) -> None:
    check_card(parse_card(data))
    check_card(parse_card(b"---\nlicense: mit\n" + data + b"\n---\n" + data))


@FUZZ
@given(yaml_text, yaml_text)
def test_card_parser_on_yaml_ish_front_matter(head: str, tail: str) -> None:
    check_card(parse_card(f"---\n{head}\n{tail}\n---\n# Body\n{head}\n"))


def plain_text(text: str) -> bool:
    """Text that means a string in both YAML 1.1 (PyYAML's emitter) and YAML 1.2 (the Hub and this parser)."""
    return not (_INT_TEXT.fullmatch(text) or _FLOAT_TEXT.fullmatch(text))


scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30).filter(plain_text)
)
keys = st.text(min_size=1, max_size=12).filter(plain_text)
documents = st.dictionaries(
    keys,
    st.recursive(scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=4)),
    max_size=6,
)


@FUZZ
@given(documents, st.sampled_from([None, True, False]))
def test_front_matter_written_by_pyyaml_reads_back_as_the_same_data(data: dict[str, Any], flow: bool | None) -> None:
    # allow_unicode=False: PyYAML would write NEL and U+2028 raw, and a YAML reader takes them for line breaks
    block = yaml.safe_dump(data, default_flow_style=flow, allow_unicode=False, sort_keys=False)
    if any(line.startswith(("---", "...")) for line in block.split("\n")):
        return  # a line that would end the front matter block itself
    card = parse_card(f"---\n{block}---\n")
    expected = json.loads(json.dumps(data)) if data else {}
    assert card.metadata == expected, block
    assert not [p for p in card.problems if p.kind in ("yaml-syntax", "too-large", "duplicate-key", "tabs")]


POLICY_KEYS = [
    "version", "licenses", "allow", "deny", "require", "commercial_use", "mof_class", "osaid", "criteria",
    "fail_on", "rules", "waivers", "model", "rule", "reason", "approved_by", "expires", "revision", "lineage",
    "max_unresolved", "models", "id", "purpose", "owner", "LIC-NON-COMMERCIAL",
]  # fmt: skip
config_scalars = (
    scalars
    | st.sampled_from(["mit", "category:non-commercial", "error", "warning", "2030-01-01", "2030-02-30", "off"])
    | st.integers(min_value=2**63, max_value=2**70)
    | st.dates()
    | st.datetimes()
)
config_documents = st.recursive(
    config_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(POLICY_KEYS), inner, max_size=4),
    max_leaves=25,
)


def yaml_bytes(draw: st.DrawFn) -> bytes:
    kind = draw(st.sampled_from(["dumped", "pieces", "bytes"]))
    if kind == "dumped":
        return yaml.safe_dump(draw(config_documents), allow_unicode=True).encode("utf-8")
    if kind == "pieces":
        return draw(yaml_text).encode("utf-8", "surrogatepass")
    return draw(st.binary(max_size=300))


config_contents = st.composite(yaml_bytes)()


@settings(FUZZ, suppress_health_check=[HealthCheck.too_slow])
@given(config_contents)
def test_policy_loader_raises_only_one_line_policy_errors(content: bytes) -> None:
    with tempfile.TemporaryDirectory(prefix="auditor-fuzz-") as folder:
        path = Path(folder) / "policy.yaml"
        path.write_bytes(content)
        try:
            load_policy(path)
        except PolicyError as error:
            assert str(error).startswith(str(path)) and "\n" not in str(error)


@settings(FUZZ, suppress_health_check=[HealthCheck.too_slow])
@given(config_contents)
def test_manifest_loader_raises_only_one_line_manifest_errors(content: bytes) -> None:
    with tempfile.TemporaryDirectory(prefix="auditor-fuzz-") as folder:
        path = Path(folder) / "models.yaml"
        path.write_bytes(content)
        try:
            load_manifest(path)
        except ManifestError as error:
            assert str(error).startswith(str(path)) and "\n" not in str(error)


LICENSE_PIECES = [
    "MIT", "mit", "Apache-2.0", "apache-2.0", "GPL-3.0-or-later", "cc-by-nc-4.0", "llama2", "other", "unknown",
    " AND ", " OR ", " WITH ", " and ", " or ", "(", ")", "Classpath-exception-2.0", "LicenseRef-x", "+", " ",
    "[", "]", ",", "'", "https://opensource.org/licenses/MIT", "é", "0", "\t",
]  # fmt: skip
license_texts = st.lists(st.sampled_from(LICENSE_PIECES), max_size=30).map("".join) | st.text(max_size=80)


@FUZZ
@given(license_texts)
def test_license_expressions_never_raise(text: str) -> None:
    parsed = parse_expression(text, license_catalog())
    assert parsed is None or (isinstance(parsed[0], list) and all(isinstance(k, str) for k in parsed[1]))


@FUZZ
@given(st.one_of(license_texts, st.lists(license_texts, max_size=4), scalars))
def test_license_resolution_from_random_license_values(value: Any) -> None:
    if isinstance(value, float) and not math.isfinite(value):
        return
    block = yaml.safe_dump({"license": value, "license_name": value, "license_link": value}, allow_unicode=True)
    card = parse_card(f"---\n{block}---\n# Model\nLicensed under {value!s:.200}.\n")
    facts = ModelFacts("README.md", "card", "org/model", None, None, "", card, None)
    profile = resolve_license(facts)
    json.dumps(profile.to_dict() if hasattr(profile, "to_dict") else str(profile))

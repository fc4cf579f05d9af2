"""Card parsing: tolerant front matter (with lines) and body facts, on crafted quirks and real cards."""

from __future__ import annotations

import datetime as dt
import math
import random
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml
from huggingface_hub.repocard import REGEX_YAML_BLOCK
from hypothesis import given, settings
from hypothesis import strategies as st

from auditor import parse_card
from auditor.sources.body import (
    _ANY_HINT,
    _CLAIM_WORDS,
    _DERIVATION_WORDS,
    _LICENSE_HINT_WORDS,
    _URL,
    _clean,
    _markdown_links,
    _strip_markup,
    classify_url,
    host_and_path,
    parse_body,
)
from auditor.sources.card import string_list
from tests.conftest import CARDS, CARDS_BULK

REAL_CARDS = sorted(CARDS.glob("*/README.md")) + sorted(CARDS_BULK.glob("*.md"))


def kinds(card):  # type: ignore[no-untyped-def]
    return [(p.kind, p.line) for p in card.problems]


def test_valid_front_matter_fields_and_lines() -> None:
    card = parse_card("---\nlicense: apache-2.0\nbase_model:\n  - a/b\n  - c/d\n---\n# Title\ntext\n")
    assert card.metadata["license"] == "apache-2.0"
    assert string_list(card.metadata["base_model"]) == ["a/b", "c/d"]
    assert card.line_of("license") == 2 and card.line_of("base_model") == 3
    assert card.problems == ()
    assert [(s.title, s.line, s.end_line) for s in card.sections] == [("Title", 7, 8)]


def test_broken_yaml_reports_the_card_line() -> None:
    text = "---\nlicense: mit\ntags: [a, b\ndatasets:\n  - x\n---\nbody\n"
    card = parse_card(text)
    assert card.metadata == {}
    (problem,) = [p for p in card.problems if p.kind == "yaml-syntax"]
    assert problem.line is not None and 3 <= problem.line <= 5
    assert "not valid YAML" in problem.message


def test_license_as_list_number_and_empty() -> None:
    card = parse_card("---\nlicense:\n  - mit\n  - apache-2.0\n---\n")
    assert string_list(card.metadata["license"]) == ["mit", "apache-2.0"] and card.problems == ()
    card = parse_card("---\nlicense: 2.0\n---\n")
    (problem,) = card.problems
    assert (problem.kind, problem.field, problem.line) == ("wrong-type", "license", 2)
    assert "a number (2.0)" in problem.message and "['2.0']" in problem.message
    card = parse_card("---\nlicense:\n---\n")
    assert [(p.kind, p.field) for p in card.problems] == [("empty-value", "license")]


def test_base_model_as_mapping_is_a_wrong_type() -> None:
    card = parse_card("---\nbase_model: {name: x}\n---\n")
    assert [(p.kind, p.field, p.line) for p in card.problems] == [("wrong-type", "base_model", 2)]
    assert string_list(card.metadata["base_model"]) == []


def test_duplicate_keys_keep_last_and_are_reported() -> None:
    card = parse_card("---\nlicense: mit\ntags: [a]\nlicense: cc-by-nc-4.0\n---\n")
    assert card.metadata["license"] == "cc-by-nc-4.0"
    assert [(p.kind, p.line, p.field) for p in card.problems] == [("duplicate-key", 4, "license")]


def test_tabs_are_tolerated_and_reported() -> None:
    card = parse_card("---\nlicense: mit\ntags:\n\t- a\n\t- b\n---\n")
    assert card.metadata == {"license": "mit", "tags": ["a", "b"]}
    assert kinds(card) == [("tabs", 4)]


def test_bom_and_crlf() -> None:
    card = parse_card("\ufeff---\r\nlicense: mit\r\n---\r\n# Usage\r\nhello\r\n".encode())
    assert card.metadata == {"license": "mit"} and card.problems == ()
    assert card.sections[0].title == "Usage" and card.sections[0].line == 4


def test_no_front_matter_unclosed_and_not_a_mapping() -> None:
    assert kinds(parse_card("# Just a title\n")) == [("missing-front-matter", 1)]
    assert kinds(parse_card("---\nlicense: mit\n# no end\n")) == [("unclosed-front-matter", 1)]
    assert kinds(parse_card("---\n- a\n- b\n---\n")) == [("not-a-mapping", 2)]
    assert kinds(parse_card("---\n---\ntext")) == [("empty-metadata", 1)]


def test_yaml_1_2_scalars_as_the_hub_reads_them() -> None:
    card = parse_card("---\nlanguage: [en, no, yes, on]\nversion: 010\ntime: 1:20\nflag: true\n---\n")
    assert card.metadata == {
        "language": ["en", "no", "yes", "on"],
        "version": 10,
        "time": "1:20",
        "flag": True,
    }


def test_alias_bomb_and_recursive_alias_are_contained() -> None:
    bomb = "---\na: &a [x, x, x, x, x, x, x, x, x, x]\n"
    for i in range(1, 9):
        bomb += f"{chr(97 + i)}: &{chr(97 + i)} [" + ", ".join([f"*{chr(96 + i)}"] * 10) + "]\n"
    card = parse_card(bomb + "license: mit\n---\n")
    assert card.metadata == {} and kinds(card) == [("too-large", 7)]  # the line of the alias that overflowed
    card = parse_card("---\nx: &x [*x]\n---\n")
    assert [p.kind for p in card.problems] == ["too-large"]


def test_python_tags_are_refused_by_safe_loading() -> None:
    card = parse_card("---\nx: !!python/object/apply:os.system ['echo pwned']\n---\n")
    assert card.metadata == {} and [p.kind for p in card.problems] == ["yaml-syntax"]


def test_invalid_utf8_is_replaced_and_reported() -> None:
    card = parse_card(b"---\nlicense: mit\n---\nbad \xff byte\n")
    assert card.metadata == {"license": "mit"}
    assert kinds(card) == [("encoding", 4)]


def test_ten_megabyte_body_still_yields_facts() -> None:
    line = "Some prose about the model, see https://github.com/org/repo and more text here.\n"
    body = line * (10_000_000 // len(line))
    start = time.perf_counter()
    card = parse_card("---\nlicense: mit\n---\n# Big\n" + body)
    elapsed = time.perf_counter() - start
    assert card.metadata == {"license": "mit"}
    assert card.body_chars > 9_900_000
    assert [link.url for link in card.links] == ["https://github.com/org/repo"]
    assert card.sections[0].end_line == 4 + body.count("\n")
    assert elapsed < 30  # generous bound: linear parsing, never quadratic


def test_links_are_classified() -> None:
    card = parse_card(
        "---\nlicense: mit\n---\n"
        "Code: [repo](https://github.com/allenai/OLMo). Paper: https://arxiv.org/abs/2402.00838.\n"
        "Data: https://huggingface.co/datasets/allenai/dolma and logs https://wandb.ai/ai2-llm/OLMo-7B/reports/x\n"
        '<a href="https://huggingface.co/meta-llama/Llama-2-7b">base</a> '
        "License: https://ai.meta.com/llama/license/\n"
    )
    kinds_by_url = {link.url: (link.kind, link.line) for link in card.links}
    assert kinds_by_url == {
        "https://github.com/allenai/OLMo": ("code", 4),
        "https://arxiv.org/abs/2402.00838": ("paper", 4),
        "https://huggingface.co/datasets/allenai/dolma": ("dataset", 5),
        "https://wandb.ai/ai2-llm/OLMo-7B/reports/x": ("training_logs", 5),
        "https://huggingface.co/meta-llama/Llama-2-7b": ("model", 6),
        "https://ai.meta.com/llama/license/": ("license", 6),
    }
    assert card.links[0].text == "repo"


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("https://github.com/org/repo/blob/main/LICENSE", "license"),
        ("https://creativecommons.org/licenses/by-nc/4.0/", "license"),
        ("https://huggingface.co/spaces/a/b", "space"),
        ("https://huggingface.co/docs/hub/model-cards", "docs"),
        ("https://huggingface.co/papers/2402.00838", "paper"),
        ("https://huggingface.co/org/model/tensorboard", "training_logs"),
        ("https://example.com/paper.pdf", "paper"),
        ("https://example.com/", "other"),
    ],
)
def test_url_classification(url: str, kind: str) -> None:
    assert classify_url(url) == kind


def _library_host_and_path(url: str) -> tuple[str, str]:
    split = urlsplit(url)
    return (split.hostname or "").lower(), split.path


def test_urls_are_split_as_urlsplit_splits_them_on_every_real_card_link() -> None:
    urls = {m.group(0) for path in (*CARDS.glob("*/README.md"), *CARDS_BULK.glob("*.md"))
            for m in _URL.finditer(path.read_text(encoding="utf-8", errors="replace"))}  # fmt: skip
    assert len(urls) > 4_000
    for url in urls:
        assert host_and_path(url) == _library_host_and_path(url), url


@settings(max_examples=3_000, deadline=None)
@given(st.sampled_from(["https://", "HTTP://", "git+ssh://", "http:/", "1http://", "https:///", ""]),
       st.text(alphabet="aZ9.-_@:[]/?#%+ \t\néü", max_size=30))  # fmt: skip
def test_urls_are_split_as_urlsplit_splits_them_on_generated_text(scheme: str, rest: str) -> None:
    url = scheme + rest
    try:
        expected = _library_host_and_path(url)
    except ValueError:  # an IPv6 or NFKC-ambiguous host the library refuses: so must the split
        with pytest.raises(ValueError):
            host_and_path(url)
        return
    assert host_and_path(url) == expected


def test_headings_in_code_fences_are_not_sections() -> None:
    card = parse_card("---\nlicense: mit\n---\n# A\n```\n# not a heading\n```\n## B\n")
    assert [(s.title, s.level) for s in card.sections] == [("A", 1), ("B", 2)]


def test_license_statements_in_prose_real_card() -> None:
    card = parse_card((CARDS / "NousResearch__Llama-2-7b-hf" / "README.md").read_bytes())
    assert card.metadata.get("license") is None
    texts = " ".join(s.text for s in card.license_statements).lower()
    assert "license" in texts
    assert all(s.line > card.body_line_offset for s in card.license_statements)


def test_comment_after_license_value_real_card() -> None:
    card = parse_card((CARDS / "42MARU__ko-ctc-kenlm-spelling-only-wiki" / "README.md").read_bytes())
    assert card.metadata["license"] == "apache-2.0"


def test_yaml_1_2_differences_from_pyyaml_one_by_one() -> None:
    """Each way the metadata differs from PyYAML's YAML 1.1 reading, asserted on its own."""
    card = parse_card(
        "---\nlanguage: [no, yes, on, off, No]\noctal: 010\nsexagesimal: 1:20\nunderscore: 1_000\nhex: 0x1F\n"
        "exponent: 1e5\nbool: [true, False, TRUE]\nnulls: [~, null, NULL]\nempty:\ninf: [.inf, -.Inf, .NaN]\n"
        "equals: =\nmerge_word: <<\nday: 2024-02-29\nnot_a_day: 2023-02-30\nwhen: 2024-01-02 03:04:05\n"
        "big: 9223372036854775808\nmax: 9223372036854775807\nmin: -9223372036854775808\nsmall: -9223372036854775809\n"
        "hexbig: 0x10000000000000000\n---\n"
    )
    assert card.problems == ()
    assert card.metadata == {
        "language": ["no", "yes", "on", "off", "No"],  # YAML 1.1: booleans
        "octal": 10,  # 1.1: 8
        "sexagesimal": "1:20",  # 1.1: 80
        "underscore": "1_000",  # 1.1: 1000
        "hex": 31,
        "exponent": 100000.0,  # 1.1 (PyYAML): a string
        "bool": [True, False, True],
        "nulls": [None, None, None],
        "empty": None,
        "inf": ["inf", "-inf", "nan"],  # JSON has no infinity
        "equals": "=",  # PyYAML: an error (the 'value' tag)
        "merge_word": "<<",  # PyYAML: an error (a merge key outside a mapping key)
        "day": "2024-02-29",
        "not_a_day": "2023-02-30",  # PyYAML: an error that loses all metadata
        "when": "2024-01-02T03:04:05",
        "big": "9223372036854775808",  # beyond signed 64 bits: the source text, so JSON never fails
        "max": 9223372036854775807,
        "min": -9223372036854775808,
        "small": "-9223372036854775809",
        "hexbig": "0x10000000000000000",
    }


def test_explicit_tags_core_only() -> None:
    card = parse_card("---\na: !!str 5\nb: !!int '7'\nc: !!bool yes\nd: !!float 1\ne: !!null x\nf: !!map {g: 1}\n---\n")
    assert card.metadata == {"a": "5", "b": 7, "c": True, "d": 1.0, "e": None, "f": {"g": 1}} and card.problems == ()
    for value, message in [
        ("!!bool maybe", "'maybe' is not a valid bool"),
        ("!!int 0o17", "'0o17' is not a valid int"),
        ("!!set {x, y}", "unsupported tag 'tag:yaml.org,2002:set'"),
        ("!!binary aGVsbG8=", "unsupported tag 'tag:yaml.org,2002:binary'"),
        ("!custom x", "unsupported tag '!custom'"),
    ]:
        card = parse_card(f"---\nlicense: mit\nx: {value}\n---\n")
        assert card.metadata == {} and kinds(card) == [("yaml-syntax", 3)], value
        assert card.problems[0].message == f"metadata cannot be read: {message}"


def test_merge_keys_duplicate_anchors_and_undefined_aliases() -> None:
    card = parse_card("---\nbase: &b {k: 1, j: 2}\nm:\n  <<: *b\n  j: 3\nn: {<<: [*b, {z: 0}]}\n---\n")
    assert card.metadata["m"] == {"k": 1, "j": 3} and card.metadata["n"] == {"z": 0, "k": 1, "j": 2}
    card = parse_card("---\na: &x 1\nb: &x 2\n---\n")
    assert kinds(card) == [("yaml-syntax", 3)] and "duplicate anchor '&x'" in card.problems[0].message
    card = parse_card("---\na: 1\nb: *nope\n---\n")
    assert kinds(card) == [("yaml-syntax", 3)] and "undefined alias 'nope'" in card.problems[0].message
    card = parse_card("---\n? [a, b]\n: 1\n---\n")
    assert card.metadata == {} and kinds(card) == [("yaml-syntax", 2)] and "unhashable key" in card.problems[0].message


def test_duplicate_keys_at_depth_name_only_top_level_fields() -> None:
    card = parse_card("---\nlicense: mit\nmodel-index:\n- name: a\n  name: b\nlicense: other\n---\n")
    assert [(p.kind, p.line, p.field) for p in card.problems] == [
        ("duplicate-key", 5, None),
        ("duplicate-key", 6, "license"),
    ]
    assert card.line_of("license") == 2 and card.metadata["model-index"] == [{"name": "b"}]


def test_binary_and_empty_files_are_said_so() -> None:
    for content in (b"\x00\x01\x02PK\x03\x04" * 100, bytes(range(256)) * 40, "\x01\x02\x03x" * 100):
        card = parse_card(content)
        assert [p.kind for p in card.problems] == ["binary", "missing-front-matter"]
        assert card.metadata == {} and card.links == () and card.sections == ()
    for content in (b"", b"\xef\xbb\xbf", "  \n\t\n", b"\r\n\r\n"):
        assert [p.kind for p in parse_card(content).problems] == ["empty", "missing-front-matter"]
    card = parse_card(b"---\nlicense: mit\n---\n# Title\nsome \xff\xfe bytes\n")
    assert card.metadata == {"license": "mit"} and [p.kind for p in card.problems] == ["encoding"]


def _json_normalised(value: Any) -> Any:
    """PyYAML's values as JSON would carry them (keys as str, dates as ISO text, inf/nan as text)."""
    if isinstance(value, dict):
        return {str(k): _json_normalised(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_normalised(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


def _differences(reference: Any, ours: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, Any, Any]]:
    if type(reference) is not type(ours):
        yield path, reference, ours
    elif isinstance(reference, dict):
        if list(reference) != list(ours):
            yield path, list(reference), list(ours)
        else:
            for key in reference:
                yield from _differences(reference[key], ours[key], (*path, key))
    elif isinstance(reference, list):
        if len(reference) != len(ours):
            yield path, len(reference), len(ours)
        else:
            for index, (a, b) in enumerate(zip(reference, ours, strict=True)):
                yield from _differences(a, b, (*path, index))
    elif reference != ours:
        yield path, reference, ours


def _yaml_1_2_difference(reference: Any, ours: Any) -> bool:
    """A documented difference between PyYAML (YAML 1.1) and the Hub's YAML 1.2 reading."""
    if isinstance(reference, bool) and isinstance(ours, str):
        return ours.lower() in ("yes", "no", "on", "off")
    if isinstance(reference, (int, float)) and isinstance(ours, str):
        return (
            "_" in ours or ":" in ours or ours.lower().lstrip("+-").startswith(("0b", "0o")) or abs(reference) >= 2**63
        )
    if isinstance(reference, int) and isinstance(ours, int):
        return reference == int(str(ours), 8)  # a leading zero: octal in YAML 1.1
    if isinstance(reference, str) and isinstance(ours, float):
        return float(reference) == ours  # 1e5: a float in YAML 1.2, a string for PyYAML
    return False


def _block(path: Path) -> tuple[str, int] | None:
    text = path.read_bytes().decode("utf-8-sig", "replace").replace("\r\n", "\n").replace("\r", "\n")
    match = REGEX_YAML_BLOCK.search(text)
    return (match.group(2), match.group(1).count("\n") + 1) if match else None


def test_real_cards_metadata_equals_libyaml_except_yaml_1_2_rules() -> None:
    """On every real card: values as libyaml + PyYAML's constructor give them (the reference), except documented
    YAML 1.2 differences; field lines and duplicate keys as PyYAML's composer places them."""
    checked = explained = 0
    for path in REAL_CARDS:
        found = _block(path)
        if found is None:
            continue
        block, first_line = found
        reference = yaml.load(block, Loader=yaml.CSafeLoader)
        if not isinstance(reference, dict):
            continue
        card = parse_card(path.read_bytes())
        differences = list(_differences(_json_normalised(reference), card.metadata))
        unexplained = [d for d in differences if not _yaml_1_2_difference(d[1], d[2])]
        assert not unexplained, f"{path}: {unexplained[:3]}"
        explained += len(differences)
        root = yaml.compose(block, Loader=yaml.CSafeLoader)
        lines: dict[str, int] = {}
        duplicates = set()
        stack = [root]
        while stack:
            node = stack.pop()
            if isinstance(node, yaml.MappingNode):
                seen = set()
                for key, value in node.value:
                    if node is root:
                        lines.setdefault(str(key.value), key.start_mark.line + first_line)
                    if key.value in seen:
                        duplicates.add((key.start_mark.line + first_line, str(key.value)))
                    seen.add(key.value)
                    stack.append(value)
            elif isinstance(node, yaml.SequenceNode):
                stack.extend(node.value)
        assert dict(card.field_lines) == lines, path
        reported = {(p.line, p.message.split("'")[1]) for p in card.problems if p.kind == "duplicate-key"}
        assert reported == duplicates, path
        checked += 1
    assert checked > 1600 and explained >= 5  # the real cards do hit YAML 1.1 booleans and underscores


_MARKUP_ORACLE = re.compile(r"<[^>]{0,200}>|[*_`]{1,3}|!?\[([^\]]*)\]\([^)]*\)")
_MD_LINK_ORACLE = re.compile(r"\[([^\]\n]{0,300})\]\(\s*<?(https?://[^)\s>]+)", re.IGNORECASE)


def _random_lines(pieces: list[str], count: int) -> Iterator[str]:
    rng = random.Random(20240601)
    for _ in range(count):
        yield "".join(rng.choice(pieces) for _ in range(rng.randint(0, 40)))


def test_linear_markup_stripping_equals_the_regex() -> None:
    pieces = ["<", ">", "[", "]", "(", ")", "!", "*", "_", "`", "a", " ", "\n", "x" * 150, "![i](u)", "[t](u)", "<b>"]
    for line in _random_lines(pieces, 30_000):
        assert _strip_markup(line) == _MARKUP_ORACLE.sub(lambda m: m.group(1) or "", line), repr(line)


def test_clean_and_hints_equal_the_plain_patterns() -> None:
    """_clean drops emphasis directly on lines without links or tags; hint words are one alternative per first
    character."""
    hints = re.compile("|".join((*_CLAIM_WORDS, *_DERIVATION_WORDS, *_LICENSE_HINT_WORDS)))
    pieces = ["<b>", "*", "_", "`", "[t](u)", "a", " ", "\t", "released under", "open", "licen", "基于", "商业"]
    pieces += ["on top", "Licensed", "research", "merge", "quantized", "xor", "Fine-Tuned", "x" * 50]
    lines = [*_random_lines(pieces, 20_000), *(line for path in REAL_CARDS for line in lines_of(path))]
    for line in lines:
        assert _clean(line) == " ".join(_MARKUP_ORACLE.sub(lambda m: m.group(1) or "", line).split()), repr(line)
        assert (_ANY_HINT.search(line.lower()) is None) == (hints.search(line.lower()) is None), repr(line)


def lines_of(path: Path) -> list[str]:
    return path.read_text(errors="replace").split("\n")


def test_linear_markdown_links_equal_the_regex() -> None:
    pieces = ["[", "]", "(", ")", " ", "\n", "<", ">", "http://", "HTTPS://x", "a", "a" * 150, ".", "](http://u", "[t]"]
    for line in _random_lines(pieces, 30_000):
        expected = {m.group(2).rstrip(".,;:!?*_'\""): m.group(1) for m in _MD_LINK_ORACLE.finditer(line)}
        assert _markdown_links(line) == expected, repr(line)


def test_hostile_body_lines_parse_in_linear_time() -> None:
    size = 200_000
    lines = [
        "[" * size + " http://x",
        "license " + "[" * size,
        "# " + "[" * size,
        "# a" + " #" * (size // 2) + "b",
        "license " + "<" * size,
        "license " + "[a](" * (size // 4),
        "[a](" * (size // 4) + "http",
    ]
    start = time.perf_counter()
    card = parse_card("---\nlicense: mit\n---\n" + "\n".join(lines) + "\n")
    assert time.perf_counter() - start < 20  # quadratic regexes took hours on these lines
    assert [s.title for s in card.sections] == ["[" * size, "a" + " #" * (size // 2) + "b"]
    assert card.links[0].url == "http://x"


def test_a_one_line_code_span_is_not_a_fence() -> None:
    """A one-line "```x```" opens and closes (CommonMark: a backtick fence's info has no backtick): prose goes on."""
    body = "# A\n```api.tts``` is not a fence.\n## B\nThis model is fine-tuned from x/y.\n"
    card = parse_card("---\nlicense: mit\n---\n" + body)
    assert [s.title for s in card.sections] == ["A", "B"]
    assert [d.text for d in card.derivations] == ["This model is fine-tuned from x/y."]
    fenced = parse_card("---\nlicense: mit\n---\n````\n# not a heading\n````\n~~~ `odd` info\n# nor this\n~~~\n# C\n")
    assert [s.title for s in fenced.sections] == ["C"]


@pytest.mark.parametrize(
    "line",
    [
        "Vicuna is an open-source chatbot trained by fine-tuning LLaMA on user-shared conversations",  # real card
        "We finetune BLOOM & mT5 pretrained multilingual language models on our crosslingual task mixture.",
        "Base model: x/y",
        "Trained on top of Mistral-7B.",
        "The weights were initialized from x/y.",
        "These files are the result of merging the delta weights with the original Llama7B model.",
    ],
)
def test_derivation_wording_is_kept(line: str) -> None:
    card = parse_card(f"---\nlicense: mit\n---\n{line}\n")
    assert [d.text for d in card.derivations] == [line]


@pytest.mark.parametrize(
    "line",
    [
        "for research purposes only",  # the whole body of a real card (hjhj3168/Llama-3-8b-Orthogonalized-exl2)
        "The model may be used solely for non-profit academic research.",
        "本模型仅供学术研究使用，严禁商用。",
        "使用本模型需遵守 Llama 2 授权协议。",
    ],
)
def test_research_only_and_chinese_terms_are_license_statements(line: str) -> None:
    card = parse_card(f"---\nlicense: mit\n---\n{line}\n")
    assert [s.text for s in card.license_statements] == [line]


def test_research_as_a_topic_is_not_a_license_statement() -> None:
    card = parse_card("---\nlicense: mit\n---\nThe primary use of Vicuna is research on large language models.\n")
    assert card.license_statements == ()


def test_front_matter_rule_is_the_hubs() -> None:
    """The card reader's front-matter regex is huggingface_hub's (copied to keep the import out of local audits)."""
    from auditor.sources.card import YAML_BLOCK

    assert (YAML_BLOCK.pattern, YAML_BLOCK.flags) == (REGEX_YAML_BLOCK.pattern, REGEX_YAML_BLOCK.flags)


def test_local_audit_does_not_import_huggingface_hub(tmp_path: Path) -> None:
    """Auditing a local card never loads huggingface_hub (its import is most of a one-card run's start)."""
    import subprocess
    import sys

    card = tmp_path / "README.md"
    card.write_text("---\nlicense: mit\n---\n# A model\n", encoding="utf-8")
    code = (
        "import sys, auditor.api as api; api.audit(sys.argv[1], offline=True); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'huggingface_hub'))"
    )
    run = subprocess.run([sys.executable, "-c", code, str(card)], capture_output=True, text=True, check=True)
    assert run.stdout.strip() == "[]"


def test_hints_found_in_the_whole_body_are_those_found_line_by_line() -> None:
    """An ASCII body is searched for hint words as a whole; a body with other characters line by line (a last line
    "é" forces that reading, and adds no statement)."""
    pieces = ["released under", "licen", "merged", "based on", "\n", "\r\n", "\n\n", " ", "x", "```\n", "# h\n",
              "commercial", "code released", "http://a.b/c ", "research only", "on top", "-", "released"]  # fmt: skip
    bodies = [path.read_text(errors="replace") for path in REAL_CARDS]
    bodies += ["".join(random.Random(seed).choices(pieces, k=40)) for seed in range(3_000)]
    found = 0
    for body in bodies:
        whole, by_line = parse_body(body, 3), parse_body(body + "\né", 3)
        for kind in ("claims", "derivations", "statements"):
            assert getattr(whole, kind) == getattr(by_line, kind), (kind, body[:200])
            found += len(getattr(whole, kind))
    assert found > 10_000

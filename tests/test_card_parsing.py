"""Card parsing: tolerant front matter (with lines) and body facts, on crafted quirks and real cards."""

from __future__ import annotations

import time

import pytest

from auditor import parse_card
from auditor.sources.body import classify_url
from auditor.sources.card import string_list
from tests.conftest import CARDS


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

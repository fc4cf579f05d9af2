"""The shortcuts of the lineage prose reader decide exactly what its regexes decide, on real card text and on
generated sentences made of the words they look for."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.lineage.prose import _CLAUSE_SPLIT, _SKIP_CLAUSE, _SKIP_SECTION, _skipped_section, states_no_derivation
from tests.conftest import CARDS, CARDS_BULK

_WORDS = ["not", "n't", "hasn", "never", "no", "longer", "without", "you", "your", "users", "user", "can", "may",
          "been", "fine-tuned", "fine tuned", "finetuned", "trained", "based", "derived", "quantized", "merged",
          "a", "fine-tune", "derivative", "as", "basis", "base", "starting", "point", "for", "further", "tuning",
          "will", "be", "plan", "to", "planning", "coming", "soon", "stay", "tuned", "in", "the", "future", "if",
          "refer", "downstream", "of", "model", "NOT", "You", "Will", "ſ", "K", "İ", ".", ";", ",", "_"]  # fmt: skip


def _real_clauses() -> list[str]:
    clauses = []
    for path in (*CARDS.glob("*/README.md"), *CARDS_BULK.glob("*.md")):
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.strip():
                clauses += [line[:300], *_CLAUSE_SPLIT.split(line[:300])]
    return clauses


def test_no_derivation_is_what_the_skip_regex_says_on_every_real_line_and_clause() -> None:
    said = 0
    for clause in _real_clauses():
        expected = _SKIP_CLAUSE.search(clause) is not None
        assert states_no_derivation(clause) == expected, clause
        said += expected
    assert said > 1_000  # the regex does fire on real text: both answers were exercised


@settings(max_examples=2_000, deadline=None)
@given(st.lists(st.sampled_from(_WORDS), max_size=14), st.sampled_from([" ", "  ", "\t", "-", ""]))
def test_no_derivation_is_what_the_skip_regex_says_on_generated_sentences(words: list[str], space: str) -> None:
    text = space.join(words)
    assert states_no_derivation(text) == (_SKIP_CLAUSE.search(text) is not None)


_SECTION_WORDS = ["Quantized", "quantised", "GGUF", "gguf", "xgguf", "GPTQ", "AWQ", "EXL2", "other", "versions",
                  "models", "sizes", "Related", "see", "also", "variants", "model", "family", "zoo", "our",
                  "Collection", "leaderboard", "Evaluation", "benchmark", "results", "comparison", "citation",
                  "BibTeX", "reference", "News", "update", "updates", "updatesx", "changelog", "compatible", "provided",
                  "files", "how", "to", "Training", "Usage", "ſee", "K", "_", "-"]  # fmt: skip


def test_skipped_sections_are_what_the_section_regex_says_on_every_real_line() -> None:
    skipped = 0
    for clause in _real_clauses():
        expected = _SKIP_SECTION.search(clause) is not None
        assert _skipped_section(clause) == expected, clause
        skipped += expected
    assert skipped > 1_000


@settings(max_examples=2_000, deadline=None)
@given(st.lists(st.sampled_from(_SECTION_WORDS), max_size=6), st.sampled_from([" ", "  ", "\t", "-", "", "_"]))
def test_skipped_sections_are_what_the_section_regex_says_on_generated_titles(words: list[str], space: str) -> None:
    title = space.join(words)
    assert _skipped_section(title) == (_SKIP_SECTION.search(title) is not None)

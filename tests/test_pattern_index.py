"""The matching shortcuts of the knowledge bases find exactly what trying every pattern or name would find."""

from __future__ import annotations

import re
from collections.abc import Iterable
from itertools import islice

from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.datasets.catalog import dataset_catalog
from auditor.datasets.match import match_datasets
from auditor.families.catalog import family_catalog
from auditor.families.match import match_families
from auditor.knowledge import PatternIndex, _literal_prefixes, literal_alternation, matches
from tests.conftest import CARDS, CARDS_BULK, SHARED


def _real_texts() -> list[str]:
    """Sentences and names from real cards: where family and dataset names actually appear."""
    texts: list[str] = []
    for readme in islice(sorted((SHARED / "derivatives").glob("*/README.md")), 120):
        body = readme.read_text(encoding="utf-8", errors="replace")
        texts.append(readme.parent.name.replace("__", "/"))
        texts += [line for line in body.splitlines() if line.strip()][:80]
    for readme in islice(sorted(CARDS.glob("*/README.md")), 60):
        texts += [line for line in readme.read_text(encoding="utf-8", errors="replace").splitlines() if line][:60]
    return texts


TEXTS = _real_texts()


def _naive(words: set[str], text: str) -> list[tuple[int, int]]:
    escaped = sorted((re.escape(w) for w in words), key=len, reverse=True)  # the old regex: longest first
    return [m.span() for m in re.finditer(r"(?<!\w)(?:" + "|".join(escaped) + r")(?!\w)", text, re.IGNORECASE)]


def _trie(words: set[str], text: str) -> list[tuple[int, int]]:
    regex = re.compile(r"(?<!\w)" + literal_alternation(w.lower() for w in words) + r"(?!\w)", re.IGNORECASE)
    return [m.span() for m in regex.finditer(text)]


@settings(max_examples=300, deadline=None)
@given(
    st.sets(st.text(alphabet="abc-. ", min_size=1, max_size=6), min_size=1, max_size=12),
    st.text(alphabet="abcABC-. x", max_size=60),
)
def test_the_trie_regex_finds_what_the_longest_first_alternation_finds(words: set[str], text: str) -> None:
    words = {w.lower() for w in words}
    assert _trie(words, text) == _naive(words, text)


def test_the_trie_regex_prefers_the_longest_name_and_escapes_everything() -> None:
    words = {"the pile", "the pile v2", "c++", "a.b"}
    assert _trie(words, "data: The Pile v2, c++ and axb, a.b") == [(6, 17), (19, 22), (32, 35)]


def _assert_no_match_is_skipped(patterns: list[re.Pattern[str]], least: int) -> None:
    index = PatternIndex([pattern.pattern for pattern in patterns])
    matched = 0
    for text in TEXTS:
        candidates = set(index.candidates(text))
        for position, pattern in enumerate(patterns):
            if pattern.search(text):
                matched += 1
                assert position in candidates, (pattern.pattern, text)
    assert matched > least  # the real texts do name them: the check above was exercised


def test_pattern_index_never_skips_a_family_pattern_that_matches_real_text() -> None:
    every = [p for f in family_catalog() for p in (*f.patterns, *(q for v in f.versions for q in v.patterns))]
    for scope in ("name", "prose"):
        _assert_no_match_is_skipped([p.regex for p in every if scope in p.scopes], least=100)


def test_pattern_index_never_skips_a_dataset_pattern_that_matches_real_text() -> None:
    _assert_no_match_is_skipped([p.regex for record in dataset_catalog() for p in record.patterns], least=20)


def test_prefixes_are_read_through_groups_and_alternatives() -> None:
    index = PatternIndex([r"(?<![a-z])(?:stable[-_ ]?diffusion|sd)[-_ ]?2", r"(?P<m>llama)[-_ ]?2", r"[a-z]+coder"])
    assert index.candidates("an SDXL model") == [0, 2]
    assert index.candidates("LLAMA-2 chat") == [1, 2]
    assert index.candidates("nothing here") == [2]  # a pattern starting with a class is always tried


def test_matches_are_unchanged_on_names_families_and_datasets() -> None:
    assert [(m.family, m.version) for m in match_families("TheBloke/Llama-2-13B-chat-GGUF")] == [("llama", "2")]
    found = match_datasets("We fine-tuned on the Pile and on RedPajama-Data-1T.")
    assert {m.dataset for m in found} >= {"the-pile"}


def _substring_candidates(anchors: list[frozenset[str] | None], text: str) -> list[int]:
    """The index's old reading: a pattern is a candidate when one of its anchors is a substring of the text."""
    folded = text.casefold()
    return [i for i, some in enumerate(anchors) if some is None or any(anchor in folded for anchor in some)]


def _catalogue_patterns() -> list[list[re.Pattern[str]]]:
    every = [p for f in family_catalog() for p in (*f.patterns, *(q for v in f.versions for q in v.patterns))]
    families = [[p.regex for p in every if scope in p.scopes] for scope in ("name", "prose")]
    return [*families, [p.regex for record in dataset_catalog() for p in record.patterns]]


def test_candidates_are_the_patterns_with_an_anchor_in_the_text_on_every_real_card_line() -> None:
    lines = [line for path in (*CARDS.glob("*/README.md"), *CARDS_BULK.glob("*.md"))
             for line in path.read_text(encoding="utf-8", errors="replace").splitlines() if line]  # fmt: skip
    for patterns in _catalogue_patterns():
        index = PatternIndex([pattern.pattern for pattern in patterns])
        anchors = [_literal_prefixes(pattern.pattern) for pattern in patterns]
        found = 0
        for line in lines:
            expected = _substring_candidates(anchors, line)
            assert index.candidates(line) == expected, line
            found += bool(expected)
        assert found > 1_000  # the anchors do occur in real lines


@settings(max_examples=400, deadline=None)
@given(st.lists(st.text(alphabet="abcdeßSS-", min_size=2, max_size=5), min_size=1, max_size=8),
       st.text(alphabet="abcdeABCßẞS-", max_size=40))  # fmt: skip
def test_candidates_find_overlapping_and_nested_anchors(words: list[str], text: str) -> None:
    patterns = [re.compile(re.escape(word), re.IGNORECASE) for word in words]
    anchors = [_literal_prefixes(pattern.pattern) for pattern in patterns]
    index = PatternIndex([pattern.pattern for pattern in patterns])
    assert index.candidates(text) == _substring_candidates(anchors, text)


def _spans(found: Iterable[re.Match[str]]) -> list[tuple[int, int]]:
    return [m.span() for m in found]


def test_matches_tried_at_the_anchors_are_what_finditer_finds_on_every_real_card_line() -> None:
    lines = [line for path in (*CARDS.glob("*/README.md"), *CARDS_BULK.glob("*.md"))
             for line in path.read_text(encoding="utf-8", errors="replace").splitlines() if line]  # fmt: skip
    lines += ["llama llama-2 LLAMA2 codellama Llama-2-13b and llama3", "the pile and the Pile-v2, pile, c4 mc4 c4"]
    for patterns in _catalogue_patterns():
        index = PatternIndex([pattern.pattern for pattern in patterns])
        anchored = 0
        for line in lines:
            for position, starts in index.starts(line):
                regex = patterns[position]
                assert _spans(matches(regex, line, starts, 3)) == _spans(islice(regex.finditer(line), 3)), line
                anchored += starts is not None
        assert anchored > 1_000  # most candidates were tried at their anchors only


@settings(max_examples=400, deadline=None)
@given(st.lists(st.text(alphabet="abc-", min_size=2, max_size=4), min_size=1, max_size=6),
       st.text(alphabet="abcABC- ", max_size=40), st.integers(min_value=1, max_value=4))  # fmt: skip
def test_matches_tried_at_the_anchors_are_what_finditer_finds_on_generated_text(
    words: list[str], text: str, most: int
) -> None:
    shapes = [r"(?<![a-z]){}(?:-?[abc])*", "{}[abc]?"]  # the second has adjacent matches ("abab": ab, ab)
    patterns = [re.compile(shapes[i % 2].format(re.escape(word)), re.IGNORECASE) for i, word in enumerate(words)]
    for position, starts in PatternIndex([pattern.pattern for pattern in patterns]).starts(text):
        regex = patterns[position]
        assert _spans(matches(regex, text, starts, most)) == _spans(islice(regex.finditer(text), most))

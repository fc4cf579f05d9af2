"""Passages of a card body: the fast checks of auditor.sources.passages agree with the plain patterns they stand for,
on the sentences, rows and lines of the real cards and on generated text."""

from __future__ import annotations

import random
import re
from collections.abc import Iterator

import pytest

from auditor.sources.card import decode_card
from auditor.sources.passages import (
    _BLOCK_START,
    _SENTENCE_END,
    _has_block_cue,
    _has_cue,
    _plain,
    _starts_block,
    _urls,
    find_passages,
)
from tests.conftest import CARDS, CARDS_BULK

# The patterns as first written (searched on each sentence lower-cased, on each block as it is, split per sentence).
CUE = re.compile(
    r"train|tun(e|ed|ing)\b|data|corpus|corpora|code|script|recipe|config|eval|benchmark|\blogs?\b|wandb|w&b|"
    r"tensorboard|\bloss\b|releas|availab|open[- ]?sourc|github|repo|reproduc|\.py\b|\.ya?ml\b|\bsft\b|\bdpo\b"
)
BLOCK_CUE = re.compile(
    r"merge_method|base_model|slices:|datasets?:|learning_rate|\blr\b|num_epochs|epochs|micro_batch|"
    r"gradient_accumulation|train|finetun|fine-tun|lm_eval|lm-eval|evaluat|--tasks|deepspeed|accelerate launch|"
    r"torchrun|python3?\s+\S+\.py",
    re.IGNORECASE,
)
SENTENCE_SPLIT = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\[(*_\"'`])")
MD_LINK = re.compile(r"!?\[([^\]\n]{0,300})\]\(\s*<?([^)\s>]+)[^)]*\)")
MARKUP = re.compile(r"<[^>]{0,200}>|(?<!\w)[*_`]{1,3}|[*_`]{1,3}(?!\w)")
URL = re.compile(r"""https?://[^\s<>()\[\]"'`{}|\\^]+""", re.IGNORECASE)

# fmt: off
PIECES = [
    "train", "Train", "TRAIN", "tuned", "tune", "tuning", "logs", "LOGS", "xlogs", "loss", "sft", "DPO", "lr", "LR",
    "xlr", "data", "code", ".py", ".yaml", ".yml", "github", "wandb", "w&b", "epochs", "merge_method", "slices:",
    "datasets:", "--tasks", "Lm-Eval", "snake_case", "word", "Word", "x", "1", "#", "|", "-", "*", "_", "`", "K",
    "\u212a", "ſ", "İ", "é", "١", "\u2003", "\u00a0", "open source", "open-sourc", "python3 x.py", "python  a.py",
    ". ", "! ", "? ", ".  ", ".\t", ". A", ". a", ". [", ". (", ". *", ". _", '. "', ". '", ". `", ". 1", " ", "\t",
    "\n", "\n\n", "\n```\n", "\n~~~py\n", "\n   ```\n", "\n    ```\n", "\n# Head\n", "\n   ## H #\n", "\n- item ",
    "\n* x ", "\n+ y", "\n1. a", "\n12) b", "\n١. a", "\n> q", "\n| a | b |", "\n|---|---|", "\n| train | x |",
    "\n<div>", "\n  <br>", "\n\t- t", "[link](http://x.org/a)", "[t](repo/file.py)", "![img](a.png)", "<b>", "**",
    "https://github.com/a/b.", "HTTP://X.ORG", "__",
]
# fmt: on


def generated(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice(PIECES) for _ in range(rng.randint(1, 60))) for _ in range(count)]


def real_lines() -> Iterator[str]:
    for path in [*sorted(CARDS.glob("*/README.md")), *sorted(CARDS_BULK.glob("*.md"))]:
        yield from decode_card(path.read_bytes())[0].split("\n")


@pytest.fixture(scope="module")
def texts() -> list[str]:
    """Lines and sentences of the real cards, and generated text."""
    lines = list(real_lines())
    sentences = [s for line in lines for s in SENTENCE_SPLIT.split(line.strip())]
    return lines + sentences + generated(20_000, 11)


def test_cues_are_the_plain_patterns(texts: list[str]) -> None:
    assert sum(map(_has_cue, texts)) > 1_000  # real cards have cues
    for text in texts:
        assert _has_cue(text) == (CUE.search(text.lower()) is not None), text[:200]
        assert _has_block_cue(text) == (BLOCK_CUE.search(text) is not None), text[:200]


def test_plain_text_and_urls_are_the_plain_patterns(texts: list[str]) -> None:
    for text in texts:
        text = text[:4_000]
        assert _plain(text) == " ".join(MARKUP.sub("", MD_LINK.sub(lambda m: m.group(1), text)).split()), text[:200]
        found = [m.group(2) for m in MD_LINK.finditer(text)] + [m.group(0) for m in URL.finditer(text)]
        expected = tuple(dict.fromkeys(u.rstrip(".,;:!?*_'\"") for u in found if u and not u.startswith("#")))
        assert _urls(text) == expected, text[:200]


def test_block_starts_and_sentence_ends_are_the_plain_patterns(texts: list[str]) -> None:
    for text in texts:
        if stripped := text.strip():
            assert _starts_block(text, stripped) == (_BLOCK_START.match(text) is not None), text[:200]
        ends = [m.end() for m in _SENTENCE_END.finditer(text)]
        assert ends == [m.end() for m in SENTENCE_SPLIT.finditer(text)], text[:200]


def test_sentences_keep_the_line_they_start_on() -> None:
    body = "# Training\n\nWe trained it on\nour data. The code is\nreleased. It is small.\n\n| data | 1 |\n|---|---|\n"
    found = [(p.kind, p.text, p.line, p.section) for p in find_passages(body, 10)]
    assert found == [
        ("sentence", "We trained it on our data.", 13, "Training"),
        ("sentence", "The code is released.", 14, "Training"),
        ("row", "| data | 1 |", 17, "Training"),
    ]


def _sentences_one_by_one(paragraph: list[tuple[int, str]]) -> list[tuple[str, int, tuple[str, ...]]]:
    """The sentences as first read: the paragraph split at each sentence end, each sentence searched for a cue."""
    text = " ".join(raw.strip() for _, raw in paragraph)
    line_starts = [0]
    for _, raw in paragraph[:-1]:
        line_starts.append(line_starts[-1] + len(raw.strip()) + 1)
    starts = [0, *(m.end() for m in SENTENCE_SPLIT.finditer(text))]
    found = []
    for start, stop in zip(starts, [*starts[1:], None], strict=True):
        sentence = text[start:stop].rstrip() if stop is not None else text[start:]
        if CUE.search(sentence.lower()):
            line = next(paragraph[i][0] for i in reversed(range(len(paragraph))) if line_starts[i] <= start)
            bounded = sentence[:4_000]
            found.append((_plain(bounded)[:400], line, _urls(bounded)))
    return found


def _paragraphs(lines: list[str]) -> Iterator[list[tuple[int, str]]]:
    paragraph: list[tuple[int, str]] = []
    for number, line in enumerate(lines):
        if line.strip():
            paragraph.append((number, line))
            continue
        if paragraph:
            yield paragraph
        paragraph = []
    if paragraph:
        yield paragraph


def test_sentences_with_a_cue_are_those_the_split_finds_one_in() -> None:
    from auditor.sources.passages import _sentences

    lines = [line for line in real_lines() if not line.lstrip().startswith(("|", "#", "```", "~~~"))]
    checked = 0
    for paragraph in [*_paragraphs(lines), *_paragraphs("\n".join(generated(5_000, 12)).split("\n"))]:
        paragraph = paragraph[:30]
        got = [(p.text, p.line, p.urls) for p in _sentences(paragraph, None)]
        assert got == _sentences_one_by_one(paragraph), paragraph[:3]
        checked += bool(got)
    assert checked > 5_000  # paragraphs with and without cues were both read

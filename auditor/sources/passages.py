"""Passages of a card body that may say how the model was made: sentences and table rows about training, data,
code, evaluation and logs, and code blocks (embedded configs, training or evaluation commands) with the line that
introduces them. The openness evidence reads them in context; nothing here decides what they mean."""

from __future__ import annotations

import re
from bisect import bisect_right

from auditor.facts import Passage

MAX_PASSAGES = 600
MAX_BLOCKS = 60
MAX_TEXT = 400
MAX_BLOCK_LINES = 60
MAX_BLOCK_TEXT = 2_000
MAX_PARAGRAPH_LINES = 30  # a longer run of soft-wrapped lines is read in pieces (bounded work per sentence)
MAX_LINE_CHARS = 4_000  # a longer line is read in its first 4,000 characters (prose lines are far shorter)
MAX_SENTENCE_CHARS = 4_000  # the text of a sentence searched for links and made plain (its passage keeps 400)

_FENCE = re.compile(r"^ {0,3}(```+(?!.*`)|~~~+)\s*([\w+.-]*)")  # CommonMark: a backtick fence's info has no backtick
_HEADING = re.compile(r"^ {0,3}#{1,6}[ \t]+(.*?)[ \t#]*$")
_FENCE_STARTS = tuple(f"{' ' * indent}{mark}" for indent in range(4) for mark in "`~")  # where _FENCE can match
_HEADING_STARTS = ("#", " #", "  #", "   #")  # where _HEADING can match
# Words that make a sentence worth keeping (lower-case text); most lines of a card do not have any. The words
# are split in two patterns so that each is searched fast: those starting with a letter (the regex engine skips to
# their first letters; grouped by first letter, one alternative is tried per position, not one per word), and the
# terms after a word boundary (searched only when the text holds one of them).
_CUE_WORDS = re.compile(
    r"t(?:rain|un(?:e|ed|ing)\b|ensorboard)|d(?:ata)|c(?:o(?:rpus|rpora|de|nfig))|s(?:cript)|"
    r"r(?:e(?:cipe|leas|po|produc))|e(?:val)|b(?:enchmark)|w(?:andb|&b)|a(?:vailab)|o(?:pen[- ]?sourc)|g(?:ithub)|"
    r"\.(?:py\b|ya?ml\b)"
)
_CUE_TERMS = re.compile(r"\b(?:logs?|loss|sft|dpo)\b")
# Words that make a code block worth keeping (any case). ASCII text is searched lower-cased with the same words
# case-sensitively (the same matches, found much faster); other text with the case-insensitive pattern, whose
# case folding also matches a few non-ASCII letters (the Kelvin sign as k, the long s as s).
_BLOCK_WORDS = (  # grouped by first letter, like _CUE_WORDS
    r"m(?:erge_method|icro_batch)|b(?:ase_model)|s(?:lices:)|d(?:atasets?:|eepspeed)|l(?:earning_rate|m_eval|m-eval)|"
    r"n(?:um_epochs)|e(?:pochs|valuat)|g(?:radient_accumulation)|t(?:rain|orchrun)|f(?:inetun|ine-tun)|-(?:-tasks)|"
    r"a(?:ccelerate launch)|p(?:ython3?\s+\S+\.py)"
)
_BLOCK_CUE = re.compile(rf"{_BLOCK_WORDS}|\blr\b", re.IGNORECASE)
_BLOCK_CUE_LOWER_WORDS = re.compile(_BLOCK_WORDS)
_BLOCK_CUE_LOWER_LR = re.compile(r"\blr\b")
# The end of a sentence: its last character, and the spaces after it.
_SENTENCE_END = re.compile(r"[.!?]\s+(?=[A-Z0-9\[(*_\"'`])")
# Each of these two starts with a literal or a class (the regex engine then skips to where it can start; a leading
# optional character or look-behind would have it try every position): "!?[" is "![" or "[", and a look-behind
# before an emphasis run is checked after its first character (tests/test_passages.py holds the plain patterns).
_MD_LINK = re.compile(r"(?:!\[|\[)([^\]\n]{0,300})\]\(\s*<?([^)\s>]+)[^)]*\)")
_URL = re.compile(r"""https?://[^\s<>()\[\]"'`{}|\\^]+""", re.IGNORECASE)
_MARKUP = re.compile(  # tags, and emphasis (not snake_case): <…>, (?<!\w)[*_`]{1,3}, [*_`]{1,3}(?!\w)
    r"[<*_`](?:(?<=<)[^>]{0,200}>|(?<=[*_`])(?<!\w[*_`])[*_`]{0,2}|(?<=[*_`])[*_`]{0,2}(?!\w))"
)
_TRAILING = ".,;:!?*_'\""


def _has_cue(text: str) -> bool:
    """Whether a line or sentence holds a cue word (any case)."""
    lower = text.lower()
    if _CUE_WORDS.search(lower):
        return True
    has_term = "log" in lower or "loss" in lower or "sft" in lower or "dpo" in lower
    return has_term and _CUE_TERMS.search(lower) is not None


def _has_block_cue(text: str) -> bool:
    """Whether a code block or its lead holds a block cue word (any case)."""
    if not text.isascii():
        return _BLOCK_CUE.search(text) is not None
    lower = text.lower()
    if _BLOCK_CUE_LOWER_WORDS.search(lower) is not None:
        return True
    return "lr" in lower and _BLOCK_CUE_LOWER_LR.search(lower) is not None


def _link_text(match: re.Match[str]) -> str:
    return match.group(1)


def _plain(text: str) -> str:
    """Plain text of markdown: links reduced to their text, tags and emphasis dropped, spaces collapsed."""
    if "[" in text:  # every markdown link has one
        text = _MD_LINK.sub(_link_text, text)
    if "<" in text or "*" in text or "_" in text or "`" in text:  # all markup has one of them
        text = _MARKUP.sub("", text)
    return " ".join(text.split())


def _urls(text: str) -> tuple[str, ...]:
    """Link targets: absolute URLs, and relative paths of markdown links (images, files of the repository)."""
    found = [m.group(2) for m in _MD_LINK.finditer(text)] if "[" in text else []
    if "://" in text:
        found += [m.group(0) for m in _URL.finditer(text)]
    if not found:
        return ()
    return tuple(dict.fromkeys(u.rstrip(_TRAILING) for u in found if u and not u.startswith("#")))


_BLOCK_START = re.compile(r"^\s{0,3}([-*+]\s|\d{1,3}[.)]\s|>|\||<)")
_BLOCK_START_CHARS = frozenset("-*+>|<")  # or a digit: the first character a _BLOCK_START line can have


def _starts_block(raw: str, stripped: str) -> bool:
    """Whether a line (``stripped``: the line without surrounding spaces, not empty) starts a list item, a quote,
    a table row or HTML."""
    first = stripped[0]
    return (first in _BLOCK_START_CHARS or first.isdecimal()) and _BLOCK_START.match(raw) is not None


class _Cues:
    """Where the next cue word starts in lower-case ASCII text, searched from a sentence start on.

    No cue word holds a sentence end (punctuation then a space), so the first cue at or after a sentence start
    lies in that sentence exactly when the sentence holds a cue: each stretch of text is searched once."""

    def __init__(self, lower: str) -> None:
        self.lower = lower
        self.none = len(lower) + 1
        self.word = -1  # the first cue word (and term) at or after the last start asked about
        has_term = "log" in lower or "loss" in lower or "sft" in lower or "dpo" in lower
        self.term = -1 if has_term else self.none

    def first_from(self, start: int) -> int:
        """The start of the first cue word at or after ``start`` (past the text when there is none)."""
        if self.word < start:
            found = _CUE_WORDS.search(self.lower, start)
            self.word = found.start() if found else self.none
        if self.term < start:
            found = _CUE_TERMS.search(self.lower, start)
            self.term = found.start() if found else self.none
        return min(self.word, self.term)


def _sentences(paragraph: list[tuple[int, str]], section: str | None) -> list[Passage]:
    """The sentences of a paragraph (soft-wrapped lines joined) that hold a cue, each with the line it starts on."""
    offsets, parts, size = [], [], 0
    for _, raw in paragraph:
        offsets.append(size)
        parts.append(raw.strip())
        size += len(parts[-1]) + 1
    text = " ".join(parts)
    cues = _Cues(text.lower()) if text.isascii() else None
    if cues is not None and cues.first_from(0) == cues.none:
        return []
    found = []
    offset = 0  # where the sentence starts
    for end in [*_SENTENCE_END.finditer(text), None]:
        stop = end.start() + 1 if end else len(text)
        if _has_cue(text[offset:stop]) if cues is None else cues.first_from(offset) < stop:
            line = paragraph[max(bisect_right(offsets, offset) - 1, 0)][0]
            bounded = text[offset : min(stop, offset + MAX_SENTENCE_CHARS)]  # bounded regex work on hostile text
            found.append(Passage("sentence", _plain(bounded)[:MAX_TEXT], line, section, _urls(bounded)))
        if end:
            offset = end.end()
    return found


def find_passages(body: str, line_offset: int) -> list[Passage]:
    """Sentences, table rows and code blocks worth reading for openness evidence, in card order, each with the
    heading it stands under (CommonMark fences: a backtick fence's info string holds no backtick)."""
    section: str | None = None
    passages: list[Passage] = []
    blocks = 0
    block: list[str] | None = None
    block_start, block_language, lead, block_section = 0, "", "", section
    last_prose = ""  # the last prose line as written: made plain only when it leads a code block
    paragraph: list[tuple[int, str]] = []

    def flush() -> None:
        if paragraph and len(passages) < MAX_PASSAGES:
            passages.extend(_sentences(paragraph, section))
        paragraph.clear()

    for line_no, whole in enumerate(body.split("\n"), start=line_offset + 1):
        raw = whole[:MAX_LINE_CHARS]
        fence = _FENCE.match(raw) if raw.startswith(_FENCE_STARTS) else None
        if block is not None:
            if fence:
                text = "\n".join(block)[:MAX_BLOCK_TEXT]
                if blocks < MAX_BLOCKS and (_has_block_cue(text) or _has_block_cue(lead)):
                    passages.append(Passage("block", text, block_start, block_section, lead=lead,
                                            language=block_language.lower()))  # fmt: skip
                    blocks += 1
                block = None
            elif len(block) < MAX_BLOCK_LINES:
                block.append(raw.rstrip())
            continue
        stripped = raw.strip()
        heading = _HEADING.match(raw) if raw.startswith(_HEADING_STARTS) else None
        if fence or not stripped or heading or _starts_block(raw, stripped):
            flush()
        if fence:
            lead = _plain(last_prose)
            block, block_start, block_language, block_section = [], line_no, fence.group(2), section
            continue
        if heading:
            section, last_prose = _plain(heading.group(1)) or None, ""  # a block's lead is in its own section
            continue
        if not stripped:
            continue
        if len(passages) >= MAX_PASSAGES:
            continue  # enough sentences; code blocks are still read
        last_prose = stripped[:MAX_TEXT]
        if stripped.startswith("|"):
            cells = not stripped.strip("|-: ")  # a delimiter row
            if not cells and len(passages) < MAX_PASSAGES and _has_cue(stripped):
                passages.append(Passage("row", _plain(last_prose), line_no, section, _urls(stripped)))
            continue
        paragraph.append((line_no, raw))
        if len(paragraph) >= MAX_PARAGRAPH_LINES:
            flush()
    flush()
    return passages[: MAX_PASSAGES + MAX_BLOCKS]

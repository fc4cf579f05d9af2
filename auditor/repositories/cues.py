"""Words of a card that say what a link or a name is for: release verbs, training and evaluation phrases, the kind
of section a heading opens, user-facing phrases (inference, demos, examples for users). Lower-case patterns over
plain text; each names the words it matched so that a role can always be justified by them."""

from __future__ import annotations

import re
from typing import Any, Literal

from auditor.memo import BoundedMemo
from auditor.repositories.roles import URL

SectionKind = Literal["data", "evaluation", "training", "sources", "usage", "aside", "other"]

TRAINING_CODE = re.compile(
    r"\b(train(ing)?|fine-?tun(e|ing)|finetun(e|ing)|pre-?train(ing)?|sft|dpo|rlhf|distillation|alignment)\s+"
    r"(code|scripts?|recipes?|configs?|configurations?|pipeline|codebase|repo(sitory)?|setup|procedure, config\w*)\b"
    r"|\b(code|scripts?|recipes?|configs?|configuration|codebase|templates?)\b[^.|]{0,45}?\b(to|for) "
    r"(train|fine-?tun|finetun|pre-?train|run (the )?training|produce|create)"
    r"|\bused (as|for) (the )?(train|fine-?tun)\w*"
    r"|\btrain\w* (was|were|is) (done|performed|conducted|run) (on|using|with) (my|our|the|a)\b[^.|]{0,40}"
    r"\b(code|codebase|trainer|framework|scripts?|repo|repository|library)\b"
    r"|\b(source code|configs?|scripts?)\b[^.|]{0,30}\btraining\b|\bfor (further |the )?(training|fine-?tuning|"
    r"pre-?training)\b(?! (and|or) inference)|\breproduc\w* (the )?(training|our training|the model)\b"
    r"|\b(my|our|own|dpo|sft|rlhf|ppo|jax|custom) trainer\b"
    r"|\b(trained|fine-?tuned|built) (with|using) [^.|]{0,40}\b(this|the following|these) "
    r"(config|configuration|script|recipe)s?\b"
)
EVALUATION_CODE = re.compile(
    r"\b(evaluation|eval|benchmark(ing)?|testing)\s+(code|scripts?|harness|pipelines?|suite|notebooks?|commands?|"
    r"methodology|settings|tools?)\b|\b(evaluated|evaluation (was )?(performed|done|run)|evaluate|results were "
    r"(obtained|produced|computed))\b[^.|]{0,40}\b(using|with|via|by running|running)\b|\bto reproduce (the |our )?"
    r"(results|evaluations?|numbers|scores|performance|model performance)\b|\bused\b[^.|]{0,30}\bevaluat"
    r"|\b(numbers|results|scores) (are |were )?(provided|obtained|produced) by running\b"
    r"|\bevaluation\b[^.|]{0,40}\b(is|are) available\b|\b(use|used|using)\b[^.|]{0,40}\bto evaluate\b"
    r"|\b(notebook|script|code)s? used to (carry out|run|perform|compute|produce)\b[^.|]{0,30}\b(evaluation|results)"
)
# How results were produced: tasks, shots, a suite, a pinned version or command-line flags.
SETTINGS = re.compile(r"\b(\d+-shot|zero-shot|few-shot|tasks?|suite|commit|branch|version|settings?|harness)\b|--\w+")
# What trained the model, followed by its object: "trained on X", "fine-tuning of Y on X", "data from X",
# "Dataset: X", "Sources | X".
DATA_OBJECT = re.compile(
    r"\b(trained|fine-?tuned|finetuned|pre-?trained|pretrained|further trained|distilled|aligned|instruct(ion)?-?"
    r"tuned|training|fine-?tuning|finetuning|pre-?training|pretraining)\b(\s+(?!checkpoints?\b|weights\b|available\b|"
    r"is\b|are\b|was\b|were\b)[\w'’.,/-]+){0,5}?\s+(on|using|with)\b(?! scratch)(?!\s+(\d|a single|one|two|four|eight|"
    r"nvidia|tpu|gpu|[a-z]?\d+ ?(gpus?|tpus?|nodes?)))"
    r"|\bdata (comes |came |is |was )?from\b"
    r"|(?<![\w-])((pre-?train(ing)?|fine-?tun(e|ing)|train(ing)?)\s*)?(data ?sets?|data|corpus|corpora|sources)"
    r"\s*(used)?\s*[:|]"
    r"|\b(datasets?|corpus|corpora) used( (for|to|in) \w+)?\s*[:-]?"
)
USED_AS_DATA = re.compile(
    r"\b(use|used|using|adopt|adopted|collect|collected)\b[^.]{0,120}?\bas (our|the) (training |pre-?training |"
    r"fine-?tuning )?(dataset|datasets|data|corpus|training set)\b"
)
TRAINING_DATA = re.compile(
    DATA_OBJECT.pattern + r"|\btraining (data|dataset|datasets|set|corpus|corpora|mix|mixture|examples)\b|"
    r"\b(pre-?training|fine-?tuning|finetuning|instruction|sft|dpo) (data|dataset|datasets|corpus|mix|mixture)\b|"
    r"\b(datasets?|corpus|corpora|data) (used|we used|is|are|was|were) (used )?(for|to) (train|fine-?tun|pre-?train)"
    r"|" + USED_AS_DATA.pattern
)
# Where a match of TRAINING_DATA (or of DATA_OBJECT, its first branches) can begin: each of its branches (DATA_OBJECT's
# four, the four above, USED_AS_DATA) starts with a \b or a look-behind for a non-word character, then one of these
# words. They are the costliest cues and, starting with no literal, the regex engine would try them at every position;
# they are tried only where one of these words starts a word instead. (Such a start is never inside an earlier
# occurrence, which is all letters, so none is skipped.)
_TRAINING_DATA_STARTS = re.compile(
    r"train|fine|pre|further|distilled|aligned|instruct|data|corp|sources|sft|dpo|us|adopt|collect"
)
CALIBRATION = re.compile(r"\b(calibrat\w*|quantiz\w*|quantis\w*|gptq|awq|imatrix|exl2|gguf)\b")
EVALUATION_DATA = re.compile(
    r"\b(evaluat\w*|benchmark\w*|test(ing)? (set|split|data)|validation (set|split)|leaderboard|calibrat\w*|imatrix|"
    r"contaminat\w*|held-out|zero-shot|few-shot|\d+-shot|judge|red[- ]team\w*)\b"
)
TRAINING_LOGS = re.compile(
    r"\b(training|train|pre-?training|fine-?tuning) (logs?|curves?|runs?|metrics|loss(es)?|dynamics)\b|"
    r"\bloss (curves?|plots?|graphs?)\b|\bwandb\b|\bweights (&|and) biases\b|\btensorboard\b|\bw&b\b"
)
PROJECT = re.compile(
    r"\b(github|gitlab|git repo|repo|repository|repositories|codebase|code base|source code|code|official|"
    r"original|project page|homepage|代码库|代码)\b|\b(for|see) (more )?(details|information)\b|\brefer to our\b"
)
USER_FACING = re.compile(
    r"\b(inference|serving|serve|deploy\w*|demo|quick ?start|get(ting)? started|how to (use|run|load)|to use (this|"
    r"the|our) model|usage|install\w*|chat ?ui|web ?ui|playground|for users|you can (also )?(fine-?tune|train|"
    r"finetune|use|run|find)|examples? (of|for) (how|using|use)|fine-?tun\w* (examples?|tutorials?|notebooks?|"
    r"guides?)|(examples?|tutorials?|notebooks?|guides?) (for|to|on|of) (fine-?tun|finetun|train)|contribut\w*|"
    r"report\w* (issues|problems|bugs)|quantiz\w*|convert\w*|how to (fine-?tune|finetune|train)|"
    r"support\w* (\w+ )?(fine-?tuning|finetuning|training))\b"
)
# Words that address users (what they can do with the model), as against what the developers did.
FOR_USERS = re.compile(
    r"\b(for users|you can|tutorials?|examples?|notebooks? (for|to|on)|how to (use|run|load|fine-?tune|finetune|train)|"
    r"support\w* (\w+ )?(fine-?tuning|finetuning|training)|demo|playground|get(ting)? started|quick ?start)\b"
)
OUR = re.compile(
    r"\bwe (provide|release|open-source|publish|share)\b"
    r"|\b(our|my) (own )?(github|repo|repository|code ?base|code|trainer|scripts?|training code|implementation|"
    r"framework|pipeline)\b|\bofficial (github|repo|repository|code|implementation)\b|\bi used\b"
)
RELEASED = re.compile(
    r"\b(releas\w*|available|open[- ]?sourc\w*|publish\w*|provide[sd]?|can be found|find|share[sd]?|access)\b"
)
PROMISE = re.compile(r"\b(will|coming soon|soon|later|in the future|to be released|upcoming|plan to|tbd|todo)\b")
NEGATION = re.compile(r"\b(not|no|n't|never|without|nor|neither|unreleased|private|internal|proprietary)\b")
PLACEHOLDER = re.compile(
    r"^\W*(more information needed|\[more information needed\]|needs? more information|todo|tbd|unknown|none|n/?a|"
    r"other|others|custom|private|internal|-)\W*$"
)

_SECTIONS: tuple[tuple[SectionKind, re.Pattern[str]], ...] = (
    ("aside", re.compile(r"\b(citation|cite|bibtex|references?|acknowledg\w*|credits?|thanks|contribut\w*|community|"
                         r"contact|team|support|discord|join|disclaimer|licen[cs]e|terms|about (us|the authors?))\b")),
    ("evaluation", re.compile(r"\b(eval\w*|results?|benchmark\w*|performance|leaderboard|metrics|scores?|comparison|"
                              r"bias|safety|red[- ]team\w*)\b")),
    ("data", re.compile(r"\b(data|dataset|datasets|corpus|corpora|data mix|(?<!model )sources|mixture)\b")),
    ("training", re.compile(r"\b(train\w*|fine-?tun\w*|finetun\w*|pre-?train\w*|recipe|reproduc\w*|hyper-?param\w*|"
                            r"config\w*|methodology|procedure)\b")),
    ("sources", re.compile(r"\b(model sources|resources|links?|repositor(y|ies)|code|github|model details|"
                           r"model description|more information|overview|summary|introduction)\b")),
    ("usage", re.compile(r"\b(usage|how to|use with|uses|inference|quick ?start|getting started|deploy\w*|serving|"
                         r"running|download\w*|install\w*|prompt\w*|demo|api|quantiz\w*|gguf|awq|gptq|exl2|provided "
                         r"files|compatib\w*|examples?|limitations)\b")),
)  # fmt: skip


_PLAIN: BoundedMemo[str, str] = BoundedMemo()  # texts without their URLs (see without_urls)


def without_urls(text: str) -> str:
    """The text with its URLs taken out (a URL's words are not the card's). Remembered for a text with a slash (every
    URL the pattern takes holds one): a sentence is read for each link it holds, and sentences recur across cards."""
    if "/" not in text:
        return text
    plain = _PLAIN.get(text)
    return plain if plain is not None else _PLAIN.remember(text, URL.sub(" ", text))


def section_kind(title: str | None) -> SectionKind:
    """What a heading opens: data, evaluation, training, sources/model details, usage, an aside, or other."""
    if not title:
        return "other"
    low = title.lower()
    return next((kind for kind, pattern in _SECTIONS if pattern.search(low)), "other")


def said(pattern: re.Pattern[str], *texts: str) -> str | None:
    """The words of the first text that match, or None."""
    for text in texts:
        match = find(pattern, text.lower()) if text else None
        if match is not None:
            return match.group(0)
    return None


def find(pattern: re.Pattern[str], low: str) -> re.Match[str] | None:
    """The first match of a cue in a lower-cased text (searched only if the text holds a word every match holds)."""
    for word in _needed(pattern) or ("",):
        if word in low:
            break
    else:
        return None
    if pattern is TRAINING_DATA or pattern is DATA_OBJECT:
        for start in _TRAINING_DATA_STARTS.finditer(low):
            match = pattern.match(low, start.start())
            if match is not None:
                return match
        return None
    return pattern.search(low)


# Keyed by the pattern's id (hashing a compiled pattern hashes its whole program), the pattern kept with its words.
_NEEDED: BoundedMemo[int, tuple[re.Pattern[str], tuple[str, ...]]] = BoundedMemo(256)  # cues are module constants
_MOST_NEEDED = 16  # more words than this cost more to look for than the cue's own search


def _needed(pattern: re.Pattern[str]) -> tuple[str, ...]:
    """The words of :func:`needed_words`, worked out once per pattern."""
    known = _NEEDED.get(id(pattern))
    if known is None or known[0] is not pattern:
        known = _NEEDED.remember(id(pattern), (pattern, needed_words(pattern)))
    return known[1]


def needed_words(pattern: re.Pattern[str]) -> tuple[str, ...]:
    """Literal words one of which every match of the pattern holds (read from its parsed form), or () when there
    are none worth looking for: fewer than three letters, too many words, or a case-insensitive pattern."""
    if pattern.flags & re.IGNORECASE:
        return ()
    try:
        words = _factors(list(re._parser.parse(pattern.pattern, pattern.flags)))  # type: ignore[attr-defined]
    except (re.error, RecursionError):
        return ()
    if not words or min(map(len, words)) < 3 or len(words) > _MOST_NEEDED:
        return ()
    return tuple(sorted(words))


def _factors(items: list[tuple[Any, Any]]) -> set[str] | None:
    """Literal texts one of which every match of a parsed sequence holds: of the choices its parts give (a run of
    literal characters, or the union over the branches of a group), the one of fewest words of three letters or
    more; None when no part gives one (only classes, optional parts, assertions)."""
    constants = re._constants  # type: ignore[attr-defined]
    choices: list[set[str]] = []
    run = ""
    for op, arg in items:
        if op is constants.LITERAL:
            run += chr(arg)
            continue
        if run:
            choices.append({run})
            run = ""
        inner = None
        if op is constants.SUBPATTERN and not arg[1] & re.IGNORECASE:
            inner = _factors(list(arg[3]))
        elif op is constants.BRANCH:
            branches = [_factors(list(branch)) for branch in arg[1]]
            inner = None if any(b is None for b in branches) else set[str]().union(*branches)  # type: ignore[arg-type]
        elif op in (constants.MAX_REPEAT, constants.MIN_REPEAT, constants.POSSESSIVE_REPEAT) and arg[0] >= 1:
            inner = _factors(list(arg[2]))
        if inner:
            choices.append(inner)
    if run:
        choices.append({run})
    if not choices:
        return None
    best = max(choices, key=lambda words: (min(map(len, words)) >= 3, -len(words), min(map(len, words))))
    return {word for word in best if not any(other != word and other in word for other in best)}


# Cue searches remembered across cards: the words a cue finds in a text depend on nothing else, and the texts of a
# catalogue's cards recur (template sentences, headings, anchor texts, labels). Keyed by the pattern's id (hashing a
# compiled pattern hashes its whole program), the pattern kept with the words so that an id reused by another pattern
# is never taken for it. Bounded: emptied when full.
_FOUND: BoundedMemo[tuple[int, str], tuple[re.Pattern[str], str | None]] = BoundedMemo()
_KINDS: BoundedMemo[str | None, SectionKind] = BoundedMemo()


class CueReader:
    """The cue searches of a card: each (cue, text) pair searched once, since a card's sentences are read against
    the same cues for each link they hold (a row of twenty links is read once, not twenty times), and each heading's
    kind worked out once; what was found is remembered for the next cards too."""

    __slots__ = ()

    def said(self, pattern: re.Pattern[str], *texts: str) -> str | None:
        """The words of the first text that match, or None (as :func:`said`)."""
        for text in texts:
            if not text:
                continue
            key = (id(pattern), text)
            known = _FOUND.get(key)
            if known is None or known[0] is not pattern:
                match = find(pattern, text.lower())
                known = _FOUND.remember(key, (pattern, match.group(0) if match else None))
            if known[1] is not None:
                return known[1]
        return None

    def section_kind(self, title: str | None) -> SectionKind:
        """As :func:`section_kind`, once per heading."""
        kind = _KINDS.get(title)
        return kind if kind is not None else _KINDS.remember(title, section_kind(title))

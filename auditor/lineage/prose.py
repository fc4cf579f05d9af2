"""Derivation phrases in card prose: which models or families a sentence says this model derives from.

A mention is a parent only when the sentence says so: "fine-tuned from X", "based on X", "a quantized version of
X", "merge of X and Y", "LoRA for X", "delta weights on top of X", "Base model: X", or X as the subject of a
participle ("a Llama 2 7B model fine-tuned on …"). Comparisons ("outperforms LLaMA-2-13B"), advice to the reader
("use it as a basis for your fine-tuned model"), negations ("hasn't been fine-tuned"), plans ("will be
fine-tuned"), the model's own children and siblings ("quantized versions of this model: X-GGUF") and evaluation or
quantization-variant sections are never parents.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from auditor.datasets import dataset_for_hub_id
from auditor.facts import CardFacts, LicenseStatement, Link
from auditor.families import FamilyMatch, match_families

MAX_MENTIONS = 50
MAX_STATEMENT_CHARS = 300  # auditor.sources.body keeps this much of a line

# What the relation is, from the words that state it (checked in order).
_RELATIONS = (
    ("quantized", re.compile(r"quanti[sz]|quants?\b|\bgguf|\bggml|\bgptq|\bawq|\bexl2|\bhqq|dequant|\bbits?\b", re.I)),
    ("merge", re.compile(r"merg|\bmix|slerp|\bties\b|\bdare\b|interleav|combin|moe\b|mixture of experts", re.I)),
    ("adapter", re.compile(r"\blora|\bqlora|adapter|\bpeft\b", re.I)),
    ("delta", re.compile(r"\bdelta|\bxor\b|\bapply|\bapplied", re.I)),
    ("conversion", re.compile(r"convert|conversion|\bport\b|\bported|format", re.I)),
    ("reupload", re.compile(r"re-?upload|\bcopy\b|\bmirror", re.I)),
)
_VERB = (
    r"(?:fine[- ]?tun(?:ed|ing|es?)|finetun(?:ed|ing|es?)|instruction[- ]tuned|instruct[- ]tuned|tuned|trained|"
    r"train(?:ing)?|pre-?trained|quanti[sz](?:ed|ation|ing)|quants?|merged?|merging|mix(?:ed|ing)?|distill(?:ed|ation)|"
    r"adapted|based|built|initiali[sz]ed|derived|continued(?:\s+pre-?training)?|converted|conversion|ported|"
    r"versions?|variant|adapters?|loras?|qloras?|delta(?:\s+weights)?|xor(?:\s+weights)?|weights|model files|files|"
    r"checkpoint|gguf|ggml|gptq|awq|exl2|hqq|upload(?:ed)?|copy|dequant(?:ized|ised)?|frankenmerge|self-merge|slerp|"
    r"interleaving\s+layers|layers|extension|continuation|derivative|derivation|iteration|apply(?:ing)?|applied|"
    r"combin(?:ing|ation|ed)|merger|moe|mixture\s+of\s+experts|experts?|teachers?)"
)
_PREP = r"(?:from|of|on\s+top\s+of|on|upon|off|for|over|with|into|using|between|atop|to)"
# Words that may stand between a preposition and the model it introduces ("from the original Meta's LLaMA-13b").
_FILLER = (
    r"(?:(?:the|a|an|our|their|its|this|that|these|those|meta'?s|original|base|pretrained|pre-trained|foundation|"
    r"official|decoded|unquantised|unquantized|fp16|bf16|float16|full|released|newly|new|latest|popular|powerful|"
    r"following|both|models?|[\w-]+'s|[\w-]+’s|instruct(?:ion)?[- ]tuned|chat|base\s+model)\s+){0,5}[\[`'\"“(*]*"
)
_POSITIVE_LEFT = re.compile(rf"\b{_VERB}\b[^.;!?|]{{0,40}}?\b{_PREP}\s+{_FILLER}$", re.IGNORECASE)
# A transitive verb directly followed by the model: "Fine-tuned Llama-2 70B", "Quantized EleutherAI/gpt-j-6b".
_DIRECT_LEFT = re.compile(
    r"\b(?:fine[- ]?tuned|finetuned|quanti[sz]ed|merged|distilled|dequanti[sz]ed|llamafied|a\s+finetuned|"
    r"to\s+(?:further\s+)?(?:fine[- ]?tune|finetune|quanti[sz]e)|"
    r"instruction[- ]tuned|further\s+trained)\s+(?:version\s+of\s+)?{filler}$".replace("{filler}", _FILLER),
    re.IGNORECASE,
)
_LABEL_LEFT = re.compile(
    r"(?:\bbase[ _-]?models?|\bbase|\bbackbone|\bfoundation\s+model|\bparent\s+models?|\boriginal\s+model|"
    r"\bsource\s+model|fine-?tuned\s+from(?:\s+model)?|finetuned\s+from(?:\s+model)?|\bmodel\s+base|"
    r"\bbased\s+on|\bquantized\s+from|基于|基座模型|基础模型)\s*(?:\[optional\])?\s*(?:\([^)]{0,30}\))?\s*[:：=]?\s*"
    + _FILLER
    + "$",
    re.IGNORECASE,
)
_CHAIN = re.compile(r"^\s*(?:,\s*(?:and\s+|&\s*)?|and\s+|&\s*|\+\s*|,?\s*as\s+well\s+as\s+)" + _FILLER + "$", re.I)
# X as the subject of a participle: "a Llama2 7B model fine-tuned on …", "Falcon-7b fine-tuned on …", "X-based".
_SUBJECT_LEFT = re.compile(
    r"^\W*(?:(?:this|it|which)\s+(?:model\s+)?(?:is|was)\s+)?(?:(?:an?|the|our|meta'?s|original)\s+)?(?:\d+b\s+)?$",
    re.I,
)
_SUBJECT_RIGHT = re.compile(
    r"^[\s,-]*(?:\d+(?:\.\d+)?\s*[bm]\b[\s,-]*)?(?:v?\d+(?:\.\d+)?\s+)?(?:(?:base|chat|instruct|model|weights)\s+)*"
    r"(?:fine[- ]?tuned|finetuned|instruction[- ]tuned|further[- ]trained|fine[- ]?tune|finetune|lora|qlora|"
    r"merge|based|derived|quanti[sz]ed|adapter|delta|dpo)\b",
    re.IGNORECASE,
)
# The mention is what the model was trained on, not from: data, outputs, tokenizers.
_NOT_A_MODEL_RIGHT = re.compile(
    r"^[\s'’s-]*(?:(?!(?:on|with|in|for|to|and|using|of|by|from)\b)[\w-]+\s+){0,2}?(?:-?generated|outputs?|responses?|data(?:sets?)?|conversations?|tokenizer|format|prompt|template|"
    r"style|license|architecture|paper|code|repo(?:sitory)?|family|series|(?:model\s+)?card|readme)\b",
    re.IGNORECASE,
)
# A clause that does not state where this model comes from.
_SKIP_CLAUSE = re.compile(
    r"(?:\bnot|n't|\bnever|\bno\s+longer|\bwithout)\b[^.;]{0,25}\b(?:been\s+)?(?:fine[- ]?tun|finetun|trained|based|"
    r"derived|quanti[sz]|merged|a\s+(?:fine-?tune|derivative))|"
    r"\b(?:you|your|users?)\b[^.;]{0,60}\b(?:can|may|could|should|might|want|need|wish|like)\b|"
    r"\bas\s+a\s+(?:basis|base|starting\s+point)\b|\bfor\s+(?:further\s+)?fine[- ]?tuning\b|"
    r"\b(?:will\s+be|plan\s+to|planning|coming\s+soon|stay\s+tuned|in\s+the\s+future)\b|"
    r"\bif\s+you\b|\brefer\s+to\b|\bdownstream\s+of\b",
    re.IGNORECASE,
)
# Words between the cue and the mention that turn it into a comparison.
_COMPARISON = re.compile(
    r"\b(?:outperform\w*|than|compared|comparison|vs\.?|versus|beats?|surpass\w*|competitive|on\s+par|similar\s+to|"
    r"like|unlike|rival\w*|matches|benchmark\w*|evaluat\w*|judged|scored?|ranked|same\s+architecture|such\s+as|"
    r"e\.g\.|including|inspired|thanks|credit|available|provided|hosted|find|found|see|check|download|"
    r"uploaded\s+by|courtesy|recipe|method|approach|technique|idea|script|template|config\w*|refer|read|details|"
    r"licen[cs]e|terms|policy)\b",
    re.IGNORECASE,
)
# Sections whose links and lines list variants, results or references, not the model's parents.
_SKIP_SECTION = re.compile(
    r"quanti[sz]|\bgguf\b|\bgptq\b|\bawq\b|\bexl2\b|other\s+(?:versions|models|sizes)|related|see\s+also|variants|"
    r"model\s+(?:family|zoo|list)|our\s+models|collection|leaderboard|evaluation|benchmark|results|comparison|"
    r"citation|bibtex|reference|news|updates?\b|changelog|compatib|provided\s+files|how\s+to",
    re.IGNORECASE,
)
_CLAUSE_SPLIT = re.compile(r"(?<=[.!?])\s+(?=[A-Z(\[\"'])|;\s+|\s+\|\s+|\s+-\s+(?=[A-Z])|。|；")
_HF_URL = re.compile(r"https?://(?:www\.)?(?:huggingface\.co|hf\.co)/([^\s)\]>\"'|,]+)", re.IGNORECASE)
_OTHER_URL = re.compile(r"https?://\S+", re.IGNORECASE)
_BARE_ID = re.compile(r"(?<![\w./@:#-])([A-Za-z0-9][\w-]*(?:\.[\w-]+)*/[A-Za-z0-9][\w.-]*[A-Za-z0-9])(?![\w/])")
_HF_NON_MODEL = {"datasets", "spaces", "docs", "blog", "papers", "models", "collections", "organizations",
                 "posts", "learn", "join", "login", "settings", "tasks", "chat", "api", "new",
                 "inference-endpoints"}  # fmt: skip
_NOT_IDS = {"and/or", "w/o", "n/a", "input/output", "tcp/ip", "ai/ml", "i/o", "km/h", "true/false", "yes/no"}
# Words that, joined by a slash, are prose ("chat/instruct", "uncensored/unfiltered"), not an org/name pair.
_PROSE_WORDS = {
    "chat", "instruct", "instruction", "base", "model", "models", "text", "code", "image", "input", "output", "train",
    "training", "test", "dev", "eval", "fp16", "bf16", "fp32", "int8", "int4", "gguf", "ggml", "gptq", "awq", "sft",
    "dpo", "rlhf", "ppo", "lora", "qlora", "uncensored", "unfiltered", "filtered", "question", "answer", "user",
    "assistant", "system", "human", "bot", "english", "chinese", "pretrained", "finetuned", "merged", "quantized",
}  # fmt: skip
_DOCUMENT_LINK = re.compile(r"\b(?:card|readme|paper|code|repo(?:sitory)?|licen[cs]e|blog|post)\s*$", re.IGNORECASE)
_ORIGINAL_LINK = re.compile(r"\boriginal\b.*\b(?:model|weights|repo)\b|\bun-?quanti[sz]ed\b", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Mention:
    """Something a card sentence says this model derives from: a Hub id, or a family named in prose."""

    text: str
    hub_id: str | None
    family: FamilyMatch | None
    relation: str
    line: int
    sentence: str


@dataclass(frozen=True, slots=True)
class _Candidate:
    start: int
    end: int
    text: str
    hub_id: str | None
    family: FamilyMatch | None
    link_text: bool = False


def states_no_derivation(text: str) -> bool:
    """True when a sentence's derivation words are negated, advice to the reader or a plan ("hasn't been
    fine-tuned", "use it as a basis for your fine-tuned model", "will be fine-tuned")."""
    return _SKIP_CLAUSE.search(text) is not None


_ADVICE = re.compile(
    r"\b(?:can|could|should|may|might|must|need\s+to|needs\s+to|have\s+to)\s+(?:also\s+)?(?:easily\s+)?(?:be\s+)?"
    r"(?:further\s+)?(?:fine[- ]?tun|finetun|train|quanti|merg)|"
    r"^\W*(?:[\w -]{0,30}:\s*)?(?:fine[- ]?tune|finetune|train|quanti[sz]e|merge)\s+(?:the|this|it|your|a|an)\b|"
    r"\bor\s+otherwise\b|\b(?:if|once|when|after\s+being)\s+(?:further\s+)?fine[- ]?tuned\b|"
    r"\b(?:pre-?)?trained\s+and\s+(?:instruction[- ]|fine[- ]?)?tuned\b|"
    r"\bversions?\s+of\s+(?:this|our|the)\s+model\b|"
    r"\bbuilt\s+on\s+top\s+of\s+(?:[\w-]+\s+){0,2}(?:repositor|code|librar|framework|tool)",
    re.IGNORECASE,
)
# Well-known models a card compares itself with ("unlike this model, ChatGPT was fine-tuned with RLHF").
_OTHER_SUBJECT = re.compile(r"\b(?:ChatGPT|GPT-?4o?|GPT-?3(?:\.5)?|InstructGPT|Claude|Bard|Gemini)\b")
_OWN_DERIVATION = re.compile(
    r"\b(?:fine[- ]?tuned|finetuned|fine[- ]?tune\s+of|(?<!non-)(?<!un)quanti[sz]ed\s+version|merge\s+of|"
    r"lora\s+adapter|delta\s+weights|xor\s+weights|further\s+trained|built\s+on\s+top\s+of|initiali[sz]ed\s+from)\b",
    re.IGNORECASE,
)


def says_own_derivation(text: str) -> bool:
    """True when a sentence says this model is a fine-tune, quantization, merge or adapter of another — not a
    negation, advice to the reader, a plan, a description of a model collection, or another model's training."""
    for clause in _CLAUSE_SPLIT.split(text):
        found = _OWN_DERIVATION.search(clause)
        if found is None or states_no_derivation(clause) or _ADVICE.search(clause):
            continue
        if _OTHER_SUBJECT.search(clause[: found.start()]):
            continue
        return True
    return False


def relation_of(text: str) -> str:
    """The kind of derivation the words name (finetune when nothing more specific is said)."""
    for relation, pattern in _RELATIONS:
        if pattern.search(text):
            return relation
    return "finetune"


def hub_id_of_url(url: str) -> str | None:
    """The model id of a Hub URL (None for datasets, spaces, docs …)."""
    path = urlsplit(url).path
    parts = [p for p in path.split("/") if p]
    if path.startswith("//") or len(parts) < 2 or parts[0].lower() in _HF_NON_MODEL:
        return None
    return f"{parts[0]}/{parts[1]}"


def _own_name(model_id: str) -> str:
    name = model_id.replace("__", "/").rsplit("/", 1)[-1]
    return re.sub(r"[^a-z0-9]", "", name.lower())


def is_descendant_name(candidate: str, own_id: str) -> bool:
    """True when ``candidate`` is named like a child or sibling of the model (own name plus a suffix)."""
    own, other = _own_name(own_id), _own_name(candidate)
    return bool(own) and len(own) >= 4 and other != own and other.startswith(own)


def _plausible_id(text: str) -> bool:
    org, _, name = text.partition("/")
    if text.lower() in _NOT_IDS or len(org) < 2 or len(name) < 2:
        return False
    if not re.search(r"[A-Za-z]", org) or not re.search(r"[A-Za-z]", name):
        return False
    plain = all(re.fullmatch(r"[A-Za-z]+", part) for part in (org, name))
    # "LLaMA/Vicuna", "Alpaca/ShareGPT", "chat/instruct": two bare words joined by a slash, not a repo
    words = org.lower() in _PROSE_WORDS or name.lower() in _PROSE_WORDS
    capitalised = org[0].isupper() and name[0].isupper()
    return not (plain and (words or capitalised or (match_families(org) and match_families(name))))


def _candidates(clause: str, links: list[Link], truncated: bool = False) -> list[_Candidate]:
    found: list[_Candidate] = []
    masked = clause
    for url in _HF_URL.finditer(clause):
        hub_id = hub_id_of_url(url.group(0))
        if hub_id is not None:
            found.append(_Candidate(url.start(), url.end(), url.group(0), hub_id, None))
    masked = _OTHER_URL.sub(lambda m: " " * len(m.group(0)), masked)
    linked = [h for h in (hub_id_of_url(link.url) for link in links) if h]
    for bare in _BARE_ID.finditer(masked):
        text = bare.group(1)
        # the card parser cuts long lines: an id cut at the end is completed from the line's links, or dropped
        full = next((h for h in linked if h.lower().startswith(text.lower())), None)
        if truncated and bare.end(1) >= len(clause) - 1 and full is None:
            continue
        if _plausible_id(text) and not _overlaps(found, bare.start(1), bare.end(1)):
            found.append(_Candidate(bare.start(1), bare.end(1), text, full or text, None))
    for link in links:
        hub_id = hub_id_of_url(link.url)
        position = clause.find(link.text) if link.text and hub_id else -1
        if hub_id and position >= 0 and not _overlaps(found, position, position + len(link.text)):
            found.append(_Candidate(position, position + len(link.text), link.text, hub_id, None, link_text=True))
    for match in match_families(masked, "prose"):
        start, end = match.span
        if match.decisive and not _overlaps(found, start, end):
            found.append(_Candidate(start, end, match.matched, None, match))
    return sorted(found, key=lambda c: c.start)


def _overlaps(found: list[_Candidate], start: int, end: int) -> bool:
    return any(c.start < end and start < c.end for c in found)


def _cue(left: str) -> str | None:
    """The words before a mention that make it a parent (None when they do not, or when a comparison, a score or
    a pointer to other documents stands in or just before them)."""
    for pattern in (_LABEL_LEFT, _POSITIVE_LEFT, _DIRECT_LEFT):
        match = pattern.search(left)
        if match is not None and not _COMPARISON.search(left[max(0, match.start() - 25) :]):
            return match.group(0)
    return None


def clause_mentions(
    clause: str, links: list[Link], own_id: str, truncated: bool = False
) -> list[tuple[_Candidate, str]]:
    """Mentions one clause says the model derives from, each with the words that say how (``truncated``: the
    clause ends where the card parser cut a long line)."""
    if states_no_derivation(clause):
        return []
    chosen: list[tuple[_Candidate, str]] = []
    previous: tuple[_Candidate, str] | None = None
    since = 0  # a cue belongs to the first mention after it: later ones only chain on ("merge of A and B")
    for candidate in _candidates(clause, links, truncated):
        left, right = clause[: candidate.start], clause[candidate.end :]
        how = _cue(clause[since : candidate.start])
        since = candidate.end
        if how is None and previous is not None and _CHAIN.match(clause[previous[0].end : candidate.start]):
            how = previous[1]  # "a merge of A and B", "from A, B and C"
        if how is None and _SUBJECT_LEFT.match(left) and _SUBJECT_RIGHT.match(right):
            how = _SUBJECT_RIGHT.match(right).group(0)  # type: ignore[union-attr]
        if how is None and candidate.link_text and _ORIGINAL_LINK.search(candidate.text):
            how = "quantized from the original"
        if how is None or _NOT_A_MODEL_RIGHT.match(right) or _DOCUMENT_LINK.search(candidate.text):
            previous = None
            continue
        if candidate.hub_id is not None and (
            candidate.hub_id.lower() == own_id.lower().replace("__", "/")
            or is_descendant_name(candidate.hub_id, own_id)
            or dataset_for_hub_id(candidate.hub_id) is not None
        ):
            previous = None
            continue
        chosen.append((candidate, how))
        previous = (candidate, how)
    return chosen


def derivation_mentions(card: CardFacts | None, own_id: str) -> list[Mention]:
    """Every parent the card's prose names, in card order (at most MAX_MENTIONS)."""
    if card is None:
        return []
    links_by_line: dict[int, list[Link]] = {}
    for link in card.links:
        if link.kind == "model":
            links_by_line.setdefault(link.line, []).append(link)
    statements: dict[int, LicenseStatement] = {s.line: s for s in card.derivations}
    for line, links in links_by_line.items():
        if line not in statements:
            context = links[0].context.split(" | ", 1)[0]
            statements[line] = LicenseStatement(context, line, links[0].section)
    found: list[Mention] = []
    for line in sorted(statements):
        statement = statements[line]
        if statement.section and _SKIP_SECTION.search(statement.section):
            continue
        clauses = _CLAUSE_SPLIT.split(statement.text)
        cut = len(statement.text) >= MAX_STATEMENT_CHARS - 1
        for index, clause in enumerate(clauses):
            last = cut and index == len(clauses) - 1
            for candidate, how in clause_mentions(clause, links_by_line.get(line, []), own_id, last):
                found.append(Mention(candidate.text, candidate.hub_id, candidate.family, relation_of(how), line,
                                     statement.text))  # fmt: skip
                if len(found) >= MAX_MENTIONS:
                    return found
    return found

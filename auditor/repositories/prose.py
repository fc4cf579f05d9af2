"""References in the card's prose and code blocks: the ``datasets`` field, datasets named where the card says what
trained the model, named training scripts, catalogue names (a benchmark, the developers' own framework), embedded
merge or training configurations, training and evaluation commands, training-loss tables, and claims or promises of
release. Each gets a role, a confidence and the words that justify it."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import yaml

from auditor.facts import CardFacts, Passage
from auditor.memo import BoundedMemo
from auditor.repositories import cues
from auditor.repositories.catalog import Entry, repository_catalogue
from auditor.repositories.roles import Reference, model_words, norm

MAX_CONFIG_NODES = 500  # bounded walk of an embedded configuration (card text is untrusted)
SCRIPT = re.compile(r"(?<![\w/.-])([\w./-]*(?:train|finetune|fine_tune|pretrain|sft|dpo)[\w-]*\.(?:py|sh))\b", re.I)
_SCRIPT_END = re.compile(r"\.(?:py|sh)\b", re.I)  # how every SCRIPT ends: a cheap test that rules most texts out
_EVAL_SCRIPT = re.compile(r"(?<![\w/.-])([\w./-]*(?:eval|evaluate|benchmark)[\w-]*\.(?:py|sh|ipynb))\b", re.I)
_COMMAND = re.compile(r"^\s*(?:!|\$ )?(python3?|accelerate launch|deepspeed|torchrun|bash|sh|composer|llamafactory-cli|"
                      r"axolotl|tune run|lm_eval|lm-eval|accelerate)\b.*$", re.I | re.M)  # fmt: skip
_EVAL_CODE_BLOCK = re.compile(r"\bevaluate\.load\(|\bload_metric\(|\bcompute_metrics\b|\.compute\(|"
                              r"\b(wer|accuracy_score|f1_score)\b")  # fmt: skip
_MERGE_CONFIG = re.compile(r"^\s*(merge_method|slices|gate_mode)\s*:", re.M)
_TRAIN_CONFIG = re.compile(
    r"^\s*(learning_rate|lr|num_epochs|num_train_epochs|micro_batch_size|gradient_accumulation_steps|sequence_len|"
    r"max_steps|warmup_steps|lora_r|optimizer|train_batch_size|global_batch_size|max_seq_len|datasets|dataset|"
    r"deepspeed|lr_scheduler\w*)\s*:",
    re.M,
)
_PRODUCED = re.compile(r"\b(used to (produce|create|train|make)|was (made|produced|created|trained) (with|using)|"
                       r"training config\w*|configuration (used|was used))\b")  # fmt: skip
_PICTURE = (".png", ".jpg", ".jpeg", ".svg", ".gif", ".webp", ".png?raw=true", ".jpg?raw=true")
_CURVE = re.compile(r"\b(loss|curves?|learning[_ -]rate|grad[_ ]norm)\b|\b(during|of) training\b|train[_-]?loss", re.I)
_HUB_ID = re.compile(r"^[\w.-]+(/[\w.-]+)?$")
# ====NAMES
# Candidate dataset names in a sentence that says what trained the model: CamelCase, letters with digits, acronyms,
# "the Xxx", or capitalised words ending in dataset/corpus.
_NAME = re.compile(
    r"\b(?:the\s+)?((?:[A-Z][\w.+'-]*(?:\s+[A-Z0-9][\w.+'-]*){0,5}|[a-z][\w.+'-]*[_\d][\w.+'-]*)"
    r"\s+(?i:dataset|corpus|collection|data ?set)s?)\b"
    r"|(?<![\w/-])((?:[A-Za-z]+-?[0-9][\w.+-]*|[A-Za-z]*[a-z][A-Z][\w.+-]*)(?:\s+[A-Z][\w.+-]*){0,2})(?![\w/])"
    r"|\bthe\s+([A-Z][a-z]{2,})(?![\w-])(?!\s+(?:model|paper|team|authors?|library|framework|code))"
)
_NOT_NAMES = re.compile(
    r"^(gpus?|tpu\w*|a100s?|h100s?|v100s?|a6000s?|l40s?|rtx\w*|nvidia|dgx\w*|cpus?|llms?|nlp|sft|dpo|rlhf|ppo|orpo|"
    r"lora|qlora|peft|moe|bf16|fp16|fp8|fp32|int4|int8|b?float\d+|co2|kwh|json|jsonl|csv|yaml|html|pdf|readme|gpt-?\d[\w.-]*|"
    r"chatgpt|openai|gpt|claude\w*|gemini\w*|palm\w*|\d[\w.,]*|v\d[\w.]*|the|this|our|we|it|english|chinese|korean|"
    r"japanese|french|german|spanish|russian|arabic|hindi|multilingual|llama\w*|mistral\w*|mixtral\w*|qwen\w*|"
    r"gemma\w*|bert|roberta|t5|phi-?\d*\w*|jax|pytorch|tensorflow|adamw?|huggingface|hugging|github|arxiv|hub|"
    r"transformers?|deepspeed|megatron\w*|cc0|cc-by\S*|cc|apache|mit|x\d+|step\d*\w*|epoch\w*|"
    r"dec|jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|june|july|march|april|august|none|unknown|generator|custom|"
    r"private|own|new|same|following|above|below|original|internal|proprietary|synthetic|slovak|czech|polish|dutch|"
    r"swedish|norwegian|danish|finnish|italian|portuguese|turkish|vietnamese|thai|indonesian|greek|hebrew|persian|"
    r"urdu|bengali|tamil|ukrainian|romanian|hungarian|catalan|basque|swahili|african|indic|european|asian|legal|"
    r"medical|scientific|biomedical|clinical|financial|web|news|code)$"
)


_CLAIM_CODE = re.compile(r"\b(training|fine-?tuning|pre-?training|pretraining) (code|scripts?|recipes?|framework|"
                         r"pipeline|configs?|configurations?)\b|\bcode (for|to|used to) (train|reproduc)|"
                         r"\ball (of )?(the |our )?(source )?code\b(?=[^.]{0,80}\b(train|reproduc))|"
                         r"\bcomplete framework\b|^\W*code\s*:|\b(our )?(upcoming|forthcoming) code\b")  # fmt: skip
_RELEASE_VERB = re.compile(r"\b(releas\w*|open[- ]?sourc\w*|publish\w*|(is|are|be|been|was|were|made|make|now) "
                           r"(publicly |freely |also )?available|can be (found|downloaded|accessed)|provide[sd]?|"
                           r"share[sd]?|coming soon)\b")  # fmt: skip
_CLAIM_DATA = re.compile(r"\b(training|pre-?training|fine-?tuning) (data|dataset|datasets|corpus)\b|\bdata sequence\b")
_CLAIM_LOGS = re.compile(r"\b(training )?logs\b|\bloss curves?\b|\bwandb\b|\bw&b\b")
_CLAIM_EVAL = re.compile(r"\bevaluation (code|scripts?|harness|suite)\b|\bevaluations?\b(?= (will|are|is))")
_CLAIMS = (("training-code", _CLAIM_CODE), ("training-data", _CLAIM_DATA), ("training-logs", _CLAIM_LOGS),
           ("evaluation-code", _CLAIM_EVAL))  # fmt: skip
# Words one of which every match of the four claim patterns above holds: a sentence without any of them claims nothing.
_CLAIM_WORDS = re.compile(
    r"code|script|recipe|framework|pipeline|config|data|corpus|logs|loss curve|wandb|w&b|evaluation"
)


def datasets_field(card: CardFacts | None) -> list[Reference]:
    """The card's ``datasets`` field: training data, except benchmarks (evaluation data) and placeholders."""
    value = card.metadata.get("datasets") if card else None
    names = [value] if isinstance(value, str) else value if isinstance(value, list) else []
    line = card.line_of("datasets") if card else None
    references = []
    for raw in names:
        if not isinstance(raw, str) or not raw.strip():
            continue
        name = raw.strip().removeprefix("datasets/")
        url = f"https://huggingface.co/datasets/{name}" if _HUB_ID.match(name) else None
        if cues.PLACEHOLDER.match(name.lower()):
            references.append(Reference("other", "high", f"a placeholder, not a dataset: '{name}'", "field", line,
                                        name=name))  # fmt: skip
            continue
        entry = repository_catalogue().hub(name)
        if entry is not None and entry.role == "benchmark":
            references.append(Reference("benchmark", "high", f"catalogue: {entry.name} is a benchmark", "field",
                                        line, url, name, entry=entry))  # fmt: skip
            continue
        references.append(Reference("training-data", "high", "listed in the card's 'datasets' field", "field", line,
                                    url, name, entry=entry, repo=name))  # fmt: skip
    return references


def mentions(passages: Iterable[Passage], model_id: str, read: cues.CueReader) -> list[Reference]:
    """Named datasets, scripts and frameworks in sentences; embedded configs and commands in code blocks."""
    own_words = model_words(model_id) | {norm(part) for part in model_id.split("/")}
    references: list[Reference] = []
    for passage in passages:
        if passage.kind == "block":
            references += _block(passage, read)
        else:
            references += _sentence(passage, model_id, own_words, read)
    return references


def _sentence(passage: Passage, model_id: str, own_words: set[str], read: cues.CueReader) -> list[Reference]:
    """A sentence or row: catalogue names, named datasets, a named training script, pictures of training curves,
    a table of training loss. Cue words are looked for only where a reading needs them."""
    text, low = passage.text, passage.text.lower()
    kind = read.section_kind(passage.section)
    references: list[Reference] = []
    named = repository_catalogue().names_in(text)
    for entry, word in named:
        if entry.first_party(model_id) and (entry.role == "training-framework" or "training-code" in entry.roles):
            why = f"catalogue: {entry.name} is first party for {model_id}"
            references.append(Reference("training-code", "high", why, "mention", passage.line, None, word, text,
                                        entry, True))  # fmt: skip
        elif entry.role == "benchmark":
            references.append(Reference("benchmark", "high", f"catalogue: {entry.name} is a benchmark", "mention",
                                        passage.line, None, word, text, entry))  # fmt: skip
    if kind != "aside":
        data = read.said(cues.TRAINING_DATA, text)
        in_data_section = kind == "data" and passage.kind == "sentence"
        if data or (in_data_section and not _evaluation(text, read)):
            first = named if data else repository_catalogue().names_in(text[:120])
            references += _named_datasets(passage, own_words, read, data, first)
    script = _script(text)
    if script and not read.said(cues.USER_FACING, text):
        trained = read.said(cues.TRAINING_CODE, text)
        if trained or kind == "training":
            references.append(Reference("training-code", "medium", f'the script {script} is named '
                                        f'("{trained or passage.section}")', "mention", passage.line, None, script,
                                        text, first_party=bool(read.said(cues.OUR, text))))  # fmt: skip
    for url in passage.urls:
        curve = _CURVE.search(f"{url} {low}") if url.lower().endswith(_PICTURE) else None
        if curve:
            why = f'a picture of a training curve ("{curve.group(0)}"), not the logs'
            references.append(Reference("training-logs", "medium", why, "mention", passage.line, None,
                                        url.rsplit("/", 1)[-1], text))  # fmt: skip
    if passage.kind == "row" and "training loss" in low:
        references.append(Reference("training-logs", "high", "a table of training loss per step or epoch", "row",
                                    passage.line, None, "training results table", text, in_this_repo=True))  # fmt: skip
    return references


def _evaluation(text: str, read: cues.CueReader) -> str | None:
    return read.said(cues.EVALUATION_DATA, text) or read.said(cues.CALIBRATION, text)


def _script(text: str) -> str | None:
    """The training script a text names (``train.py``, ``scripts/finetune_lora.sh``), if any."""
    match = SCRIPT.search(text) if _SCRIPT_END.search(text) else None
    return match.group(1) if match else None


def _named_datasets(
    passage: Passage,
    own_words: set[str],
    read: cues.CueReader,
    data: str | None,
    named: list[tuple[Entry, str]],
) -> list[Reference]:
    """Datasets named where the card says what trained the model: catalogue names in a sentence about training data
    or in a data section; other names only as the object of "trained on …", "data from …", "Dataset: …"
    (CamelCase, letters with digits, "the Pile", "… dataset"), never the model's own name, an organisation, hardware,
    a license, a language or a model family. ``data``: the sentence's training-data words; ``named``: the catalogue
    names in the sentence (in its first 120 characters when it has no such words)."""
    text = passage.text
    obj = read.said(cues.DATA_OBJECT, text) if data else None  # DATA_OBJECT is a part of TRAINING_DATA
    why = f'"{data}"' if data else f"section '{passage.section}'"
    found: dict[str, Reference] = {}
    for entry, word in named:
        if entry.role in ("training-data", "dataset-host"):
            found.setdefault(word.lower(), Reference("training-data", "high" if data else "medium",
                             f"{why}; catalogue: {entry.name}", "mention", passage.line, None, word, text,
                             entry))  # fmt: skip
    if obj is None or passage.kind != "sentence":
        return list(found.values())
    scope = text[text.lower().find(obj) + len(obj) :][:100]
    taken = [w.lower() for _, w in named]
    for match in _NAME.finditer(scope):
        name = next(g for g in match.groups() if g).strip(" .,;:'")
        words = name.split()
        said_dataset = match.group(1) is not None  # "the X dataset": a name even if it is the model's
        if (
            len(name) < 3
            or _NOT_NAMES.match(words[0].lower().strip(".,"))
            or (not said_dataset and any(norm(w) in own_words for w in words))
            or any(t in name.lower() or name.lower() in t for t in taken)
        ):
            continue
        found.setdefault(name.lower(), Reference("training-data", "medium", f'"{obj}"; a named dataset', "mention",
                                                 passage.line, None, name, text))  # fmt: skip
    return list(found.values())


def _block(passage: Passage, read: cues.CueReader) -> list[Reference]:
    """A code block: a merge or training configuration (this model's recipe, in this repository), evaluation code,
    or a training or evaluation command; code addressed to users (inference, examples) is none of these."""
    text, lead = passage.text, passage.lead
    if _MERGE_CONFIG.search(text):
        return [Reference("training-code", "high", "an embedded merge configuration (the recipe that produced this "
                          "model)", "block", passage.line, None, "merge configuration", lead, in_this_repo=True,
                          first_party=True)]  # fmt: skip
    configs = len(_TRAIN_CONFIG.findall(text))
    produced = _PRODUCED.search(lead.lower()) if configs else None
    if produced or (
        configs >= 3
        and passage.language in ("yaml", "yml", "json", "")
        and not read.said(cues.USER_FACING, lead, passage.section or "")
    ):
        words = f' ("{produced.group(0)}")' if produced else ""
        config = Reference("training-code", "high" if produced else "medium", f"an embedded training configuration"
                           f"{words}", "block", passage.line, None, "training configuration", lead,
                           in_this_repo=True, first_party=True)  # fmt: skip
        return [config, *(Reference("training-data", "medium", "named in the embedded training configuration's "
                                    "datasets", "mention", passage.line, None, name, lead)
                          for name in config_datasets(text))]  # fmt: skip
    if read.said(cues.EVALUATION_DATA, lead, passage.section or "") and _EVAL_CODE_BLOCK.search(text):
        return [Reference("evaluation-code", "medium", "evaluation code embedded in the card", "block", passage.line,
                          None, "evaluation code", lead, in_this_repo=True)]  # fmt: skip
    for command in _COMMAND.finditer(text):
        line = command.group(0).strip()
        low = line.lower()
        script = _script(line)
        if ("lm_eval" in low or "lm-eval" in low or "--tasks" in low or _EVAL_SCRIPT.search(line)) and not script:
            harness = repository_catalogue().package("lm_eval") if "lm_eval" in low or "lm-eval" in low else None
            return [Reference("evaluation-code", "high", "an evaluation command", "block", passage.line, None,
                              line[:120], lead, harness, context=(line,))]  # fmt: skip
        if script and not read.said(cues.USER_FACING, lead, passage.section or ""):
            return [Reference("training-code", "medium", f"a training command ({script})", "block", passage.line,
                              None, line[:120], lead, first_party=bool(read.said(cues.OUR, lead)))]  # fmt: skip
    return []


def claims(passages: Iterable[Passage]) -> list[Reference]:
    """Sentences saying code, data or logs are (or will be) released: intent, or a pointer without proof."""
    return [
        Reference(role, "medium", because, "claim", passage.line, None, None, passage.text)
        for passage in passages
        if passage.kind == "sentence"
        for role, because in _claimed(passage.text)
    ]


# What a sentence claims, remembered across cards (sentences recur: templates, boilerplate); emptied when full.
_CLAIMED: BoundedMemo[str, tuple[tuple[str, str], ...]] = BoundedMemo()


def _claimed(text: str) -> tuple[tuple[str, str], ...]:
    """The roles a sentence claims (or promises) released, each with the words that say so."""
    known = _CLAIMED.get(text)
    return known if known is not None else _CLAIMED.remember(text, _read_claims(text))


def _read_claims(text: str) -> tuple[tuple[str, str], ...]:
    low = cues.without_urls(text.lower())
    if not _CLAIM_WORDS.search(low):
        return ()
    promise = cues.said(cues.PROMISE, low)
    if not (promise or _RELEASE_VERB.search(low)) or (cues.said(cues.NEGATION, low) and not promise):
        return ()
    what = "a promise" if promise else "a claim"
    return tuple((role, f'{what} in prose: "{words.group(0)}"') for role, pattern in _CLAIMS
                 if (words := pattern.search(low)))  # fmt: skip


def config_datasets(text: str) -> list[str]:
    """Dataset names listed under a ``datasets`` key of an embedded YAML or JSON configuration (bounded walk)."""
    try:
        config = yaml.safe_load(text)
    except (yaml.YAMLError, ValueError, RecursionError):
        return []
    names: list[str] = []
    budget = [MAX_CONFIG_NODES]

    def walk(node: Any, depth: int) -> None:
        if depth > 4 or len(names) >= 20 or budget[0] <= 0 or not isinstance(node, dict):
            return
        for key, value in node.items():
            budget[0] -= 1
            if budget[0] <= 0:
                return
            if str(key).lower() in ("datasets", "dataset", "datasets_extra"):
                for item in value[:20] if isinstance(value, list) else [value]:
                    if isinstance(item, dict):
                        item = item.get("path") or next(iter(item), None)
                    if isinstance(item, str) and item.strip():
                        names.append(item.strip()[:80])
            else:
                walk(value, depth + 1)

    walk(config, 0)
    return list(dict.fromkeys(names))[:20]

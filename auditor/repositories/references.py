"""What each reference of a card is for: links, front-matter datasets, named corpora, scripts, embedded configs and
promises, each with a role, a confidence and the words that justify it.

A role comes from the target (the catalogue: a library, a benchmark, a dataset host …) and from what the card says
around the reference: the anchor text, the sentence (release verbs, "trained on", "code for training"), the label
before it ("Repository:", "Code:"), and the section heading (Training data, Evaluation, Model Sources, Citation).
A framework used to train is not the model's training code unless the card points to its configuration or recipe
for this model, or the catalogue says the framework is this model's own code (``first_party_for``). Benchmarks are
evaluation data, never training data. Pure over the card; nothing is fetched.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal
from urllib.parse import urlsplit

import yaml

from auditor.facts import CardFacts, Link, Passage
from auditor.repositories import cues
from auditor.repositories.catalog import Entry, repository_catalogue
from auditor.repositories.targets import Target, classify_target, hub_id

Confidence = Literal["high", "medium", "low"]
RefKind = Literal["link", "field", "mention", "block", "claim", "row"]
RANK = {"high": 3, "medium": 2, "low": 1}
# Roles that count towards a criterion; every other role is set aside (and said why).
COUNTED = {
    "training_data": frozenset({"training-data"}),
    "training_code": frozenset({"training-code", "project-repo"}),
    "evaluation_code": frozenset({"evaluation-code"}),
    "training_metrics": frozenset({"training-logs"}),
}
NOT_TRAINING = frozenset({"benchmark", "library", "quantizer", "tool", "evaluation-data"})
_CATALOGUE_ROLE = {
    "library": "library", "training-framework": "library", "quantizer": "quantizer", "benchmark": "benchmark",
    "leaderboard": "benchmark", "inference-server": "tool", "ui": "tool", "merge-tool": "tool", "packaging": "tool",
    "tool": "tool", "paper-host": "paper", "paper": "paper", "profile": "profile", "license": "license",
    "model-hub": "base-model", "base-model": "base-model", "weights": "weights", "other": "other",
    "training-logs": "training-logs", "experiment-tracker": "training-logs", "training-code": "training-code",
    "evaluation-code": "evaluation-code", "project-repo": "project-repo",
}  # fmt: skip
_CODE_HOSTS = ("github.com", "gitlab.com", "bitbucket.org", "codeberg.org", "gitee.com")
_HF_HOSTS = ("huggingface.co", "hf.co")
_SCRIPT = re.compile(r"(?<![\w/.-])([\w./-]*(?:train|finetune|fine_tune|pretrain|sft|dpo)[\w-]*\.(?:py|sh))\b", re.I)
_EVAL_SCRIPT = re.compile(r"(?<![\w/.-])([\w./-]*(?:eval|evaluate|benchmark)[\w-]*\.(?:py|sh|ipynb))\b", re.I)
_COMMAND = re.compile(r"^\s*(?:!|\$ )?(python3?|accelerate launch|deepspeed|torchrun|bash|sh|composer|llamafactory-cli|"
                      r"axolotl|tune run|lm_eval|lm-eval|accelerate)\b.*$", re.I | re.M)  # fmt: skip
_EVAL_CODE_BLOCK = re.compile(r"\bevaluate\.load\(|\bload_metric\(|\bcompute_metrics\b|\.compute\(|"
                              r"\b(wer|accuracy_score|f1_score)\b")  # fmt: skip
_EVAL_FILE = re.compile(r"(eval|benchmark)[\w-]*\.(py|sh|ipynb)$", re.I)
_MERGE_CONFIG = re.compile(r"^\s*(merge_method|slices|gate_mode)\s*:", re.M)
_TRAIN_CONFIG = re.compile(
    r"^\s*(learning_rate|lr|num_epochs|num_train_epochs|micro_batch_size|gradient_accumulation_steps|sequence_len|"
    r"max_steps|warmup_steps|lora_r|optimizer|train_batch_size|global_batch_size|max_seq_len|datasets|dataset|"
    r"deepspeed|lr_scheduler\w*)\s*:",
    re.M,
)
_URL = re.compile(r"https?://\S+|\b[\w.-]+\.(com|org|io|ai|co|net)/\S*", re.I)
_PROJECT_PHRASE = re.compile(
    r"\b(for more (details|information|info)|more (details|information) (can be found|are available)|"
    r"refer to (our|the) (github|repo|repository|code)|"
    r"(official|original) (github|repo|repository|code|implementation|codebase)|"
    r"our (github|repo|repository|code ?base|code)|github repo(sitory)?|"
    r"(code ?base|code) (is |are )?(available|released|open))\b"
)
# The developers' own framework named as what built the model ("Codebase: llm-foundry", "the GPT-NeoX library").
_BUILT_WITH = re.compile(
    r"\b(code ?base|library|framework|toolkit)\b"
    r"|\b(trained|pre-?trained|fine-?tuned|built)\b[^.|]{0,40}\b(using|with|on)\b"
)
_TRAINED_WITH = re.compile(r"\b(trained|pre-?trained|fine-?tuned)\b[^.|]{0,60}\b(using|with)\b")
_RECIPE = re.compile(r"\b(recipes?|configs?|configurations?|egs|train\w*|scripts?)\b")
_PRESENTED = re.compile(r"\b(github repo|repository|repo|source code|official)\b")
_LABEL = re.compile(r"(?:^|[|•·])\s*[-*+]?\s*([^|:•·]{1,40}?)\s*[:：]\s*$")
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


@dataclass(frozen=True, slots=True)
class Reference:
    """One reference of a card and what it is for."""

    role: str  # training-data, training-code, evaluation-code, evaluation-data, training-logs, project-repo,
    #            library, quantizer, benchmark, tool, paper, profile, base-model, weights, license, other
    confidence: Confidence
    because: str  # the words that justify the role
    kind: RefKind
    line: int | None = None
    url: str | None = None
    name: str | None = None  # a named artefact without a URL (dataset name, script, config)
    text: str = ""  # the sentence (or block lead) it was read in
    entry: Entry | None = None  # the catalogue entry of the target, when one matched
    first_party: bool = False  # the model's own developers' (by the catalogue, the owner or the card's words)
    repo: str | None = None  # owner/name of the code or Hub repository it points into
    in_this_repo: bool = False  # a file of the audited model's own repository (or the card itself)
    context: tuple[str, ...] = ()  # every sentence of the card that mentions it (terms may be stated in any)

    @property
    def label(self) -> str:
        return self.name or self.url or self.text[:80]


@dataclass
class _Context:
    """What the card says around one link: its sentences, the label before it, the sections it appears in."""

    anchor: str
    sentences: list[tuple[str, str | None, int]] = field(default_factory=list)  # (text, section, line)
    labels: list[str] = field(default_factory=list)

    def texts(self) -> list[str]:
        """The anchor, the labels and the sentences, with URLs taken out (a URL's words are not the card's)."""
        anchor = "" if _URL.match(self.anchor) else self.anchor
        return [anchor, *self.labels, *self.plain()]

    def plain(self) -> list[str]:
        return [_URL.sub(" ", s) for s, _, _ in self.sentences]

    def sections(self) -> list[str | None]:
        return [section for _, section, _ in self.sentences]


def _host(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower().removeprefix("www.")
    except ValueError:
        return ""


def _model_words(model_id: str) -> set[str]:
    name = hub_id(model_id).split("/")[-1].lower()
    return {w for w in re.split(r"[^a-z0-9]+", name) if len(w) >= 4 and not w.isdigit()}


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def _own_repo(repo: str | None, model_id: str, *, by_name: bool = True) -> bool:
    """An owner like the model's org (Qwen ~ QwenLM), or (``by_name``) a repository named like the model."""
    if not repo or "/" not in repo:
        return False
    owner, name = (_norm(p) for p in repo.split("/", 1))
    model = hub_id(model_id)
    org = _norm(model.split("/")[0]) if "/" in model else ""
    head = re.split(r"[-_]", model.split("/")[0].lower())[0] if "/" in model else ""
    if len(head) >= 3 and owner == head:  # ibm-granite ~ IBM
        return True
    if (
        org
        and len(org) >= 3
        and (
            owner == org
            or (owner.startswith(org) and len(owner) - len(org) <= 3)
            or (org.startswith(owner) and len(org) - len(owner) <= 3)
        )
    ):
        return True
    return by_name and any(word in name or name in _norm(word) for word in _model_words(model_id) if len(name) >= 4)


class CardReader:
    """Reads the references of one card (links, fields, named artefacts, blocks, promises) in context."""

    def __init__(self, card: CardFacts | None, model_id: str) -> None:
        self.card = card
        self.model_id = hub_id(model_id)
        self.passages: tuple[Passage, ...] = card.passages if card else ()
        self.by_url: dict[str, list[Passage]] = {}
        self.urls_at: dict[int, set[str]] = {}
        for passage in self.passages:
            for url in passage.urls:
                self.by_url.setdefault(url, []).append(passage)
            self.urls_at.setdefault(passage.line, set()).update(passage.urls)
        for link in card.links if card else ():
            self.urls_at.setdefault(link.line, set()).add(link.url)

    # -- links ----------------------------------------------------------------------------------------------------
    def _context(self, link: Link) -> _Context:
        context = _Context(link.text)
        line, _, following = link.context.partition(" | ")
        found = self.by_url.get(link.url, [])
        for passage in found:
            context.sentences.append((passage.text, passage.section, passage.line))
        if not any(p.line == link.line for p in found):
            label_only = line.strip(" -*•:>|").lower() in ("", link.text.strip().lower(), link.url.lower())
            context.sentences.insert(0, (f"{line} {following}" if label_only else line, link.section, link.line))
        for text, _, _ in context.sentences:
            at = text.find(link.text) if link.text else -1
            at = at if at >= 0 else text.find(link.url)
            label = _LABEL.search(text[:at]) if at > 0 else None
            if label:
                context.labels.append(label.group(1).strip(" -*"))
        return context

    def link(self, link: Link) -> Reference:
        """The role of one link from its target and its context."""
        target = classify_target(link.url, self.model_id)
        context = self._context(link)
        role, confidence, because = self._link_role(link, target, context)
        first = (
            target.first_party
            or _own_repo(target.repo, self.model_id, by_name=False)
            or bool(cues.said(cues.OUR, *[s for s, _, _ in context.sentences]))
        )
        host = _host(link.url)
        own = host in _HF_HOSTS and (target.repo or "").lower() == self.model_id.lower()
        sentence = next((s for s, _, line in context.sentences if line == link.line), context.sentences[0][0])
        return Reference(role, confidence, because, "link", link.line, link.url, None, sentence, target.entry,
                         first or own, target.repo, own, tuple(s for s, _, _ in context.sentences))  # fmt: skip

    def _link_role(self, link: Link, target: Target, context: _Context) -> tuple[str, Confidence, str]:
        host = _host(link.url)
        texts = context.texts()
        kinds = [cues.section_kind(s) for s in context.sections()]
        entry = target.entry
        where = f"section '{context.sections()[0]}'" if context.sections()[0] else "no section"
        train_code = cues.said(cues.TRAINING_CODE, *texts)
        own_words = [
            s
            for s, (_, _, line) in zip(context.plain(), context.sentences, strict=True)
            if len(self.urls_at.get(line, ())) < 3
        ][:1]  # a navigation line's words are not the link's
        user = cues.said(cues.USER_FACING, link.text, *context.labels, *own_words,
                         *(s or "" for s in context.sections()[:1]))  # fmt: skip
        eval_words = cues.said(cues.EVALUATION_CODE, *texts) or cues.said(cues.EVALUATION_DATA, *texts)
        data_words = cues.said(cues.TRAINING_DATA, *texts)
        logs_words = cues.said(cues.TRAINING_LOGS, *texts)
        if target.first_party and target.role in ("training-code", "project-repo", "evaluation-code"):
            built = cues.said(_BUILT_WITH, *texts)
            if target.role == "training-code" and not target.rest and not train_code and not built:
                why = f"{target.basis}, but the card does not point to this model's recipe or say it trained the model"
                return "project-repo", "medium", why
            return (
                target.role,
                "high",
                f"{target.basis}" + (f'; "{built or train_code}"' if built or train_code else ""),
            )
        if entry is not None and target.role is not None:
            labels = [t for t in (link.text, *context.labels) if t and not _URL.match(t)]
            return self._catalogue_role(link, target, labels, kinds, train_code, eval_words, data_words,
                                        context.plain())  # fmt: skip
        if target.role == "base-model" and host in _HF_HOSTS:
            return self._hub_model_role(link, target, train_code, logs_words, user)
        if link.kind == "license" or re.search(r"terms[-_]of[-_](use|service)|/policies/|/legal/", link.url.lower()):
            return "license", "high", "a license or terms page"
        if target.role == "training-data":
            calibration = cues.said(cues.CALIBRATION, *texts[:3])
            if not data_words and (calibration or kinds[0] == "usage"):
                return "other", "medium", f'not training data: "{calibration or where}" (quantization or usage)'
            if ("evaluation" in kinds[:1] and not data_words) or (eval_words and not data_words):
                return "evaluation-data", "medium", f'"{eval_words or "evaluation"}" ({where})'
            if data_words or "data" in kinds:
                return "training-data", "high", f'"{data_words or "data"}" ({where})'
            return "training-data", "medium", f"a dataset link ({target.basis})"
        if host in _HF_HOSTS and "/collections/" in link.url and (data_words or kinds[0] == "data"):
            return "training-data", "medium", f'a collection of datasets: "{data_words or where}"'
        if target.role == "tool" and (host in _HF_HOSTS or "colab" in host):  # a Space or a notebook
            for sentence in context.plain():
                for pattern, role in ((cues.EVALUATION_CODE, "evaluation-code"), (cues.TRAINING_CODE, "training-code")):
                    words = cues.said(pattern, sentence)
                    if words and not cues.said(cues.FOR_USERS, sentence):
                        return role, "medium", f'"{words}" ({target.basis})'
        code_host = host in _CODE_HOSTS and target.role in ("other", "profile", "project-repo")
        if target.role not in (None, "project-repo", "training-code", "evaluation-code") and not code_host:
            return _CATALOGUE_ROLE.get(target.role, "other"), "high", target.basis
        if host in _CODE_HOSTS:
            return self._code_role(link, target, context, kinds, train_code, user, eval_words, data_words, where)
        if logs_words and not user:
            return "training-logs", "medium", f'"{logs_words}"'
        if ".pdf" not in link.url.lower() and not (eval_words and not data_words):
            if kinds[0] == "data":
                return "training-data", "medium", f"a link in {where}"
            named = self._named_by_cue(link, context)
            if named:
                return "training-data", "medium", f'"{named}" names it'
        return "other", "low", target.basis

    @staticmethod
    def _named_by_cue(link: Link, context: _Context) -> str | None:
        """The "trained on …" words when the link's own text is their object (not a GPU, a paper or a page)."""
        anchor = (link.text or link.url).lower()
        for text, _, _ in context.sentences:
            low = text.lower()
            cue = cues.DATA_OBJECT.search(low)
            if (
                cue
                and cue.group(0).endswith(("on", ":", "|", "from"))
                and 0 <= low.find(anchor, cue.end()) - cue.end() <= 12
            ):
                return cue.group(0)
            used = cues.USED_AS_DATA.search(low)
            if used and used.start() < low.find(anchor) < used.end():
                return used.group(0)
        return None

    def _catalogue_role(
        self, link: Link, target: Target, labels: list[str], kinds: Sequence[str], train_code: str | None,
        eval_words: str | None, data_words: str | None, sentences: Sequence[str] = (),
    ) -> tuple[str, Confidence, str]:  # fmt: skip
        entry = target.entry
        assert entry is not None and target.role is not None
        role = target.role
        recipe = cues.said(_RECIPE, target.rest.replace("/", " "), *labels) if target.rest else None
        if role == "training-framework" and (train_code or recipe) and re.match(r"/(blob|tree)/[^/]+/.", target.rest):
            return (
                "training-code",
                "medium",
                f'"{train_code or recipe}": a recipe or file of {entry.name} ({target.basis})',
            )
        presented = cues.said(_PRESENTED, *labels)
        if role == "training-framework" and presented:
            why = (
                f"\"{presented}\": {entry.name} given as the model's repository, without this model's config or recipe"
            )
            return "project-repo", "medium", why
        if "site" in target.basis and ("benchmark" in entry.roles or "leaderboard" in entry.roles):
            return "benchmark", "high", f"{target.basis}: a benchmark's or leaderboard's page"
        if role == "evaluation-harness" or ("evaluation-harness" in entry.roles and role != "benchmark"):
            used = cues.said(cues.EVALUATION_CODE, *sentences)
            if used:  # "evaluated using X": the harness that produced this model's results
                return "evaluation-code", "medium", f'"{used}" ({target.basis})'
            return "library", "medium", f"{target.basis}; named, not said to have produced these results"
        if role in ("dataset-host", "training-data"):
            if (eval_words and not data_words) or ("evaluation" in kinds[:1] and not data_words):
                return "evaluation-data", "medium", f'"{eval_words or "evaluation"}" ({target.basis})'
            if data_words or "data" in kinds or role == "training-data":
                return "training-data", "high" if data_words else "medium", f'"{data_words or "data"}" ({target.basis})'
            return "other", "low", target.basis
        return _CATALOGUE_ROLE.get(role, "other"), "high", target.basis

    def _hub_model_role(
        self, link: Link, target: Target, train_code: str | None, logs: str | None, user: str | None
    ) -> tuple[str, Confidence, str]:
        own = (target.repo or "").lower() == self.model_id.lower()
        path = urlsplit(link.url).path.lower()
        if own and "/tensorboard" in path:
            return "training-logs", "high", "this repository's TensorBoard"
        if own and ("/tree/" in path or "/blob/" in path) and train_code and not user:
            return "training-code", "high", f'"{train_code}" (a folder of this repository)'
        return "base-model" if not own else "other", "medium", target.basis

    def _code_role(
        self, link: Link, target: Target, context: _Context, kinds: Sequence[str], train_code: str | None,
        user: str | None, eval_words: str | None, data_words: str | None, where: str,
    ) -> tuple[str, Confidence, str]:  # fmt: skip
        """A repository outside the catalogue: training or evaluation code when a sentence says so (and is not
        addressed to users), data when the path or the section says so, the project's own repository when the
        anchor, a label or a phrase presents it as such; otherwise a tool, a profile or a citation."""
        segments = [s for s in urlsplit(link.url).path.split("/") if s]
        plain = context.plain()
        for sentence in plain:
            words = cues.said(cues.TRAINING_CODE, sentence)
            if words and not cues.said(cues.FOR_USERS, sentence) and not cues.said(cues.NEGATION, sentence):
                return "training-code", "high", f'"{words}"'
            words = cues.said(cues.EVALUATION_CODE, sentence)
            if words and not cues.said(cues.FOR_USERS, sentence):
                return "evaluation-code", "medium", f'"{words}"'
        if train_code and not user and kinds[0] != "usage":
            return "training-code", "medium", f'"{train_code}"'
        built = cues.said(_BUILT_WITH, *plain)
        if built and cues.said(_TRAINED_WITH, *plain) and _own_repo(target.repo, self.model_id, by_name=False):
            return "training-code", "medium", f'"{built}": the developers\' own code the model was trained with'
        trainingish = cues.said(_TRAINING_WORDS, *plain, *(s or "" for s in context.sections()))
        if target.role == "training-code" and not user and kinds[0] not in ("usage", "aside") and trainingish:
            confidence: Confidence = "medium" if kinds[0] == "training" else "low"
            return "training-code", confidence, f'{target.basis}; "{trainingish}"'
        if (target.role == "evaluation-code" or _EVAL_FILE.search(segments[-1])) and not user:
            return "evaluation-code", "medium", f"{target.basis}; an evaluation script or notebook ({segments[-1]})"
        if target.role == "training-data" or kinds[0] == "data" or (data_words and "data" in kinds):
            return "training-data", "medium", f'"{data_words or "data"}" ({where}, {target.basis})'
        if kinds[0] == "aside":
            return "other", "medium", f"cited in {where}"
        if user:
            return "tool", "medium", f'"{user}"'
        if len(segments) == 1:
            return "profile", "medium", "a user or organisation page"
        root = len(segments) == 2 or (len(segments) >= 4 and segments[2] == "tree")
        named = cues.said(cues.PROJECT, *(t for t in (link.text, *context.labels) if t and not _URL.match(t)))
        phrase = cues.said(_PROJECT_PHRASE, *plain)
        bare = (not link.text or _URL.match(link.text)) and len(plain[0].split()) <= 3
        own = _own_repo(target.repo, self.model_id)
        if root and kinds[0] not in ("usage", "evaluation") and (named or phrase or (bare and own)):
            words = f'"{named or phrase}"' if named or phrase else "a bare link to a repository named like the model"
            return "project-repo", "medium", f"the project's repository ({words}); the card does not say it holds code"
        return "other", "low", target.basis

    # -- front matter ---------------------------------------------------------------------------------------------
    def datasets_field(self) -> list[Reference]:
        card = self.card
        if card is None:
            return []
        value = card.metadata.get("datasets")
        names = [value] if isinstance(value, str) else value if isinstance(value, list) else []
        line = card.line_of("datasets")
        references = []
        for name in names:
            if not isinstance(name, str) or not name.strip():
                continue
            name = name.strip().removeprefix("datasets/")
            if cues.PLACEHOLDER.match(name.lower()):
                references.append(Reference("other", "high", f"a placeholder, not a dataset: '{name}'", "field",
                                            line, name=name))  # fmt: skip
                continue
            entry = repository_catalogue().hub(name)
            if entry is not None and entry.role == "benchmark":
                hub = f"https://huggingface.co/datasets/{name}"
                references.append(Reference("benchmark", "high", f"catalogue: {entry.name} is a benchmark", "field",
                                            line, hub, name, entry=entry))  # fmt: skip
                continue
            url = f"https://huggingface.co/datasets/{name}" if re.match(r"^[\w.-]+(/[\w.-]+)?$", name) else None
            references.append(Reference("training-data", "high", "listed in the card's 'datasets' field", "field",
                                        line, url, name, entry=entry, repo=name))  # fmt: skip
        return references

    # -- prose ------------------------------------------------------------------------------------------------------
    def mentions(self) -> list[Reference]:
        """Named datasets, scripts and first-party frameworks in sentences; embedded configs and commands."""
        references: list[Reference] = []
        model_words = _model_words(self.model_id) | {_norm(part) for part in self.model_id.split("/")}
        for passage in self.passages:
            if passage.kind == "block":
                references += self._block(passage)
                continue
            references += self._sentence(passage, model_words)
        return references

    def _sentence(self, passage: Passage, model_words: set[str]) -> list[Reference]:
        text, low = passage.text, passage.text.lower()
        kind = cues.section_kind(passage.section)
        references: list[Reference] = []
        catalogue = repository_catalogue()
        data = cues.said(cues.TRAINING_DATA, text)
        evaluation = cues.said(cues.EVALUATION_DATA, text) or cues.said(cues.CALIBRATION, text)
        for entry, word in catalogue.names_in(text):
            if entry.first_party(self.model_id) and (entry.role == "training-framework" or "training-code" in
                                                     entry.roles):  # fmt: skip
                references.append(Reference("training-code", "high", f"catalogue: {entry.name} is first party for "
                                            f"{self.model_id}", "mention", passage.line, None, word, text, entry,
                                            True))  # fmt: skip
            elif entry.role == "benchmark":
                references.append(Reference("benchmark", "high", f"catalogue: {entry.name} is a benchmark", "mention",
                                            passage.line, None, word, text, entry))  # fmt: skip
        in_data_section = kind == "data" and passage.kind == "sentence"
        if (data or in_data_section) and not (evaluation and not data) and kind != "aside":
            references += self._named_datasets(passage, model_words)
        script = _SCRIPT.search(text)
        if script and not cues.said(cues.USER_FACING, text) and (cues.said(cues.TRAINING_CODE, text) or
                                                                   kind == "training"):  # fmt: skip
            references.append(Reference("training-code", "medium", f'the script {script.group(1)} is named '
                                        f'("{cues.said(cues.TRAINING_CODE, text) or passage.section}")', "mention",
                                        passage.line, None, script.group(1), text,
                                        first_party=bool(cues.said(cues.OUR, text))))  # fmt: skip
        if passage.kind == "row" and "training loss" in low:
            references.append(Reference("training-logs", "high", "a table of training loss per step or epoch",
                                        "row", passage.line, None, "training results table", text,
                                        in_this_repo=True))  # fmt: skip
        return references

    def _named_datasets(self, passage: Passage, model_words: set[str]) -> list[Reference]:
        """Datasets named where the card says what trained the model: catalogue names in a sentence about training
        data or in a data section; other names only as the object of "trained on …", "data from …", "Dataset: …"
        (CamelCase, letters with digits, "the Pile", "… dataset"), never the model's own name, an organisation,
        hardware, a license or a model family."""
        text = passage.text
        data = cues.said(cues.TRAINING_DATA, text)
        obj = cues.said(cues.DATA_OBJECT, text)
        catalogue = repository_catalogue()
        why = f'"{data}"' if data else f"section '{passage.section}'"
        found: dict[str, Reference] = {}
        named = catalogue.names_in(text if data else text[:120])
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
                or (not said_dataset and any(_norm(w) in model_words for w in words))
                or any(t in name.lower() or name.lower() in t for t in taken)
            ):
                continue
            found.setdefault(name.lower(), Reference("training-data", "medium", f'"{obj}"; a named dataset',
                                                     "mention", passage.line, None, name, text))  # fmt: skip
        return list(found.values())

    def _block(self, passage: Passage) -> list[Reference]:
        text, lead = passage.text, passage.lead
        lead_low = lead.lower()
        user = cues.said(cues.USER_FACING, lead, passage.section or "")
        produced = re.search(r"\b(used to (produce|create|train|make)|was (made|produced|created|trained) (with|using)|"
                             r"training config\w*|configuration (used|was used))\b", lead_low)  # fmt: skip
        if _MERGE_CONFIG.search(text):
            return [Reference("training-code", "high", "an embedded merge configuration (the recipe that produced "
                              "this model)", "block", passage.line, None, "merge configuration", lead,
                              in_this_repo=True, first_party=True)]  # fmt: skip
        configs = len(_TRAIN_CONFIG.findall(text))
        if (configs >= 3 and passage.language in ("yaml", "yml", "json", "") and not user) or (configs and produced):
            config = Reference("training-code", "high" if produced else "medium", "an embedded training configuration"
                               + (f' ("{produced.group(0)}")' if produced else ""), "block", passage.line, None,
                               "training configuration", lead, in_this_repo=True, first_party=True)  # fmt: skip
            return [config, *(Reference("training-data", "medium", "named in the embedded training configuration's "
                                        "datasets", "mention", passage.line, None, name, lead)
                              for name in _config_datasets(text))]  # fmt: skip
        references = []
        if _EVAL_CODE_BLOCK.search(text) and cues.said(cues.EVALUATION_DATA, lead, passage.section or ""):
            why = "evaluation code embedded in the card"
            return [Reference("evaluation-code", "medium", why, "block", passage.line, None, "evaluation code", lead,
                              in_this_repo=True)]  # fmt: skip
        for command in _COMMAND.finditer(text):
            line = command.group(0).strip()
            low = line.lower()
            if ("lm_eval" in low or "lm-eval" in low or "--tasks" in low or _EVAL_SCRIPT.search(line)) and not (
                _SCRIPT.search(line)
            ):
                references.append(Reference("evaluation-code", "high", "an evaluation command", "block",
                                            passage.line, None, line[:120], lead))  # fmt: skip
                break
            script = _SCRIPT.search(line)
            if script and not user:
                references.append(Reference("training-code", "medium", f"a training command ({script.group(1)})",
                                            "block", passage.line, None, line[:120], lead,
                                            first_party=bool(cues.said(cues.OUR, lead))))  # fmt: skip
                break
        return references

    # -- promises -----------------------------------------------------------------------------------------------
    def claims(self) -> list[Reference]:
        """Sentences saying code, data or logs are (or will be) released: intent, or a pointer without proof."""
        references = []
        for passage in self.passages:
            if passage.kind != "sentence":
                continue
            low = _URL.sub(" ", passage.text.lower())
            promise = cues.said(cues.PROMISE, low)
            if not (promise or _RELEASE_VERB.search(low)) or (cues.said(cues.NEGATION, low) and not promise):
                continue
            for role, pattern in (("training-code", _CLAIM_CODE), ("training-data", _CLAIM_DATA),
                                  ("training-logs", _CLAIM_LOGS), ("evaluation-code", _CLAIM_EVAL)):  # fmt: skip
                words = pattern.search(low)
                if words:
                    what = "a promise" if promise else "a claim"
                    references.append(Reference(role, "medium", f'{what} in prose: "{words.group(0)}"', "claim",
                                                passage.line, None, None, passage.text))  # fmt: skip
        return references

    def references(self) -> list[Reference]:
        links = [self.link(link) for link in self.card.links] if self.card else []
        claims = self.claims()
        released = next(
            (c for c in claims if c.role == "training-code" and not c.because.startswith("a promise")), None
        )
        if released is not None:  # "we have released our training scripts" + the project's own repository
            links = [replace(r, role="training-code", confidence="medium", because=f"{r.because}; but the card says "
                             f'so: "{released.text[:100]}"') if r.role == "project-repo" and r.first_party else r
                     for r in links]  # fmt: skip
        return [*self.datasets_field(), *links, *self.mentions(), *claims]


_TRAINING_WORDS = re.compile(r"\b(train\w*|fine-?tun\w*|finetun\w*|pre-?train\w*|recipes?|reproduc\w*)\b", re.I)
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


def _config_datasets(text: str) -> list[str]:
    """Dataset names listed under a ``datasets`` key of an embedded YAML or JSON configuration."""
    try:
        config = yaml.safe_load(text)
    except yaml.YAMLError:
        return []
    names: list[str] = []

    def walk(node: Any, depth: int) -> None:
        if depth > 4 or len(names) >= 20 or not isinstance(node, dict):
            return
        for key, value in node.items():
            if str(key).lower() in ("datasets", "dataset", "datasets_extra"):
                for item in value if isinstance(value, list) else [value]:
                    if isinstance(item, dict):
                        item = item.get("path") or next(iter(item), None)
                    if isinstance(item, str) and item.strip():
                        names.append(item.strip()[:80])
            else:
                walk(value, depth + 1)

    walk(config, 0)
    return list(dict.fromkeys(names))[:20]


def card_references(card: CardFacts | None, model_id: str) -> list[Reference]:
    """Every reference of a card with its role, confidence and justification, in card order by kind."""
    return CardReader(card, model_id).references()


def strongest(references: Iterable[Reference]) -> Sequence[Reference]:
    """References sorted by confidence, strongest first (stable within a confidence)."""
    return sorted(references, key=lambda r: -RANK[r.confidence])

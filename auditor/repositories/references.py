"""What each reference of a card is for: links (here), front-matter datasets, named corpora, scripts, embedded configs
and promises (auditor.repositories.prose), each with a role, a confidence and the words that justify it.

A role comes from the target (the catalogue: a library, a benchmark, a dataset host …) and from what the card says
around the reference: the anchor text, the sentence (release verbs, "trained on", "code for training"), the label
before it ("Repository:", "Code:"), and the section heading (Training data, Evaluation, Model Sources, Citation).
A framework used to train is not the model's training code unless the card points to its configuration or recipe
for this model, or the catalogue says the framework is this model's own code (``first_party_for``). Benchmarks are
evaluation data, never training data. Pure over the card; nothing is fetched.
"""

from __future__ import annotations

import re
from dataclasses import replace
from functools import cached_property

from auditor.facts import CardFacts, Link, Passage
from auditor.repositories import cues, prose
from auditor.repositories.roles import URL, Confidence, Reference, model_words, norm
from auditor.repositories.targets import Target, classify_target, hub_id, split_url

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
_EVAL_FILE = re.compile(r"(eval|benchmark)[\w-]*\.(py|sh|ipynb)$", re.I)
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
_TERMS_PAGE = re.compile(r"terms[-_]of[-_](use|service)|/policies/|/legal/")
_IN_REPO_FILE = re.compile(r"/(blob|tree)/[^/]+/.")
_DASH = re.compile(r"[-_]")
_LABEL = re.compile(r"(?:^|[|•·])\s*[-*+]?\s*([^|:•·]{1,40}?)\s*[:：]\s*$")


class _Context:
    """What the card says around one link: its sentences, the label before it, the sections it appears in, and the
    cue words of these texts (each looked for only when a reading of the link needs it)."""

    def __init__(
        self, link: Link, sentences: list[tuple[str, str | None, int]], labels: list[str], reader: CardReader
    ) -> None:
        self.link = link
        self.sentences = sentences  # (text, section, line)
        self.raw = tuple([text for text, _, _ in sentences])
        self.labels = labels
        self.plain = [cues.without_urls(text) for text in self.raw]
        self.sections = [section for _, section, _ in sentences]
        self.kinds = [reader.cues.section_kind(s) for s in self.sections]
        self.texts = ["" if URL.match(link.text) else link.text, *labels, *self.plain]  # anchor, labels, sentences
        self.said = reader.cues.said
        self._urls_at = reader.urls_at

    def train_code(self) -> str | None:
        return self.said(cues.TRAINING_CODE, *self.texts)

    def eval_words(self) -> str | None:
        return self.said(cues.EVALUATION_CODE, *self.texts) or self.said(cues.EVALUATION_DATA, *self.texts)

    def data_words(self) -> str | None:
        return self.said(cues.TRAINING_DATA, *self.texts)

    def logs_words(self) -> str | None:
        return self.said(cues.TRAINING_LOGS, *self.texts)

    def user(self) -> str | None:
        """Words addressed to users in the anchor, the labels, the link's own sentence or its section."""
        own_words = []  # the first sentence that is not a navigation line (its words are not the link's)
        for plain, (_, _, line) in zip(self.plain, self.sentences, strict=True):
            if len(self._urls_at.get(line, ())) < 3:
                own_words.append(plain)
                break
        return self.said(cues.USER_FACING, self.link.text, *self.labels, *own_words, self.sections[0] or "")


class _Owner:
    """The audited model's organisation and the words of its name, to tell its own repositories (read once a card)."""

    def __init__(self, model_id: str) -> None:
        model = hub_id(model_id)
        org = model.split("/")[0] if "/" in model else ""
        self.org = norm(org)
        self.head = _DASH.split(org.lower())[0]
        self.words = [(word, norm(word)) for word in model_words(model_id)]

    def owns(self, repo: str | None, *, by_name: bool = True) -> bool:
        """An owner like the model's org (Qwen ~ QwenLM), or (``by_name``) a repository named like the model."""
        if not repo or "/" not in repo:
            return False
        owner_part, name_part = repo.split("/", 1)
        owner, org = norm(owner_part), self.org
        if len(self.head) >= 3 and owner == self.head:  # ibm-granite ~ IBM
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
        name = norm(name_part) if by_name else ""
        return len(name) >= 4 and any(word in name or name in normed for word, normed in self.words)


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
        self.cues = cues.CueReader()

    @cached_property
    def owner(self) -> _Owner:
        return _Owner(self.model_id)

    # -- links ----------------------------------------------------------------------------------------------------
    def _context(self, link: Link) -> _Context:
        line, _, following = link.context.partition(" | ")
        found = self.by_url.get(link.url, [])
        sentences = [(passage.text, passage.section, passage.line) for passage in found]
        if link.line not in [passage.line for passage in found]:
            label_only = line.strip(" -*•:>|").lower() in ("", link.text.strip().lower(), link.url.lower())
            sentences.insert(0, (f"{line} {following}" if label_only else line, link.section, link.line))
        labels = []
        for text, _, _ in sentences:
            at = text.find(link.text) if link.text else -1
            at = at if at >= 0 else text.find(link.url)
            before = text[:at] if at > 0 else ""
            # A label ends in a colon; the search is costly, so it is run only where one can end.
            label = _LABEL.search(before) if before.rstrip().endswith((":", "：")) else None
            if label:
                labels.append(label.group(1).strip(" -*"))
        return _Context(link, sentences, labels, self)

    def link(self, link: Link) -> Reference:
        """The role of one link from its target and its context."""
        target = classify_target(link.url, self.model_id)
        context = self._context(link)
        host = (split_url(link.url) or ("", ""))[0]
        role, confidence, because = self._link_role(link, target, context, host)
        first = (
            target.first_party
            or self.owner.owns(target.repo, by_name=False)
            or bool(self.cues.said(cues.OUR, *context.raw))
        )
        own = host in _HF_HOSTS and (target.repo or "").lower() == self.model_id.lower()
        lines = [line for _, _, line in context.sentences]
        sentence = context.raw[lines.index(link.line) if link.line in lines else 0]
        return Reference(role, confidence, because, "link", link.line, link.url, None, sentence, target.entry,
                         first or own, target.repo, own, context.raw)  # fmt: skip

    def _link_role(self, link: Link, target: Target, context: _Context, host: str) -> tuple[str, Confidence, str]:
        """The role of a link; the cue words of its context are looked for only in the branches that use them."""
        texts, kinds = context.texts, context.kinds
        where = f"section '{context.sections[0]}'" if context.sections[0] else "no section"
        if target.first_party and target.role in ("training-code", "project-repo", "evaluation-code"):
            words = context.said(_BUILT_WITH, *texts) or context.train_code()
            if target.role == "training-code" and not target.rest and not words:
                why = f"{target.basis}, but the card does not point to this model's recipe or say it trained the model"
                return "project-repo", "medium", why
            return target.role, "high", f"{target.basis}" + (f'; "{words}"' if words else "")
        if target.entry is not None and target.role is not None:
            return self._catalogue_role(target, context)
        if target.role == "base-model" and host in _HF_HOSTS:
            return self._hub_model_role(link, target, context)
        if link.kind == "license" or _TERMS_PAGE.search(link.url.lower()):
            return "license", "high", "a license or terms page"
        if target.role == "training-data":
            data_words = context.data_words()
            if not data_words:
                calibration = context.said(cues.CALIBRATION, *texts[:3])
                if calibration or kinds[0] == "usage":
                    return "other", "medium", f'not training data: "{calibration or where}" (quantization or usage)'
                eval_words = context.eval_words()
                if eval_words or kinds[0] == "evaluation":
                    return "evaluation-data", "medium", f'"{eval_words or "evaluation"}" ({where})'
            if data_words or "data" in kinds:
                return "training-data", "high", f'"{data_words or "data"}" ({where})'
            return "training-data", "medium", f"a dataset link ({target.basis})"
        if host in _HF_HOSTS and "/collections/" in link.url:
            data_words = context.data_words()
            if data_words or kinds[0] == "data":
                return "training-data", "medium", f'a collection of datasets: "{data_words or where}"'
        if target.role == "tool" and (host in _HF_HOSTS or "colab" in host):  # a Space or a notebook
            for sentence in context.plain:
                for pattern, role in ((cues.EVALUATION_CODE, "evaluation-code"), (cues.TRAINING_CODE, "training-code")):
                    words = context.said(pattern, sentence)
                    if words and not context.said(cues.FOR_USERS, sentence):
                        return role, "medium", f'"{words}" ({target.basis})'
        code_host = host in _CODE_HOSTS and target.role in ("other", "profile", "project-repo")
        if target.role not in (None, "project-repo", "training-code", "evaluation-code") and not code_host:
            return _CATALOGUE_ROLE.get(target.role, "other"), "high", target.basis
        if host in _CODE_HOSTS:
            return self._code_role(link, target, context, where)
        logs_words = context.logs_words()
        if logs_words and not context.user():
            return "training-logs", "medium", f'"{logs_words}"'
        if ".pdf" not in link.url.lower() and not (context.eval_words() and not context.data_words()):
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
            cue = cues.find(cues.DATA_OBJECT, low)
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

    def _catalogue_role(self, target: Target, context: _Context) -> tuple[str, Confidence, str]:
        entry = target.entry
        assert entry is not None and target.role is not None
        role = target.role
        labels = [t for t in (context.link.text, *context.labels) if t and not URL.match(t)]
        if role == "training-framework":
            if _IN_REPO_FILE.match(target.rest):
                words = context.train_code() or context.said(_RECIPE, target.rest.replace("/", " "), *labels)
                if words:
                    return "training-code", "medium", f'"{words}": a recipe or file of {entry.name} ({target.basis})'
            presented = context.said(_PRESENTED, *labels)
            if presented:
                why = (
                    f"\"{presented}\": {entry.name} given as the model's repository, without this model's config or "
                    "recipe"
                )
                return "project-repo", "medium", why
        if "site" in target.basis and ("benchmark" in entry.roles or "leaderboard" in entry.roles):
            return "benchmark", "high", f"{target.basis}: a benchmark's or leaderboard's page"
        if role == "evaluation-harness" or ("evaluation-harness" in entry.roles and role != "benchmark"):
            used = context.said(cues.EVALUATION_CODE, *context.plain)
            if used:  # "evaluated using X": the harness that produced this model's results
                return "evaluation-code", "medium", f'"{used}" ({target.basis})'
            return "library", "medium", f"{target.basis}; named, not said to have produced these results"
        if role in ("dataset-host", "training-data"):
            data_words = context.data_words()
            if not data_words:
                eval_words = context.eval_words()
                if eval_words or context.kinds[0] == "evaluation":
                    return "evaluation-data", "medium", f'"{eval_words or "evaluation"}" ({target.basis})'
            if data_words or "data" in context.kinds or role == "training-data":
                return "training-data", "high" if data_words else "medium", f'"{data_words or "data"}" ({target.basis})'
            return "other", "low", target.basis
        return _CATALOGUE_ROLE.get(role, "other"), "high", target.basis

    def _hub_model_role(self, link: Link, target: Target, context: _Context) -> tuple[str, Confidence, str]:
        own = (target.repo or "").lower() == self.model_id.lower()
        path = (split_url(link.url) or ("", ""))[1].lower()
        if own and "/tensorboard" in path:
            return "training-logs", "high", "this repository's TensorBoard"
        if own and ("/tree/" in path or "/blob/" in path):
            train_code = context.train_code()
            if train_code and not context.user():
                return "training-code", "high", f'"{train_code}" (a folder of this repository)'
        return "base-model" if not own else "other", "medium", target.basis

    def _code_role(self, link: Link, target: Target, context: _Context, where: str) -> tuple[str, Confidence, str]:
        """A repository outside the catalogue: training or evaluation code when a sentence says so (and is not
        addressed to users), data when the path or the section says so, the project's own repository when the
        anchor, a label or a phrase presents it as such; otherwise a tool, a profile or a citation."""
        segments = [s for s in (split_url(link.url) or ("", ""))[1].split("/") if s]
        plain, kinds, said = context.plain, context.kinds, context.said
        for sentence in plain:
            words = said(cues.TRAINING_CODE, sentence)
            if words and not said(cues.FOR_USERS, sentence) and not said(cues.NEGATION, sentence):
                return "training-code", "high", f'"{words}"'
            words = said(cues.EVALUATION_CODE, sentence)
            if words and not said(cues.FOR_USERS, sentence):
                return "evaluation-code", "medium", f'"{words}"'
        train_code = context.train_code()
        if train_code and kinds[0] != "usage" and not context.user():
            return "training-code", "medium", f'"{train_code}"'
        built = said(_BUILT_WITH, *plain)
        if built and said(_TRAINED_WITH, *plain) and self.owner.owns(target.repo, by_name=False):
            return "training-code", "medium", f'"{built}": the developers\' own code the model was trained with'
        if target.role == "training-code" and kinds[0] not in ("usage", "aside"):
            trainingish = said(_TRAINING_WORDS, *plain, *(s or "" for s in context.sections))
            if trainingish and not context.user():
                confidence: Confidence = "medium" if kinds[0] == "training" else "low"
                return "training-code", confidence, f'{target.basis}; "{trainingish}"'
        if (target.role == "evaluation-code" or _EVAL_FILE.search(segments[-1])) and not context.user():
            return "evaluation-code", "medium", f"{target.basis}; an evaluation script or notebook ({segments[-1]})"
        if target.role == "training-data" or "data" in kinds:
            data_words = context.data_words()
            if target.role == "training-data" or kinds[0] == "data" or data_words:
                return "training-data", "medium", f'"{data_words or "data"}" ({where}, {target.basis})'
        if kinds[0] == "aside":
            return "other", "medium", f"cited in {where}"
        user = context.user()
        if user:
            return "tool", "medium", f'"{user}"'
        if len(segments) == 1:
            return "profile", "medium", "a user or organisation page"
        root = len(segments) == 2 or (len(segments) >= 4 and segments[2] == "tree")
        if root and kinds[0] not in ("usage", "evaluation"):
            named = said(cues.PROJECT, *(t for t in (link.text, *context.labels) if t and not URL.match(t)))
            words = named or said(_PROJECT_PHRASE, *plain)
            bare = (not link.text or URL.match(link.text)) and len(plain[0].split()) <= 3
            if words or (bare and self.owner.owns(target.repo)):
                why = f'"{words}"' if words else "a bare link to a repository named like the model"
                return (
                    "project-repo",
                    "medium",
                    f"the project's repository ({why}); the card does not say it holds code",
                )
        return "other", "low", target.basis

    def datasets_field(self) -> list[Reference]:
        return prose.datasets_field(self.card)

    def references(self) -> list[Reference]:
        links = [self.link(link) for link in self.card.links] if self.card else []
        claims = prose.claims(self.passages)
        released = next(
            (c for c in claims if c.role == "training-code" and not c.because.startswith("a promise")), None
        )
        if released is not None:  # "we have released our training scripts" + the project's own repository
            links = [replace(r, role="training-code", confidence="medium", because=f"{r.because}; but the card says "
                             f'so: "{released.text[:100]}"') if r.role == "project-repo" and r.first_party else r
                     for r in links]  # fmt: skip
        return [*self.datasets_field(), *links, *prose.mentions(self.passages, self.model_id, self.cues), *claims]


_TRAINING_WORDS = re.compile(r"\b(train\w*|fine-?tun\w*|finetun\w*|pre-?train\w*|recipes?|reproduc\w*)\b", re.I)


def card_references(card: CardFacts | None, model_id: str) -> list[Reference]:
    """Every reference of a card with its role, confidence and justification, in card order by kind."""
    return CardReader(card, model_id).references()

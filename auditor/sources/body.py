"""Card body: headings split into sections, links classified, license statements in prose noticed."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from auditor.facts import CardProblem, LicenseStatement, Link, LinkKind, Section

MAX_LINKS = 2_000
MAX_STATEMENTS = 200
MAX_STATEMENT_CHARS = 300

_HEADING = re.compile(r" {0,3}(#{1,6})[ \t]+(.*)")  # the title is group 2 without trailing spaces and #
_FENCE = re.compile(r"^ {0,3}(```+(?!.*`)|~~~)")  # CommonMark: a backtick fence's info string has no backtick
_FENCE_STARTS = (" ", "`", "~")
_HEADING_STARTS = ("#", " #", "  #", "   #")
_URL = re.compile(r"""https?://[^\s<>()\[\]"'`{}|\\^]+""", re.IGNORECASE)
# A markdown link [text](url): text up to 300 characters without ']' or a newline (see _markdown_links).
_LINK_TEXT_END = re.compile(r"[\]\n]")
_LINK_TAIL = re.compile(r"\]\(\s*<?(https?://[^)\s>]+)", re.IGNORECASE)
MAX_LINK_TEXT = 300
_LICENSE_WORDS = re.compile(
    r"\b(licen[cs]e[ds]?|licen[cs]ing|released under|terms of use|acceptable use polic|"
    r"commercial use|non-commercial|noncommercial|all rights reserved|research[- ](?:purposes?[- ]|use[- ])?only|"
    r"(?:only|solely|exclusively)\b.{0,80}\bresearch)|授权|许可|商用|商业",  # no word boundary in Chinese text
    re.IGNORECASE,
)
_TRAILING = ".,;:!?*_'\""

_CODE_HOSTS = frozenset(("github.com", "gitlab.com", "bitbucket.org", "codeberg.org", "gitee.com", "git.sr.ht"))
_LOG_HOSTS = frozenset(("wandb.ai", "wandb.me", "tensorboard.dev", "comet.com", "comet.ml", "neptune.ai"))
_PAPER_HOSTS = frozenset(
    (
        "arxiv.org",
        "aclanthology.org",
        "aclweb.org",
        "openreview.net",
        "doi.org",
        "papers.nips.cc",
        "proceedings.neurips.cc",
        "proceedings.mlr.press",
        "semanticscholar.org",
        "biorxiv.org",
        "medrxiv.org",
        "ieeexplore.ieee.org",
        "dl.acm.org",
        "openaccess.thecvf.com",
        "jmlr.org",
    )
)
_LICENSE_HOSTS = frozenset(("creativecommons.org", "opensource.org", "spdx.org", "choosealicense.com", "gnu.org"))
_HF_HOSTS = frozenset(("huggingface.co", "hf.co"))
_HF_NON_MODEL = {
    "docs",
    "blog",
    "papers",
    "learn",
    "pricing",
    "join",
    "login",
    "settings",
    "models",
    "collections",
    "organizations",
    "posts",
    "tasks",
    "chat",
    "api",
    "new",
    "inference-endpoints",
}


_REVISION = re.compile(r"""\brevision\s*=\s*["']([\w.\-/]{1,80})["']""")
_USAGE = re.compile(r"\.from_pretrained\(|\bpipeline\(|SentenceTransformer\(|\bLlama\(model_path|llama-cli|ollama run")
MAX_REVISIONS = 50
MAX_CLAIMS = 50
_CLAIM_WORDS = ("releas", "availab", "publish", "open", "coming soon")
_DERIVATION_WORDS = ("tuned", "fine-tun", "finetun", "based on", "base model", "quantiz", "quantis", "merg", "distill",
                     "delta", "xor", "on top", "initiali", "基于", "微调", "基座")  # fmt: skip
_LICENSE_HINT_WORDS = ("licen", "released under", "terms of use", "acceptable use", "commercial", "rights reserved",
                       "research", "授权", "许可", "商用", "商业")  # fmt: skip


def _any_word(words: tuple[str, ...]) -> re.Pattern[str]:
    """A pattern matching any of ``words`` (literal text), written as one alternative per first character
    ("r(?:eleas|esearch)|…"): the regex engine then tries one alternative per position, not one per word."""
    groups: dict[str, list[str]] = {}
    for word in words:
        groups.setdefault(word[0], []).append(re.escape(word[1:]))
    return re.compile("|".join(f"{re.escape(first)}(?:{'|'.join(rests)})" for first, rests in groups.items()))


_CLAIM_HINT = _any_word(_CLAIM_WORDS)
_DERIVATION_HINT = _any_word(_DERIVATION_WORDS)
_LICENSE_HINT = _any_word(_LICENSE_HINT_WORDS)
_ANY_HINT = _any_word((*_CLAIM_WORDS, *_DERIVATION_WORDS, *_LICENSE_HINT_WORDS))  # one search gates three
_CLAIM = re.compile(
    r"\b(code|scripts?|logs?|checkpoints?|datasets?|data|weights)\b.{0,60}\b(releas\w*|available|coming soon|"
    r"open[- ]sourc\w*|publish\w*)|\b(releas\w*|publish\w*|open[- ]sourc\w*)\b.{0,60}\b(code|logs?|data)\b",
    re.IGNORECASE,
)


@dataclass
class BodyFacts:
    sections: list[Section] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    statements: list[LicenseStatement] = field(default_factory=list)
    problems: list[CardProblem] = field(default_factory=list)
    revisions: list[str] = field(default_factory=list)
    usage_line: int | None = None
    claims: list[LicenseStatement] = field(default_factory=list)
    derivations: list[LicenseStatement] = field(default_factory=list)


def _domains(host: str) -> set[str]:
    """``host`` and every domain it is a subdomain of ("a.b.org" -> a.b.org, b.org, org)."""
    domains = {host}
    dot = host.find(".")
    while dot != -1:
        domains.add(host[dot + 1 :])
        dot = host.find(".", dot + 1)
    return domains


_SCHEME_NETLOC_PATH = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://([^/?#]*)([^?#]*)")
_SPLIT_BY_LIBRARY = ("[", "]", "\t", "\r", "\n")  # IPv6 hosts, and what urlsplit removes before splitting


def host_and_path(url: str) -> tuple[str, str]:
    """The lower-case host name and the path of a URL: ``urlsplit(url).hostname`` (or "") and ``.path``.

    A plain ASCII ``scheme://`` URL (every link a card parser finds) is split here, several times faster; any other
    text by urlsplit (tests/test_card_parsing.py checks that both agree)."""
    parts = _SCHEME_NETLOC_PATH.match(url)
    if parts is None or not url.isascii() or any(c in url for c in _SPLIT_BY_LIBRARY):
        split = urlsplit(url)
        return (split.hostname or "").lower(), split.path
    host = parts.group(1).rpartition("@")[2].partition(":")[0]
    return host.lower(), parts.group(2)


def classify_url(url: str) -> LinkKind:
    """Say what a URL points to: code, paper, dataset, model, training logs, a license page …"""
    host, raw_path = host_and_path(url)
    domains = _domains(host)
    path = raw_path.lower()
    segments = [s for s in raw_path.split("/") if s]
    if not domains.isdisjoint(_LICENSE_HOSTS) and ("licen" in path or "publicdomain" in path):
        return "license"
    if "licen" in path or "use-policy" in path or "use_policy" in path or path.rstrip("/").endswith("/terms"):
        return "license"
    if not domains.isdisjoint(_LOG_HOSTS) or "tensorboard" in path or ("/runs/" in path and "wandb" in host):
        return "training_logs"
    if not domains.isdisjoint(_PAPER_HOSTS) or path.endswith(".pdf"):
        return "paper"
    if not domains.isdisjoint(_HF_HOSTS):
        if segments[:1] == ["datasets"]:
            return "dataset"
        if segments[:1] == ["spaces"]:
            return "space"
        if segments[:1] == ["papers"]:
            return "paper"
        if segments[:1] == ["docs"]:
            return "docs"
        if len(segments) >= 2 and segments[0] not in _HF_NON_MODEL:
            return "model"
        return "other"
    if "kaggle.com" in domains and "/datasets/" in path:
        return "dataset"
    if not domains.isdisjoint(_CODE_HOSTS):
        return "code"
    if host.endswith("readthedocs.io") or host.startswith("docs."):
        return "docs"
    return "other"


def parse_body(body: str, line_offset: int) -> BodyFacts:
    """Read the body of a card; line numbers are card-file lines (``line_offset`` + body line)."""
    facts = BodyFacts()
    seen_urls: set[str] = set()
    in_fence = False
    current: tuple[str, int, int] | None = None  # title, level, line
    links_full = statements_full = False
    lines = body.split("\n")
    if lines and lines[-1] == "":
        lines.pop()  # a final newline ends the last line; it does not start another
    carriage_returns = "\r" in body
    # In ASCII text the hint words are searched in the whole body, from the start of a line to the next hint:
    # no hint word holds a line end, so a line holds one exactly when the next hint at or after its start is in it.
    lower_body = body.lower() if body.isascii() else None
    hint = -1  # where the next hint word at or after the current line's start is
    start = 0  # where the current line starts in the body
    for line_no, line in enumerate(lines, start=line_offset + 1):
        line_start, start = start, start + len(line) + 1
        if carriage_returns:
            line = line.rstrip("\r")
        if line.startswith(_FENCE_STARTS) and _FENCE.match(line):
            in_fence = not in_fence
        elif not in_fence and line.startswith(_HEADING_STARTS):
            heading = _HEADING.match(line)
            if heading:
                if current is not None:
                    facts.sections.append(Section(current[0], current[1], current[2], line_no - 1))
                current = (_clean(heading.group(2).rstrip(" \t#")), len(heading.group(1)), line_no)
                continue
        if in_fence and ("=" in line or "(" in line):
            _collect_code_signals(line, line_no, facts)
        if not links_full and ("http" in line or "HTTP" in line):
            following = lines[line_no - line_offset] if line_no - line_offset < len(lines) else ""
            section = current[0] if current else None
            links_full = _collect_links(line, line_no, facts.links, seen_urls, section, following)
        if in_fence or not line:
            continue  # prose only below
        if lower_body is None:
            has_hint = _ANY_HINT.search(line.lower()) is not None
        else:
            if hint < line_start:
                found = _ANY_HINT.search(lower_body, line_start)
                hint = found.start() if found else len(lower_body)
            has_hint = hint < line_start + len(line)
        if not has_hint:
            continue
        low = line.lower()
        if len(facts.claims) < MAX_CLAIMS and _CLAIM_HINT.search(low) and _CLAIM.search(line):
            section = current[0] if current else None
            facts.claims.append(LicenseStatement(_clean(line)[:MAX_STATEMENT_CHARS], line_no, section))
        if len(facts.derivations) < MAX_CLAIMS and _DERIVATION_HINT.search(low):
            section = current[0] if current else None
            facts.derivations.append(LicenseStatement(_clean(line)[:MAX_STATEMENT_CHARS], line_no, section))
        if not statements_full and _LICENSE_HINT.search(low) and _LICENSE_WORDS.search(line):
            text = _clean(line)
            if text:
                section = current[0] if current else None
                cell = _HTML_TABLE_LINE.match(line) is not None
                facts.statements.append(LicenseStatement(text[:MAX_STATEMENT_CHARS], line_no, section, cell))
                statements_full = len(facts.statements) >= MAX_STATEMENTS
    if current is not None:
        facts.sections.append(Section(current[0], current[1], current[2], line_offset + len(lines)))
    if links_full:
        facts.problems.append(CardProblem("truncated", f"more than {MAX_LINKS} links; the rest were not read"))
    if statements_full:
        facts.problems.append(
            CardProblem("truncated", f"more than {MAX_STATEMENTS} license statements; the rest were not read")
        )
    return facts


def _collect_code_signals(line: str, line_no: int, facts: BodyFacts) -> None:
    if facts.usage_line is None and _USAGE.search(line):
        facts.usage_line = line_no
    if len(facts.revisions) < MAX_REVISIONS and "revision" in line:
        for revision in _REVISION.findall(line):
            if revision not in facts.revisions and revision != "main":
                facts.revisions.append(revision)


def _collect_links(
    line: str, line_no: int, links: list[Link], seen: set[str], section: str | None, following: str
) -> bool:
    texts = _markdown_links(line)
    context = ""
    for match in _URL.finditer(line):
        url = match.group(0).rstrip(_TRAILING)
        if url in seen:
            continue
        seen.add(url)
        context = context or f"{_clean(line)[:200]} | {_clean(following)[:100]}"
        links.append(Link(url, classify_url(url), _clean(texts.get(url, ""))[:200], line_no, context, section))
        if len(links) >= MAX_LINKS:
            return True
    return False


def _markdown_links(line: str) -> dict[str, str]:
    r"""URL -> text of the markdown links in a line, in linear time.

    What ``re.finditer(r"\[([^\]\n]{0,300})\]\(\s*<?(https?://[^)\s>]+)", line, re.I)`` finds (URL with trailing
    punctuation dropped), without retrying each ``[`` of a long hostile line up to 300 characters: a ``[`` whose
    closing ``]`` fails skips every ``[`` before that ``]``.
    """
    links: dict[str, str] = {}
    start = line.find("[")
    while start != -1:
        end = _LINK_TEXT_END.search(line, start + 1)
        if end is None:
            break
        close = end.start()
        if line[close] == "\n":
            start = line.find("[", close + 1)
        elif close - start - 1 > MAX_LINK_TEXT:
            start = line.find("[", max(start + 1, close - MAX_LINK_TEXT - 1))
        elif tail := _LINK_TAIL.match(line, close):
            links[tail.group(1).rstrip(_TRAILING)] = line[start + 1 : close]
            start = line.find("[", tail.end())
        else:
            start = line.find("[", close + 1)
    return links


_EMPHASIS = re.compile(r"[*_`]+")
_HTML_TABLE_LINE = re.compile(r"\s*<t[dhr][\s>]", re.IGNORECASE)


# Tags, emphasis and links: <[^>]{0,200}>|[*_`]{1,3}|!?\[([^\]]*)\]\([^)]*\), each alternative written to start with
# a literal so that the regex engine skips to where one can start (a link's text is group 1 or, after "!", group 2).
_MARKUP = re.compile(r"<[^>]{0,200}>|\*[*_`]{0,2}|_[*_`]{0,2}|`[*_`]{0,2}|\[([^\]]*)\]\([^)]*\)|!\[([^\]]*)\]\([^)]*\)")
_MARKUP_STARTS = 16  # up to this many '[' and '<', _MARKUP's retries cost at most 16 scans of the line


def _clean(text: str) -> str:
    """Plain text of a line of markdown (links reduced to their text, tags and emphasis dropped)."""
    if not ("[" in text or "<" in text):  # only emphasis can match: every run of * _ ` is dropped
        if "*" in text or "_" in text or "`" in text:
            text = text.replace("*", "").replace("_", "").replace("`", "")
        return " ".join(text.split())
    few_starts = text.count("[") + text.count("<") <= _MARKUP_STARTS
    stripped = _MARKUP.sub(_link_text, text) if few_starts else _strip_markup(text)
    return " ".join(stripped.split())


def _link_text(match: re.Match[str]) -> str:
    return match.group(1) or match.group(2) or ""


def _strip_markup(text: str) -> str:
    """``_MARKUP.sub(_link_text, text)`` in linear time, for lines with many ``[`` or ``<``.

    _MARKUP retries every ``[`` and ``<`` of a long hostile line (quadratic). Here each kind of start is found
    with ``str.find`` and a start that cannot match skips every later start that must fail for the same reason
    (the same closing ``]``, no ``)`` left, no ``>`` near enough), so the text is scanned a bounded number of times.
    tests/test_card_parsing.py checks the equivalence with _MARKUP on generated text.
    """
    out: list[str] = []
    pos = 0  # text[:pos] is done
    tag, link, emphasis = text.find("<"), text.find("["), _find_emphasis(text, 0)
    while True:
        if -1 < tag < pos:
            tag = text.find("<", pos)
        if -1 < link < pos:
            link = text.find("[", pos)
        if -1 < emphasis < pos:
            emphasis = _find_emphasis(text, pos)
        starts = [start for start in (tag, link, emphasis) if start >= 0]
        if not starts:
            break
        start = min(starts)
        if start == emphasis:  # a run of * _ ` is dropped whole, 1 to 3 characters at a time
            out.append(text[pos:start])
            pos = _EMPHASIS.match(text, start).end()  # type: ignore[union-attr]
        elif start == tag:  # <...> with at most 200 characters inside
            close = text.find(">", start + 1)
            if close == -1:
                tag = -1  # no '>' left: no later '<' can match
            elif close - start <= 201:
                out.append(text[pos:start])
                pos = close + 1
            else:
                tag = text.find("<", max(start + 1, close - 201))  # '<' further than 201 from '>' cannot match
        else:  # [text](target): the text runs to the first ']' after '[', the target to the first ')'
            close = text.find("]", start + 1)
            end = text.find(")", close + 2) if close != -1 and text.startswith("(", close + 1) else -1
            if end != -1:
                begin = start - 1 if start > pos and text[start - 1] == "!" else start
                out.append(text[pos:begin])
                out.append(text[start + 1 : close])
                pos = end + 1
            elif close == -1 or text.startswith("(", close + 1):
                link = -1  # no ']' or no ')' left: no later '[' can match
            else:
                link = text.find("[", close + 1)  # every '[' before this ']' fails the same way
    out.append(text[pos:])
    return "".join(out)


def _find_emphasis(text: str, start: int) -> int:
    match = _EMPHASIS.search(text, start)
    return match.start() if match else -1

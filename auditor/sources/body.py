"""Card body: headings split into sections, links classified, license statements in prose noticed."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from auditor.facts import CardProblem, LicenseStatement, Link, LinkKind, Section

MAX_LINKS = 2_000
MAX_STATEMENTS = 200
MAX_STATEMENT_CHARS = 300

_HEADING = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.*?)[ \t#]*$")
_FENCE = re.compile(r"^ {0,3}(```|~~~)")
_URL = re.compile(r"""https?://[^\s<>()\[\]"'`{}|\\^]+""", re.IGNORECASE)
_MD_LINK = re.compile(r"\[([^\]\n]{0,300})\]\(\s*<?(https?://[^)\s>]+)", re.IGNORECASE)
_LICENSE_WORDS = re.compile(
    r"\b(licen[cs]e[ds]?|licen[cs]ing|released under|terms of use|acceptable use polic|"
    r"commercial use|non-commercial|noncommercial|all rights reserved)",
    re.IGNORECASE,
)
_TRAILING = ".,;:!?*_'\""

_CODE_HOSTS = ("github.com", "gitlab.com", "bitbucket.org", "codeberg.org", "gitee.com", "git.sr.ht")
_LOG_HOSTS = ("wandb.ai", "wandb.me", "tensorboard.dev", "comet.com", "comet.ml", "neptune.ai")
_PAPER_HOSTS = (
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
_LICENSE_HOSTS = ("creativecommons.org", "opensource.org", "spdx.org", "choosealicense.com", "gnu.org")
_HF_HOSTS = ("huggingface.co", "hf.co")
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
_CLAIM_HINT = re.compile("releas|availab|publish|open|coming soon")
_DERIVATION_HINT = re.compile("tuned|based on|quantiz|quantis|merge|distill|delta|xor|on top of")
_LICENSE_HINT = re.compile("licen|released under|terms of use|acceptable use|commercial|rights reserved")
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


def _host_is(host: str, names: tuple[str, ...]) -> bool:
    return any(host == name or host.endswith("." + name) for name in names)


def classify_url(url: str) -> LinkKind:
    """Say what a URL points to: code, paper, dataset, model, training logs, a license page …"""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    path = parts.path.lower()
    segments = [s for s in parts.path.split("/") if s]
    if _host_is(host, _LICENSE_HOSTS) and ("licen" in path or "publicdomain" in path):
        return "license"
    if "licen" in path or "use-policy" in path or "use_policy" in path or path.rstrip("/").endswith("/terms"):
        return "license"
    if _host_is(host, _LOG_HOSTS) or "tensorboard" in path or ("/runs/" in path and "wandb" in host):
        return "training_logs"
    if _host_is(host, _PAPER_HOSTS) or path.endswith(".pdf"):
        return "paper"
    if _host_is(host, _HF_HOSTS):
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
    if _host_is(host, ("kaggle.com",)) and "/datasets/" in path:
        return "dataset"
    if _host_is(host, _CODE_HOSTS):
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
    line_no = line_offset
    links_full = statements_full = False
    lines = body.split("\n")
    if lines and lines[-1] == "":
        lines.pop()  # a final newline ends the last line; it does not start another
    for line_no, raw in enumerate(lines, start=line_offset + 1):
        line = raw.rstrip("\r")
        if _FENCE.match(line):
            in_fence = not in_fence
        elif not in_fence and line.lstrip().startswith("#"):
            heading = _HEADING.match(line)
            if heading:
                if current is not None:
                    facts.sections.append(Section(current[0], current[1], current[2], line_no - 1))
                current = (_clean(heading.group(2)), len(heading.group(1)), line_no)
                continue
        if in_fence and ("=" in line or "(" in line):
            _collect_code_signals(line, line_no, facts)
        if not links_full and ("http" in line or "HTTP" in line):
            following = lines[line_no - line_offset] if line_no - line_offset < len(lines) else ""
            section = current[0] if current else None
            links_full = _collect_links(line, line_no, facts.links, seen_urls, section, following)
        low = line.lower()
        claim_hint = not in_fence and _CLAIM_HINT.search(low) is not None
        if claim_hint and len(facts.claims) < MAX_CLAIMS and _CLAIM.search(line):
            section = current[0] if current else None
            facts.claims.append(LicenseStatement(_clean(line)[:MAX_STATEMENT_CHARS], line_no, section))
        if not in_fence and len(facts.derivations) < MAX_CLAIMS and _DERIVATION_HINT.search(low):
            section = current[0] if current else None
            facts.derivations.append(LicenseStatement(_clean(line)[:MAX_STATEMENT_CHARS], line_no, section))
        license_hint = not in_fence and _LICENSE_HINT.search(low) is not None
        if license_hint and not statements_full and _LICENSE_WORDS.search(line):
            text = _clean(line)
            if text:
                section = current[0] if current else None
                facts.statements.append(LicenseStatement(text[:MAX_STATEMENT_CHARS], line_no, section))
                statements_full = len(facts.statements) >= MAX_STATEMENTS
    if current is not None:
        facts.sections.append(Section(current[0], current[1], current[2], line_no))
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
    if len(facts.revisions) < MAX_REVISIONS:
        for revision in _REVISION.findall(line):
            if revision not in facts.revisions and revision != "main":
                facts.revisions.append(revision)


def _collect_links(
    line: str, line_no: int, links: list[Link], seen: set[str], section: str | None, following: str
) -> bool:
    texts = {m.group(2).rstrip(_TRAILING): m.group(1) for m in _MD_LINK.finditer(line)}
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


_MARKUP = re.compile(r"<[^>]{0,200}>|[*_`]{1,3}|!?\[([^\]]*)\]\([^)]*\)")


def _clean(text: str) -> str:
    """Plain text of a line of markdown (links reduced to their text, tags and emphasis dropped)."""
    return " ".join(_MARKUP.sub(lambda m: m.group(1) or "", text).split())

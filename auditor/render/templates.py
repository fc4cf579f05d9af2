"""The jinja2 environment over reports/ (autoescape on for HTML and XML), and the filters that make card text safe.

Card text is untrusted in every format. Everywhere: bidirectional overrides (U+202A–U+202E, U+2066–U+2069, which
can make text read differently from what it is) are shown as ``\\u202e``, not applied. Terminal: control characters
are shown, not run. Markdown: text is HTML-escaped, Markdown punctuation that would change the layout is escaped,
and ``@mentions`` are broken with a zero-width joiner so a card cannot ping people from a PR comment; inside HTML
blocks (``<summary>``) GitHub does not process backslash escapes, so text there is HTML-escaped only.
"""

from __future__ import annotations

import html
import re
from functools import cache
from typing import Any

import jinja2
from markupsafe import Markup

from auditor import vocabulary
from auditor._resources import data_dir
from auditor.safe_text import BIDI, ZWJ, no_mentions, terminal_safe, visible_bidi

__all__ = ["BIDI", "ZWJ", "environment", "markdown_html", "markdown_safe", "no_mentions", "terminal_safe",
           "visible_bidi"]  # fmt: skip

# Markdown punctuation escaped anywhere in a line: code spans, emphasis (*, ~), links, tables, HTML.
_MD_SPECIAL = re.compile(r"([\\`*\[\]|~])")
# Underscores open emphasis only at a word boundary (GFM: an intraword _ never does), so snake_case stays clean.
_MD_UNDERSCORES = re.compile(r"_+")
# What a line must not start with: a heading, a list, a quote, a setext underline, a numbered list.
_MD_LINE_START = re.compile(r"^(\d*)([#+\-=>]|(?<=\d)[.)])")


def _one_line(value: object) -> str:
    return no_mentions(terminal_safe(" ".join(str(value).split())))


def markdown_safe(value: object) -> str:
    """Untrusted text as literal inline Markdown (a table cell, a list item): one line, HTML-escaped, the
    punctuation that would change the layout backslash-escaped, mentions broken."""
    text = html.escape(_one_line(value), quote=False)
    text = _MD_UNDERSCORES.sub(_underscores, _MD_SPECIAL.sub(r"\\\1", text))
    return _MD_LINE_START.sub(r"\1\\\2", text)


def _underscores(match: re.Match[str]) -> str:
    """A run of underscores kept as is between two letters or digits, escaped where it could open emphasis."""
    text, start, end = match.string, match.start(), match.end()
    inside = start > 0 and text[start - 1].isalnum() and end < len(text) and text[end].isalnum()
    return match.group(0) if inside else match.group(0).replace("_", "\\_")


def markdown_html(value: object) -> str:
    """Untrusted text inside an HTML block of a Markdown comment (``<summary>``): one line, HTML-escaped only."""
    return html.escape(_one_line(value), quote=True)


def _finalize(value: Any) -> Any:
    """Every value a template prints: bidi overrides made visible (markup stays markup)."""
    if isinstance(value, Markup):
        return Markup(visible_bidi(str(value)))
    if isinstance(value, str):
        return visible_bidi(value)
    return value


def is_http_url(value: object) -> bool:
    return bool(re.match(r"^https?://[^\s\"'<>]+$", str(value or ""), re.I))


@cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(data_dir("reports"))),
        autoescape=jinja2.select_autoescape(["html", "htm", "xml", "html.j2", "xml.j2"], default_for_string=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        finalize=_finalize,
    )
    env.filters["tty"] = terminal_safe
    env.filters["md"] = markdown_safe
    env.filters["md_html"] = markdown_html
    env.filters["tier"] = vocabulary.tier
    env.filters["tier_words"] = vocabulary.tier_words
    env.filters["tier_mark"] = lambda status: vocabulary.TIERS[status]["mark"]
    env.filters["mof_label"] = vocabulary.mof_label
    env.filters["osaid_label"] = vocabulary.osaid_label
    env.tests["http_url"] = is_http_url
    return env

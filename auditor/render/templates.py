"""The jinja2 environment over reports/ (autoescape on for HTML and XML)."""

from __future__ import annotations

import re
from functools import cache

import jinja2

from auditor import vocabulary
from auditor._resources import data_dir

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|~>])")


def markdown_safe(value: object) -> str:
    """Untrusted text as literal Markdown: one line, HTML escaped, Markdown punctuation backslash-escaped."""
    text = " ".join(terminal_safe(value).split())
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MD_SPECIAL.sub(r"\\\1", text)


def terminal_safe(value: object) -> str:
    """Text safe to print on a terminal: control characters (ANSI escapes from a card) are shown, not run."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group(0)):02x}", str(value))


@cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(data_dir("reports"))),
        autoescape=jinja2.select_autoescape(["html", "htm", "xml", "html.j2", "xml.j2"], default_for_string=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["tty"] = terminal_safe
    env.filters["md"] = markdown_safe
    env.filters["tier"] = vocabulary.tier
    env.filters["tier_words"] = vocabulary.tier_words
    env.filters["tier_mark"] = lambda status: vocabulary.TIERS[status]["mark"]
    env.filters["mof_label"] = vocabulary.mof_label
    env.filters["osaid_label"] = vocabulary.osaid_label
    env.tests["http_url"] = lambda value: bool(re.match(r"^https?://[^\s\"'<>]+$", str(value or ""), re.I))
    return env

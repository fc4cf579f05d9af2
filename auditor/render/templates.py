"""The jinja2 environment over reports/ (autoescape on for HTML and XML)."""

from __future__ import annotations

import re
from functools import cache

import jinja2

from auditor._resources import data_dir

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def terminal_safe(value: object) -> str:
    """Text safe to print on a terminal: control characters (ANSI escapes from a card) are shown, not run."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group(0)):02x}", str(value))


@cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(data_dir("reports"))),
        autoescape=jinja2.select_autoescape(["html", "htm", "xml"], default_for_string=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["tty"] = terminal_safe
    return env

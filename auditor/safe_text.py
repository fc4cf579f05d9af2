"""Untrusted text made safe to print, without any template machinery (the CLI uses these for every line it
writes to standard error): control characters and bidi overrides shown, not applied; one line."""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f]")  # tab stays; line breaks are shown too
BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")
_MENTION = re.compile(r"@(?=[A-Za-z0-9])")
ZWJ = "\u200d"


def visible_bidi(text: str) -> str:
    """Bidirectional override and isolate characters shown as ``\\u202e`` instead of reordering the text."""
    return BIDI.sub(lambda m: f"\\u{ord(m.group(0)):04x}", text)


def terminal_safe(value: object) -> str:
    """One value safe to print on a terminal or a CI log: control characters (ANSI escapes from a card), line
    breaks (so a value cannot start a line of its own, as a CI workflow command such as ``::error::`` must) and
    bidi overrides are shown, not applied."""
    return visible_bidi(_CONTROL.sub(lambda m: f"\\x{ord(m.group(0)):02x}", str(value)))


def no_mentions(text: str) -> str:
    """``@name`` → ``@\u200dname``: GitHub does not see a mention, a reader sees the same text."""
    return _MENTION.sub("@" + ZWJ, text)


def stderr_line(message: object) -> str:
    """One line for standard error: control characters (escape sequences) and bidi overrides shown, line breaks
    shown as ``\\n`` — so no text from a card or a reply can start a line of its own (a CI workflow command such
    as ``::error::`` must start a line) or move the cursor."""
    return terminal_safe(str(message).replace("\r", "\\r").replace("\n", "\\n").replace("\t", " "))

"""Scrub secrets from text that leaves the Hub source: URL credentials, token-like query values, Hub tokens,
and authorisation/cookie headers (in messages and in log records)."""

from __future__ import annotations

import logging
import re
import threading

REDACTED = "***"
# scheme://user:pass@host → scheme://***@host (also a bare user@ before a host).
_USERINFO = re.compile(r"(?P<scheme>\b[a-zA-Z][a-zA-Z0-9+.\-]*://)(?P<userinfo>[^/\s@'\"<>]+)@")
# Query values that are credentials: tokens, signed-URL signatures and key ids, passwords.
_SECRET_QUERY = re.compile(
    r"(?P<key>[?&;](?:[\w.\-]*(?:token|signature|credential|password|passwd|secret)[\w.\-]*|policy|key-pair-id|"
    r"api_?key|sig|auth)=)(?P<value>[^&#\s'\"<>]+)",
    re.IGNORECASE,
)
# Hugging Face user access tokens: hf_ and 30 or more letters and digits.
_HF_TOKEN = re.compile(r"\bhf_[A-Za-z0-9]{30,}\b")
# Header lines as logged or printed: "Authorization: Bearer …", "'cookie': '…'", "Set-Cookie=…".
_SECRET_HEADER = re.compile(
    r"(?P<name>\b(?:authorization|proxy-authorization|cookie|set-cookie|x-api-key)\b['\"]?\s*[:=]\s*['\"]?)"
    r"(?P<value>[^'\"\r\n,}]+)",
    re.IGNORECASE,
)


_known: set[str] = set()
_known_lock = threading.Lock()
MIN_SECRET = 6  # shorter values are not scrubbed literally (they would mangle ordinary words)


def register_secret(value: str | None) -> None:
    """Scrub this exact value (a token in use, a password) wherever it appears from now on."""
    if value and len(value) >= MIN_SECRET:
        with _known_lock:
            _known.add(value)


def redact(text: str) -> str:
    """The text with URL credentials, secret query values, Hub tokens and auth/cookie header values replaced."""
    with _known_lock:
        known = sorted(_known, key=len, reverse=True)
    for secret in known:
        text = text.replace(secret, REDACTED)
    text = _USERINFO.sub(lambda m: f"{m.group('scheme')}{REDACTED}@", text)
    text = _SECRET_QUERY.sub(lambda m: f"{m.group('key')}{REDACTED}", text)
    text = _SECRET_HEADER.sub(lambda m: f"{m.group('name')}{REDACTED}", text)
    return _HF_TOKEN.sub(REDACTED, text)


class RedactingFilter(logging.Filter):
    """A logging filter that renders each record's message (and traceback) once, redacted.

    Install it on the handlers that write records out (a filter on a logger does not see records propagated
    from child loggers such as ``huggingface_hub`` or ``httpx2``): see :func:`install`.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a malformed format string: keep what can be shown
            message = f"{record.msg!s} {record.args!r}"
        record.msg, record.args = redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def install(*loggers: logging.Logger) -> None:
    """Add a RedactingFilter (once) to the handlers of ``loggers``: by default the root logger's and those of
    huggingface_hub's library logger, which writes to a handler of its own."""
    for logger in loggers or (logging.getLogger(), logging.getLogger("huggingface_hub")):
        for handler in logger.handlers:
            if not any(isinstance(f, RedactingFilter) for f in handler.filters):
                handler.addFilter(RedactingFilter())

"""Untrusted JSON (config.json, quantize_config.json …): parsed, or None — never an exception.

The standard library's decoder is C and iterative per level, but it recurses per nesting level, so a document of
tens of thousands of ``[`` raises ``RecursionError``; that, malformed text and non-object documents all read as
"no usable config".
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any


def load_json_object(text: str) -> Mapping[str, Any] | None:
    """The JSON object in ``text``, or None when it is malformed, nested too deep or not an object."""
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return None
    return data if isinstance(data, Mapping) else None

"""What every source shares: which repository files are worth reading as documents."""

from __future__ import annotations

import re

MAX_DOCUMENT_BYTES = 1 << 20  # LICENSE-like texts above 1 MiB are not read
MAX_CARD_BYTES = 16 << 20  # a model card is read up to 16 MiB, from a folder or the Hub (real cards: a few 100 KB)
CARD_NAMES = ("README.md", "readme.md", "Readme.md", "README.MD", "README")
_DOCUMENT = re.compile(
    r"^(?:licen[cs]e|copying|notice|use[_-]?policy|acceptable[_-]use[_-]policy)[\w.\- ]*(?:\.(?:md|txt|rst))?$"
    r"|^[\w.\- ]*licen[cs]e[\w.\- ]*\.(?:md|txt|rst)$",
    re.IGNORECASE,
)


def is_document(path: str) -> bool:
    """True for top-level license-like texts: LICENSE, LICENSE.txt, USE_POLICY.md, NOTICE, COPYING …"""
    return "/" not in path and bool(_DOCUMENT.match(path))


CONFIG_NAMES = (
    "config.json",
    "adapter_config.json",
    "quantize_config.json",  # AutoGPTQ; quant_config.json: AutoAWQ (auditor.weights.quantization)
    "quant_config.json",
    "mergekit_config.yml",
    "mergekit_config.yaml",
    "merge_config.yml",
    "merge_config.yaml",
)
MAX_CONFIG_BYTES = 256 * 1024


def is_config(path: str) -> bool:
    """Top-level configuration files that say what a model derives from or how it is quantized."""
    return path in CONFIG_NAMES


def find_card(paths: list[str] | tuple[str, ...]) -> str | None:
    """The repository's model card among its files, if any."""
    present = set(paths)
    return next((name for name in CARD_NAMES if name in present), None)

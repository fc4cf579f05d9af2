"""Where the shipped data folders (rules/, reports/) are: inside the wheel, or at the checkout's top."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

_PACKAGE = Path(__file__).resolve().parent


@cache
def data_dir(name: str) -> Path:
    """The folder ``rules`` or ``reports``: ``auditor/_data/NAME`` when installed, ``NAME`` in a checkout."""
    for candidate in (_PACKAGE / "_data" / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"auditor data folder '{name}' is missing from this installation")


def load_data_yaml(path: Path) -> Any:
    """A shipped data file (ours, trusted) parsed by libyaml (the pure-Python loader is several times slower)."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(path.read_text(encoding="utf-8"), Loader=loader)

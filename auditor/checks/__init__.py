"""Checkers: one small, pure function per rule, registered by rule id.

A checker takes an AuditContext (the facts and views derived from them) and yields Hits; it does no I/O.
Adding a rule = a YAML entry in rules/ plus a function decorated with ``@checker("RULE-ID")`` in a module of
this package. The engine never changes.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterable, Mapping
from functools import cache

from auditor.context import AuditContext
from auditor.findings import Hit

Checker = Callable[[AuditContext], Iterable[Hit]]
_REGISTRY: dict[str, Checker] = {}


def checker(rule_id: str) -> Callable[[Checker], Checker]:
    """Register the decorated function as the checker of ``rule_id``."""

    def register(function: Checker) -> Checker:
        if rule_id in _REGISTRY and _REGISTRY[rule_id] is not function:
            raise ValueError(f"two checkers for rule {rule_id}")
        _REGISTRY[rule_id] = function
        return function

    return register


@cache
def all_checkers() -> Mapping[str, Checker]:
    """Every registered checker, after importing each module of this package."""
    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")
    return dict(_REGISTRY)

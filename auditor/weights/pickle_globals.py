"""Judge the globals a pickle imports: safe (what checkpoints use), code-running, or unknown.

The data is ``rules/weights/pickle-globals.yaml`` (sources: torch's ``weights_only`` allowlist, picklescan's safe
list, Python's pickle documentation) plus picklescan's own list of dangerous globals, read from the installed
package so that it stays as current as the scanner the Hub uses.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any, Literal

from auditor._resources import data_dir, load_data_yaml

Verdict = Literal["safe", "code-running", "unknown"]
UNRESOLVED = "<unresolved>"  # a STACK_GLOBAL whose module or name the scan could not follow
_Table = dict[str, frozenset[str]]


def _merge(into: dict[str, set[str]], table: Mapping[str, Any]) -> None:
    for module, names in table.items():
        into.setdefault(str(module), set()).update({names} if isinstance(names, str) else {str(n) for n in names})


@cache
def _tables() -> tuple[_Table, _Table]:
    from picklescan.scanner import _safe_globals, _unsafe_globals

    data = load_data_yaml(data_dir("rules") / "weights" / "pickle-globals.yaml")
    safe: dict[str, set[str]] = {}
    _merge(safe, _safe_globals)
    for table in data["safe"].values():
        _merge(safe, table)
    running: dict[str, set[str]] = {}
    _merge(running, _unsafe_globals)
    for entry in data["code_running"]:
        _merge(running, entry["names"])
    return ({m: frozenset(n) for m, n in safe.items()}, {m: frozenset(n) for m, n in running.items()})


def _listed(table: _Table, module: str, name: str) -> bool:
    if name in table.get(module, ()) or "*" in table.get(module, ()):
        return True
    parts = module.split(".")
    return any("*" in table.get(".".join(parts[:i]), ()) for i in range(1, len(parts)))


def judge(module: str, name: str) -> Verdict:
    """What importing ``module.name`` while unpickling means (an unresolved import counts as code-running).

    A dotted name (protocol 4 resolves ``"a.b.c"`` attribute by attribute) is code-running when any step of it
    reaches a code-running global ("_utils.os.system" through a module that imported os).
    """
    safe, running = _tables()
    steps = [module, *name.split(".")]
    if UNRESOLVED in (module, name) or _listed(running, module, name):
        return "code-running"
    if any(_listed(running, steps[i], steps[i + 1]) for i in range(1, len(steps) - 1)):
        return "code-running"
    if name in safe.get(module, ()):
        return "safe"
    return "unknown"

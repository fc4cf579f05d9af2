"""One target's work, where it runs (a worker process or a thread): audit, then render to what the output needs.

Worker processes send back small outcomes (a JSON line, an HTML page and its portfolio row), not whole results:
pickling a result costs more than rendering it where it was made.
"""

from __future__ import annotations

import json
import os
import signal
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from auditor.api import Auditor
from auditor.result import AuditResult
from auditor.verdict import VerdictStatus

if TYPE_CHECKING:
    from auditor.render.html_format import FolderPage

Render = Literal["jsonl", "json", "html", "result"]
"""What an outcome carries: a JSON line, an indented JSON object, an HTML page and its row, or the result itself."""


@dataclass(frozen=True, slots=True)
class Outcome:
    """What the batch keeps of one audited target."""

    index: int
    target: str
    status: VerdictStatus
    exit_code: int
    error: str | None = None
    text: str | None = None
    row: dict[str, Any] | None = None
    result: AuditResult | None = None
    page: FolderPage | None = None  # an HTML report folder's files for this model
    pid: int = 0  # the process that audited it


def render(index: int, result: AuditResult, how: Render) -> Outcome:
    """The outcome of one result, rendered as asked."""
    text, row, kept, page = None, None, None, None
    if how == "jsonl":
        text = json.dumps(result.to_dict(), ensure_ascii=False, check_circular=False) + "\n"
    elif how == "json":
        text = json.dumps(result.to_dict(), indent=2, ensure_ascii=False)
    elif how == "html":
        from auditor.render.html_format import folder_page

        page = folder_page(result, index)
        row = page.row
    else:
        kept = result
    error = result.error.message if result.error is not None else None
    return Outcome(index, result.target, result.verdict.status, result.exit_code, error, text, row, kept, page=page,
                   pid=os.getpid())  # fmt: skip


def failed(chunk: Sequence[tuple[int, str]], error: BaseException, *, auditor: Auditor, how: Render) -> list[Outcome]:
    """Error outcomes for targets whose worker died before it could answer."""
    message = f"the worker process auditing it stopped ({type(error).__name__}); audit it alone to see why"
    return [render(i, _internal_error(auditor, target, message), how) for i, target in chunk]


def _internal_error(auditor: Auditor, target: str, message: str) -> AuditResult:
    from auditor.judge import judge_error

    return judge_error(target, "internal", f"{target}: {message}", settings=auditor.settings, policy=auditor.policy)


_worker: tuple[Auditor, Render] | None = None


def start_worker(auditor: Auditor, how: Render) -> None:
    """Initialise a worker process: the parent's interrupt handling decides when to stop, not a Ctrl-C here."""
    global _worker
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _worker = (auditor, how)


def run_chunk(chunk: Sequence[tuple[int, str]]) -> list[Outcome]:
    """Audit and render consecutive (index, target) pairs in a worker process."""
    assert _worker is not None, "start_worker was not called"
    auditor, how = _worker
    return [render(index, auditor(target), how) for index, target in chunk]

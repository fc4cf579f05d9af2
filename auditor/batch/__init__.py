"""Audit whole catalogues: many targets, worker processes, streaming output, resume, progress.

    from auditor.api import Auditor
    from auditor.batch import Jobs, open_sink, write_batch
    from auditor.judge import resolve_settings

    sink = open_sink("jsonl", Path("out.jsonl"), total=len(targets))
    tally = write_batch(targets, Auditor(resolve_settings()), sink, jobs=Jobs.default())

Outcomes are written in input order as they complete; memory does not grow with the number of targets (except
for whole-document formats, see ``auditor.batch.sinks``); on Ctrl-C every finished outcome is written and the
output closed before ``KeyboardInterrupt`` propagates.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from types import FrameType

from auditor.api import Auditor
from auditor.batch.progress import Progress, Tally
from auditor.batch.run import Jobs, run_batch
from auditor.batch.sinks import Sink, open_sink
from auditor.batch.work import Outcome

__all__ = ["BatchInterrupted", "Jobs", "Outcome", "Sink", "Tally", "open_sink", "run_batch", "write_batch"]


def write_batch(
    targets: Sequence[str],
    auditor: Auditor,
    sink: Sink,
    *,
    jobs: Jobs | None = None,
    progress: bool = False,
    skipped: int = 0,
    on_error: Callable[[Outcome], str | None] | None = None,
) -> Tally:
    """Audit ``targets`` into ``sink``; return the tally. ``on_error`` gives the line (if any) to show for an error.

    On Ctrl-C the outcomes finished so far are written, the sink is closed and ``BatchInterrupted`` (with the
    tally so far) is raised. On any other error the workers are stopped and the error propagates.
    """
    tally = Tally(len(targets), skipped)
    bar = Progress(tally, enabled=progress)
    with _stop_on_interrupt() as stop:
        outcomes = run_batch(targets, auditor, how=sink.how, jobs=jobs, stop=stop)
        try:
            for outcome in outcomes:
                sink.write(outcome)
                tally.add(outcome)
                bar.update(outcome)
                line = on_error(outcome) if on_error is not None and outcome.error is not None else None
                if line:
                    bar.note(line)
                if stop():
                    raise KeyboardInterrupt
        except KeyboardInterrupt as interrupt:
            outcomes.close()  # let the workers finish their chunk and exit before the output is closed
            raise BatchInterrupted(tally, _close(sink, bar)) from interrupt
        finally:
            outcomes.close()  # on any other error too (a closed pipe, a full disk): no worker outlives the batch
    tally.written = _close(sink, bar)
    return tally


class BatchInterrupted(KeyboardInterrupt):
    """Ctrl-C stopped the batch after ``tally.done`` outcomes were written (``written``: what the sink wrote)."""

    def __init__(self, tally: Tally, written: str | None) -> None:
        super().__init__(f"interrupted after {tally.done} of {tally.total}")
        self.tally, self.written = tally, written


def _close(sink: Sink, bar: Progress) -> str | None:
    bar.close()
    return sink.close()


@contextmanager
def _stop_on_interrupt() -> Iterator[Callable[[], bool]]:
    """Yields ``stop()``, true after a Ctrl-C: the batch stops between outcomes, never half-way through writing
    one or inside the worker pool. A second Ctrl-C interrupts at once."""
    if threading.current_thread() is not threading.main_thread() or signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        yield lambda: False  # not ours to handle: Ctrl-C is ignored (a background job) or not delivered here
        return
    requested = threading.Event()

    def on_interrupt(signum: int, frame: FrameType | None) -> None:
        if requested.is_set():
            raise KeyboardInterrupt
        requested.set()

    previous = signal.signal(signal.SIGINT, on_interrupt)
    try:
        yield requested.is_set
    finally:
        signal.signal(signal.SIGINT, previous)

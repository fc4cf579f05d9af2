"""Run work on executors and get the results back in input order, with a bounded number of targets in flight.

The futures of submitted batches wait in a queue in input order; results are yielded from its head. When the
queue holds ``window`` targets, nothing more is submitted until the head is done, so a slow target holds back
the run (and bounds its memory) instead of letting finished results pile up behind it.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Generic, TypeVar

R = TypeVar("R")


@dataclass(frozen=True, slots=True)
class Batch(Generic[R]):
    """Consecutive targets submitted together: ``submit`` starts the work, ``failed`` stands in for lost results."""

    size: int
    submit: Callable[[], Future[list[R]]]
    failed: Callable[[BaseException], list[R]]


class OrderedRunner(Generic[R]):
    """Yields the results of batches in input order; at most ``window`` targets are submitted and not yet yielded.

    ``peak`` is the most targets that were ever in flight at once (never more than ``window``, unless a single
    batch is larger).
    """

    def __init__(self, window: int) -> None:
        self.window = max(1, window)
        self.in_flight = 0
        self.peak = 0

    def run(self, batches: Iterable[Batch[R]]) -> Iterator[R]:
        """On KeyboardInterrupt, first yields what is already done at the head, then re-raises."""
        pending: deque[tuple[Future[list[R]], Batch[R]]] = deque()
        source = iter(batches)
        waiting: Batch[R] | None = None
        try:
            while True:
                while True:
                    waiting = waiting or next(source, None)
                    if waiting is None or (self.in_flight and self.in_flight + waiting.size > self.window):
                        break
                    pending.append((waiting.submit(), waiting))
                    self.in_flight += waiting.size
                    self.peak = max(self.peak, self.in_flight)
                    waiting = None
                    while pending and pending[0][0].done():  # stream what is finished without waiting
                        yield from self._pop(pending)
                if not pending:
                    return
                yield from self._pop(pending)
        except KeyboardInterrupt:
            while pending and pending[0][0].done() and not pending[0][0].cancelled():
                yield from self._pop(pending)
            raise
        finally:
            for future, _ in pending:
                future.cancel()

    def _pop(self, pending: deque[tuple[Future[list[R]], Batch[R]]]) -> Iterator[R]:
        future, batch = pending.popleft()
        try:
            results = future.result()
        except Exception as error:  # the worker died or the pool broke: the batch's targets get error results
            results = batch.failed(error)
        self.in_flight -= batch.size
        yield from results

"""Run work on executors and get the results back in input order, with a bounded number of targets in flight.

The futures of submitted batches wait in a queue in input order; results are yielded from its head. When the
queue holds ``window`` targets, nothing more is submitted until the head is done, so a slow target holds back
the run (and bounds its memory) instead of letting finished results pile up behind it.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, wait
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

    def run(self, batches: Iterable[Batch[R]], stop: Callable[[], bool] | None = None) -> Iterator[R]:
        """Yield every result in order.

        ``stop`` is polled while waiting: when it turns true (or on KeyboardInterrupt), what is already done at
        the head is yielded, then KeyboardInterrupt is raised. Nothing else is interrupted half-way.
        """
        pending: deque[tuple[Future[list[R]], Batch[R]]] = deque()
        source = iter(batches)
        waiting: Batch[R] | None = None
        try:
            while True:
                while waiting is not None or self.in_flight < self.window:
                    waiting = waiting or next(source, None)
                    if waiting is None or (self.in_flight and self.in_flight + waiting.size > self.window):
                        break
                    pending.append((waiting.submit(), waiting))
                    self.in_flight += waiting.size
                    self.peak = max(self.peak, self.in_flight)
                    waiting = None
                    while pending and pending[0][0].done():  # stream what is finished without waiting
                        yield from self._pop(pending)
                    if stop is not None and stop():
                        raise KeyboardInterrupt
                if not pending:
                    return
                _wait(pending[0][0], stop)
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


def _wait(future: Future[list[R]], stop: Callable[[], bool] | None) -> None:
    """Wait for ``future``; poll ``stop`` a few times a second, raising KeyboardInterrupt when it is true."""
    if stop is None:
        wait([future])
        return
    while not wait([future], timeout=0.1).done:
        if stop():
            raise KeyboardInterrupt

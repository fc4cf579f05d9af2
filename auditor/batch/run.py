"""Audit a catalogue: local targets in worker processes, Hub targets in threads, outcomes in input order.

Local targets (folders, README paths) are CPU-bound: they go in chunks to forked worker processes that inherit
the parent's loaded catalogues. Hub targets are I/O-bound: they go to a bounded thread pool in the parent that
shares one Hub source, so each repository is read once per run. A parent that cannot fork, one job, or a smoke
run (which starts its own process per model) audits local targets in threads instead.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

from auditor.api import Auditor, is_local
from auditor.batch.ordered import Batch, OrderedRunner
from auditor.batch.work import Outcome, Render, failed, render, run_chunk, start_worker

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor

MAX_CHUNK = 16
NETWORK_JOBS = 8


@dataclass(frozen=True, slots=True)
class Jobs:
    """How much runs at once: worker processes for local targets, threads for Hub targets."""

    processes: int
    threads: int

    @classmethod
    def default(cls, jobs: int | None = None) -> Jobs:
        """``jobs`` processes (default: the usable CPUs) and as many threads, at least ``NETWORK_JOBS``."""
        cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
        processes = max(1, jobs or cpus)
        return cls(processes, max(processes, NETWORK_JOBS) if jobs is None else processes)


def chunk_size(total: int, processes: int) -> int:
    """Targets per chunk: enough to amortise the trip to a worker, small enough to spread a short list."""
    return max(1, min(MAX_CHUNK, total // (processes * 4)))


def warm_up() -> None:
    """Load what every audit reads (license and rule catalogues, checkers), so forked workers inherit it."""
    from auditor.checks import all_checkers
    from auditor.licenses.catalog import license_catalog
    from auditor.rulebook import default_catalog

    license_catalog()
    default_catalog()
    all_checkers()


def can_fork() -> bool:
    import multiprocessing

    return "fork" in multiprocessing.get_all_start_methods()


class _Processes:
    """A pool of forked workers, started again if one dies (its chunks get error outcomes)."""

    def __init__(self, count: int, auditor: Auditor, how: Render) -> None:
        self.count, self.auditor, self.how = count, auditor, how
        self.pool = self._start()

    def _start(self) -> ProcessPoolExecutor:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        pool = ProcessPoolExecutor(
            self.count, multiprocessing.get_context("fork"), start_worker, (self.auditor, self.how)
        )
        try:
            pool.submit(os.getpid).result()  # fork every worker now, before the parent starts threads
        except BaseException:
            pool.shutdown(wait=True, cancel_futures=True)
            raise
        return pool

    def submit(self, chunk: Sequence[tuple[int, str]]) -> Future[list[Outcome]]:
        from concurrent.futures.process import BrokenProcessPool

        try:
            return self.pool.submit(run_chunk, chunk)
        except BrokenProcessPool:
            self.pool.shutdown(wait=False, cancel_futures=True)
            self.pool = self._start()
            return self.pool.submit(run_chunk, chunk)

    def stop(self) -> None:
        """Cancel the chunks not yet handed to a worker; wait for the few that are (small: ``MAX_CHUNK`` each)."""
        self.pool.shutdown(wait=True, cancel_futures=True)


def run_batch(
    targets: Sequence[str],
    auditor: Auditor,
    *,
    how: Render = "jsonl",
    jobs: Jobs | None = None,
    stop: Callable[[], bool] | None = None,
) -> Generator[Outcome, None, None]:
    """Audit every target; yield one outcome per target, in input order, as soon as it and those before it are done.

    A target that cannot be audited gives an error outcome in its place; the batch goes on. At most ``window``
    targets are in flight (see ``OrderedRunner``), so memory does not grow with the number of targets. When
    ``stop()`` turns true, the outcomes done so far are yielded and KeyboardInterrupt is raised.
    """
    jobs = jobs or Jobs.default()
    inline = jobs.processes <= 1 and jobs.threads <= 1
    forked = jobs.processes > 1 and len(targets) > 1 and auditor.smoke is None and can_fork()
    forked = forked and any(is_local(target) for target in targets)  # a Hub-only run needs no worker process
    size = chunk_size(len(targets), jobs.processes) if forked else 1
    runner: OrderedRunner[Outcome] = OrderedRunner(max(jobs.processes * size * 4, jobs.threads * 4))
    processes = threads = None
    try:
        if forked:
            warm_up()
            processes = _Processes(jobs.processes, auditor, how)
        if not inline:
            threads = ThreadPoolExecutor(max(1, jobs.threads), "auditor-batch")
        yield from runner.run(_batches(targets, auditor, how, size, processes, threads), stop)
    finally:
        if processes is not None:
            processes.stop()
        if threads is not None:
            threads.shutdown(wait=False, cancel_futures=True)


def _batches(
    targets: Iterable[str],
    auditor: Auditor,
    how: Render,
    size: int,
    processes: _Processes | None,
    threads: Executor | None,
) -> Iterator[Batch[Outcome]]:
    """Consecutive local targets in chunks for the worker processes; every other target on its own."""
    chunk: list[tuple[int, str]] = []
    for index, target in enumerate(targets):
        if processes is not None and is_local(target):
            chunk.append((index, target))
            if len(chunk) == size:
                yield _chunk_batch(chunk, auditor, how, processes)
                chunk = []
            continue
        if chunk:
            yield _chunk_batch(chunk, auditor, how, processes)
            chunk = []
        yield Batch(1, partial(_submit_one, threads, index, target, auditor, how),
                    partial(failed, [(index, target)], auditor=auditor, how=how))  # fmt: skip
    if chunk:
        yield _chunk_batch(chunk, auditor, how, processes)


def _chunk_batch(
    chunk: list[tuple[int, str]], auditor: Auditor, how: Render, processes: _Processes | None
) -> Batch[Outcome]:
    assert processes is not None
    return Batch(len(chunk), partial(processes.submit, chunk), partial(failed, chunk, auditor=auditor, how=how))


def _submit_one(
    threads: Executor | None, index: int, target: str, auditor: Auditor, how: Render
) -> Future[list[Outcome]]:
    """On the thread pool, or (no pool: one job) right here, done by the time it returns."""
    if threads is not None:
        return threads.submit(_one, index, target, auditor, how)
    future: Future[list[Outcome]] = Future()
    try:
        future.set_result(_one(index, target, auditor, how))
    except Exception as error:
        future.set_exception(error)
    return future


def _one(index: int, target: str, auditor: Auditor, how: Render) -> list[Outcome]:
    return [render(index, auditor(target), how)]

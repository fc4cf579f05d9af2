"""Run the auditor CLI on hostile input in a child process, under a memory cap and a time limit.

Every hostile case builds its payload in a temporary folder (never loading it in the test process), runs
``python -m auditor ...`` through ``run_auditor`` and asserts the outcome with ``assert_clean``: an exit code
the CLI documents, no traceback, no hang, no crash by signal, peak memory under the cap.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_MEMORY_MB = 2048  # address-space cap of the child (virtual memory, so above the real peak)
DEFAULT_TIMEOUT = 60.0
_PEAK_MARKER = "HOSTILE-PEAK-RSS-KB="
# The child reports its own peak RSS on exit (also on sys.exit), so one case's figure is not mixed with another's.
_BOOTSTRAP = (
    "import atexit, resource, sys\n"
    "atexit.register(lambda: sys.stderr.write("
    f"'\\n{_PEAK_MARKER}%d\\n' % resource.getrusage(resource.RUSAGE_SELF).ru_maxrss))\n"
    "sys.argv = ['auditor', *sys.argv[1:]]\n"
    "from auditor.cli import main\n"
    "main()\n"
)


@dataclass(frozen=True)
class Outcome:
    """What one hostile run did."""

    args: tuple[str, ...]
    returncode: int | None  # None when it was killed for running too long
    stdout: str
    stderr: str  # without the peak-memory marker line
    seconds: float
    peak_rss_mb: float | None

    @property
    def timed_out(self) -> bool:
        return self.returncode is None


def run_auditor(
    *args: str,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    memory_mb: int = DEFAULT_MEMORY_MB,
    timeout: float = DEFAULT_TIMEOUT,
    stdin: str | None = None,
) -> Outcome:
    """``auditor ARGS`` in a child process limited to ``memory_mb`` of address space and ``timeout`` seconds."""
    limit = memory_mb * 1024 * 1024

    def limit_memory() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

    child_env = {**os.environ, **(env or {})}
    child_env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO_ROOT), child_env.get("PYTHONPATH", "")) if p)
    started = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, "-c", _BOOTSTRAP, *args],
        cwd=cwd,
        env=child_env,
        stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=limit_memory,
    )
    try:
        stdout, stderr = process.communicate(stdin, timeout=timeout)
        returncode: int | None = process.returncode
    except subprocess.TimeoutExpired:
        process.kill()
        stdout, stderr = process.communicate()
        returncode = None
    seconds = time.monotonic() - started
    peak = None
    kept = []
    for line in stderr.splitlines():
        if line.startswith(_PEAK_MARKER):
            peak = int(line.removeprefix(_PEAK_MARKER)) / 1024
        else:
            kept.append(line)
    return Outcome(tuple(args), returncode, stdout, "\n".join(kept).strip(), seconds, peak)


def assert_clean(
    outcome: Outcome,
    *,
    codes: Sequence[int] = (0, 1, 2),
    max_memory_mb: float | None = None,
    max_seconds: float | None = None,
) -> None:
    """The run ended by itself with a documented exit code, printed no traceback, and stayed within bounds."""
    shown = f"auditor {' '.join(outcome.args)}\nstderr: {outcome.stderr[-2000:]}"
    assert not outcome.timed_out, f"hung (killed after {outcome.seconds:.0f}s): {shown}"
    assert outcome.returncode is not None and outcome.returncode >= 0, f"killed by signal {outcome.returncode}: {shown}"
    assert outcome.returncode in codes, f"exit code {outcome.returncode}, expected one of {tuple(codes)}: {shown}"
    assert "Traceback (most recent call last)" not in outcome.stderr, f"traceback: {shown}"
    assert "MemoryError" not in outcome.stderr, f"ran out of memory: {shown}"
    if max_memory_mb is not None and outcome.peak_rss_mb is not None:
        assert outcome.peak_rss_mb <= max_memory_mb, f"peak RSS {outcome.peak_rss_mb:.0f} MB: {shown}"
    if max_seconds is not None:
        assert outcome.seconds <= max_seconds, f"took {outcome.seconds:.1f}s: {shown}"

"""What a batch tells the person running it: a progress bar on a terminal, and a one-line summary at the end."""

from __future__ import annotations

import sys
import time
from collections import Counter
from typing import IO, Any

from auditor.batch.work import Outcome
from auditor.verdict import VerdictStatus

TIER_ORDER: tuple[VerdictStatus, ...] = ("pass", "conditions", "fail", "error")


class Tally:
    """Counts per verdict tier, the worst exit code and the time since the start."""

    def __init__(self, total: int, skipped: int = 0) -> None:
        self.total, self.skipped = total, skipped
        self.tiers: Counter[str] = Counter()
        self.exit_code = 0
        self.written: str | None = None  # what the output says it wrote
        self.started = time.perf_counter()

    @property
    def done(self) -> int:
        return sum(self.tiers.values())

    def add(self, outcome: Outcome) -> None:
        self.tiers[outcome.status] += 1
        self.exit_code = max(self.exit_code, outcome.exit_code)

    def summary(self) -> str:
        """``3,307 models in 4.1 s (806/s): 1,200 pass, 900 conditions, 1,100 fail, 107 error``."""
        elapsed = time.perf_counter() - self.started
        rate = f"{self.done / elapsed:,.0f}/s" if elapsed > 0 else "–"
        tiers = ", ".join(f"{self.tiers[tier]:,} {tier}" for tier in TIER_ORDER)
        skipped = f"; {self.skipped:,} already done" if self.skipped else ""
        return f"{self.done:,} models in {elapsed:.1f} s ({rate}): {tiers}{skipped}"


class Progress:
    """A tqdm bar on standard error when it is a terminal (done/total, rate, ETA, failures so far); else silent."""

    def __init__(self, tally: Tally, *, enabled: bool, stream: IO[str] | None = None) -> None:
        self.tally = tally
        self.stream = stream or sys.stderr
        self.bar: Any = None
        if enabled and self.stream.isatty():
            from tqdm import tqdm

            self.bar = tqdm(total=tally.total, file=self.stream, unit="model", dynamic_ncols=True, smoothing=0.1)

    def update(self, outcome: Outcome) -> None:
        if self.bar is None:
            return
        if outcome.status in ("fail", "error"):
            tiers = self.tally.tiers
            self.bar.set_postfix_str(f"fail {tiers['fail']}, error {tiers['error']}", refresh=False)
        self.bar.update(1)

    def note(self, message: str) -> None:
        """A line on standard error that does not break the bar."""
        if self.bar is not None:
            self.bar.write(message, file=self.stream)
        else:
            print(message, file=self.stream, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()

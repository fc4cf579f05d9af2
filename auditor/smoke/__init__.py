"""Smoke inference: prove that weights load and run, in a child process, safely (optional extra `auditor[smoke]`)."""

from auditor.smoke.runner import SmokeOptions, run_smoke
from auditor.smoke.target import SmokeOutcome, smoke_target

__all__ = ["SmokeOptions", "SmokeOutcome", "run_smoke", "smoke_target"]

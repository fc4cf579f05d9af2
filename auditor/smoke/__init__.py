"""Smoke inference: prove that weights load and run, in a child process, safely (optional extra `auditor[smoke]`)."""

from auditor.smoke.runner import SmokeOptions, run_smoke

__all__ = ["SmokeOptions", "run_smoke"]

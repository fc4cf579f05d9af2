"""`auditor smoke TARGET`: gather one target's facts and run the smoke inference on them, nothing else."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from auditor.errors import AuditorError
from auditor.smoke.runner import SmokeOptions, run_smoke
from auditor.sources.targets import gather, parse_target


@dataclass(frozen=True)
class SmokeOutcome:
    """The smoke result of a target, or why the target could not be read."""

    smoke: dict[str, Any] | None = None
    error: str | None = None


def smoke_target(target: str, options: SmokeOptions, *, offline: bool = False) -> SmokeOutcome:
    try:
        parsed = parse_target(target)
        hub = None
        if parsed.kind == "hub":
            from auditor.sources.hub import HubSource

            hub = HubSource(offline=offline)
        facts = gather(parsed, hub)
    except AuditorError as error:
        return SmokeOutcome(error=str(error))
    return SmokeOutcome(smoke=run_smoke(facts, options, hub))

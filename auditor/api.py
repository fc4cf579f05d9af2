"""The library API: audit one target or many. The CLI is a thin shell over these functions."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from auditor.context import AuditContext
from auditor.engine import run_checks
from auditor.errors import AuditorError
from auditor.facts import ModelFacts
from auditor.findings import Severity
from auditor.result import AuditResult, decide, error_result
from auditor.sources import gather, parse_target

if TYPE_CHECKING:
    from auditor.smoke.runner import SmokeOptions
    from auditor.sources.hub import HubSource

log = logging.getLogger(__name__)


def assess(
    facts: ModelFacts,
    *,
    fail_on: Severity = "error",
    mot_record: Mapping[str, Any] | None = None,
    smoke: Mapping[str, Any] | None = None,
) -> AuditResult:
    """Run every rule over gathered facts (with an MOT self-declaration and a smoke result, when given)."""
    ctx = AuditContext(facts, mot_record=mot_record, smoke=smoke)
    findings = run_checks(ctx)
    return AuditResult(
        facts.target,
        facts,
        tuple(findings),
        decide(findings, fail_on),
        license=ctx.license,
        openness=ctx.openness,
        smoke=dict(smoke) if smoke is not None else None,
    )


def audit(
    target: str,
    *,
    revision: str | None = None,
    offline: bool = False,
    fail_on: Severity = "error",
    hub: HubSource | None = None,
    mot_record: Mapping[str, Any] | None = None,
    smoke: SmokeOptions | None = None,
) -> AuditResult:
    """Audit one target: ``org/name[@rev]``, a snapshot folder, or a README.md path.

    Raises an AuditorError subclass when the target cannot be read (not found, Hub unavailable …).
    """
    parsed = parse_target(target, revision)
    if parsed.kind == "hub" and (hub is None or offline != hub.offline):
        from auditor.sources.hub import HubSource

        hub = HubSource(offline=offline)
    facts = gather(parsed, hub)
    smoked = None
    if smoke is not None:
        from auditor.smoke import run_smoke

        smoked = run_smoke(facts, smoke, hub)
    return assess(facts, fail_on=fail_on, mot_record=mot_record, smoke=smoked)


def audit_many(
    targets: Iterable[str],
    *,
    revision: str | None = None,
    offline: bool = False,
    fail_on: Severity = "error",
    hub: HubSource | None = None,
    workers: int = 4,
    mot_record: Mapping[str, Any] | None = None,
    smoke: SmokeOptions | None = None,
) -> Iterator[AuditResult]:
    """Audit several targets with bounded concurrency, yielding results in input order.

    A target that fails yields an error result; the batch goes on.
    """
    targets = list(targets)
    if hub is None and any(not _is_local(t) for t in targets):
        from auditor.sources.hub import HubSource

        hub = HubSource(offline=offline)

    def one(target: str) -> AuditResult:
        try:
            return audit(
                target, revision=revision, offline=offline, fail_on=fail_on, hub=hub, mot_record=mot_record, smoke=smoke
            )
        except AuditorError as error:
            return error_result(target, error.kind, str(error), fail_on)
        except Exception as error:  # a bug must not lose the rest of the batch
            log.debug("internal error auditing %s", target, exc_info=True)
            return error_result(
                target, "internal", f"{target}: internal error: {type(error).__name__}: {error}", fail_on
            )

    if len(targets) <= 1 or workers <= 1:
        yield from map(one, targets)
        return
    with ThreadPoolExecutor(max_workers=min(workers, len(targets))) as pool:
        yield from pool.map(one, targets)


def _is_local(target: str) -> bool:
    try:
        return parse_target(target).kind != "hub"
    except AuditorError:
        return True

"""The library API: audit one target or many. The CLI is a thin shell over these functions."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

from auditor.context import AuditContext
from auditor.engine import run_checks
from auditor.errors import AuditorError
from auditor.facts import ModelFacts
from auditor.findings import Severity
from auditor.lineage.tree import FactsCache, LineageNode, folder_fetch, resolve_lineage
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
    lineage: list[LineageNode] | None = None,
) -> AuditResult:
    """Run every rule over gathered facts (with an MOT record, a smoke result and resolved lineage, if given)."""
    if lineage is None:
        lineage = resolve_lineage(facts, None)  # parents listed, not resolved
    ctx = AuditContext(facts, mot_record=mot_record, smoke=smoke, lineage=lineage)
    findings = run_checks(ctx)
    return AuditResult(
        facts.target,
        facts,
        tuple(findings),
        decide(findings, fail_on),
        license=ctx.license,
        openness=ctx.openness,
        smoke=dict(smoke) if smoke is not None else None,
        lineage=lineage,
    )


def parent_cache(hub: HubSource | None, models_dir: Path | None) -> FactsCache | None:
    """Where parents are read from: a folder of snapshots if given, else the Hub source (or its cache offline)."""
    if models_dir is not None:
        return FactsCache(folder_fetch(models_dir))
    if hub is not None:
        source = hub
        return FactsCache(lambda model_id: source.fetch(model_id, None, model_id))
    return None


def audit(
    target: str,
    *,
    revision: str | None = None,
    offline: bool = False,
    fail_on: Severity = "error",
    hub: HubSource | None = None,
    mot_record: Mapping[str, Any] | None = None,
    smoke: SmokeOptions | None = None,
    models_dir: Path | None = None,
    parents: FactsCache | None = None,
) -> AuditResult:
    """Audit one target: ``org/name[@rev]``, a snapshot folder, or a README.md path.

    Raises an AuditorError subclass when the target cannot be read (not found, Hub unavailable …).
    """
    parsed = parse_target(target, revision)
    if parsed.kind == "hub" and (hub is None or offline != hub.offline):
        from auditor.sources.hub import HubSource

        hub = HubSource(offline=offline)
    facts = gather(parsed, hub)
    if parents is None:
        parents = parent_cache(hub if parsed.kind == "hub" else None, models_dir)
    lineage = resolve_lineage(facts, parents)
    smoked = None
    if smoke is not None:
        from auditor.smoke import run_smoke

        smoked = run_smoke(facts, smoke, hub)
    return assess(facts, fail_on=fail_on, mot_record=mot_record, smoke=smoked, lineage=lineage)


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
    models_dir: Path | None = None,
) -> Iterator[AuditResult]:
    """Audit several targets with bounded concurrency, yielding results in input order.

    A target that fails yields an error result; the batch goes on.
    """
    targets = list(targets)
    if hub is None and any(not _is_local(t) for t in targets):
        from auditor.sources.hub import HubSource

        hub = HubSource(offline=offline)
    hub_parents = parent_cache(hub, models_dir)  # shared by the batch: each parent repo is read once per run
    local_parents = parent_cache(None, models_dir)

    def one(target: str) -> AuditResult:
        try:
            parents = local_parents if _is_local(target) else hub_parents
            return audit(
                target,
                revision=revision,
                offline=offline,
                fail_on=fail_on,
                hub=hub,
                mot_record=mot_record,
                smoke=smoke,
                models_dir=models_dir,
                parents=parents,
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

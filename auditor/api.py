"""The library API: audit one target or many. The CLI is a thin shell over these functions.

Gathering (sources, lineage resolution, the smoke run) does the I/O here; the judgement (auditor.judge) decides.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

from auditor.errors import AuditorError
from auditor.facts import ModelFacts
from auditor.judge import Settings, judge, judge_error, resolve_settings
from auditor.lineage.tree import FactsCache, LineageNode, folder_fetch, resolve_lineage
from auditor.result import AuditResult
from auditor.sources.targets import gather, parse_target
from auditor.verdict import FailOn

if TYPE_CHECKING:
    from auditor.policy.model import Policy
    from auditor.smoke.runner import SmokeOptions
    from auditor.sources.hub import HubSource

log = logging.getLogger(__name__)


def assess(
    facts: ModelFacts,
    *,
    policy: Policy | None = None,
    fail_on: FailOn | None = None,
    mot_record: Mapping[str, Any] | None = None,
    smoke: Mapping[str, Any] | None = None,
    lineage: list[LineageNode] | None = None,
    today: dt.date | None = None,
) -> AuditResult:
    """Judge gathered facts (with a policy, an MOT record, a smoke result and resolved lineage, if given)."""
    settings = resolve_settings(fail_on, policy, today=today)
    return judge(facts, settings=settings, policy=policy, lineage=lineage, mot_record=mot_record, smoke=smoke)


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
    policy: Policy | None = None,
    fail_on: FailOn | None = None,
    hub: HubSource | None = None,
    mot_record: Mapping[str, Any] | None = None,
    smoke: SmokeOptions | None = None,
    models_dir: Path | None = None,
    parents: FactsCache | None = None,
    today: dt.date | None = None,
) -> AuditResult:
    """Audit one target: ``org/name[@rev]``, a snapshot folder, or a README.md path.

    Raises an AuditorError subclass when the target cannot be read (not found, Hub unavailable …).
    """
    settings = resolve_settings(fail_on, policy, smoke_requested=smoke is not None, today=today)
    return _audit(target, settings, revision=revision, offline=offline, policy=policy, hub=hub,
                  mot_record=mot_record, smoke=smoke, models_dir=models_dir, parents=parents)  # fmt: skip


def _audit(
    target: str,
    settings: Settings,
    *,
    revision: str | None,
    offline: bool,
    policy: Policy | None,
    hub: HubSource | None,
    mot_record: Mapping[str, Any] | None,
    smoke: SmokeOptions | None,
    models_dir: Path | None,
    parents: FactsCache | None,
) -> AuditResult:
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
    return judge(facts, settings=settings, policy=policy, lineage=lineage, mot_record=mot_record, smoke=smoked)


class Auditor:
    """Audits the targets of one run with shared settings: one Hub source, each parent read once per run.

    Calling it never raises for a target: a target that cannot be read gives an error result. Thread-safe; a
    worker process builds its own (it only audits local targets, whose parents come from ``models_dir``).
    """

    def __init__(
        self,
        settings: Settings,
        *,
        revision: str | None = None,
        offline: bool = False,
        policy: Policy | None = None,
        hub: HubSource | None = None,
        mot_record: Mapping[str, Any] | None = None,
        smoke: SmokeOptions | None = None,
        models_dir: Path | None = None,
        rate: float | None = None,
    ) -> None:
        self.settings = settings
        self.rate = rate
        self.revision = revision
        self.offline = offline
        self.policy = policy
        self.mot_record = mot_record
        self.smoke = smoke
        self.models_dir = models_dir
        self._hub = hub
        self._hub_parents: FactsCache | None = None
        self._local_parents = parent_cache(None, models_dir)
        self._lock = threading.Lock()

    def hub(self) -> HubSource:
        """The run's Hub source, made on first use (so local-only runs never import huggingface_hub)."""
        with self._lock:
            if self._hub is None:
                from auditor.sources.hub import HubSource

                self._hub = HubSource(offline=self.offline, rate=self.rate)
            if self._hub_parents is None:
                self._hub_parents = parent_cache(self._hub, self.models_dir)
            return self._hub

    def __call__(self, target: str) -> AuditResult:
        try:
            local = is_local(target)
            hub = None if local else self.hub()
            return _audit(target, self.settings, revision=self.revision, offline=self.offline, policy=self.policy,
                          hub=hub, mot_record=self.mot_record, smoke=self.smoke, models_dir=self.models_dir,
                          parents=self._local_parents if local else self._hub_parents)  # fmt: skip
        except AuditorError as error:
            return judge_error(target, error.kind, str(error), settings=self.settings, policy=self.policy)
        except Exception as error:  # a bug must not lose the rest of the batch
            log.debug("internal error auditing %s", target, exc_info=True)
            message = f"{target}: internal error: {type(error).__name__}: {error}"
            return judge_error(target, "internal", message, settings=self.settings, policy=self.policy)


def audit_many(
    targets: Iterable[str],
    *,
    revision: str | None = None,
    offline: bool = False,
    policy: Policy | None = None,
    fail_on: FailOn | None = None,
    hub: HubSource | None = None,
    workers: int = 4,
    mot_record: Mapping[str, Any] | None = None,
    smoke: SmokeOptions | None = None,
    models_dir: Path | None = None,
    today: dt.date | None = None,
) -> Iterator[AuditResult]:
    """Audit several targets with bounded concurrency (threads), yielding results in input order.

    A target that fails yields an error result; the batch goes on. For large catalogues (worker processes,
    streaming output, resume) see ``auditor.batch``.
    """
    targets = list(targets)
    settings = resolve_settings(fail_on, policy, smoke_requested=smoke is not None, today=today)
    one = Auditor(settings, revision=revision, offline=offline, policy=policy, hub=hub, mot_record=mot_record,
                  smoke=smoke, models_dir=models_dir)  # fmt: skip
    if len(targets) <= 1 or workers <= 1:
        yield from map(one, targets)
        return
    with ThreadPoolExecutor(max_workers=min(workers, len(targets))) as pool:
        yield from pool.map(one, targets)


def is_local(target: str) -> bool:
    """True unless the target names a Hub model (unreadable targets count as local: they need no network)."""
    try:
        return parse_target(target).kind != "hub"
    except AuditorError:
        return True

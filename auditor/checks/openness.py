"""Checkers about openness: the five criteria, claims without evidence, the MOF class, OSAID, MOT disagreement."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.checks import checker
from auditor.context import AuditContext
from auditor.findings import Evidence, Hit
from auditor.openness.evidence import EvidenceItem
from auditor.vocabulary import mof_label


def _evidence(items: tuple[EvidenceItem, ...]) -> tuple[Evidence, ...]:
    """The items behind a finding, each with what it is for and the words that say so."""
    return tuple(Evidence(field=i.field, file=i.file, line=i.line, url=i.url,
                          excerpt=(f"{i.description} — {i.because}" if i.because else i.description)[:200])
                 for i in items[:5])  # fmt: skip


def _criterion(ctx: AuditContext, name: str) -> Iterator[Hit]:
    criterion = ctx.openness.criteria[name]
    if criterion.status != "open":
        yield Hit(f"{criterion.status}: {criterion.reason}", _evidence(criterion.evidence))


@checker("OPEN-TRAINING-DATA")
def open_training_data(ctx: AuditContext) -> Iterator[Hit]:
    yield from _criterion(ctx, "training_data")


@checker("OPEN-WEIGHTS")
def open_weights(ctx: AuditContext) -> Iterator[Hit]:
    yield from _criterion(ctx, "weights")


@checker("OPEN-EVALUATION-CODE")
def open_evaluation_code(ctx: AuditContext) -> Iterator[Hit]:
    yield from _criterion(ctx, "evaluation_code")


@checker("OPEN-TRAINING-CODE")
def open_training_code(ctx: AuditContext) -> Iterator[Hit]:
    yield from _criterion(ctx, "training_code")


@checker("OPEN-TRAINING-METRICS")
def open_training_metrics(ctx: AuditContext) -> Iterator[Hit]:
    yield from _criterion(ctx, "training_metrics")


@checker("OPEN-CLAIM-UNVERIFIED")
def open_claim_unverified(ctx: AuditContext) -> Iterator[Hit]:
    for name, criterion in ctx.openness.criteria.items():
        claims = tuple(i for i in criterion.evidence if i.kind == "prose" and "claim" in i.description)
        if claims and criterion.status == "unverified":
            yield Hit(f"{name.replace('_', ' ')}: {claims[0].description}", _evidence(claims))


@checker("OPEN-MOF-CLASS")
def open_mof_class(ctx: AuditContext) -> Iterator[Hit]:
    mof = ctx.openness.mof
    if mof.mof_class == 1:
        return
    target = {0: 3, 3: 2, 2: 1}[mof.mof_class]
    gaps = []
    for key in ("missing", "unlicensed", "invalid"):
        names = mof.per_class[key][str(target)]
        if names:
            gaps.append(f"{key}: {', '.join(names)}")
    progress = ", ".join(f"{mof_label(int(c))}: {mof.progress[c]:.0f}%" for c in ("3", "2", "1"))
    yield Hit(
        f"evidence supports {mof_label(mof.mof_class, meaning=True)} [{progress}]; "
        f"for {mof_label(target, meaning=True)}: {'; '.join(gaps)}"
    )


@checker("OPEN-OSAID")
def open_osaid(ctx: AuditContext) -> Iterator[Hit]:
    osaid = ctx.openness.osaid
    if not osaid.conformant:
        yield Hit("not conformant: " + "; ".join(osaid.reasons))


@checker("OPEN-MOT-DISAGREES")
def open_mot_disagrees(ctx: AuditContext) -> Iterator[Hit]:
    for row in ctx.openness.mot_comparison:
        if row["component"] == "class":
            yield Hit(
                f"the MOT record declares {mof_label(row['declared'])}; "
                f"the evidence supports {mof_label(row['evidence'])}"
            )
        else:
            yield Hit(f"{row['component']}: the MOT record declares {row['declared']} "
                      f"({row['declared_license'] or 'no license'}), the evidence shows {row['evidence']}")  # fmt: skip

"""Agreement of the audit's openness evidence with independent human labels.

    python benchmarks/openness_agreement.py [--labels PATH] [--markdown] [--worst N] [--criterion NAME]
                                            [--kind KIND] [--limit N] [--split all|development|held-out]

Loads tests/data/openness/labels.yaml (real model cards judged from the card alone; see the README beside it),
audits every labelled card with the library (``auditor.api.audit`` on the README path, offline) and compares
``openness.criteria.<criterion>.status`` with the label. For each of the five criteria it prints the 4x4
confusion matrix (rows: label, columns: audit) over open/restricted/unverified/absent, the accuracy, precision and
recall of "open", precision and recall of "any pointer" (open/restricted/unverified) against "absent", and Cohen's
kappa, before (the statuses main gave at commit 264565d, stored in benchmarks/openness_baseline.json) and after
(this checkout), on the whole set and on the held-out third. ``--worst N`` lists the cards with the most
disagreements, with what the audit says next to the label.

Split: a card is held out when int(sha1(<card folder name>), 16) % 3 == 0 (60 of 174 cards); the classification
was developed on the other two thirds only.

Weights: the labels judge the Hub page as if the repository held the files the card describes, while the audit of a
README alone cannot see the files and says ``unverified`` (issue #13). So weights are scored twice: as the audit
reports them, and by ``terms_status`` — what the weights' effective terms alone say (open / restricted / unverified).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import math
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
LABELS = ROOT / "tests" / "data" / "openness" / "labels.yaml"
BASELINE = ROOT / "benchmarks" / "openness_baseline.json"
CRITERIA = ("training_data", "weights", "evaluation_code", "training_code", "training_metrics")
WEIGHTS_TERMS = "weights_terms"  # the weights scored by their terms alone (the labels' convention)
STATUSES = ("open", "restricted", "unverified", "absent")
POINTER = frozenset({"open", "restricted", "unverified"})
ABBREV = {"open": "open", "restricted": "restr", "unverified": "unver", "absent": "absent"}


@dataclass(frozen=True)
class Label:
    """One labelled card: where it is and the five statuses a reviewer gave it (with the reasons)."""

    id: str
    card: Path
    kind: str
    status: dict[str, str]
    reason: dict[str, str]
    evidence: tuple[dict[str, Any], ...] = ()

    @property
    def held_out(self) -> bool:
        """The held-out third: sha1 of the card's folder name, modulo 3, is 0."""
        return int(hashlib.sha1(self.card.parent.name.encode()).hexdigest(), 16) % 3 == 0

    def expected(self, criterion: str) -> str:
        return self.status["weights" if criterion == WEIGHTS_TERMS else criterion]


@dataclass
class Outcome:
    """What the audit said about one card (or why it could not say anything)."""

    label: Label
    status: dict[str, str] = field(default_factory=dict)
    error: str | None = None
    items: tuple[dict[str, Any], ...] = ()  # every evidence item (counted and set aside), with its criterion
    reasons: dict[str, str] = field(default_factory=dict)  # what the audit says, per criterion

    def disagreements(self, criteria: Sequence[str]) -> list[str]:
        if self.error is not None:
            return list(criteria)
        return [c for c in criteria if self.status.get(c) != self.label.expected(c)]


@dataclass
class Confusion:
    """A square confusion matrix: ``counts[label][audit]`` over STATUSES."""

    counts: dict[str, dict[str, int]] = field(
        default_factory=lambda: {row: dict.fromkeys(STATUSES, 0) for row in STATUSES}
    )

    def add(self, label: str, audit: str) -> None:
        self.counts[label][audit] += 1

    @property
    def total(self) -> int:
        return sum(sum(row.values()) for row in self.counts.values())

    def accuracy(self) -> float:
        return _ratio(sum(self.counts[s][s] for s in STATUSES), self.total)

    def precision_recall(self, positive: frozenset[str]) -> tuple[float, float]:
        """Precision and recall of the binary split ``positive`` vs the other statuses."""
        tp = sum(self.counts[lab][aud] for lab in positive for aud in positive)
        predicted = sum(self.counts[lab][aud] for lab in STATUSES for aud in positive)
        actual = sum(self.counts[lab][aud] for lab in positive for aud in STATUSES)
        return _ratio(tp, predicted), _ratio(tp, actual)

    def kappa(self) -> float:
        """Cohen's kappa of the audit against the labels.

        kappa = (p_o - p_e) / (1 - p_e), where p_o = sum_i n_ii / N is the observed agreement and
        p_e = sum_i (n_i+ * n_+i) / N^2 the agreement expected by chance from the row (label) and column (audit)
        marginals. NaN when p_e = 1 (both raters always use the same single status).
        """
        n = self.total
        if n == 0:
            return math.nan
        p_o = sum(self.counts[s][s] for s in STATUSES) / n
        rows = {s: sum(self.counts[s].values()) for s in STATUSES}
        cols = {s: sum(self.counts[r][s] for r in STATUSES) for s in STATUSES}
        p_e = sum(rows[s] * cols[s] for s in STATUSES) / (n * n)
        return math.nan if p_e == 1 else (p_o - p_e) / (1 - p_e)


def _ratio(numerator: int, denominator: int) -> float:
    return numerator / denominator if denominator else math.nan


def load_labels(path: Path) -> list[Label]:
    """Read the labels file; a malformed file is a one-line error, not a traceback."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise SystemExit(f"cannot read labels {path}: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("cards"), list):
        raise SystemExit(f"{path}: expected a mapping with a 'cards' list")
    labels = []
    for index, entry in enumerate(data["cards"]):
        try:
            criteria = entry["criteria"]
            status = {c: str(criteria[c]["status"]) for c in CRITERIA}
            reason = {c: str(criteria[c].get("reason", "")) for c in CRITERIA}
            evidence = tuple(e for e in entry.get("evidence") or () if isinstance(e, dict))
            label = Label(
                str(entry["id"]), SHARED / str(entry["card"]), str(entry.get("kind", "")), status, reason, evidence
            )
        except (KeyError, TypeError, AttributeError) as exc:
            raise SystemExit(f"{path}: card #{index} is malformed ({exc!r})") from None
        unknown = {s for s in status.values() if s not in STATUSES}
        if unknown:
            raise SystemExit(f"{path}: {label.id} uses unknown statuses {sorted(unknown)}")
        labels.append(label)
    return labels


def audit_card(label: Label) -> Outcome:
    """Audit one card offline and read the five openness statuses from its JSON result."""
    from auditor.api import audit
    from auditor.errors import AuditorError

    if not label.card.is_file():
        return Outcome(label, error=f"card not found: {label.card}")
    try:
        result = audit(str(label.card), offline=True).to_dict()
    except AuditorError as exc:
        return Outcome(label, error=f"{type(exc).__name__}: {exc}")
    criteria: dict[str, Any] = (result.get("openness") or {}).get("criteria") or {}
    status = {c: str((criteria.get(c) or {}).get("status", "missing")) for c in CRITERIA}
    weights = criteria.get("weights") or {}
    status[WEIGHTS_TERMS] = str(weights.get("terms_status") or weights.get("status", "missing"))
    items = tuple(
        {**item, "criterion": name, "counted": counted}
        for name, value in criteria.items()
        for counted, key in ((True, "evidence"), (False, "set_aside"))
        for item in value.get(key) or ()
    )
    reasons = {c: str((criteria.get(c) or {}).get("reason", "")) for c in CRITERIA}
    return Outcome(label, status=status, items=items, reasons=reasons)


def baseline_outcomes(labels: Sequence[Label], path: Path = BASELINE) -> list[Outcome]:
    """What the audit said before (the stored statuses of main at commit 264565d); cards not stored are left out."""
    try:
        cards = json.loads(path.read_text(encoding="utf-8"))["cards"]
    except (OSError, ValueError, KeyError) as exc:
        raise SystemExit(f"cannot read the baseline {path}: {exc}") from None
    outcomes = []
    for label in labels:
        stored = cards.get(label.id)
        if isinstance(stored, dict) and "error" not in stored:
            outcomes.append(Outcome(label, status={**stored, WEIGHTS_TERMS: stored.get("weights", "missing")}))
    return outcomes


def confusions(outcomes: Iterable[Outcome], criteria: Sequence[str]) -> dict[str, Confusion]:
    """One matrix per criterion; cards the audit could not read, or statuses outside STATUSES, are left out."""
    matrices = {c: Confusion() for c in criteria}
    for outcome in outcomes:
        if outcome.error is not None:
            continue
        for criterion in criteria:
            audited = outcome.status.get(criterion, "missing")
            if audited in STATUSES:
                matrices[criterion].add(outcome.label.expected(criterion), audited)
    return matrices


def _fmt(value: float) -> str:
    return "  n/a" if math.isnan(value) else f"{value:5.2f}"


def render_text(matrices: dict[str, Confusion]) -> str:
    lines = []
    for criterion, matrix in matrices.items():
        p_open, r_open = matrix.precision_recall(frozenset({"open"}))
        p_ptr, r_ptr = matrix.precision_recall(POINTER)
        lines.append(f"== {criterion}  (n={matrix.total})")
        lines.append("label \\ audit " + "".join(f"{ABBREV[s]:>9}" for s in STATUSES))
        for row in STATUSES:
            lines.append(f"{row:<14}" + "".join(f"{matrix.counts[row][col]:>9}" for col in STATUSES))
        lines.append(
            f"accuracy {_fmt(matrix.accuracy())}   kappa {_fmt(matrix.kappa())}   "
            f"open P/R {_fmt(p_open)}/{_fmt(r_open)}   pointer P/R {_fmt(p_ptr)}/{_fmt(r_ptr)}"
        )
        lines.append("")
    return "\n".join(lines)


def render_markdown(matrices: dict[str, Confusion]) -> str:
    lines = [
        "| criterion | n | accuracy | κ | open P | open R | pointer P | pointer R |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for criterion, matrix in matrices.items():
        p_open, r_open = matrix.precision_recall(frozenset({"open"}))
        p_ptr, r_ptr = matrix.precision_recall(POINTER)
        values = [matrix.accuracy(), matrix.kappa(), p_open, r_open, p_ptr, r_ptr]
        lines.append(f"| {criterion} | {matrix.total} | " + " | ".join(_fmt(v).strip() for v in values) + " |")
    for criterion, matrix in matrices.items():
        lines += ["", f"**{criterion}** (rows: label, columns: audit)", ""]
        lines.append("| label \\ audit | " + " | ".join(STATUSES) + " |")
        lines.append("|---|" + "---:|" * len(STATUSES))
        for row in STATUSES:
            lines.append(f"| {row} | " + " | ".join(str(matrix.counts[row][col]) for col in STATUSES) + " |")
    return "\n".join(lines)


def render_worst(outcomes: Sequence[Outcome], criteria: Sequence[str], count: int, markdown: bool) -> str:
    ranked = sorted(outcomes, key=lambda o: (-len(o.disagreements(criteria)), o.label.id))
    ranked = [o for o in ranked if o.disagreements(criteria)][:count]
    lines = ["", f"Hardest cards (most disagreements, top {count}):", ""]
    if markdown:
        lines += ["| card | criterion | audit (and why) | label | label reason |", "|---|---|---|---|---|"]
    for outcome in ranked:
        if outcome.error is not None:
            lines.append(
                f"| {outcome.label.id} | all | error | — | {outcome.error} |"
                if markdown
                else f"{outcome.label.id}: audit failed: {outcome.error}"
            )
            continue
        if not markdown:
            lines.append(
                f"{outcome.label.id}  [{outcome.label.kind}]  {len(outcome.disagreements(criteria))} of "
                f"{len(criteria)} differ"
            )
        for criterion in outcome.disagreements(criteria):
            audited, labelled = outcome.status.get(criterion, "missing"), outcome.label.expected(criterion)
            reason = outcome.label.reason[criterion.replace(WEIGHTS_TERMS, "weights")].replace("|", "/")
            said = outcome.reasons.get(criterion.replace(WEIGHTS_TERMS, "weights"), "").replace("|", "/")
            if markdown:
                lines.append(f"| {outcome.label.id} | {criterion} | {audited}: {said[:160]} | {labelled} | {reason} |")
            else:
                lines.append(f"    {criterion:<17} audit={audited:<10} label={labelled:<10} {reason}")
                lines.append(f"    {'':<17} the audit says: {said[:200]}")
    return "\n".join(lines)


def report(outcomes: Sequence[Outcome], before: Sequence[Outcome], criteria: Sequence[str], markdown: bool) -> str:
    """Before and after, on the whole set and on the held-out third."""
    render = render_markdown if markdown else render_text
    parts = []
    for title, keep in (("whole set", lambda o: True), ("held-out third", lambda o: o.label.held_out)):
        chosen = [o for o in outcomes if keep(o)]
        earlier = [o for o in before if keep(o)]
        parts.append(f"{'###' if markdown else '#####'} {title}: before (main at 264565d), {len(earlier)} cards\n")
        parts.append(render(confusions(earlier, criteria)))
        parts.append(f"\n{'###' if markdown else '#####'} {title}: after (this checkout), {len(chosen)} cards\n")
        parts.append(render(confusions(chosen, criteria)))
        parts.append("")
    return "\n".join(parts)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--labels", type=Path, default=LABELS, help="labels YAML (default: %(default)s)")
    parser.add_argument("--markdown", action="store_true", help="print Markdown tables")
    parser.add_argument("--worst", type=int, default=0, metavar="N", help="list the N cards with most disagreements")
    parser.add_argument(
        "--criterion", choices=[*CRITERIA, WEIGHTS_TERMS], action="append", help="restrict to criteria (repeatable)"
    )
    parser.add_argument("--kind", action="append", help="restrict to card kinds (repeatable)")
    parser.add_argument("--limit", type=int, default=0, help="audit only the first N labelled cards")
    parser.add_argument(
        "--split",
        choices=("all", "development", "held-out"),
        default="all",
        help="audit all cards, the development two thirds or the held-out third",
    )
    args = parser.parse_args(argv)

    logging.disable(logging.WARNING)
    criteria = tuple(args.criterion) if args.criterion else (*CRITERIA, WEIGHTS_TERMS)
    labels = load_labels(args.labels)
    if args.kind:
        labels = [label for label in labels if label.kind in set(args.kind)]
    if args.split != "all":
        labels = [label for label in labels if label.held_out == (args.split == "held-out")]
    if args.limit:
        labels = labels[: args.limit]
    if not labels:
        print("no labelled cards selected", file=sys.stderr)
        return 2

    started = time.perf_counter()
    outcomes = []
    for index, label in enumerate(labels, 1):
        outcomes.append(audit_card(label))
        print(f"\raudited {index}/{len(labels)}", end="", file=sys.stderr, flush=True)
    print(f"\raudited {len(labels)} cards in {time.perf_counter() - started:.1f}s", file=sys.stderr)

    failed = [o for o in outcomes if o.error is not None]
    for outcome in failed:
        print(f"audit failed for {outcome.label.id}: {outcome.error}", file=sys.stderr)
    print(report(outcomes, baseline_outcomes(labels), criteria, args.markdown))
    if args.worst:  # card-only weights are "unverified" by design: rank by their terms instead
        ranked = tuple(c for c in criteria if c != "weights" or WEIGHTS_TERMS not in criteria)
        print(render_worst(outcomes, ranked, args.worst, args.markdown))
    return 1 if len(failed) == len(outcomes) else 0


if __name__ == "__main__":
    sys.exit(main())

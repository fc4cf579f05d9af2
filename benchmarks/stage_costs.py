"""Where one card's CPU goes, stage by stage, against the per-card budget the issue's throughput targets imply.

    python benchmarks/stage_costs.py [--real] [--cards N] [--cores 2]

In one warm process (no start-up, no workers) it audits every card and times, per card, with ``time.process_time``:

- ``read``: the sources stage, the facts of the card (front matter with line numbers, body links and passages);
- ``lineage``: parents from the card's metadata, prose and names, and their terms from the knowledge records;
- ``judge``: openness evidence, every checker, the verdict;
- ``render``: the JSON Lines record (about 12 kB per card) the command line writes.

and, on the same cards, the parse-only floor (read the file, cut the front matter, ``yaml.load(…, CSafeLoader)``:
the floor of ``benchmarks/cli_throughput.py``). The budget is the CPU one card may take on ``--cores`` cores for
the command line to reach the target (perfect parallelism, no start-up: an upper bound): 2,000 cards/s and 0.33 of
the floor for generated cards, 0.6 of the floor for real ones.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import cli_throughput  # the same cards and floor as the command-line benchmark

from auditor.api import parent_cache
from auditor.batch.work import render
from auditor.judge import judge, resolve_settings
from auditor.lineage.tree import resolve_lineage
from auditor.sources.targets import gather, parse_target

STAGES = ("read", "lineage", "judge", "render")


def stage_costs(paths: list[str]) -> dict[str, float]:
    """CPU seconds per stage, summed over the cards (after one warm-up pass)."""
    settings, parents = resolve_settings(), parent_cache(None, None)
    totals = dict.fromkeys(STAGES, 0.0)
    for warm in (True, False):
        totals = dict.fromkeys(STAGES, 0.0)
        for index, path in enumerate(paths[:50] if warm else paths):
            t0 = time.process_time()
            facts = gather(parse_target(path, None))
            t1 = time.process_time()
            lineage = resolve_lineage(facts, parents)
            t2 = time.process_time()
            result = judge(facts, settings=settings, policy=None, lineage=lineage, mot_record=None, smoke=None)
            t3 = time.process_time()
            render(index, result, "jsonl")
            t4 = time.process_time()
            for stage, spent in zip(STAGES, (t1 - t0, t2 - t1, t3 - t2, t4 - t3), strict=True):
                totals[stage] += spent
    return totals


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--real", action="store_true", help="real cards from ../shared/data (default: generated)")
    parser.add_argument("--cards", type=int, default=None, help="how many (default: 1,786 real or 3,000 generated)")
    parser.add_argument("--cores", type=int, default=2)
    args = parser.parse_args()
    count = args.cards or (len(cli_throughput.real_cards()) if args.real else 3000)
    with tempfile.TemporaryDirectory() as folder:
        paths = cli_throughput.write_cards(Path(folder), count, args.real)
        _, floor_cpu = cli_throughput.parse_floor(paths)
        totals = stage_costs(paths)
    per_card = {stage: 1000 * spent / count for stage, spent in totals.items()}
    floor_ms = 1000 * floor_cpu / count
    floor_rate = 1000 / floor_ms
    if args.real:
        target, budget = f"0.6 × floor = {0.6 * floor_rate:,.0f} cards/s", args.cores * 1000 / (0.6 * floor_rate)
    else:
        rate = max(2000.0, 0.33 * floor_rate)
        target, budget = f"max(2,000, 0.33 × floor) = {rate:,.0f} cards/s", args.cores * 1000 / rate
    kind = "real" if args.real else "generated"
    print(f"{count:,} {kind} cards, one warm process; parse-only floor {floor_ms:.3f} ms/card ({floor_rate:,.0f}/s)")
    for stage in STAGES:
        print(f"  {stage:8s} {per_card[stage]:.3f} ms/card  ({per_card[stage] / floor_ms:4.1f} × floor)")
    total = sum(per_card.values())
    print(f"  {'total':8s} {total:.3f} ms/card  ({total / floor_ms:4.1f} × floor)")
    print(f"target {target} on {args.cores} cores → budget {budget:.3f} ms of CPU per card (at best)")
    reading = per_card["read"] + per_card["render"]
    print(f"read + render alone: {reading:.3f} ms/card; the whole audit is {total / budget:.1f} × the budget")


if __name__ == "__main__":
    main()

"""Card parsing speed against the parse-only floor, on one core.

    python benchmarks/parse_speed.py [--generated 300] [--results 60] [--repeat 3]

Two card sets: the real cards in ../shared/data (cards/*/README.md and cards-bulk/*.md) and N generated cards,
each with a large ``model-index`` block (``--results`` results of 8 metrics). For each set it prints cards/s of
(a) the floor: read the file, split the front matter with huggingface_hub's regex, ``yaml.load(block,
CSafeLoader)``; (b) the same with the auditor's front-matter loader in place of ``yaml.load`` (YAML 1.2 scalars,
top-level key lines, duplicate keys, bounds); (c) ``auditor.sources.card.parse_card`` on the same files (all of
(b), plus field shapes and the body's facts). Both run in this process, pinned to one CPU, alternately
``--repeat`` times; the best run of each is kept. Rates are per CPU second of this process (``time.process_time``)
so that other work on a shared machine does not blur them. The ratio parse_card/floor is the figure to watch.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
sys.path.insert(0, str(ROOT))

_METRICS = ("accuracy", "f1", "precision", "recall", "bleu", "rouge1", "exact_match", "perplexity")


def real_cards() -> list[Path]:
    paths = sorted(SHARED.glob("cards/*/README.md")) + sorted(SHARED.glob("cards-bulk/*.md"))
    if not paths:
        sys.exit(f"no cards found under {SHARED}")
    return paths


def generated_card(index: int, results: int, rng: random.Random) -> str:
    """A card whose front matter is dominated by a model-index block, as evaluation-heavy cards are."""
    lines = [
        "---",
        "license: apache-2.0",
        f"base_model: org-{index % 97}/model-{index}",
        "language: [en, de, fr, no]",
        "tags: [text-classification, generated, benchmark]",
        "datasets:",
        "  - glue",
        "  - squad",
        "model-index:",
        f"- name: model-{index}",
        "  results:",
    ]
    for result in range(results):
        lines += [
            "  - task:",
            "      type: text-classification",
            "      name: Text Classification",
            "    dataset:",
            f"      name: dataset {result}",
            f"      type: org/dataset-{result}",
            "      config: default",
            "      split: test",
            "      args:",
            "        num_few_shot: 5",
            "    metrics:",
        ]
        for metric in _METRICS:
            lines += [
                f"    - type: {metric}",
                f"      value: {rng.random() * 100:.4f}",
                f"      name: {metric.title()}",
                "      verified: false",
            ]
        lines += ["    source:", f"      url: https://example.org/board/{index}/{result}", "      name: Leaderboard"]
    lines += ["---", f"# Model {index}", "", "Fine-tuned from a base model. See https://github.com/org/repo.", ""]
    return "\n".join(lines)


def write_generated(folder: Path, count: int, results: int) -> list[Path]:
    rng = random.Random(1234)
    paths = []
    for index in range(count):
        path = folder / f"card-{index:05d}.md"
        path.write_text(generated_card(index, results, rng), encoding="utf-8")
        paths.append(path)
    return paths


def floor(paths: list[Path]) -> None:
    import yaml
    from huggingface_hub.repocard import REGEX_YAML_BLOCK

    for path in paths:
        text = path.read_bytes().decode("utf-8-sig", "replace")
        match = REGEX_YAML_BLOCK.search(text)
        if match:
            with contextlib.suppress(yaml.YAMLError, ValueError):
                yaml.load(match.group(2), Loader=yaml.CSafeLoader)


def front_matter(paths: list[Path]) -> None:
    from huggingface_hub.repocard import REGEX_YAML_BLOCK

    from auditor.sources.frontmatter import load_front_matter

    for path in paths:
        text = path.read_bytes().decode("utf-8-sig", "replace")
        match = REGEX_YAML_BLOCK.search(text)
        if match:
            load_front_matter(match.group(2), 2)


def parse(paths: list[Path]) -> None:
    from auditor.sources.card import parse_card

    for path in paths:
        parse_card(path.read_bytes(), path.name)


def best_rate(function: Callable[[list[Path]], None], paths: list[Path]) -> float:
    start = time.process_time()
    function(paths)
    return len(paths) / (time.process_time() - start)


def measure(name: str, paths: list[Path], repeat: int) -> None:
    functions = {"floor": floor, "front matter": front_matter, "parse_card": parse}
    for function in functions.values():
        function(paths[:20])  # warm imports and caches
    rates = dict.fromkeys(functions, 0.0)
    for _ in range(repeat):
        for label, function in functions.items():
            rates[label] = max(rates[label], best_rate(function, paths))
    size = sum(p.stat().st_size for p in paths) / len(paths) / 1024
    shown = " ".join(f"{label}={rate:,.0f}/s ({rate / rates['floor']:.2f})" for label, rate in rates.items())
    print(f"{name}: {len(paths)} cards (mean {size:.1f} KiB), cards per CPU second (ratio to floor): {shown}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--generated", type=int, default=300, help="number of generated cards")
    parser.add_argument("--results", type=int, default=60, help="model-index results per generated card")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each measurement; the best is kept")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    print(f"python={sys.version.split()[0]} one core, best of {args.repeat}")
    measure("real", real_cards(), args.repeat)
    with tempfile.TemporaryDirectory(prefix="auditor-parse-speed-") as tmp:
        measure("generated", write_generated(Path(tmp), args.generated, args.results), args.repeat)


if __name__ == "__main__":
    main()

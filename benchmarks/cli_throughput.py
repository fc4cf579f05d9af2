"""Throughput of the command line, as users run it: cards/s, ratio to the parse-only floor, peak memory.

    python benchmarks/cli_throughput.py [--cards 10000] [--sizes 1000,5000,10000] [--jobs 2]
    python benchmarks/cli_throughput.py --real [--cards 3433]

For each size it writes the cards to a temporary folder and a list of their paths, then times, as a whole
process, ``python -m auditor audit --from LIST --format jsonl --output OUT --jobs J`` (start-up included) and,
in the same run, the parse-only floor: read each file, cut the front matter, ``yaml.load(…, CSafeLoader)`` on
one core, in this process. Prints cards/s, the ratio of the CLI's cards/s to the floor's (both wall clock: the
figure the issue asks for) and the ratio of their CPU seconds (``cpu-ratio``: steadier on a shared machine), and
memory:

- ``peak tree PSS``: the largest sum, over the CLI process and its workers, of proportional set size (pages
  shared after fork counted once), sampled every 20 ms from /proc (Linux);
- ``largest process``: the peak RSS of the largest single process of the tree (``os.wait4``'s rusage).

Generated cards (default) are synthetic but realistic: front matter with license (some ``other`` with a name and
link), tags, datasets, base_model, a model-index with results; a body with sections, links and a code block.
``--real`` uses the real cards in ../shared/data (cards/*/README.md and cards-bulk/*.md), repeated to distinct
paths up to ``--cards`` (default 3433). ``--args`` passes the targets as arguments instead of ``--from``, and
``--workers`` instead of ``--jobs`` (to measure versions from before batch input).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
YAML_BLOCK = re.compile(r"^(\s*---[\r\n]+)([\S\s]*?)([\r\n]+---(\r\n|\n|$))")  # huggingface_hub's REGEX_YAML_BLOCK
LICENSES = ["apache-2.0", "mit", "llama2", "llama3", "cc-by-nc-4.0", "openrail", "gemma", "bsd-3-clause", "cc-by-4.0"]
TASKS = ["text-generation", "text-classification", "token-classification", "translation", "summarization"]
DATASETS = ["wikitext", "c4", "the_pile", "imdb", "squad", "glue", "HuggingFaceFW/fineweb", "allenai/dolma"]
BASES = ["meta-llama/Llama-2-7b-hf", "mistralai/Mistral-7B-v0.1", "bert-base-uncased", "gpt2", "google/gemma-2b"]


def generated_card(rng: random.Random, index: int) -> str:
    """One synthetic model card, varied by index."""
    name = f"model-{index}"
    if rng.random() < 0.15:
        license_lines = f"license: other\nlicense_name: acme-license-{index % 7}\nlicense_link: LICENSE\n"
    else:
        license_lines = f"license: {rng.choice(LICENSES)}\n"
    datasets = rng.sample(DATASETS, rng.randint(0, 3))
    task = rng.choice(TASKS)
    results = "".join(
        f"  - task:\n      type: {task}\n      name: {task.replace('-', ' ').title()}\n"
        f"    dataset:\n      name: {dataset}\n      type: {dataset}\n      split: test\n"
        f"    metrics:\n    - type: accuracy\n      value: {rng.random():.4f}\n      name: Accuracy\n"
        f"      verified: false\n"
        for dataset in datasets or ["glue"]
    )
    front = (
        "---\n"
        + license_lines
        + "language:\n- en\n"
        + f"library_name: transformers\npipeline_tag: {task}\n"
        + "tags:\n- generated\n- " + task + "\n"
        + ("datasets:\n" + "".join(f"- {d}\n" for d in datasets) if datasets else "")
        + (f"base_model: {rng.choice(BASES)}\n" if rng.random() < 0.5 else "")
        + f"model-index:\n- name: {name}\n  results:\n{results}"
        + "---\n"
    )  # fmt: skip
    body = (
        f"# {name}\n\nA {task} model fine-tuned by Org {index % 97}. See the [code](https://github.com/org/repo-{index})"
        f" and the [paper](https://arxiv.org/abs/2401.{index % 100000:05d}).\n\n"
        "## Model description\n\nThis model was trained for research. It may produce wrong or biased output.\n\n"
        "## Intended uses & limitations\n\nNot for high-risk decisions.\n\n"
        "## Training data\n\n" + (", ".join(datasets) or "Not disclosed.") + "\n\n"
        "## Training procedure\n\nLearning rate 2e-5, batch size 32, 3 epochs. Logs on "
        f"[W&B](https://wandb.ai/org/run-{index}).\n\n"
        "## Evaluation\n\n| metric | value |\n|---|---|\n| accuracy | 0.9 |\n\n"
        "## How to use\n\n```python\nfrom transformers import pipeline\n"
        f'pipe = pipeline("{task}", model="org/{name}")\n```\n\n'
        "## License\n\nSee the license field above.\n"
    )
    return front + "\n" + body


def real_cards() -> list[bytes]:
    paths = sorted(SHARED.glob("cards/*/README.md")) + sorted(SHARED.glob("cards-bulk/*.md"))
    if not paths:
        sys.exit(f"no cards found under {SHARED}")
    return [p.read_bytes() for p in paths]


def write_cards(folder: Path, count: int, real: bool) -> list[str]:
    """Cards at distinct paths (real ones repeated in order), one folder per thousand."""
    rng = random.Random(1234)
    seeds = real_cards() if real else []
    paths = []
    for index in range(count):
        path = folder / f"part-{index // 1000:03d}" / f"card-{index:06d}.md"
        if index % 1000 == 0:
            path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(seeds[index % len(seeds)] if real else generated_card(rng, index).encode())
        paths.append(str(path))
    return paths


def parse_floor(paths: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds to read, cut and parse (libyaml CSafeLoader) every card's front matter, on one core."""
    import yaml

    start, cpu = time.perf_counter(), time.process_time()
    for path in paths:
        text = Path(path).read_bytes().decode("utf-8-sig", "replace")
        match = YAML_BLOCK.search(text)
        if match:
            with contextlib.suppress(yaml.YAMLError):
                yaml.load(match.group(2), Loader=yaml.CSafeLoader)
    return time.perf_counter() - start, time.process_time() - cpu


def _tree(pid: int) -> list[int]:
    pids, stack = [], [pid]
    while stack:
        current = stack.pop()
        pids.append(current)
        for task in Path(f"/proc/{current}/task").glob("*/children"):
            with contextlib.suppress(OSError):
                stack.extend(int(child) for child in task.read_text().split())
    return pids


def _pss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


class TreeMemory(threading.Thread):
    """Samples the proportional set size of a process and its descendants; keeps the peak (kB)."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak_kb, self.done = pid, 0, threading.Event()

    def run(self) -> None:
        while not self.done.wait(0.02):
            self.peak_kb = max(self.peak_kb, sum(_pss_kb(p) for p in _tree(self.pid)))


def run_cli(paths: list[str], folder: Path, jobs: int, as_args: bool) -> tuple[float, float, int, float, float]:
    """Wall and CPU seconds, lines written, peak tree PSS and largest process RSS (MB) of one CLI run."""
    listing, output, log = folder / "targets.txt", folder / "out.jsonl", folder / "stderr.txt"
    listing.write_text("".join(p + "\n" for p in paths))
    output.unlink(missing_ok=True)
    command = [sys.executable, "-m", "auditor", "audit", "--format", "jsonl", "--output", str(output)]
    command += [f"--workers={jobs}", *paths] if as_args else [f"--jobs={jobs}", "--from", str(listing), "--quiet"]
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    with log.open("wb") as stderr:
        start = time.perf_counter()
        process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=stderr)
        sampler = TreeMemory(process.pid)
        sampler.start()
        _, status, usage = os.wait4(process.pid, 0)  # the child's usage, its own descendants included
        wall = time.perf_counter() - start
        process.returncode = code = os.waitstatus_to_exitcode(status)
    sampler.done.set()
    sampler.join()
    if code not in (0, 1):
        sys.exit(f"the CLI failed ({code}): {log.read_text(errors='replace')[-2000:]}")
    lines = sum(1 for _ in output.open(encoding="utf-8")) if output.exists() else 0
    return wall, usage.ru_utime + usage.ru_stime, lines, sampler.peak_kb / 1024, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cards", type=int, default=None, help="card count (default 10000, or 3433 with --real)")
    parser.add_argument("--sizes", default="", help="comma-separated card counts to compare (default: --cards)")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--real", action="store_true", help="real cards from ../shared/data, repeated")
    parser.add_argument("--args", action="store_true", help="targets as arguments and --workers (older versions)")
    args = parser.parse_args()
    default = 3433 if args.real else 10_000
    sizes = [int(s) for s in args.sizes.split(",") if s] or [args.cards or default]
    kind = "real" if args.real else "generated"
    print(f"{kind} cards, jobs={args.jobs}, cpus={os.cpu_count()}, python={sys.version.split()[0]}")
    for size in sizes:
        with tempfile.TemporaryDirectory(prefix="auditor-cli-bench-") as tmp:
            folder = Path(tmp)
            paths = write_cards(folder / "cards", size, args.real)
            parse_s, parse_cpu = parse_floor(paths)
            wall, cpu, lines, pss_mb, largest = run_cli(paths, folder, args.jobs, args.args)
            floor, rate = size / parse_s, size / wall
            print(
                f"cards={size} lines={lines} cli={rate:,.0f} cards/s ({wall:.2f}s wall, {cpu:.2f}s cpu) "
                f"floor={floor:,.0f} cards/s/core ({parse_s:.2f}s wall, {parse_cpu:.2f}s cpu) "
                f"ratio={rate / floor:.2f} cpu-ratio={parse_cpu / cpu:.2f} "
                f"peak tree PSS={pss_mb:.0f} MB largest process={largest:.0f} MB",
                flush=True,
            )


if __name__ == "__main__":
    main()

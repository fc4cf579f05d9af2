"""Offline throughput: audit N generated cards with the library; compare with YAML-parsing alone.

    python benchmarks/offline_throughput.py [--cards 10000] [--jobs 2] [--sizes 2500,10000]

Cards are variations of the real ones in ../shared/data (license, base_model and body changed per card) written
to a temporary folder. Prints cards/s of the full audit, the parse-only floor (front matter split + YAML load of
the same files, same process pool) and their ratio, and peak RSS (parent and largest worker) per size, so that
"memory flat in N" can be read off the figures.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import sys
import tempfile
import time
from multiprocessing import Pool
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
LICENSES = ["apache-2.0", "mit", "llama2", "other", "cc-by-nc-4.0", "openrail", "[mit, apache-2.0]", "2.0", ""]
CHUNK = 250


def seed_cards() -> list[bytes]:
    paths = sorted(SHARED.glob("cards/*/README.md")) + sorted(SHARED.glob("cards-bulk/*.md"))
    if not paths:
        sys.exit(f"no cards found under {SHARED}")
    return [p.read_bytes() for p in paths]


def vary(card: bytes, rng: random.Random, index: int) -> bytes:
    text = card.decode("utf-8", "replace")
    license_line = f"license: {rng.choice(LICENSES)}\n"
    extra = f"base_model: org-{index % 97}/model-{index}\n" if rng.random() < 0.3 else ""
    body = f"\n## Variation {index}\nSee https://github.com/org/repo-{index} and https://arxiv.org/abs/{index}.\n"
    if text.lstrip().startswith("---"):
        head, sep, rest = text.partition("---")
        return (head + sep + "\n" + license_line + extra + rest.lstrip("\n") + body).encode()
    return ("---\n" + license_line + extra + "---\n" + text + body).encode()


def generate(folder: Path, count: int) -> list[str]:
    rng = random.Random(1234)
    seeds = seed_cards()
    paths = []
    for index in range(count):
        path = folder / f"card-{index:06d}.md"
        path.write_bytes(vary(rng.choice(seeds), rng, index))
        paths.append(str(path))
    return paths


def audit_chunk(paths: list[str]) -> int:
    from auditor import audit

    findings = 0
    for path in paths:
        findings += len(audit(path).findings)
    return findings


def parse_chunk(paths: list[str]) -> int:
    import yaml
    from huggingface_hub.repocard import REGEX_YAML_BLOCK

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    parsed = 0
    for path in paths:
        text = Path(path).read_bytes().decode("utf-8-sig", "replace")
        match = REGEX_YAML_BLOCK.search(text)
        if match:
            try:
                yaml.load(match.group(2), Loader=loader)
                parsed += 1
            except yaml.YAMLError:
                pass
    return parsed


def timed(function, paths: list[str], jobs: int) -> float:  # type: ignore[no-untyped-def]
    chunks = [paths[i : i + CHUNK] for i in range(0, len(paths), CHUNK)]
    start = time.perf_counter()
    with Pool(jobs) as pool:
        for _ in pool.imap_unordered(function, chunks):
            pass
    return time.perf_counter() - start


def peak_rss_mb() -> tuple[float, float]:
    scale = 1024 if sys.platform != "darwin" else 1024 * 1024
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / scale / 1024
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024 / scale / 1024
    return own, workers


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cards", type=int, default=10_000)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--sizes", default="", help="comma-separated card counts to compare (default: --cards)")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s] or [args.cards]
    print(f"jobs={args.jobs} python={sys.version.split()[0]}")
    with tempfile.TemporaryDirectory(prefix="auditor-bench-") as tmp:
        all_paths = generate(Path(tmp), max(sizes))
        for size in sizes:
            paths = all_paths[:size]
            parse_s = timed(parse_chunk, paths, args.jobs)
            audit_s = timed(audit_chunk, paths, args.jobs)
            own, worker = peak_rss_mb()
            print(
                f"cards={size} audit={size / audit_s:,.0f} cards/s ({audit_s:.2f}s) "
                f"parse-only floor={size / parse_s:,.0f} cards/s ({parse_s:.2f}s) "
                f"ratio audit/floor={parse_s / audit_s:.2f} "
                f"peak RSS parent={own:.0f} MB largest worker={worker:.0f} MB"
            )


if __name__ == "__main__":
    main()

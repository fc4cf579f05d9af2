"""Hub politeness and robustness on the loopback fake Hub: requests per repository cold and warm, time to give up.

    python benchmarks/hub_politeness.py [--cap 150]

1. Requests: 12 targets (7 pinned to a commit, 5 by branch; 4 of them also parents of others) audited twice with
   the same caches, as ``auditor audit`` does (``audit_many``, 4 workers); counts requests per repository (model
   metadata and files) and dataset cards.
2. Failing file: every request for README.md answers 503; time until the audit of one repository returns.
3. Stalled CDN: an LFS file's body trickles one byte every 2 s (never a read time-out); time until the download
   of that file gives up with the default settings (``--cap`` seconds at most are waited for).

It reads the fake Hub and fixtures from tests/conftest.py (which points huggingface_hub at it), so it also runs
against an older checkout of auditor (PYTHONPATH) that has no metadata cache or ``HubSource.download``.
"""

from __future__ import annotations

import argparse
import inspect
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.conftest import HUB  # noqa: E402  (sets HF_ENDPOINT/HF_HOME before huggingface_hub is imported)
from tests.fakehub import FakeRepo, Fault  # noqa: E402

PINNED = ["EleutherAI/pythia-6.9b", "mistralai/Mistral-7B-v0.1", "acme-open/open-7b", "huggyllama/llama-7b",
          "acme/cycle-b", "meta-llama/Llama-2-7b-hf", "acme/trained-on-nc"]  # fmt: skip
BY_BRANCH = ["teknium/OpenHermes-2.5-Mistral-7B", "HuggingFaceH4/zephyr-7b-beta", "acme/vicuna-like-delta",
             "acme/cycle-a", "acme/no-card"]  # fmt: skip


def make_source(work: Path, **options: Any) -> Any:
    from auditor.sources.hub import HubSource

    accepted = inspect.signature(HubSource).parameters
    settings = {"cache_dir": str(work / "hf"), "meta_dir": work / "meta", **options}
    return HubSource(**{k: v for k, v in settings.items() if k in accepted})


def repo_of(path: str) -> str:
    if "/resolve/" in path:
        return path.split("/resolve/")[0].lstrip("/")
    return path.split("?")[0].removeprefix("/api/models/").split("/revision/")[0]


def requests(work: Path) -> None:
    from auditor.api import audit_many

    targets = [f"{r}@{HUB.repos[('model', r)].branches['main']}" for r in PINNED] + BY_BRANCH
    for run in ("cold", "warm"):
        HUB.reset()
        started = time.monotonic()
        results = list(audit_many(targets, hub=make_source(work), workers=4))
        took = time.monotonic() - started
        errors = [r.error.message for r in results if r.error]
        log = HUB.log()
        datasets = sum(1 for _, p in log if p.startswith("/api/datasets/"))
        models = [p for _, p in log if not p.startswith("/api/datasets/")]
        repos = {repo_of(p) for p in models}
        per_repo = sorted(sum(1 for p in models if repo_of(p) == r) for r in repos)
        pinned = sum(1 for p in models if repo_of(p) in PINNED and repo_of(p) not in ("mistralai/Mistral-7B-v0.1",
                     "huggyllama/llama-7b", "acme/cycle-b"))  # fmt: skip
        print(f"{run}: {len(log)} requests in {took:.1f} s ({len(models)} for {len(repos)} repositories, "
              f"per repository {per_repo}; {datasets} dataset cards; {pinned} for pinned-only targets)"
              + (f"; errors: {errors}" if errors else ""))  # fmt: skip


def failing_file(work: Path) -> None:
    HUB.reset()
    HUB.inject(Fault("README.md", status=503))
    source = make_source(work / "failing")
    started = time.monotonic()
    try:
        facts = source.fetch("EleutherAI/pythia-6.9b", None, "x")
        outcome = f"returned with notes {[n.message[:80] for n in facts.access]}"
    except Exception as error:  # report whatever happened
        outcome = f"raised {type(error).__name__}: {str(error)[:120]}"
    readme = sum(1 for _, p in HUB.log() if p.endswith("README.md"))
    print(f"README.md answering 503: {time.monotonic() - started:.1f} s, {readme} README requests; {outcome}")


def stalled_cdn(work: Path, cap: float) -> None:
    HUB.reset()
    HUB.max_stall = 10_000.0
    HUB.add(FakeRepo("acme/slow-weights", {"model.bin": bytes(1024)}, lfs={"model.bin"}))
    HUB.inject(Fault("/cdn/", trickle=2.0))
    source = make_source(work / "stalled")
    sha = HUB.repos[("model", "acme/slow-weights")].branches["main"]
    outcome: list[str] = []

    def download() -> None:
        try:
            if hasattr(source, "download"):
                source.download("acme/slow-weights", "model.bin", sha)
            else:  # before: what smoke/runner.py called
                from huggingface_hub import hf_hub_download

                hf_hub_download("acme/slow-weights", "model.bin", revision=sha, cache_dir=source.cache_dir)
            outcome.append("finished")
        except Exception as error:
            outcome.append(f"{type(error).__name__}: {str(error)[:140]}")

    started = time.monotonic()
    worker = threading.Thread(target=download, daemon=True)
    worker.start()
    worker.join(cap)
    took = time.monotonic() - started
    state = outcome[0] if outcome else f"still downloading when the benchmark stopped waiting (--cap {cap:.0f})"
    print(f"stalled CDN body (1 byte / 2 s): {took:.1f} s; {state}")
    HUB.max_stall = 5.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cap", type=float, default=150.0, help="seconds to wait for the stalled download")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="auditor-hub-bench-") as folder:
        work = Path(folder)
        requests(work)
        failing_file(work)
        stalled_cdn(work, args.cap)
    HUB.stop()


if __name__ == "__main__":
    main()

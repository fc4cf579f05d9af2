"""Portfolio at scale: render the HTML portfolio (and the PR comment) for many models; print time and size.

    python benchmarks/portfolio_scale.py [--models 1000] [--browser]

Rows come from real audits of the cards in ../shared/data/cards (a few dozen), repeated under distinct names up to
--models, so each row carries what a real one does (reasons, obligations, licenses). Prints the render time
(median of 5), the page size and bytes per row, and the Markdown comment's size. With --browser (needs chromium),
also the time headless Chromium takes to load and lay out the page, to filter it by tier, and to sort it.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from auditor import audit_many  # noqa: E402
from auditor.render.html_format import portfolio_row, render_portfolio_rows  # noqa: E402
from auditor.render.markdown_format import render_markdown  # noqa: E402

CARDS = ROOT.parent / "shared" / "data" / "cards"


def timed(call, repeat: int = 5) -> tuple[float, object]:  # type: ignore[no-untyped-def]
    times, value = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        value = call()
        times.append(time.perf_counter() - start)
    return statistics.median(times), value


def browser_figures(page: Path) -> None:
    from tests.chromium import CHROMIUM, Browser

    if CHROMIUM is None:
        print("browser: chromium not installed")
        return
    with tempfile.TemporaryDirectory() as profile, Browser(Path(profile)) as browser:
        start = time.perf_counter()
        browser.open(page, width=1400, height=1000)
        browser.evaluate("document.body.getBoundingClientRect().height")  # forces layout
        loaded = time.perf_counter() - start
        rows = 'Array.from(document.querySelectorAll("table.models tbody tr"))'
        visible = f'{rows}.filter(r => getComputedStyle(r).display !== "none").length'
        start = time.perf_counter()
        browser.evaluate("document.querySelector('label[for=tier-fail]').click()")
        shown = browser.evaluate(visible)
        filtered = time.perf_counter() - start
        browser.evaluate("document.querySelector('label[for=tier-all]').click()")
        start = time.perf_counter()
        browser.evaluate("document.querySelector('th[data-sort]:nth-child(2)').click()")
        browser.evaluate("document.body.getBoundingClientRect().height")
        sorted_in = time.perf_counter() - start
    print(f"browser: load and layout {loaded * 1000:.0f} ms; filter to fail ({shown} rows) {filtered * 1000:.0f} ms; "
          f"sort by model {sorted_in * 1000:.0f} ms")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=int, default=1000)
    parser.add_argument("--browser", action="store_true", help="also measure load, filter and sort in Chromium")
    args = parser.parse_args()
    cards = sorted(str(p / "README.md") for p in CARDS.iterdir() if (p / "README.md").is_file())[:40]
    start = time.perf_counter()
    results = list(audit_many(cards, workers=1))
    print(f"audited {len(results)} real cards in {time.perf_counter() - start:.1f} s (rows are reused)")
    base = [portfolio_row(r, f"{i:04d}.html") for i, r in enumerate(results)]
    rows = []
    for i in range(args.models):
        row = dict(base[i % len(base)])
        row["model"] = f"{row['model']}-{i}"
        row["page"] = f"{i:04d}.html"
        rows.append(row)
    seconds, html = timed(lambda: render_portfolio_rows(rows))
    size = len(str(html).encode())
    print(f"portfolio: {args.models} models rendered in {seconds * 1000:.0f} ms (median of 5); "
          f"{size / 1024:.0f} KiB, {size / args.models:.0f} bytes per model")  # fmt: skip
    many = (results * (args.models // len(results) + 1))[: args.models]
    seconds, comment = timed(lambda: render_markdown(many), repeat=3)
    print(f"markdown: {args.models} models in {seconds * 1000:.0f} ms; {len(str(comment)):,} characters "
          f"(GitHub's limit is 65,536)")  # fmt: skip
    if args.browser:
        with tempfile.TemporaryDirectory() as folder:
            page = Path(folder) / "index.html"
            page.write_text(str(html), encoding="utf-8")
            browser_figures(page)


if __name__ == "__main__":
    main()

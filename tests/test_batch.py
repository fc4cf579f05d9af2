"""Batch audits: inputs, order, bounded memory, worker processes, streaming outputs, Ctrl-C and resume."""

from __future__ import annotations

import fcntl
import json
import os
import re
import signal
import struct
import subprocess
import sys
import termios
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from click.testing import CliRunner

from auditor.api import Auditor, audit_many
from auditor.batch import Jobs, open_sink, write_batch
from auditor.batch.inputs import snapshot_targets, target_lines
from auditor.batch.ordered import Batch, OrderedRunner
from auditor.batch.resume import read_finished
from auditor.batch.run import run_batch
from auditor.cli import cli
from auditor.judge import resolve_settings
from auditor.render.json_format import render_json
from tests.conftest import CARDS, CARDS_BULK, REPO_ROOT
from tests.fakehub import FakeHub

PYTHIA_CARD = str(CARDS / "EleutherAI__pythia-6.9b" / "README.md")
BULK = sorted(str(p) for p in CARDS_BULK.glob("*.md"))


def run(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), input=stdin, env={"SOURCE_DATE_EPOCH": "1700000000"})
    return result.exit_code, result.stdout, result.stderr


def lines_of(text: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in text.splitlines()]


def copies(folder: Path, count: int) -> list[str]:
    """``count`` real cards at distinct paths (the bulk cards, repeated)."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for index in range(count):
        path = folder / f"card-{index:05d}.md"
        path.write_bytes(Path(BULK[index % len(BULK)]).read_bytes())
        paths.append(str(path))
    return paths


# --- inputs -----------------------------------------------------------------------------------------------------
def test_target_lines_skip_blanks_and_comments() -> None:
    text = ["# header\n", "\n", "org/a\n", "  ./b.md   # trailing note\n", "org/c@v1\n", "   # indented comment\n"]
    assert list(target_lines(text)) == ["org/a", "./b.md", "org/c@v1"]


def test_from_stdin_with_comments_in_input_order() -> None:
    listing = f"# models to audit\n{BULK[1]}\n\n{BULK[0]}  # the first bulk card\n./nowhere.md\n"
    code, out, err = run("audit", "--from", "-", "--format", "jsonl", "--jobs", "2", stdin=listing)
    assert code == 2  # the missing file is an error result; the batch still wrote every line
    assert [row["target"] for row in lines_of(out)] == [BULK[1], BULK[0], "./nowhere.md"]
    assert "./nowhere.md: no such file or folder" in err
    assert "3 models in" in err and "1 error" in err


def test_snapshots_folder_and_hf_cache_layout(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    for name in ("b-model", "a-model"):
        (plain / name).mkdir(parents=True)
        (plain / name / "README.md").write_text("---\nlicense: mit\n---\n# M\n")
    (plain / "empty").mkdir()
    assert snapshot_targets(plain) == [str(plain / "a-model"), str(plain / "b-model")]
    cache = tmp_path / "hf" / "hub" / "models--org--name" / "snapshots" / ("a" * 40)
    cache.mkdir(parents=True)
    (cache / "README.md").write_text("---\nlicense: apache-2.0\n---\n# N\n")
    assert snapshot_targets(tmp_path / "hf") == [str(cache)]
    code, out, _ = run("audit", "--snapshots", str(plain), "--format", "jsonl", "--quiet")
    assert code == 0 and [row["license"]["declared"] for row in lines_of(out)] == [["mit"], ["mit"]]


def test_no_targets_is_a_usage_error(tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_text("# nothing yet\n")
    code, _, err = run("audit", "--from", str(empty))
    assert code == 2 and "no targets" in err


def test_hub_listing_gives_pinned_targets(hub: FakeHub) -> None:
    expected = {repo.repo_id for (kind, repo_id), repo in hub.repos.items()
                if kind == "model" and repo_id.startswith("acme/") and not repo.private}  # fmt: skip
    code, out, _ = run("audit", "--hub-author", "acme", "--format", "jsonl", "--quiet", "--rate", "500")
    rows = lines_of(out)
    assert code in (1, 2)  # some acme fixtures fail on purpose (cycles, non-commercial data, a disabled repo)
    targets = [str(row["target"]) for row in rows]
    assert {t.split("@")[0] for t in targets} == expected
    assert all(re.fullmatch(r"acme/[\w.-]+@[0-9a-f]{40}", t) for t in targets)


# --- order, workers, bounded memory ------------------------------------------------------------------------------
def test_outcomes_in_input_order_with_errors_in_place_across_processes_and_threads(hub: FakeHub) -> None:
    targets = [*BULK[:30], "./missing.md", "EleutherAI/pythia-6.9b", *BULK[30:45], "acme/does-not-exist"]
    outcomes = list(run_batch(targets, Auditor(resolve_settings()), how="jsonl", jobs=Jobs(2, 2)))
    assert [o.target for o in outcomes] == targets
    assert [o.index for o in outcomes] == list(range(len(targets)))
    assert [json.loads(o.text or "")["target"] for o in outcomes] == targets
    errors = {o.target: o.status for o in outcomes if o.status == "error"}
    assert errors == {"./missing.md": "error", "acme/does-not-exist": "error"}
    local = {o.pid for o in outcomes if o.target != "EleutherAI/pythia-6.9b" and o.target != "acme/does-not-exist"}
    assert os.getpid() not in local  # local targets were audited in worker processes
    hub_pids = {o.pid for o in outcomes if o.target in ("EleutherAI/pythia-6.9b", "acme/does-not-exist")}
    assert hub_pids == {os.getpid()}  # Hub targets in the parent's threads (one shared Hub source)
    assert hub.count("GET", "/api/models/EleutherAI/pythia-6.9b") == 1


def test_batch_results_equal_single_audits() -> None:
    targets = [PYTHIA_CARD, *BULK[:5]]
    outcomes = list(run_batch(targets, Auditor(resolve_settings()), how="result", jobs=Jobs(2, 2)))
    alone = list(audit_many(targets, workers=1))
    strip = lambda d: {k: v for k, v in d.items() if k != "generated_at"}  # noqa: E731
    assert [strip(o.result.to_dict()) for o in outcomes if o.result] == [strip(r.to_dict()) for r in alone]


def test_a_killed_worker_costs_only_its_chunks_and_the_batch_goes_on(tmp_path: Path) -> None:
    targets = copies(tmp_path / "cards", 600)
    outcomes, killed = [], 0
    for outcome in run_batch(targets, Auditor(resolve_settings()), how="jsonl", jobs=Jobs(2, 2)):
        outcomes.append(outcome)
        if len(outcomes) == 20:
            killed = outcome.pid
            os.kill(killed, signal.SIGKILL)
    assert [o.target for o in outcomes] == targets
    lost = [o for o in outcomes if o.status == "error"]
    assert lost and all("worker process auditing it stopped" in (o.error or "") for o in lost)
    assert len(lost) < len(targets) - 20  # later chunks went to a new pool
    assert killed not in {o.pid for o in outcomes[-50:]}


def test_one_job_audits_in_process() -> None:
    outcomes = list(run_batch(BULK[:5], Auditor(resolve_settings()), how="jsonl", jobs=Jobs(1, 1)))
    assert {o.pid for o in outcomes} == {os.getpid()}


def test_window_bounds_targets_in_flight_behind_a_slow_one() -> None:
    """The first target blocks until the window is full; nothing past the window is taken before it is done."""
    window, total = 8, 40
    release, first_done = threading.Event(), threading.Event()
    requested_while_first_pending: list[int] = []

    def work(index: int) -> list[int]:
        if index == 0:
            release.wait(30)
            first_done.set()
        return [index]

    def batches(pool: ThreadPoolExecutor):  # type: ignore[no-untyped-def]
        for index in range(total):
            if index >= window and not first_done.is_set():
                requested_while_first_pending.append(index)
            if index == window - 1:
                release.set()  # the window is about to be full: let the slow first target finish
            yield Batch(1, lambda i=index: pool.submit(work, i), lambda error, i=index: [-i])

    runner: OrderedRunner[int] = OrderedRunner(window)
    with ThreadPoolExecutor(4) as pool:
        results = list(runner.run(batches(pool)))
    assert results == list(range(total))
    assert runner.peak == window  # the window was reached …
    assert requested_while_first_pending == []  # … and not exceeded while the slow target held the head


def test_a_lost_batch_becomes_error_results_in_place() -> None:
    def broken() -> Future[list[str]]:
        future: Future[list[str]] = Future()
        future.set_exception(RuntimeError("worker died"))
        return future

    def ok(value: str) -> Future[list[str]]:
        future: Future[list[str]] = Future()
        future.set_result([value])
        return future

    batches = [
        Batch(1, lambda: ok("a"), lambda e: ["lost a"]),
        Batch(2, broken, lambda e: [f"lost b: {e}", f"lost c: {e}"]),
        Batch(1, lambda: ok("d"), lambda e: ["lost d"]),
    ]
    assert list(OrderedRunner[str](4).run(batches)) == ["a", "lost b: worker died", "lost c: worker died", "d"]


# --- outputs -----------------------------------------------------------------------------------------------------
def test_json_list_is_streamed_item_by_item_and_equals_the_whole_document(tmp_path: Path) -> None:
    targets = [PYTHIA_CARD, *BULK[:4]]
    code, out, _ = run("audit", *targets, "--format", "json", "--jobs", "2")
    os.environ["SOURCE_DATE_EPOCH"] = "1700000000"
    try:
        expected = render_json(list(audit_many(targets, workers=1)))
    finally:
        del os.environ["SOURCE_DATE_EPOCH"]
    assert code in (0, 1) and out == expected


def test_jsonl_file_is_written_as_results_complete(tmp_path: Path) -> None:
    output = tmp_path / "out.jsonl"
    seen: list[int] = []
    sink = open_sink("jsonl", output, 6)
    original = sink.write

    def spy(outcome):  # type: ignore[no-untyped-def]
        original(outcome)
        seen.append(len(output.read_text().splitlines()))  # already on disk, flushed

    sink.write = spy  # type: ignore[method-assign]
    tally = write_batch(BULK[:6], Auditor(resolve_settings()), sink, jobs=Jobs(2, 2))
    assert seen == [1, 2, 3, 4, 5, 6] and tally.done == 6
    assert [row["target"] for row in lines_of(output.read_text())] == BULK[:6]


def test_html_folder_gets_a_page_per_model_and_the_portfolio(tmp_path: Path) -> None:
    folder = tmp_path / "report"
    targets = [PYTHIA_CARD, *BULK[:3], "./missing.md"]
    code, _, err = run("audit", *targets, "--format", "html", "--output", str(folder), "--jobs", "2", "--quiet")
    assert code == 2 and "and 5 pages" in err
    pages = sorted(p.name for p in folder.glob("*.html") if p.name != "index.html")
    assert len(pages) == 5 and pages[0].startswith("01-") and pages[-1].startswith("05-")
    index = (folder / "index.html").read_text()
    assert all(f'href="{page}"' in index for page in pages)
    assert "pythia" in (folder / pages[0]).read_text()


def test_resume_with_another_format_is_a_usage_error(tmp_path: Path) -> None:
    code, _, err = run("audit", PYTHIA_CARD, "--resume", str(tmp_path / "r.jsonl"), "--format", "json")
    assert code == 2 and "--resume" in err


def test_summary_and_no_progress_bar_when_stderr_is_not_a_terminal() -> None:
    code, _, err = run("audit", *BULK[:3], "--format", "jsonl")
    assert code in (0, 1)
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("auditor: 3 models in ") and "pass" in lines[0]
    assert "\r" not in err


def test_progress_bar_on_a_terminal(tmp_path: Path) -> None:
    primary, secondary = os.openpty()
    fcntl.ioctl(secondary, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))  # a 120-column terminal
    listing = tmp_path / "list.txt"
    listing.write_text("\n".join(BULK[:20]) + "\n")
    proc = subprocess.run(
        [sys.executable, "-m", "auditor", "audit", "--from", str(listing), "--format", "jsonl", "--jobs", "2"],
        stdout=subprocess.DEVNULL, stderr=secondary, timeout=120, cwd=REPO_ROOT,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
    )  # fmt: skip
    os.close(secondary)
    chunks = []
    while True:
        try:
            chunk = os.read(primary, 65536)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(primary)
    shown = b"".join(chunks).decode(errors="replace")
    assert proc.returncode in (0, 1)
    assert "20/20" in shown and "model/s" in shown  # done/total and the rate
    assert "auditor: 20 models in" in shown


# --- Ctrl-C and resume ---------------------------------------------------------------------------------------------
def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "auditor", "audit", *args]


def test_interrupt_keeps_valid_jsonl_and_resume_finishes_without_redoing(tmp_path: Path) -> None:
    targets = copies(tmp_path / "cards", 2500)
    listing, output = tmp_path / "targets.txt", tmp_path / "out.jsonl"
    listing.write_text("\n".join(targets) + "\n")
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    command = _cli("--from", str(listing), "--format", "jsonl", "--output", str(output), "--jobs", "2")
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=REPO_ROOT)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if output.exists() and output.stat().st_size > 0 and output.read_bytes().count(b"\n") >= 50:
            break
        time.sleep(0.02)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    stderr = err.decode()
    assert proc.returncode == 130, stderr
    assert "Traceback" not in stderr
    assert f"--resume {output}" in stderr
    text = output.read_text()
    assert text.endswith("\n")
    rows = lines_of(text)  # every line is a whole JSON object
    assert 50 <= len(rows) < len(targets), "the run was not interrupted mid-way"
    assert [row["target"] for row in rows] == targets[: len(rows)]  # in input order, no gap
    assert f"{len(rows)} of {len(targets)} results written" in stderr
    # Resume: only the rest is audited and appended.
    resumed = subprocess.run(
        _cli("--from", str(listing), "--resume", str(output), "--jobs", "2"),
        capture_output=True, text=True, env=env, cwd=REPO_ROOT, timeout=300,
    )  # fmt: skip
    assert resumed.returncode in (0, 1), resumed.stderr
    assert f"wrote {len(targets) - len(rows)} lines" in resumed.stderr
    assert f"{len(rows):,} already done" in resumed.stderr
    final = lines_of(output.read_text())
    assert [row["target"] for row in final] == targets  # each target once, the first part untouched


def test_resume_drops_a_truncated_last_line_and_error_lines(tmp_path: Path) -> None:
    output = tmp_path / "out.jsonl"
    targets = [*BULK[:3], str(tmp_path / "later.md")]
    code, out, _ = run("audit", *targets, "--format", "jsonl", "--quiet")
    rows = out.splitlines(keepends=True)
    assert json.loads(rows[3])["verdict"]["status"] == "error"  # later.md does not exist yet
    output.write_text(rows[0] + rows[3] + rows[1] + rows[2][: len(rows[2]) // 2])  # cut mid-line
    finished = read_finished(output)
    assert finished.dropped == 2 and len(finished) == 2
    assert output.read_text() == rows[0] + rows[1]  # rewritten without the error line and the cut one
    (tmp_path / "later.md").write_text("---\nlicense: mit\n---\n# Later\n")
    code, _, err = run("audit", *targets, "--resume", str(output))
    assert code in (0, 1)
    final = lines_of(output.read_text())
    assert [row["target"] for row in final] == [targets[0], targets[1], targets[2], targets[3]]
    assert final[3]["verdict"]["status"] != "error" and "2 already done" in err


def test_resume_refuses_a_file_that_is_not_auditor_output(tmp_path: Path) -> None:
    output = tmp_path / "other.jsonl"
    output.write_text('{"not": "ours"}\n{"also": "not"}\n')
    code, _, err = run("audit", PYTHIA_CARD, "--resume", str(output))
    assert code == 2 and "other.jsonl:1: not an auditor JSON Lines result" in err

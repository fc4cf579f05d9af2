"""The harness itself: it reports exit codes, peak memory and hangs truthfully."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.hostile.harness import assert_clean, run_auditor


def test_clean_run_reports_exit_code_and_peak_memory(tmp_path: Path) -> None:
    card = tmp_path / "README.md"
    card.write_text("---\nlicense: mit\n---\n# A model\n", encoding="utf-8")
    outcome = run_auditor("audit", str(card), "--format", "json")
    assert_clean(outcome)
    assert '"schema_version"' in outcome.stdout
    assert outcome.peak_rss_mb is not None and 10 < outcome.peak_rss_mb < 2048


def test_usage_error_is_exit_2_without_traceback() -> None:
    outcome = run_auditor("audit", "./no/such/README.md")
    assert_clean(outcome, codes=(2,))
    assert outcome.stderr.startswith("auditor:")


def test_a_run_over_its_time_limit_is_reported_as_hung() -> None:
    outcome = run_auditor("--help", timeout=0.001)  # no interpreter starts this fast
    assert outcome.timed_out
    with pytest.raises(AssertionError, match="hung"):
        assert_clean(outcome)

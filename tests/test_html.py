"""HTML reports: self-contained pages and a portfolio; hostile card text never runs in real headless Chromium."""

from __future__ import annotations

import re
import shutil
import subprocess
from html import unescape
from pathlib import Path

import pytest
from click.testing import CliRunner

from auditor import audit
from auditor.cli import cli
from auditor.render.html_format import render_page, write_html
from tests.conftest import CARDS

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
HOSTILE = """---
license: other
license_name: "</style><script>document.title='PWNED-NAME'</script>"
base_model: "<img src=x onerror=\\"document.title='PWNED-BASE'\\">"
tags: ["<script>document.title='PWNED-TAG'</script>"]
---
# <script>document.title='PWNED-HEADING'</script>

<img src=x onerror="document.title='PWNED-IMG'">
[click me](javascript:document.title='PWNED-LINK')
<a href="javascript:alert(1)">js</a>
</style><script>document.title='PWNED-STYLE'</script>
This model is licensed under the MIT License. Code: https://github.com/acme/x"><script>alert(3)</script>
"""


def chromium(*args: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
             f"--user-data-dir={tmp_path / 'chromium-profile'}"]  # fmt: skip
    return subprocess.run([CHROMIUM, *flags, *args], capture_output=True, text=True, timeout=120)


def hostile_report(tmp_path: Path) -> Path:
    card = tmp_path / "README.md"
    card.write_text(HOSTILE, encoding="utf-8")
    page = tmp_path / "report.html"
    page.write_text(render_page(audit(str(card))), encoding="utf-8")
    return page


def test_card_text_is_escaped_and_only_http_links_are_links(tmp_path: Path) -> None:
    html = hostile_report(tmp_path).read_text()
    assert "<script>" not in html.split("</head>", 1)[1]  # the only script tags would come from the card
    assert "&lt;/style&gt;&lt;script&gt;document.title=&#39;PWNED-NAME&#39;&lt;/script&gt;" in html
    assert not re.search(r'href="(?!https?://|index\.html)', html)
    assert 'href="javascript:' not in html
    assert "script-src 'none'" in unescape(html)


@pytest.mark.skipif(CHROMIUM is None, reason="Debian chromium is not installed (.ci/run installs it)")
def test_no_card_script_runs_in_headless_chromium(tmp_path: Path) -> None:
    page = hostile_report(tmp_path)
    dom = chromium("--dump-dom", page.as_uri(), tmp_path=tmp_path).stdout
    title = re.search(r"<title>(.*?)</title>", dom, re.S)
    assert title is not None and title.group(1).startswith("auditor report:")
    assert "PWNED" not in title.group(1)
    assert "&lt;/style&gt;&lt;script&gt;document.title='PWNED-NAME'&lt;/script&gt;" in dom  # shown literally, as text
    assert re.search(r"<img\b", dom) is None and re.search(r"<script\b", dom) is None  # no card element exists
    assert re.search(r"<a [^>]*href=\"javascript:", dom) is None
    screenshot = tmp_path / "hostile.png"
    chromium(f"--screenshot={screenshot}", "--window-size=1200,1600", page.as_uri(), tmp_path=tmp_path)
    assert screenshot.exists() and screenshot.stat().st_size > 10_000


@pytest.mark.skipif(CHROMIUM is None, reason="Debian chromium is not installed (.ci/run installs it)")
def test_portfolio_runs_only_its_own_sorting_script(tmp_path: Path) -> None:
    card = tmp_path / "card" / "README.md"
    card.parent.mkdir()
    card.write_text(HOSTILE, encoding="utf-8")
    results = [audit(str(card)), audit(str(CARDS / "EleutherAI__pythia-6.9b" / "README.md"))]
    written = write_html(results, tmp_path / "site")
    assert written[0].name == "index.html" and len(written) == 3
    dom = chromium("--dump-dom", written[0].as_uri(), tmp_path=tmp_path).stdout
    assert 'data-sortable="ready"' in dom  # our hashed script ran
    assert "PWNED" not in re.search(r"<title>(.*?)</title>", dom, re.S).group(1)  # type: ignore[union-attr]
    links = re.findall(r'<a href="([^"]+)">', written[0].read_text())
    assert sorted(links) == sorted(p.name for p in written[1:])


def test_report_sections_and_cli_output_folder(tmp_path: Path, hub) -> None:  # type: ignore[no-untyped-def]
    html = render_page(audit("NousResearch/Hermes-2-Theta-Llama-3-8B"))
    for section in ("License", "Openness", "Model Openness Framework", "OSI Open Source AI Definition", "Lineage",
                    "Findings", "Reproduce"):  # fmt: skip
        assert section in html
    assert "NousResearch/Hermes-2-Pro-Llama-3-8B" in html and "LINEAGE-LICENSE-CONFLICT" in html
    assert "auditor audit NousResearch/Hermes-2-Theta-Llama-3-8B@" in html  # pinned to the audited commit
    out = tmp_path / "reports"
    result = CliRunner().invoke(cli, ["audit", str(CARDS / "EleutherAI__pythia-6.9b" / "README.md"),
                                      str(CARDS / "microsoft__phi-2" / "README.md"), "--format", "html",
                                      "--output", str(out)])  # fmt: skip
    assert result.exit_code == 0 and (out / "index.html").exists() and len(list(out.glob("*.html"))) == 3

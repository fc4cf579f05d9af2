"""HTML reports: a summary a reviewer acts on, a failing-first portfolio; hostile card text never runs in real
headless Chromium. Screenshots are saved under the test's tmp dir and, with AUDITOR_SCREENSHOTS=DIR, into DIR."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
import shutil
from html import unescape
from pathlib import Path

import pytest
from click.testing import CliRunner

from auditor import audit, audit_many
from auditor.cli import cli
from auditor.facts import WeightFile
from auditor.render.html_format import render_page, render_portfolio, write_html
from auditor.weights.quantization import gguf_quantization
from tests.chromium import CHROMIUM, Browser
from tests.conftest import CARDS

needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="Debian chromium is not installed (.ci/run installs it)")
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
LLAMA2 = CARDS / "NousResearch__Llama-2-7b-chat-hf" / "README.md"
OWN_LINK = re.compile(r'href="(https?://|#[a-z0-9-]+"|index\.html"|\d\d-[\w.-]+\.(html|json)"|[\w.-]+\.json")')
VISIBLE_ROWS = (
    'Array.from(document.querySelectorAll("table.models tbody tr")).filter(r => getComputedStyle(r).display !== "none")'
)


def save_screenshot(browser: Browser, name: str, tmp_path: Path) -> Path:
    """A full-page PNG in the test's tmp dir, copied to $AUDITOR_SCREENSHOTS when it is set."""
    folder = tmp_path / "screenshots"
    folder.mkdir(exist_ok=True)
    shot = browser.screenshot(folder / name)
    wanted = os.environ.get("AUDITOR_SCREENSHOTS")
    if wanted:
        Path(wanted).mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, Path(wanted) / name)
    return shot


def hostile_report(tmp_path: Path) -> Path:
    card = tmp_path / "README.md"
    card.write_text(HOSTILE, encoding="utf-8")
    page = tmp_path / "report.html"
    page.write_text(render_page(audit(str(card))), encoding="utf-8")
    return page


def evil_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "acme__evil"
    folder.mkdir()
    (folder / "README.md").write_text("---\nlicense: apache-2.0\n---\n# evil\n")
    # Pickle opcodes that would call os.system on load, written by hand: nothing is pickled or unpickled.
    code = b"\x80\x04\x8c\x05posix\x94\x8c\x06system\x94\x93\x94\x8c\x04echo\x94\x85\x94R\x94."
    (folder / "pytorch_model.bin").write_bytes(code)
    return folder


def test_card_text_is_escaped_and_only_http_links_are_links(tmp_path: Path) -> None:
    html = hostile_report(tmp_path).read_text()
    assert "<script>" not in html.split("</head>", 1)[1]  # the only script tags would come from the card
    assert "&lt;/style&gt;&lt;script&gt;document.title=&#39;PWNED-NAME&#39;&lt;/script&gt;" in html
    hrefs = re.findall(r'href="[^"]*"?', html)
    assert hrefs and all(OWN_LINK.match(h) for h in hrefs), [h for h in hrefs if not OWN_LINK.match(h)]
    assert 'href="javascript:' not in html
    assert "script-src 'none'" in unescape(html)


def test_bidi_overrides_in_a_card_are_shown_not_applied(tmp_path: Path) -> None:
    card = tmp_path / "README.md"
    card.write_text('---\nlicense: other\nlicense_name: "evil\u202etxt.exe\u2066x\u2069"\n---\n# x\n')
    html = render_page(audit(str(card)))
    assert not re.search("[\u202a-\u202e\u2066-\u2069]", html)
    assert "evil\\u202etxt.exe\\u2066x\\u2069" in html


@needs_chromium
def test_no_card_script_runs_in_headless_chromium(tmp_path: Path) -> None:
    page = hostile_report(tmp_path)
    with Browser(tmp_path / "profile") as browser:
        browser.open(page)
        assert browser.evaluate("document.title").startswith("auditor report:")
        assert "PWNED" not in browser.evaluate("document.title")
        assert browser.evaluate("document.querySelectorAll('img, script, iframe, object').length") == 0
        assert browser.evaluate("document.querySelectorAll('a[href^=\"javascript:\"]').length") == 0
        shown = browser.evaluate("document.body.innerText")
        assert "</style><script>document.title='PWNED-NAME'</script>" in shown  # shown literally, as text
        shot = save_screenshot(browser, "hostile-card.png", tmp_path)
    assert shot.stat().st_size > 10_000


@needs_chromium
def test_summary_of_a_llama_2_card_comes_first_with_tier_reasons_and_obligations(tmp_path: Path) -> None:
    result = audit(str(LLAMA2))
    page = tmp_path / "llama2.html"
    page.write_text(render_page(result), encoding="utf-8")
    with Browser(tmp_path / "profile") as browser:
        browser.open(page, width=1280, height=900)
        summary = browser.evaluate("document.querySelector('#summary').innerText")
        assert "CONDITIONS" in summary and "pass with conditions" in summary
        # The Llama 2 Community License's conditions, in plain words, each with its source.
        for duty in ("acceptable-use policy", "700,000,000 monthly active users", "improve other models"):
            assert duty in summary, duty
        sources = browser.evaluate("Array.from(document.querySelectorAll('#summary .checklist a')).map(a => a.href)")
        assert len(sources) >= 3 and all(s == "https://ai.meta.com/llama/license/" for s in sources)
        assert "Llama 2 Community License Agreement" in summary and "LicenseRef-Llama-2-Community" in summary
        # It is the first thing on the page and fits the first screen; the evidence sections follow it.
        top = browser.evaluate("document.querySelector('#summary').getBoundingClientRect().top")
        license_top = browser.evaluate("document.querySelector('#license').getBoundingClientRect().top")
        assert top < 200 and license_top > top
        assert browser.evaluate("document.querySelector('#summary .checklist').getBoundingClientRect().top") < 900
        # Commercial use "conditional" is coloured differently from "allowed" (amber, not green).
        colour = browser.evaluate("getComputedStyle(document.querySelector('#summary .pill.warn')).backgroundColor")
        assert colour == "rgb(255, 248, 197)"
        osaid = browser.evaluate("document.querySelector('#summary dl').innerText")
        assert "✗ not conformant" in osaid
        save_screenshot(browser, "report-llama-2.png", tmp_path)
        browser.call("Emulation.setEmulatedMedia", browser.session, media="print")
        assert browser.evaluate("getComputedStyle(document.querySelector('nav.toc')).display") == "none"


@needs_chromium
def test_a_code_running_pickle_is_blocking_at_the_top(tmp_path: Path) -> None:
    page = tmp_path / "evil.html"
    page.write_text(render_page(audit(str(evil_folder(tmp_path)))), encoding="utf-8")
    with Browser(tmp_path / "profile") as browser:
        browser.open(page)
        blocking = browser.evaluate("document.querySelector('#summary .blocking').innerText")
        assert "WEIGHTS-UNSAFE-PICKLE" in blocking and "Pickle imports that can run code" in blocking
        assert browser.evaluate("document.querySelector('#summary .blocking').getBoundingClientRect().top") < 400
        # The weights tile carries the finding next to its openness status; the weights table says what runs.
        tile = browser.evaluate("document.querySelector('#summary svg').textContent")
        assert "finding" in tile
        weights = browser.evaluate("document.querySelector('#weights').nextElementSibling.innerText")
        assert "runs code" in weights and "posix.system" in weights
        anchor = browser.evaluate("document.querySelector('#summary .blocking a').getAttribute('href')")
        assert browser.evaluate(f"document.querySelector('{anchor}').innerText").startswith("WEIGHTS-UNSAFE-PICKLE")
        save_screenshot(browser, "report-unsafe-pickle.png", tmp_path)


def _portfolio_targets(tmp_path: Path) -> list[str]:
    hostile = tmp_path / "hostile" / "README.md"
    hostile.parent.mkdir()
    hostile.write_text(HOSTILE, encoding="utf-8")
    names = ["EleutherAI__pythia-6.9b", "NousResearch__Llama-2-7b-chat-hf", "CohereForAI__c4ai-command-r-plus",
             "microsoft__phi-2", "TheBloke__Llama-2-7B-GGUF"]  # fmt: skip
    return [str(CARDS / n / "README.md") for n in names] + [str(evil_folder(tmp_path)), str(hostile)]


@needs_chromium
def test_portfolio_lists_failing_first_filters_sorts_and_runs_only_its_own_script(tmp_path: Path) -> None:
    results = list(audit_many(_portfolio_targets(tmp_path), workers=1))
    statuses = [r.verdict.status for r in results]
    assert {"fail", "conditions", "pass"} <= set(statuses)
    written = write_html(results, tmp_path / "site")
    assert written[0].name == "index.html" and len(written) == len(results) + 1
    with Browser(tmp_path / "profile") as browser:
        browser.open(written[0], width=1400, height=1000)
        assert browser.evaluate("document.body.dataset.sortable") == "ready"  # our hashed script ran
        assert "PWNED" not in browser.evaluate("document.title")
        tiers = browser.evaluate(f"{VISIBLE_ROWS}.map(r => r.className.split(' ')[0])")
        order = {"t-fail": 0, "t-error": 1, "t-conditions": 2, "t-pass": 3}
        assert tiers == sorted(tiers, key=order.__getitem__) and len(tiers) == len(results)
        assert tiers.count("t-fail") == statuses.count("fail")
        counts = browser.evaluate("document.querySelector('.counts').innerText")
        assert f"{statuses.count('fail')}\nfail" in counts and f"{statuses.count('pass')}\npass" in counts
        reason = browser.evaluate("document.querySelector('tr.t-fail td.reason').innerText")
        assert reason.strip() not in ("", "–")
        save_screenshot(browser, "portfolio.png", tmp_path)
        browser.evaluate("document.querySelector('label[for=tier-fail]').click()")
        assert set(browser.evaluate(f"{VISIBLE_ROWS}.map(r => r.className.split(' ')[0])")) == {"t-fail"}
        browser.evaluate("document.querySelector('label[for=tier-all]').click()")
        categories = browser.evaluate(f"{VISIBLE_ROWS}.length")
        assert categories == len(results)
        browser.evaluate("document.querySelector('th[data-sort]:nth-child(2)').click()")  # sort by model name
        names = browser.evaluate(f"{VISIBLE_ROWS}.map(r => r.cells[1].querySelector('a').textContent)")
        assert names == sorted(names, key=str.lower)
    links = re.findall(r'<a href="([^"]+)">', written[0].read_text())
    assert sorted(links) == sorted(p.name for p in written[1:])


def test_portfolio_puts_failing_rows_first_without_a_browser(tmp_path: Path) -> None:
    results = list(audit_many(_portfolio_targets(tmp_path), workers=1))
    html = render_portfolio(results)
    tiers = re.findall(r'<tr class="t-(\w+) c-\d+">', html)
    assert tiers == sorted(tiers, key=["fail", "error", "conditions", "pass"].index)
    assert len(tiers) == len(results)


def test_report_sections_json_sibling_and_cli_output_folder(tmp_path: Path, hub) -> None:  # type: ignore[no-untyped-def]
    html = render_page(audit("NousResearch/Hermes-2-Theta-Llama-3-8B"))
    for section in ("License", "Openness", "Model Openness Framework", "OSI Open Source AI Definition", "Lineage",
                    "Weights", "Findings", "Audit details"):  # fmt: skip
        assert section in html
    assert "NousResearch/Hermes-2-Pro-Llama-3-8B" in html and "LINEAGE-LICENSE-CONFLICT" in html
    assert "auditor audit NousResearch/Hermes-2-Theta-Llama-3-8B@" in html  # pinned to the audited commit
    assert 'href="https://huggingface.co/NousResearch/Hermes-2-Theta-Llama-3-8B/tree/' in html
    out = tmp_path / "reports"
    result = CliRunner().invoke(cli, ["audit", str(CARDS / "EleutherAI__pythia-6.9b" / "README.md"),
                                      str(CARDS / "microsoft__phi-2" / "README.md"), "--format", "html",
                                      "--output", str(out)])  # fmt: skip
    assert result.exit_code == 0 and (out / "index.html").exists() and len(list(out.glob("*.html"))) == 3
    for page in sorted(out.glob("0*.html")):
        sibling = page.with_suffix(".json")
        assert f'href="{sibling.name}"' in page.read_text() and json.loads(sibling.read_text())["schema_version"]
    single = tmp_path / "one.html"
    assert CliRunner().invoke(cli, ["audit", str(LLAMA2), "--format", "html", "--output", str(single)]).exit_code == 0
    assert json.loads((tmp_path / "one.json").read_text())["verdict"]["status"] == "conditions"


@needs_chromium
def test_weights_and_training_data_of_the_real_all_minilm_reach_the_page(tmp_path: Path, hub) -> None:  # type: ignore[no-untyped-def]
    from tests.test_sbom import MINILM, serve_minilm

    folder, declared = serve_minilm(hub)
    real_sha = hashlib.sha256((folder / "model.safetensors").read_bytes()).hexdigest()
    page = tmp_path / "minilm.html"
    page.write_text(render_page(audit(MINILM), json_href="minilm.json"), encoding="utf-8")
    with Browser(tmp_path / "profile") as browser:
        browser.open(page)
        weights = browser.evaluate("document.querySelector('#weights ~ table').innerText")
        assert "model.safetensors" in weights and real_sha in weights and "safetensors" in weights
        assert re.search(r"\b22\.7 M\b", weights) and "F32" in weights
        assert "BertModel" in browser.evaluate("document.querySelector('#weights ~ p').innerText")
        datasets = browser.evaluate(
            "Array.from(document.querySelectorAll('#lineage ~ table tbody tr'))"
            ".filter(r => r.cells[1].textContent === 'training').map(r => r.cells[0].textContent)"
        )
        assert datasets == list(declared)
        hub_link = browser.evaluate(
            "document.querySelector('header.top .links a[href^=\"https://huggingface.co/\"]').href"
        )
        assert hub_link.startswith(f"https://huggingface.co/{MINILM}/tree/")
        save_screenshot(browser, "report-all-minilm-l6-v2.png", tmp_path)


def test_weights_table_shows_formats_quantization_hashes_and_pickle_scan(tmp_path: Path) -> None:
    result = audit(str(evil_folder(tmp_path)))
    elements = {"Q4_K": 6_000_000_000, "Q6_K": 700_000_000, "F32": 38_415_616}
    gguf = WeightFile("model.Q4_K_M.gguf", "gguf", 4_080_000_000, "cd" * 32, tensors=291, parameters=6_738_415_616,
                      dtypes=("F32", "Q4_K", "Q6_K"),
                      quantization=gguf_quantization({"general.file_type": 15}, elements))  # fmt: skip
    plain = WeightFile("model.safetensors", "safetensors", 90_868_376, None, tensors=101, parameters=22_713_216,
                       dtypes=("F32", "I64"))  # fmt: skip
    facts = dataclasses.replace(result.facts, weights=(*(result.facts.weights or ()), gguf, plain))
    html = render_page(dataclasses.replace(result, facts=facts))
    table = html.split('id="weights"', 1)[1].split("</table>", 1)[0]
    rows = {re.search(r'<td class="mono break">([^<]+)</td>', r).group(1): r for r in table.split("<tr>")[2:]}  # type: ignore[union-attr]
    assert "<td>gguf Q4_K_M 4-bit, 4.8" in rows["model.Q4_K_M.gguf"] and "cd" * 32 in rows["model.Q4_K_M.gguf"]
    assert "6.74 B" in rows["model.Q4_K_M.gguf"] and "3.8 GiB" in rows["model.Q4_K_M.gguf"]
    assert (
        "<td>–</td>" in rows["model.safetensors"] and "22.7 M" in rows["model.safetensors"]
    )  # int64 ids: not quantized
    assert "runs code" in rows["pytorch_model.bin"] and "posix.system" in rows["pytorch_model.bin"]
    assert "6.74 B parameters in gguf" in html and "22.7 M parameters in safetensors" in html

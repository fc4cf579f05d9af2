"""Where a batch's outcomes go, written as they arrive (in input order) wherever the format allows.

- JSON Lines: one line per model, flushed after each, to standard output or a file (appended to on resume).
- JSON: a list written item by item and closed at the end (or on interrupt), so it is always valid JSON.
- HTML to a folder: one page per model as it completes, then ``index.html`` (the portfolio) from small rows.
- Every other format (text, Markdown, SARIF, JUnit, SPDX, CycloneDX) is one document over all models: those
  results are held until the end, so memory grows with the number of models.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import IO, Any, Protocol

from auditor.batch.work import Outcome, Render
from auditor.errors import InputError


class Sink(Protocol):
    """Receives outcomes in input order; ``close`` finishes the output and says what was written."""

    how: Render

    def write(self, outcome: Outcome) -> None: ...

    def close(self) -> str | None: ...


def open_sink(
    fmt: str, output: Path | None, total: int, *, append: bool = False, full_report: str | None = None
) -> Sink:
    """The sink for a format and destination (standard output when ``output`` is None); ``full_report`` is where
    the Markdown report points when it must leave models out."""
    if fmt == "jsonl":
        return JsonLinesSink(_open(output, "a" if append else "w"), output)
    if fmt == "json":
        return JsonSink(_open(output, "w"), output, total)
    if fmt == "html" and output is not None and not (total == 1 and output.suffix.lower() in (".html", ".htm")):
        return HtmlFolderSink(output)
    return DocumentSink(fmt, output, full_report)


def _open(output: Path | None, mode: str) -> IO[str]:
    if output is None:
        return sys.stdout
    try:
        return output.open(mode, encoding="utf-8")
    except OSError as error:
        raise InputError(f"cannot write {output}: {error.strerror}") from error


class JsonLinesSink:
    how: Render = "jsonl"

    def __init__(self, stream: IO[str], output: Path | None) -> None:
        self.stream, self.output, self.lines = stream, output, 0

    def write(self, outcome: Outcome) -> None:
        assert outcome.text is not None
        self.stream.write(outcome.text)
        self.stream.flush()
        self.lines += 1

    def close(self) -> str | None:
        if self.output is None:
            return None
        self.stream.close()
        return f"wrote {self.lines} lines to {self.output}"


class JsonSink:
    """One model: its object. Several: a list, as ``render_json`` writes it, item by item."""

    how: Render = "json"

    def __init__(self, stream: IO[str], output: Path | None, total: int) -> None:
        self.stream, self.output, self.single, self.items = stream, output, total == 1, 0

    def write(self, outcome: Outcome) -> None:
        assert outcome.text is not None
        if self.single:
            self.stream.write(outcome.text)
        else:
            item = "  " + outcome.text.replace("\n", "\n  ")
            self.stream.write(("[\n" if not self.items else ",\n") + item)
        self.stream.flush()
        self.items += 1

    def close(self) -> str | None:
        if self.single:
            self.stream.write("\n")
        else:
            self.stream.write("\n]\n" if self.items else "[]\n")
        self.stream.flush()
        if self.output is None:
            return None
        self.stream.close()
        return f"wrote {self.output}"


class HtmlFolderSink:
    """A folder: one page per model as it completes; the portfolio (``index.html``) at the end."""

    how: Render = "html"

    def __init__(self, folder: Path) -> None:
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise InputError(f"cannot write {folder}: {error.strerror}") from error
        self.folder = folder
        self.rows: list[dict[str, Any]] = []  # one small row per model, for the portfolio

    def write(self, outcome: Outcome) -> None:
        assert outcome.page is not None
        outcome.page.write(self.folder)
        self.rows.append(outcome.page.row)

    def close(self) -> str:
        from auditor.render.html_format import render_portfolio_rows

        index = self.folder / "index.html"
        index.write_text(render_portfolio_rows(self.rows), encoding="utf-8")
        return f"wrote {index} and {len(self.rows)} pages"


class DocumentSink:
    """A format that is one document over every model: results are held, then rendered at the end."""

    how: Render = "result"

    def __init__(self, fmt: str, output: Path | None, full_report: str | None = None) -> None:
        self.fmt, self.output, self.full_report = fmt, output, full_report
        self.results: list[Any] = []

    def write(self, outcome: Outcome) -> None:
        self.results.append(outcome.result)

    def _render(self) -> str:
        from auditor.render import RENDERERS
        from auditor.render.markdown_format import render_markdown

        if self.fmt == "md":
            return render_markdown(self.results, full_report=self.full_report)
        return RENDERERS[self.fmt](self.results)

    def close(self) -> str | None:
        if self.output is None:
            sys.stdout.write(self._render())
            sys.stdout.flush()
            return None
        try:
            if self.fmt == "html":
                from auditor.render.html_format import write_html

                written = write_html(self.results, self.output)
                return f"wrote {written[0]}"
            self.output.write_text(self._render(), encoding="utf-8")
        except OSError as error:
            raise InputError(f"cannot write {self.output}: {error.strerror}") from error
        return f"wrote {self.output}"

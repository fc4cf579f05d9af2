"""Command line: parse options, call the library, print. The work and every decision are in the library.

Exit codes: 0 pass (or pass with conditions), 1 fail, 2 usage or input error, 130 interrupted.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import IO, Any, TypeVar

import click

from auditor._version import __version__

FORMATS = ("json", "jsonl", "text", "md", "sarif", "junit", "html", "spdx", "spdx3", "cyclonedx")
FAIL_ON = ("error", "conditions", "warning", "info")
EXIT_PASS, EXIT_FAIL, EXIT_INPUT, EXIT_INTERRUPTED = 0, 1, 2, 130
F = TypeVar("F", bound=Callable[..., Any])


def main() -> None:
    """Console entry point: click's own errors exit 2; an unexpected error is one line (traceback with --debug)."""
    try:
        code = cli.main(prog_name="auditor", standalone_mode=False)  # Ctrl-C is ours to report (exit 130)
    except click.ClickException as error:
        error.show()
        sys.exit(error.exit_code)
    except (click.Abort, KeyboardInterrupt):
        say("interrupted")
        sys.exit(EXIT_INTERRUPTED)
    except Exception as error:
        if "--debug" in sys.argv:
            raise
        say(f"internal error: {type(error).__name__}: {error} (run with --debug for details)")
        sys.exit(EXIT_INPUT)
    sys.exit(code if isinstance(code, int) else EXIT_PASS)


def _set_debug(ctx: click.Context, _param: click.Parameter, value: bool) -> bool:
    if value:
        logging.getLogger().setLevel(logging.DEBUG)
        ctx.ensure_object(dict)["debug"] = True
    return value


def debug_option(function: F) -> F:
    """``--debug`` before or after the subcommand."""
    return click.option("--debug", is_flag=True, expose_value=False, is_eager=True, callback=_set_debug,
                        help="Log details and show tracebacks of internal errors.")(function)  # fmt: skip


def _size(value: str) -> int:
    """'2GiB', '500MB', '1.5G' or a number of bytes."""
    import re

    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(i?b?)\s*", value.lower())
    if not match:
        raise click.BadParameter(f"{value!r} is not a size such as 2GiB or 500MB")
    scale = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}[match.group(2)]
    return int(float(match.group(1)) * scale)


def _smoke_options(function: F) -> F:
    function = click.option("--allow-pickle", is_flag=True,
                            help="Allow pickle weights (.bin), loaded with torch weights_only.")(function)  # fmt: skip
    function = click.option("--max-weights", default="2GiB", show_default=True, callback=lambda c, p, v: _size(v),
                            help="Refuse models whose weights are larger.")(function)  # fmt: skip
    return click.option("--smoke-timeout", default=600.0, show_default=True, type=float,
                        help="Seconds the model process may run.")(function)  # fmt: skip


def _report_options(function: F) -> F:
    """--format, --output, --report-url and --fail-on, shared by `audit` and `check`."""
    function = click.option("--report-url", metavar="URL", default=None,
                            help="Where the full report is published (e.g. a CI artifact): the Markdown comment "
                                 "links to it when it has to leave models out to fit GitHub's limit.",
                            )(function)  # fmt: skip
    function = click.option("--fail-on", type=click.Choice(FAIL_ON), default=None,
                            help="What fails the run: error findings (default), also obligations beyond notice "
                                 "(conditions), also warnings, also infos. Overrides the policy's fail_on.",
                            )(function)  # fmt: skip
    function = click.option("--output", "-o", type=click.Path(path_type=Path), default=None,
                            help="Write the report to this file (a folder for HTML with several models).",
                            )(function)  # fmt: skip
    return click.option("--format", "fmt", type=click.Choice(FORMATS), default=None,
                        help="Output format. Default: text on a terminal, json otherwise.")(function)  # fmt: skip


def _check_report_url(report_url: str | None, fmt: str | None) -> None:
    if report_url is not None and fmt != "md":
        raise click.UsageError("--report-url is named in the Markdown report: use it with --format md")


def _smoke_config(allow_pickle: bool, max_weights: int, timeout: float) -> Any:
    from auditor.smoke import SmokeOptions

    return SmokeOptions(allow_pickle=allow_pickle, max_weights=max_weights, timeout=timeout)


def say(message: object) -> None:
    """One line on standard error, ``auditor: …``, safe whatever the message holds (card or Hub text)."""
    from auditor.safe_text import stderr_line

    click.echo(f"auditor: {stderr_line(message)}", err=True)


def _error_line(outcome: Any) -> str:
    from auditor.safe_text import stderr_line

    return f"auditor: {stderr_line(outcome.error)}"


def _fail(message: str) -> None:
    say(message)
    sys.exit(EXIT_INPUT)


def _on_terminal(fmt: str, output: Path | None) -> bool:
    return output is None and fmt == "text" and sys.stdout.isatty()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="auditor")
@debug_option
def cli() -> None:
    """License and openness compliance auditor for open AI models."""
    logging.basicConfig(format="%(levelname)s %(message)s")  # the level stays WARNING unless --debug set DEBUG
    from auditor.sources.redact import install

    install()  # tokens, credentials and auth headers never reach the log, --debug included


@cli.command()
@click.argument("targets", nargs=-1)
@_report_options
@click.option(
    "--from",
    "from_file",
    metavar="FILE",
    default=None,
    help="Also audit the targets listed in FILE, one per line (- for standard input; # comments).",
)
@click.option(
    "--snapshots",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    default=None,
    help="Also audit every model snapshot in this folder (each subfolder, or a Hugging Face cache).",
)
@click.option("--hub-author", metavar="ORG", default=None, help="Also audit every model of this Hub author.")
@click.option("--hub-search", metavar="QUERY", default=None, help="Also audit the Hub models matching QUERY.")
@click.option(
    "--hub-filter",
    "hub_filters",
    metavar="TAG",
    multiple=True,
    help="Only Hub-listed models with this tag (repeatable; with or without --hub-author/--hub-search).",
)
@click.option("--hub-limit", type=click.IntRange(1), default=None, help="List at most this many Hub models.")
@click.option(
    "--resume",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    metavar="FILE",
    help="Append JSON Lines to FILE, skipping the targets it already has a result for.",
)
@click.option("--revision", default=None, help="Revision (branch, tag or commit) for Hub targets without @rev.")
@click.option("--offline", is_flag=True, help="Use no network: local folders and the Hugging Face cache only.")
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(1, 256),
    default=None,
    help="Targets audited at once: worker processes for local targets, threads for Hub targets. "
    "Default: one process per CPU, 8 Hub requests at once.",
)
@click.option("--workers", type=click.IntRange(1, 256), default=None, hidden=True)  # the old name of --jobs
@click.option(
    "--rate",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    metavar="N",
    help="At most N Hub requests per second, shared by every worker of the run.",
)
@click.option("--quiet", "-q", is_flag=True, help="No progress bar and no summary line on standard error.")
@click.option("--policy", "policy_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Judge the results by this policy (as `auditor check` does).")  # fmt: skip
@click.option("--mot-record", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="A Model Openness Tool record of the model: show where it and the evidence disagree.")  # fmt: skip
@click.option("--models-dir", type=click.Path(file_okay=False, exists=True, path_type=Path), default=None,
              help="Resolve parents from this folder of snapshots (org/name or org__name), not the Hub.")  # fmt: skip
@click.option("--smoke", is_flag=True, help="Also load and run the weights locally (needs auditor[smoke]).")
@_smoke_options
@debug_option
def audit(
    targets: tuple[str, ...],
    fmt: str | None,
    output: Path | None,
    report_url: str | None,
    fail_on: str | None,
    from_file: str | None,
    snapshots: Path | None,
    hub_author: str | None,
    hub_search: str | None,
    hub_filters: tuple[str, ...],
    hub_limit: int | None,
    resume: Path | None,
    revision: str | None,
    offline: bool,
    jobs: int | None,
    workers: int | None,
    rate: float | None,
    quiet: bool,
    policy_path: Path | None,
    mot_record: Path | None,
    models_dir: Path | None,
    smoke: bool,
    allow_pickle: bool,
    max_weights: int,
    smoke_timeout: float,
) -> None:
    """Audit models: TARGET is org/name[@revision], a snapshot folder, or a README.md path.

    The verdict is pass, pass with conditions (usable with obligations, listed), fail or error. Several targets
    give a JSON list (or one JSON object per line with --format jsonl), in input order, written as each
    completes. Targets can also come from a list (--from), a folder of snapshots (--snapshots) or a Hub
    listing (--hub-author, --hub-search, --hub-filter). Ctrl-C keeps every finished result and exits 130;
    --resume FILE finishes an interrupted JSON Lines run.
    """
    from auditor.api import Auditor
    from auditor.batch import BatchInterrupted, Jobs, open_sink, write_batch
    from auditor.batch.inputs import collect_targets
    from auditor.batch.resume import read_finished
    from auditor.errors import AuditorError, InputError
    from auditor.judge import resolve_settings

    if resume is not None:
        if fmt not in (None, "jsonl") or output not in (None, resume):
            raise click.UsageError("--resume writes JSON Lines to its FILE: give no other --format or --output")
        fmt, output = "jsonl", resume
    fmt = fmt or ("text" if output is None and sys.stdout.isatty() else "json")
    _check_report_url(report_url, fmt)
    policy = _read_policy(policy_path) if policy_path is not None else None
    record = None
    if mot_record is not None:
        from auditor.openness.mot import read_mot_record

        try:
            record = read_mot_record(mot_record)
        except InputError as error:
            raise click.BadParameter(str(error), param_hint="--mot-record") from error
    try:
        wanted = collect_targets(targets, from_file=from_file, snapshots=snapshots, hub_author=hub_author,
                                 hub_search=hub_search, hub_filters=hub_filters, hub_limit=hub_limit)  # fmt: skip
        if not wanted:
            raise click.UsageError("no targets: give TARGET arguments, --from, --snapshots or a --hub-* listing")
        finished = read_finished(resume) if resume is not None else None
        todo = finished.remaining(wanted, revision) if finished is not None else wanted
        settings = resolve_settings(fail_on, policy, smoke_requested=smoke, today=None)  # type: ignore[arg-type]
        smoke_options = _smoke_config(allow_pickle, max_weights, smoke_timeout) if smoke else None
        auditor = Auditor(settings, revision=revision, offline=offline, policy=policy, mot_record=record,
                          smoke=smoke_options, models_dir=models_dir, rate=rate)  # fmt: skip
        sink = open_sink(fmt, output, len(todo), append=resume is not None, full_report=report_url)
    except AuditorError as error:
        _fail(str(error))
    quiet_errors = _on_terminal(fmt, output)  # the report on the terminal already says why
    batch = len(wanted) > 1
    try:
        tally = write_batch(
            todo, auditor, sink, jobs=Jobs.default(jobs or workers), progress=batch and not quiet,
            skipped=len(wanted) - len(todo), on_error=None if quiet_errors else _error_line,
        )  # fmt: skip
    except AuditorError as error:
        _fail(str(error))
    except BatchInterrupted as stop:
        done = stop.tally
        where = f" to {output}" if output is not None else ""
        hint = f"; finish with the same command and --resume {output}" if fmt == "jsonl" and output else ""
        say(f"interrupted: {done.done} of {done.total} results written{where}{hint}")
        sys.exit(EXIT_INTERRUPTED)
    if tally.written:
        say(tally.written)
    if batch and not quiet:
        say(tally.summary())
    sys.exit(tally.exit_code)


def _write_report(
    results: Sequence[Any], fmt: str, output: Path | None, renderers: dict[str, Any] | None = None
) -> None:
    """Standard output, a file, or (HTML for several models) a folder with index.html and one page each."""
    from auditor.render import RENDERERS

    chosen = renderers or RENDERERS
    if output is None:
        sys.stdout.write(chosen[fmt](results))
        return
    try:
        if fmt == "html":
            from auditor.render.html_format import write_html

            written = write_html(results, output)
            more = f" and {len(written) - 1} pages" if len(written) > 1 else ""
            say(f"wrote {written[0]}{more}")
            return
        output.write_text(chosen[fmt](results), encoding="utf-8")
    except OSError as error:
        raise click.UsageError(f"cannot write {output}: {error.strerror}") from error
    say(f"wrote {output}")


def _read_policy(path: Path) -> Any:
    from auditor.policy import PolicyError, load_policy

    try:
        return load_policy(path)
    except PolicyError as error:
        _fail(str(error))


@cli.command("schema")
@debug_option
def schema_command() -> None:
    """Print the JSON Schema of the audit result."""
    import json

    from auditor.result import schema

    click.echo(json.dumps(schema(), indent=2))


@cli.command("licenses")
@click.argument("query", required=False)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@debug_option
def licenses_command(query: str | None, fmt: str) -> None:
    """List the license knowledge base, or explain one license.

    QUERY is a Hub id (llama3), an SPDX id (Apache-2.0), an alias (llama-2-community-license) or an
    expression (apache-2.0 OR mit).
    """
    import json

    from auditor.licenses.catalog import license_catalog
    from auditor.licenses.explain import UnknownLicenseError, explain
    from auditor.render.templates import environment

    if query is None:
        records = sorted(license_catalog(), key=lambda r: r.id)
        if fmt == "json":
            click.echo(json.dumps([r.to_dict() for r in records], indent=2, ensure_ascii=False))
        else:
            click.echo(environment().get_template("licenses.txt.j2").render(records=records), nl=False)
        return
    try:
        explanation = explain(query)
    except UnknownLicenseError as error:
        _fail(str(error))
    if fmt == "json":
        click.echo(json.dumps(explanation.to_dict(), indent=2, ensure_ascii=False))
    else:
        template = environment().get_template("license.txt.j2")
        click.echo(template.render(explanation=explanation.to_dict(), records=explanation.records), nl=False)


@cli.command("families")
@click.argument("name", required=False)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@debug_option
def families_command(name: str | None, fmt: str) -> None:
    """List the model-family knowledge base, or explain one family or version.

    NAME is a family id (llama), a version name (Llama 2), a canonical repo (meta-llama/Llama-2-7b-hf) or a model
    name (TheBloke/Llama-2-13B-chat-GGUF): each version's licenses by period, with their sources.
    """
    import json

    from auditor.families import UnknownFamilyError, explain_family, family_catalog
    from auditor.render.templates import environment

    template = environment().get_template("families.txt.j2")
    if name is None:
        families = [f.to_dict() for f in sorted(family_catalog(), key=lambda f: f.id)]
        click.echo(json.dumps(families, indent=2, ensure_ascii=False) if fmt == "json" else
                   template.render(families=families), nl=fmt == "json")  # fmt: skip
        return
    try:
        explanation = explain_family(name)
    except UnknownFamilyError as error:
        _fail(str(error))
    if fmt == "json":
        click.echo(json.dumps(explanation.to_dict(), indent=2, ensure_ascii=False))
    else:
        click.echo(template.render(family=explanation.to_dict()), nl=False)


@cli.command("mof")
@click.argument("records", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@debug_option
def mof_command(records: tuple[Path, ...], fmt: str) -> None:
    """Classify Model Openness Tool records (MOF 1.0): Class I-III or unclassified, and progress per class.

    RECORD is an MOT model file (YAML or JSON with a `release` section). Computed as the MOT computes it.
    """
    import json

    from auditor.openness.mot import classify_files
    from auditor.render.templates import environment

    classes = classify_files(records)
    for item in classes:
        if item.error:
            say(item.error)
    done = [c.to_dict() for c in classes if c.outcome is not None]
    if fmt == "json":
        click.echo(json.dumps(done[0] if len(done) == 1 and len(records) == 1 else done, indent=2))
    else:
        click.echo(environment().get_template("mof.txt.j2").render(classes=classes), nl=False)
    sys.exit(EXIT_INPUT if any(c.error for c in classes) else EXIT_PASS)


@cli.command("check")
@click.argument("manifests", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--policy", "policy_path", default="auditor-policy.yaml", show_default=True,
              type=click.Path(dir_okay=False, path_type=Path),
              help="The policy file (see `auditor policy init`).")  # fmt: skip
@click.option("--since", default=None, metavar="GIT_REF", help="Audit only entries added or changed since this ref.")
@_report_options
@click.option("--offline", is_flag=True, help="Use no network: local folders and the Hugging Face cache only.")
@click.option("--workers", type=click.IntRange(1, 32), default=4, show_default=True)
@click.option(
    "--allow-outside-paths", is_flag=True, help="Let manifests name local paths outside their own repository."
)
@debug_option
def check_command(
    manifests: tuple[Path, ...],
    policy_path: Path,
    since: str | None,
    fmt: str | None,
    output: Path | None,
    report_url: str | None,
    fail_on: str | None,
    offline: bool,
    workers: int,
    allow_outside_paths: bool,
) -> None:
    """Gate a manifest of models (default models.yaml) on a policy: exit 0 pass, 1 violation, 2 bad input."""
    from auditor.gate import check, select_entries
    from auditor.judge import resolve_settings
    from auditor.policy import ManifestError, PolicyError, load_policy
    from auditor.render import RENDERERS, Renderer
    from auditor.render.check_format import render_check_summary
    from auditor.render.json_format import render_json_list
    from auditor.render.markdown_format import render_markdown

    _check_report_url(report_url, fmt)
    if not policy_path.exists() and policy_path.name == "auditor-policy.yaml":
        _fail(f"{policy_path}: no policy file here; write a starter with `auditor policy init`")
    try:
        policy = load_policy(policy_path)
        entries = select_entries(list(manifests) or [Path("models.yaml")], since, allow_outside=allow_outside_paths)
    except (PolicyError, ManifestError) as error:
        _fail(str(error))
    results = list(check(entries, policy, offline=offline, workers=workers, fail_on=fail_on))  # type: ignore[arg-type]
    settings = resolve_settings(fail_on, policy)  # type: ignore[arg-type]
    renderers: dict[str, Renderer] = {
        **RENDERERS, "json": render_json_list, "md": partial(render_markdown, full_report=report_url)
    }  # fmt: skip
    for result in results:
        if result.error is not None:
            say(result.error.message)
    stale = results[0].verdict.policy.waivers_stale if results and results[0].verdict.policy else ()
    summary = render_check_summary(
        results, policy=policy.identity(), fail_on=settings.fail_on, fail_on_source=settings.fail_on_source,
        stale=list(stale) if results else [w.to_dict() for w in policy.waivers], since=since,
    )  # fmt: skip
    sink: IO[str] = sys.stdout
    if output is not None:
        _write_report(results, fmt or "json", output, renderers)
    elif fmt not in (None, "text"):
        sink.write(renderers[fmt](results))
        sink = sys.stderr
    click.echo(summary, file=sink, nl=False)
    sys.exit(max((r.exit_code for r in results), default=EXIT_PASS))


@cli.group("policy")
def policy_group() -> None:
    """Write, validate and describe policy files."""


@policy_group.command("init")
@click.argument("path", required=False, default="auditor-policy.yaml", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
@debug_option
def policy_init(path: Path, force: bool) -> None:
    """Write a commented starter policy (default auditor-policy.yaml)."""
    from auditor.policy.starter import write_starter

    if path.exists() and not force:
        _fail(f"{path} exists (use --force to overwrite)")
    write_starter(path)
    click.echo(f"wrote {path}")


@policy_group.command("validate")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@debug_option
def policy_validate(path: Path) -> None:
    """Check a policy file exactly as `check` reads it; print its hash, or the error with file, line and key."""
    policy = _read_policy(path)
    click.echo(f"{path}: valid (sha256 {policy.sha256})")


@policy_group.command("schema")
@debug_option
def policy_schema() -> None:
    """Print the JSON Schema of policy files."""
    from auditor.policy.starter import policy_schema_text

    click.echo(policy_schema_text(), nl=False)


@cli.command("smoke")
@click.argument("target")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default=None,
              help="Default: text on a terminal, json otherwise.")  # fmt: skip
@click.option("--offline", is_flag=True, help="Use no network: local folders and the Hugging Face cache only.")
@_smoke_options
@debug_option
def smoke_command(
    target: str, fmt: str | None, offline: bool, allow_pickle: bool, max_weights: int, smoke_timeout: float
) -> None:
    """Prove that a model's weights load and run: load time, first token, throughput, peak memory.

    Runs in a child process with a time limit; never enables remote code; safetensors only unless
    --allow-pickle. Exit 0 ok, 1 failed, 2 input error or could not run (the reason is printed).
    """
    import json

    from auditor.smoke import smoke_target

    outcome = smoke_target(target, _smoke_config(allow_pickle, max_weights, smoke_timeout), offline=offline)
    if outcome.error is not None:
        _fail(outcome.error)
    smoke = dict(outcome.smoke or {})
    if (fmt or ("text" if sys.stdout.isatty() else "json")) == "json":
        click.echo(json.dumps({"target": target, "smoke": smoke}, indent=2))
    else:
        from auditor.safe_text import terminal_safe

        click.echo(f"{str(smoke.get('status', '?')).upper()}  {terminal_safe(target)}")
        for key, value in smoke.items():
            if key != "status":
                click.echo(f"  {key}: {terminal_safe(value)}")
    if smoke.get("status") == "skipped":
        say(f"smoke inference could not run: {smoke.get('reason')}")
        sys.exit(EXIT_INPUT)
    sys.exit(EXIT_FAIL if smoke.get("status") == "failed" else EXIT_PASS)

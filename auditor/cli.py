"""Command line: parsing and printing only; the work is done by the library API.

Exit codes: 0 pass, 1 findings at or above --fail-on, 2 usage or input error.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import IO, Any

import click

from auditor import __version__

FORMATS = ("json", "jsonl", "text", "md", "sarif", "junit", "html", "spdx", "spdx3", "cyclonedx")
EXIT_PASS, EXIT_FAIL, EXIT_INPUT = 0, 1, 2


def main() -> None:
    """Console entry point: click's own errors exit 2; an unexpected error is one line (traceback with --debug)."""
    try:
        cli.main(prog_name="auditor")
    except Exception as error:
        if "--debug" in sys.argv:
            raise
        click.echo(
            f"auditor: internal error: {type(error).__name__}: {error} (run with --debug for details)",
            err=True,
        )
        sys.exit(EXIT_INPUT)


def _size(value: str) -> int:
    """'2GiB', '500MB', '1.5G' or a number of bytes."""
    import re

    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(i?b?)\s*", value.lower())
    if not match:
        raise click.BadParameter(f"{value!r} is not a size such as 2GiB or 500MB")
    scale = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}[match.group(2)]
    return int(float(match.group(1)) * scale)


def _smoke_options(function: Any) -> Any:
    function = click.option("--allow-pickle", is_flag=True,
                            help="Allow pickle weights (.bin), loaded with torch weights_only.")(function)  # fmt: skip
    function = click.option("--max-weights", default="2GiB", show_default=True, callback=lambda c, p, v: _size(v),
                            help="Skip models whose weights are larger.")(function)  # fmt: skip
    return click.option("--smoke-timeout", default=600.0, show_default=True, type=float,
                        help="Seconds the model process may run.")(function)  # fmt: skip


def _smoke_config(allow_pickle: bool, max_weights: int, timeout: float) -> Any:
    from auditor.smoke import SmokeOptions

    return SmokeOptions(allow_pickle=allow_pickle, max_weights=max_weights, timeout=timeout)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="auditor")
@click.option("--debug", is_flag=True, help="Log details and show tracebacks of internal errors.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """License and openness compliance auditor for open AI models."""
    logging.basicConfig(level=logging.DEBUG if debug else logging.WARNING, format="%(levelname)s %(message)s")
    ctx.obj = {"debug": debug}


@cli.command()
@click.argument("targets", nargs=-1, required=True)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default=None,
    help="Output format. Default: text on a terminal, json otherwise.",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(path_type=Path),
    default=None,
    help="Write the report to this file instead of standard output.",
)
@click.option("--revision", default=None, help="Revision (branch, tag or commit) for Hub targets without @rev.")
@click.option("--offline", is_flag=True, help="Use no network: local folders and the Hugging Face cache only.")
@click.option(
    "--fail-on",
    type=click.Choice(["error", "warning", "info"]),
    default="error",
    show_default=True,
    help="Exit 1 when a finding is at least this severe.",
)
@click.option("--workers", type=click.IntRange(1, 32), default=4, show_default=True, help="Targets audited at once.")
@click.option(
    "--policy",
    "policy_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Judge the results by this policy (as `auditor check` does).",
)
@click.option(
    "--mot-record",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="A Model Openness Tool record of the model: show where it and the evidence disagree.",
)
@click.option(
    "--models-dir",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    default=None,
    help="Resolve parent models from this folder of snapshots (org/name or org__name) instead of the Hub.",
)
@click.option("--smoke", is_flag=True, help="Also load and run the weights locally (needs auditor[smoke]).")
@_smoke_options
def audit(
    targets: tuple[str, ...],
    fmt: str | None,
    output: Path | None,
    revision: str | None,
    offline: bool,
    fail_on: str,
    workers: int,
    policy_path: Path | None,
    mot_record: Path | None,
    models_dir: Path | None,
    smoke: bool,
    allow_pickle: bool,
    max_weights: int,
    smoke_timeout: float,
) -> None:
    """Audit models: TARGET is org/name[@revision], a snapshot folder, or a README.md path.

    Several targets give a JSON list (or one JSON object per line with --format jsonl), in input order.
    """
    from auditor.api import audit_many
    from auditor.render import RENDERERS

    fmt = fmt or ("text" if output is None and sys.stdout.isatty() else "json")
    record = _read_mot_record(mot_record) if mot_record is not None else None
    policy = _read_policy(policy_path) if policy_path is not None else None
    results = []
    sink: IO[str] = sys.stdout
    stream_lines = fmt == "jsonl" and output is None
    for result in audit_many(
        targets,
        revision=revision,
        offline=offline,
        fail_on=fail_on,  # type: ignore[arg-type]
        workers=workers,
        mot_record=record,
        smoke=_smoke_config(allow_pickle, max_weights, smoke_timeout) if smoke else None,
        models_dir=models_dir,
    ):
        if policy is not None:
            from auditor.policy import apply_policy

            result = apply_policy(result, policy)
        if result.error is not None:
            click.echo(f"auditor: {result.error.message}", err=True)
        if stream_lines:  # print each line as soon as it is known: nothing computed is lost
            sink.write(RENDERERS["jsonl"]([result]))
            sink.flush()
        results.append(result)
    if not stream_lines:
        _write_report(results, fmt, output)
    sys.exit(max((r.exit_code for r in results), default=EXIT_PASS))


def _write_report(results: list[Any], fmt: str, output: Path | None, renderers: dict[str, Any] | None = None) -> None:
    """Standard output, a file, or (HTML for several models) a folder with index.html and one page each."""
    from auditor.render import RENDERERS

    RENDERERS = renderers or RENDERERS
    if output is None:
        sys.stdout.write(RENDERERS[fmt](results))
        return
    try:
        if fmt == "html":
            from auditor.render.html_format import write_html

            written = write_html(results, output)
            click.echo(f"auditor: wrote {written[0]}" + (f" and {len(written) - 1} pages" if len(written) > 1 else ""),
                       err=True)  # fmt: skip
            return
        output.write_text(RENDERERS[fmt](results), encoding="utf-8")
    except OSError as error:
        raise click.UsageError(f"cannot write {output}: {error.strerror}") from error
    click.echo(f"auditor: wrote {output}", err=True)


def _read_policy(path: Path) -> Any:
    from auditor.policy import PolicyError, load_policy

    try:
        return load_policy(path)
    except PolicyError as error:
        click.echo(f"auditor: {error}", err=True)
        sys.exit(EXIT_INPUT)


def _read_mot_record(path: Path) -> dict[str, object]:
    import yaml

    try:
        record = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise click.BadParameter(f"{path}: {str(error).splitlines()[0]}", param_hint="--mot-record") from error
    if not isinstance(record, dict) or not isinstance(record.get("release"), dict):
        raise click.BadParameter(f"{path}: no 'release' section: not an MOT record", param_hint="--mot-record")
    return record


@cli.command("schema")
def schema_command() -> None:
    """Print the JSON Schema of the audit result (schema_version 1)."""
    import json

    from auditor.result import schema

    click.echo(json.dumps(schema(), indent=2))


@cli.command("licenses")
@click.argument("query", required=False)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
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
        click.echo(f"auditor: {error}", err=True)
        sys.exit(EXIT_INPUT)
    if fmt == "json":
        click.echo(json.dumps(explanation.to_dict(), indent=2, ensure_ascii=False))
    else:
        template = environment().get_template("license.txt.j2")
        click.echo(template.render(explanation=explanation.to_dict(), records=explanation.records), nl=False)


@cli.command("mof")
@click.argument("records", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def mof_command(records: tuple[Path, ...], fmt: str) -> None:
    """Classify Model Openness Tool records (MOF 1.0): class 0-3 and progress per class.

    RECORD is an MOT model file (YAML or JSON with a `release` section). Computed as the MOT computes it.
    """
    import json

    import yaml

    from auditor.openness.mof import classify_record

    results: list[dict[str, object]] = []
    failed = False
    for path in records:
        try:
            record = yaml.safe_load(path.read_text(encoding="utf-8"))
            if not isinstance(record, dict) or not isinstance(record.get("release"), dict):
                raise ValueError("no 'release' section: not an MOT record")
        except (OSError, yaml.YAMLError, ValueError) as error:
            click.echo(f"auditor: {path}: {error}".splitlines()[0], err=True)
            failed = True
            continue
        outcome = classify_record(record).to_dict()
        results.append({"file": str(path), "name": record["release"].get("name"), **outcome})
    if fmt == "json":
        click.echo(json.dumps(results[0] if len(results) == 1 and len(records) == 1 else results, indent=2))
    else:
        labels = {0: "unclassified", 1: "Class I (open science)", 2: "Class II (open tooling)",
                  3: "Class III (open model)"}  # fmt: skip
        for item in results:
            progress = item["progress"]
            assert isinstance(progress, dict)
            shown = ", ".join(f"{k}: {progress[k]:.0f}%" for k in ("3", "2", "1"))
            click.echo(f"{item['name']}: {labels[int(item['class'])]}  [{shown}]  ({item['file']})")  # type: ignore[call-overload]
    sys.exit(EXIT_INPUT if failed else EXIT_PASS)


@cli.command("check")
@click.argument("manifests", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--policy",
    "policy_path",
    default="auditor-policy.yaml",
    show_default=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The policy file (see `auditor policy init`).",
)
@click.option("--since", default=None, metavar="GIT_REF", help="Audit only entries added or changed since this ref.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default=None, help="Report format (default: text).")
@click.option(
    "--output",
    "-o",
    type=click.Path(path_type=Path),
    default=None,
    help="Write the report here; the summary still goes to the terminal.",
)
@click.option("--offline", is_flag=True, help="Use no network: local folders and the Hugging Face cache only.")
@click.option("--workers", type=click.IntRange(1, 32), default=4, show_default=True)
@click.option(
    "--allow-outside-paths", is_flag=True, help="Let manifests name local paths outside their own repository."
)
def check_command(
    manifests: tuple[Path, ...],
    policy_path: Path,
    since: str | None,
    fmt: str | None,
    output: Path | None,
    offline: bool,
    workers: int,
    allow_outside_paths: bool,
) -> None:
    """Gate a manifest of models (default models.yaml) on a policy: exit 0 pass, 1 violation, 2 bad input."""
    from auditor.gate import check, select_entries
    from auditor.policy import ManifestError, PolicyError, load_policy
    from auditor.render import RENDERERS
    from auditor.render.json_format import render_json_list
    from auditor.render.templates import environment

    try:
        policy = load_policy(policy_path)
        entries = select_entries(list(manifests) or [Path("models.yaml")], since, allow_outside=allow_outside_paths)
    except (PolicyError, ManifestError) as error:
        click.echo(f"auditor: {error}", err=True)
        sys.exit(EXIT_INPUT)
    results = list(check(entries, policy, offline=offline, workers=workers))
    renderers = {**RENDERERS, "json": render_json_list}
    for result in results:
        if result.error is not None:
            click.echo(f"auditor: {result.error.message}", err=True)
    summary = environment().get_template("check.txt.j2").render(
        results=[r.to_dict() for r in results], policy=policy.identity(), since=since,
        stale=(results[0].verdict.policy or {}).get("waivers_stale", []) if results else
        [w.to_dict() for w in policy.waivers],
    )  # fmt: skip
    if output is not None:
        _write_report(results, fmt or "json", output, renderers)
        click.echo(summary, nl=False)
    elif fmt in (None, "text"):
        click.echo(summary, nl=False)
    else:
        sys.stdout.write(renderers[fmt](results))
        click.echo(summary, err=True, nl=False)
    sys.exit(max((r.exit_code for r in results), default=EXIT_PASS))


@cli.group("policy")
def policy_group() -> None:
    """Write, validate and describe policy files."""


@policy_group.command("init")
@click.argument("path", required=False, default="auditor-policy.yaml", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
def policy_init(path: Path, force: bool) -> None:
    """Write a commented starter policy (default auditor-policy.yaml)."""
    from auditor._resources import data_dir

    if path.exists() and not force:
        click.echo(f"auditor: {path} exists (use --force to overwrite)", err=True)
        sys.exit(EXIT_INPUT)
    path.write_text((data_dir("reports") / "policy-starter.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    click.echo(f"wrote {path}")


@policy_group.command("validate")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def policy_validate(path: Path) -> None:
    """Check a policy file; print its hash, or the error with file, line and key."""
    from auditor.policy import PolicyError, load_policy

    try:
        policy = load_policy(path)
    except PolicyError as error:
        click.echo(f"auditor: {error}", err=True)
        sys.exit(EXIT_INPUT)
    click.echo(f"{path}: valid (sha256 {policy.sha256})")


@policy_group.command("schema")
def policy_schema() -> None:
    """Print the JSON Schema of policy files."""
    from importlib.resources import files

    click.echo(files("auditor").joinpath("schema/policy.schema.json").read_text(encoding="utf-8"), nl=False)


@cli.command("smoke")
@click.argument("target")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default=None,
    help="Default: text on a terminal, json otherwise.",
)
@click.option("--offline", is_flag=True, help="Use no network: local folders and the Hugging Face cache only.")
@_smoke_options
def smoke_command(
    target: str, fmt: str | None, offline: bool, allow_pickle: bool, max_weights: int, smoke_timeout: float
) -> None:
    """Prove that a model's weights load and run: load time, first token, throughput, peak memory.

    Runs in a child process with a time limit; never enables remote code; safetensors only unless
    --allow-pickle. Exit 0 ok or skipped, 1 failed, 2 input error.
    """
    import json

    from auditor.api import audit_many

    (result,) = audit_many([target], offline=offline, smoke=_smoke_config(allow_pickle, max_weights, smoke_timeout))
    if result.error is not None:
        click.echo(f"auditor: {result.error.message}", err=True)
        sys.exit(EXIT_INPUT)
    smoke = result.smoke or {}
    fmt = fmt or ("text" if sys.stdout.isatty() else "json")
    if fmt == "json":
        click.echo(json.dumps({"target": target, "smoke": smoke}, indent=2))
    else:
        click.echo(f"{smoke.get('status', '?').upper()}  {target}")
        for key, value in smoke.items():
            if key != "status":
                click.echo(f"  {key}: {value}")
    sys.exit(EXIT_FAIL if smoke.get("status") == "failed" else EXIT_PASS)

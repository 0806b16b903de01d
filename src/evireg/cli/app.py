"""The `evireg` command line: each command parses options, calls one library function, renders.

Heavy modules (duckdb, numpy, scipy, pydantic models) are imported inside the commands so that
`evireg --help` starts instantly.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console

from evireg.errors import UserError
from evireg.records.vocab import Measure, Method
from evireg.registry import interrupts

app = typer.Typer(
    name="evireg",
    help="An evidence registry for meta-analysis: sourced trial records, SQL views, RevMan-grade pooling.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode="rich",
)

def console() -> Console:
    """The console rich renderables are printed to, made per use: its width follows COLUMNS and
    the terminal as they are when a command runs, not when the CLI was imported."""
    return Console()


err = Console(stderr=True, soft_wrap=True)
_state = {"debug": bool(os.environ.get("EVIREG_DEBUG"))}
_interrupt = {"reported": False}

F = TypeVar("F", bound=Callable[..., Any])


def handled(fn: F) -> F:
    """User errors: the message (and each problem) on stderr, exit 1, no traceback. Ctrl-C:
    one line saying whether anything was changed, exit 130, however a library reported it."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        interrupts.reset()
        _interrupt["reported"] = False
        try:
            result = fn(*args, **kwargs)
        except (typer.Exit, typer.Abort):
            raise
        except UserError as e:
            if interrupts.received():  # e.g. a query cancelled by the Ctrl-C, not by its cap
                _report_interrupt()
                raise typer.Exit(130) from None
            for p in e.problems:
                err.print(str(p), markup=False, highlight=False)
            err.print(f"error: {e.message}", style="bold red", markup=False, highlight=False)
            raise typer.Exit(1) from None
        except KeyboardInterrupt:
            _report_interrupt()
            raise typer.Exit(130) from None
        except Exception as e:
            if interrupts.received():  # a Ctrl-C that a library turned into its own error
                _report_interrupt()
                raise typer.Exit(130) from None
            if _state["debug"]:
                raise
            err.print(
                f"internal error: {type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}",
                markup=False,
                highlight=False,
            )
            err.print("rerun with `evireg --debug ...` for the traceback, and report it", markup=False)
            raise typer.Exit(1) from None
        if interrupts.received():  # a library swallowed the Ctrl-C and the command ran to its end
            _report_interrupt()
            raise typer.Exit(130)
        return result

    return wrapper  # type: ignore[return-value]


def _report_interrupt() -> None:
    if not _interrupt["reported"]:
        _interrupt["reported"] = True
        err.print(interrupts.message(), markup=False, highlight=False)


def command(name: str | None = None, **kw: Any) -> Callable[[F], F]:
    def deco(fn: F) -> F:
        app.command(name, **kw)(handled(fn))
        return fn

    return deco


class Fmt(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"
    markdown = "markdown"


RegistryOpt = Annotated[
    Path | None,
    typer.Option(
        "--registry",
        "-r",
        envvar="EVIREG_REGISTRY",
        show_envvar=True,
        help="Registry folder (default: the bundled IVIG registry).",
    ),
]
FormatOpt = Annotated[Fmt, typer.Option("--format", "-f", help="Output format.")]


def _registry(path: Path | None) -> Any:
    from evireg.registry.files import resolve

    return resolve(path)


def emit(rendered: Any) -> None:
    """Machine formats go to stdout untouched; rich tables are rendered."""
    if isinstance(rendered, str):
        sys.stdout.write(rendered if rendered.endswith("\n") else rendered + "\n")
    else:
        console().print(rendered)


def emit_document(
    fmt: Fmt, name: str, *, as_json: Callable[[], Any], markdown: Callable[[], str], table: Callable[[], Any]
) -> None:
    """Reports that are documents rather than tables: JSON, Markdown or rich; no CSV."""
    import json

    if fmt is Fmt.csv:
        raise UserError(f"{name} has no csv format; use --format json")
    if fmt is Fmt.json:
        emit(json.dumps(as_json(), indent=2))
    else:
        emit(markdown() if fmt is Fmt.markdown else table())


def _print_version(value: bool) -> None:
    if value:
        from evireg._version import __version__

        sys.stdout.write(f"evireg {__version__}\n")
        raise typer.Exit(0)


@app.callback()
def root(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks of internal errors.")] = False,
    version: Annotated[
        bool,
        # eager: handled while parsing, before click asks for a command
        typer.Option("--version", help="Print the version and exit.", is_eager=True, callback=_print_version),
    ] = False,
) -> None:
    if debug:
        _state["debug"] = True


@command()
def init(path: Annotated[Path, typer.Argument(help="Folder for the new registry.")]) -> None:
    """Start an empty registry: studies/, reviews/, schemas/, a README and a .gitignore."""
    from evireg.registry.layout import init_registry

    reg = init_registry(path)
    err.print(
        f"started an empty registry in {reg.root}; add studies with `evireg add FILE --registry {reg.root}`",
        markup=False,
    )


@command()
def add(
    files: Annotated[
        list[Path] | None,
        typer.Argument(help="Record files (YAML/JSON), folders of them, or JSON Lines (one study a line)."),
    ] = None,
    replace: Annotated[bool, typer.Option("--replace", help="Overwrite records with the same id.")] = False,
    skip_invalid: Annotated[
        bool, typer.Option("--skip-invalid", help="Report invalid records and add the rest.")
    ] = False,
    interactive: Annotated[
        bool, typer.Option("--interactive", "-i", help="Guided entry, field by field.")
    ] = False,
    registry: RegistryOpt = None,
) -> None:
    """Validate records and write them into the registry (all of them or none).

    Without files, in a terminal (or with --interactive), walks through a new study field by field.
    """
    from evireg.index.add import add_files

    if not files:
        if not (interactive or sys.stdin.isatty()):
            raise UserError("give one or more files to add, or --interactive for guided entry")
        from evireg.cli.guided import run_guided

        added = run_guided(_registry(registry), replace=replace)
    else:
        report = add_files(_registry(registry), files, replace=replace, skip_invalid=skip_invalid)
        for p in report.skipped:
            err.print(f"skipped: {p}", markup=False, highlight=False)
        added = report.added
    if len(added) > 20:
        n_new = sum(not a.replaced for a in added)
        err.print(f"added {n_new} and replaced {len(added) - n_new} record(s)", markup=False)
        return
    for a in added:
        verb = "replaced" if a.replaced else "added"
        err.print(f"{verb} {a.kind} {a.id} -> {a.path}", markup=False, highlight=False)


@command()
def validate(
    paths: Annotated[list[Path] | None, typer.Argument(help="Files or registry folders.")] = None,
    registry: RegistryOpt = None,
) -> None:
    """Check records; print every problem as `file:line: field.path: message`."""
    from evireg.registry.loading import validate_paths

    targets = paths or [_registry(registry).root]
    report = validate_paths(targets)
    if report.problems:
        emit("".join(f"{p}\n" for p in report.problems))
        err.print(f"{len(report.problems)} problem(s) in {report.files} file(s)", markup=False)
        raise typer.Exit(1)
    err.print(f"ok: {report.records} record(s) in {report.files} file(s) are valid", markup=False)


@command()
def build(registry: RegistryOpt = None) -> None:
    """Recreate the DuckDB index from the registry files."""
    from evireg.index.store import build as build_index

    info = build_index(_registry(registry))
    err.print(f"built {info.path}: {info.studies} studies, {info.reviews} review(s)", markup=False)


def _timeout_option(value: float) -> float:
    """A usage error (exit 2), before any work, for a cap that is no cap or none at all."""
    from evireg.index.sqlguard import check_timeout

    try:
        return check_timeout(value)
    except UserError as e:
        raise typer.BadParameter(e.message.removeprefix(f"--timeout {value!r}: ")) from None


@command()
def query(
    sql: Annotated[str, typer.Argument(help="One read-only SQL statement over the views.")],
    fmt: FormatOpt = Fmt.table,
    param: Annotated[
        list[str] | None, typer.Option("--param", "-p", help="name=value, used as $name.")
    ] = None,
    max_rows: Annotated[int, typer.Option("--max-rows", min=1, help="Row cap.")] = 10_000,
    timeout: Annotated[
        float,
        typer.Option(
            "--timeout",
            envvar="EVIREG_QUERY_TIMEOUT",
            callback=_timeout_option,
            help="Seconds before giving up (0.1 to 3600).",
        ),
    ] = 30.0,
    registry: RegistryOpt = None,
) -> None:
    """Run read-only SQL over the registry views (see `evireg views`)."""
    from evireg.index.query import parse_params, run_query
    from evireg.render.tables import tabular

    res = run_query(_registry(registry), sql, parse_params(param or []), max_rows=max_rows, timeout_s=timeout)
    emit(tabular(fmt.value, res.columns, res.rows))
    if res.truncated:
        err.print(f"note: showing the first {max_rows} rows; raise --max-rows for more", markup=False)


@command()
def views(fmt: FormatOpt = Fmt.table, registry: RegistryOpt = None) -> None:
    """List the SQL views and their columns."""
    from evireg.index.query import list_views
    from evireg.render.tables import tabular

    rows = [(v, c, t) for v, cols in list_views(_registry(registry)).items() for c, t in cols]
    emit(tabular(fmt.value, ["view", "column", "type"], rows))


@command()
def schema(
    out_dir: Annotated[Path | None, typer.Option("--out", "-o", help="Write the schema files here.")] = None,
    kind: Annotated[str, typer.Option("--kind", help="study or review (when printing).")] = "study",
) -> None:
    """Print a record JSON Schema, or write both to --out (e.g. schemas/)."""
    from evireg.records.schemas import schema_texts
    from evireg.registry.layout import write_schemas

    if out_dir is None:
        texts = schema_texts()
        name = f"{kind}.schema.json"
        if name not in texts:
            raise UserError(f"--kind {kind!r}: choose study or review")
        emit(texts[name])
        return
    for p in write_schemas(out_dir):
        err.print(f"wrote {p}", markup=False)


class ModelOpt(StrEnum):
    fixed = "fixed"
    random = "random"


class Tau2(StrEnum):
    DL = "DL"
    REML = "REML"
    PM = "PM"


# The options that make a question (analysis.Question), shared by pool, sensitivity and plot.
_OUTCOME = typer.Option("--outcome", "-o", help="Outcome id, e.g. live_birth.")
OutcomeOpt = Annotated[str, _OUTCOME]
ByOpt = Annotated[str | None, typer.Option("--by", help="Subgroup variable, e.g. rmc_type or design.")]
StudiesOfOpt = Annotated[str | None, typer.Option("--review", help="Only this review's included studies.")]
WhereOpt = Annotated[
    str | None,
    typer.Option(
        "--where",
        help="SQL condition on `studies` columns (stopped after $EVIREG_QUERY_TIMEOUT s, default 30).",
    ),
]
MeasureOpt = Annotated[Measure, typer.Option("--measure")]
MethodOpt = Annotated[Method, typer.Option("--method")]
ModelOptT = Annotated[ModelOpt, typer.Option("--model")]
Tau2Opt = Annotated[Tau2, typer.Option("--tau2", help="Between-study variance estimator.")]
HksjOpt = Annotated[bool, typer.Option("--hksj", help="Hartung-Knapp-Sidik-Jonkman CI.")]


@command()
def pool(
    outcome: Annotated[str | None, _OUTCOME] = None,  # optional: --csv is the other input
    by: ByOpt = None,
    review: StudiesOfOpt = None,
    where: WhereOpt = None,
    csv_file: Annotated[
        Path | None, typer.Option("--csv", help="Pool this CSV instead of the registry.")
    ] = None,
    measure: MeasureOpt = Measure.OR,
    method: MethodOpt = Method.MH,
    model: ModelOptT = ModelOpt.fixed,
    tau2: Tau2Opt = Tau2.DL,
    hksj: HksjOpt = False,
    fmt: FormatOpt = Fmt.table,
    registry: RegistryOpt = None,
) -> None:
    """Pool one outcome from the registry, or the 2x2 rows of a CSV file.

    CSV columns: study,events_treat,total_treat,events_ctrl,total_ctrl[,subgroup].
    """
    from evireg.review.analysis import answer, answer_from_csv
    from evireg.review.question import Question

    if (outcome is None) == (csv_file is None):
        raise UserError("give either --outcome (pool the registry) or --csv FILE")
    if method is Method.Peto and measure is not Measure.OR:
        raise UserError("--method Peto pools odds ratios only; use --measure OR")
    q = Question(
        outcome or "csv", by, measure.value, method.value, model.value, tau2.value, hksj, where, review
    )
    ans = answer_from_csv(csv_file, q) if csv_file else answer(_registry(registry), q)
    title = f"{outcome or csv_file}" + (f" by {ans.question.by}" if ans.question.by else "")
    emit_answer(ans, fmt, title)


def emit_answer(ans: Any, fmt: Fmt, title: str) -> None:
    from evireg.render import pool as rp

    if fmt is Fmt.json:
        emit(rp.json_text(ans))
    elif fmt is Fmt.csv:
        emit(rp.csv_rows(ans))
    elif fmt is Fmt.markdown:
        emit(rp.markdown(ans, title))
    else:
        emit(rp.rich_table(ans, title, width=console().width))


@command()
def export(
    out_dir: Annotated[Path, typer.Argument(help="Folder to write the files into.")],
    fmt: Annotated[str, typer.Option("--format", "-f", help="parquet, csv or datapackage.")] = "parquet",
    registry: RegistryOpt = None,
) -> None:
    """Write every view as Parquet or CSV files, or a Frictionless data package."""
    from evireg.interop.export import export_views

    res = export_views(_registry(registry), out_dir, fmt)
    err.print(
        f"wrote {len(res.files)} file(s) to {res.directory} ({sum(res.rows.values())} rows)", markup=False
    )


@command()
def sensitivity(
    outcome: OutcomeOpt,
    by: ByOpt = None,
    review: StudiesOfOpt = None,
    where: WhereOpt = None,
    measure: MeasureOpt = Measure.OR,
    method: MethodOpt = Method.MH,
    model: ModelOptT = ModelOpt.fixed,
    tau2: Tau2Opt = Tau2.DL,
    fmt: FormatOpt = Fmt.table,
    registry: RegistryOpt = None,
) -> None:
    """Leave-one-out, cumulative (by year), filters by design, the other model, and Egger's test."""
    from evireg.render import report as rr
    from evireg.review.question import Question
    from evireg.review.report import sensitivity_report

    q = Question(outcome, by, measure.value, method.value, model.value, tau2.value, False, where, review)
    main, sens = sensitivity_report(_registry(registry), q)
    title = f"Sensitivity of {outcome}" + (f" by {by}" if by else "")
    emit_document(
        fmt,
        "sensitivity",
        as_json=lambda: {"question": main.to_dict()["question"], **sens.to_dict()},
        markdown=lambda: rr.sensitivity_markdown(main, sens, title),
        table=lambda: rr.sensitivity_rich(main, sens, title),
    )


ReviewOpt = Annotated[str | None, typer.Option("--review", help="Review id (default: the only one).")]


@command()
def report(review: ReviewOpt = None, fmt: FormatOpt = Fmt.table, registry: RegistryOpt = None) -> None:
    """Each analysis of a review as RevMan lays it out, with sources, sensitivity and leave-one-out."""
    from evireg.render import report as rr
    from evireg.review.report import build_report

    rep = build_report(_registry(registry), review)
    emit_document(
        fmt,
        "report",
        as_json=rep.to_dict,
        markdown=lambda: rr.report_markdown(rep),
        table=lambda: rr.report_rich(rep, console().width),
    )


@command()
def audit(
    review: ReviewOpt = None,
    strict: Annotated[
        bool, typer.Option("--strict", help="Exit 1 unless every claim is reproduced and self-consistent.")
    ] = False,
    fmt: FormatOpt = Fmt.table,
    registry: RegistryOpt = None,
) -> None:
    """Hold a review's published claims against the registry and against themselves."""
    from evireg.render import report as rr
    from evireg.review.audit import audit as run_audit

    res = run_audit(_registry(registry), review)
    emit_document(
        fmt,
        "audit",
        as_json=res.to_dict,
        markdown=lambda: rr.audit_markdown(res),
        table=lambda: rr.audit_rich(res),
    )
    if strict and not res.clean:
        err.print("audit: not every claim is reproduced and self-consistent (--strict)", markup=False)
        raise typer.Exit(1)

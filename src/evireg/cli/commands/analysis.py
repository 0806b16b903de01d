"""`evireg pool`, `sensitivity`, `report` and `audit`: questions answered from the registry.

The answers come from the public API (evireg.api: `Registry.pool`, `.sensitivity`, `.report`,
`.audit`, and `evireg.api.pool` for a CSV file); evireg.render lays them out, in the format
that --format chooses.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from evireg import api
from evireg.cli.app import (
    DEFAULT,
    ByOpt,
    CsvOpt,
    DocFormatOpt,
    FormatOpt,
    HksjOpt,
    LevelOpt,
    MeasureOpt,
    MethodOpt,
    ModelOpt,
    OptionalOutcomeOpt,
    RegistryOpt,
    ReviewOpt,
    StudiesOfOpt,
    Tau2Opt,
    WhereOpt,
    check_model,
    check_peto,
    command,
    one_input,
)
from evireg.cli.output import DocFmt, Fmt, emit, emit_document, emit_laid_out, err
from evireg.errors import InvalidOption

if TYPE_CHECKING:
    from evireg.review.question import Answer


@command()
def pool(
    outcome: OptionalOutcomeOpt = None,
    by: ByOpt = None,
    review: StudiesOfOpt = None,
    where: WhereOpt = None,
    csv_file: Annotated[
        Path | None, typer.Option("--csv", metavar="FILE", help="Pool this CSV instead of the registry.")
    ] = None,
    measure: MeasureOpt = DEFAULT.measure,
    method: MethodOpt = DEFAULT.method,
    model: ModelOpt = DEFAULT.model,
    tau2: Tau2Opt = DEFAULT.tau2,
    hksj: HksjOpt = DEFAULT.hksj,
    level: LevelOpt = None,
    fmt: FormatOpt = Fmt.table,
    registry: RegistryOpt = None,
) -> None:
    """Pool one outcome from the registry, or the study rows of a CSV file.

    The CSV header decides the data type: study and then events_treat,total_treat,events_ctrl,
    total_ctrl (2x2); mean_treat,sd_treat,n_treat,mean_ctrl,sd_ctrl,n_ctrl (continuous);
    estimate,se (generic, log scale for ratio measures); or o_minus_e,variance; [,subgroup].
    """
    if (outcome is None) == (csv_file is None):
        raise InvalidOption("give either --outcome (pool the registry) or --csv FILE")
    check_peto(method, measure)
    check_model(model, tau2, hksj)
    opts: dict[str, Any] = {
        "measure": measure, "method": method, "model": model, "tau2": tau2, "hksj": hksj, "level": level,
    }  # fmt: skip
    if csv_file is not None:
        ans = api.pool(csv_file, outcome="csv", by=by, **opts)
        if where is not None or review is not None:
            # they choose registry studies and do nothing to a CSV; the JSON has always shown them
            asked = dataclasses.replace(ans.question, where=where, review=review)
            ans = dataclasses.replace(ans, question=asked)
    else:
        assert outcome is not None  # checked above
        ans = api.open(registry).pool(outcome, by=by, review=review, where=where, **opts)
    by_text = f" by {ans.question.by}" if ans.question.by else ""
    title = f"{outcome or csv_file}{by_text}{_scope(where, review)}"
    if outcome is not None and where is not None:
        title += _excluded(registry, ans, outcome, by=by, review=review, **opts)
    emit_answer(ans, fmt, title)


def emit_answer(ans: Answer, fmt: Fmt, title: str) -> None:
    from evireg.render import pool as rp

    if fmt is Fmt.json:
        emit(rp.json_text(ans))
    elif fmt is Fmt.csv:
        emit(rp.csv_rows(ans))
    elif fmt is Fmt.markdown:
        emit(rp.markdown(ans, title))
    else:
        emit_laid_out(lambda width: rp.rich_table(ans, title, width=width))


@command()
def sensitivity(
    outcome: OptionalOutcomeOpt = None,
    by: ByOpt = None,
    review: StudiesOfOpt = None,
    where: WhereOpt = None,
    csv_file: CsvOpt = None,
    measure: MeasureOpt = DEFAULT.measure,
    method: MethodOpt = DEFAULT.method,
    model: ModelOpt = DEFAULT.model,
    tau2: Tau2Opt = DEFAULT.tau2,
    hksj: HksjOpt = False,
    level: LevelOpt = None,
    fmt: DocFormatOpt = DocFmt.table,
    registry: RegistryOpt = None,
) -> None:
    """Leave-one-out, cumulative (by year), filters by design, the other model, and Egger's test.

    With --csv: the same for a table's rows (cumulative in the order of an optional year
    column), without the filters by design, which need the registry's study records.
    """
    from evireg.render import report as rr

    one_input(outcome, csv_file, where, review)
    check_model(model, tau2, hksj)
    opts: dict[str, Any] = {
        "measure": measure, "method": method, "model": model, "tau2": tau2, "hksj": hksj, "level": level,
    }  # fmt: skip
    if csv_file is not None:
        main, sens = api.sensitivity(csv_file, outcome="csv", by=by, **opts)
    else:
        main, sens = api.open(registry).sensitivity(outcome or "", by=by, review=review, where=where, **opts)
    title = f"Sensitivity of {outcome or csv_file}" + (f" by {by}" if by else "") + _scope(where, review)
    if outcome is not None and where is not None:
        title += _excluded(registry, main, outcome, by=by, review=review, **opts)
    emit_document(
        fmt,
        "sensitivity",
        as_json=lambda: {"question": main.to_dict()["question"], **sens.to_dict()},
        markdown=lambda: rr.sensitivity_markdown(main, sens, title),
        table=lambda: rr.sensitivity_rich(main, sens, title),
    )


@command()
def report(review: ReviewOpt = None, fmt: DocFormatOpt = DocFmt.table, registry: RegistryOpt = None) -> None:
    """Each analysis of a review as RevMan lays it out, with sources, sensitivity and leave-one-out."""
    from evireg.render import report as rr

    rep = api.open(registry).report(review)
    emit_document(
        fmt,
        "report",
        as_json=rep.to_dict,
        markdown=lambda: rr.report_markdown(rep),
        laid_out=lambda width: rr.report_rich(rep, width),
    )


@command()
def audit(
    review: ReviewOpt = None,
    all_reviews: Annotated[
        bool, typer.Option("--all", help="Audit every review of the registry and summarise.")
    ] = False,
    strict: Annotated[
        bool, typer.Option("--strict", help="Exit 1 unless every claim is reproduced and self-consistent.")
    ] = False,
    fmt: DocFormatOpt = DocFmt.table,
    registry: RegistryOpt = None,
) -> None:
    """Hold a review's published claims and printed study rows against the registry and against themselves."""
    from evireg.render import report as rr

    if all_reviews:
        if review is not None:
            raise InvalidOption("--all audits every review; leave out --review")
        _audit_all(fmt, strict, registry)
        return
    res = api.open(registry).audit(review)
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


def _audit_all(fmt: DocFmt, strict: bool, registry: Path | None) -> None:
    """`audit --all`: every review, a progress bar on a terminal's stderr, then the summary."""
    from evireg.render import audit_analyses as ra

    reg = api.open(registry)
    if err.is_terminal:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        columns = (TextColumn("audit"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                   TextColumn("{task.description}"))
        with Progress(*columns, console=err, transient=True) as bar:
            task = bar.add_task("", total=None)
            reports = reg.audit_all(lambda done, total, rid: bar.update(task, completed=done, total=total,
                                                                          description=rid))
    else:
        reports = reg.audit_all()
    emit_document(
        fmt,
        "audit",
        as_json=lambda: [r.to_dict() for r in reports],
        markdown=lambda: ra.all_markdown(reports),
        table=lambda: ra.all_rich(reports),
    )
    if strict and not all(r.clean for r in reports):
        err.print("audit: not every claim and printed row is reproduced (--strict)", markup=False)
        raise typer.Exit(1)


def _scope(where: str | None, review: str | None) -> str:
    """The heading says which studies were asked about: a filtered answer never passes for all."""
    return (f", studies of {review}" if review else "") + (f", where {where}" if where else "")


def _excluded(registry: Path | None, ans: Answer, outcome: str, **question: Any) -> str:
    """`: excluded a, b` naming the studies with data that the --where filter removed, so that a
    reader sees what the filter did (the same question asked without it)."""
    whole = api.open(registry).pool(outcome, **question)
    kept = {i.study for i in ans.inputs}
    gone = sorted(dict.fromkeys(i.study for i in whole.inputs if i.study not in kept))
    return f": excluded {', '.join(gone)}" if gone else ": excluded none"

"""`evireg plot forest` and `evireg plot funnel`: figures of one outcome's answer.

The answer comes from the public API (`Registry.pool`); matplotlib (and evireg.plots,
numpy, duckdb) are imported inside the commands so that `evireg --help` stays fast and works
without the `plots` extra.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from evireg import api
from evireg.cli.app import (
    DEFAULT,
    ByOpt,
    CsvOpt,
    HksjOpt,
    LevelOpt,
    MeasureOpt,
    MethodOpt,
    ModelOpt,
    RegistryOpt,
    StudiesOfOpt,
    Tau2Opt,
    WhereOpt,
    app,
    check_model,
    check_peto,
    command,
    one_input,
)
from evireg.cli.help import Group
from evireg.cli.output import err
from evireg.errors import UserError

if TYPE_CHECKING:
    from evireg.review.question import Answer

plot_app = typer.Typer(
    cls=Group,
    help="Draw figures (needs the `plots` extra: pip install 'evireg\\[plots]').",
    no_args_is_help=True,
)
app.add_typer(plot_app, name="plot")

FIGURE_SUFFIXES = (".svg", ".png", ".pdf")

OutcomeOpt = Annotated[
    str, typer.Option("--outcome", metavar="OUTCOME", help="Outcome id from the profile, e.g. live_birth.")
]
OrCsvOpt = Annotated[
    str | None,
    typer.Option(
        "--outcome", metavar="OUTCOME", help="Outcome id from the profile, e.g. live_birth (or --csv)."
    ),
]
# -o is --output, a file to write, in every command that has one.
OutputOpt = Annotated[
    Path, typer.Option("--output", "-o", metavar="FILE", help="Figure file: .svg, .png (200 dpi) or .pdf.")
]
TitleOpt = Annotated[str | None, typer.Option("--title", metavar="TEXT", help="A title above the figure.")]


def _check_output(path: Path) -> None:
    """Refuse a bad file name before any work is done."""
    if path.suffix.lower() not in FIGURE_SUFFIXES:
        raise UserError(
            f"{path}: unknown figure format {path.suffix or '(no suffix)'!r}; use .svg, .png or .pdf"
        )
    if not path.parent.is_dir():
        raise UserError(f"{path}: folder {path.parent} does not exist")


def _pair(option: str, value: str) -> tuple[str, str]:
    parts = [p.strip() for p in value.split(",")]
    if len(parts) != 2 or not all(parts):
        raise UserError(f"{option} {value!r}: give two names separated by a comma, e.g. 'Treatment,Control'")
    return parts[0], parts[1]


def _answer(
    registry: Path | None,
    outcome: str | None,
    csv_file: Path | None,
    by: str | None,
    review: str | None,
    where: str | None,
    measure: str | None,
    method: str | None,
    model: str | None = DEFAULT.model,
    tau2: str = DEFAULT.tau2,
    hksj: bool = DEFAULT.hksj,
    level: int | None = None,
) -> Answer:
    one_input(outcome, csv_file, where, review)
    check_peto(method, measure)
    check_model(model, tau2, hksj)
    opts: dict[str, Any] = {
        "measure": measure,
        "method": method,
        "model": model,
        "tau2": tau2,
        "hksj": hksj,
        "level": level,
    }
    if csv_file is not None:
        return api.pool(csv_file, outcome="csv", by=by, **opts)  # a table without rows is refused
    assert outcome is not None  # one_input checked it
    ans = api.open(registry).pool(outcome, by=by, review=review, where=where, **opts)
    if ans.result is None:
        scope = f" in review {review}" if review else ""
        raise UserError(
            f"nothing to plot: no study{scope} has {outcome} data"
            + (f" by {by}" if by else "")
            + f" (see `evireg pool --outcome {outcome}` for the reasons)"
        )
    return ans


@command(on=plot_app)
def forest(
    output: OutputOpt,
    outcome: OrCsvOpt = None,
    by: ByOpt = None,
    review: StudiesOfOpt = None,
    where: WhereOpt = None,
    csv_file: CsvOpt = None,
    measure: MeasureOpt = DEFAULT.measure,
    method: MethodOpt = DEFAULT.method,
    model: ModelOpt = DEFAULT.model,
    tau2: Tau2Opt = DEFAULT.tau2,
    hksj: HksjOpt = DEFAULT.hksj,
    level: LevelOpt = None,
    title: TitleOpt = None,
    labels: Annotated[
        str | None,
        typer.Option(
            "--labels",
            metavar="TREATMENT,CONTROL",
            help="Intervention and control headings (default: the profile's arms).",
        ),
    ] = None,
    favours: Annotated[
        str | None,
        typer.Option(
            "--favours",
            metavar="LEFT,RIGHT",
            help="Who the left and the right of the axis favour (default: from the profile's arm labels "
            "and the outcome's direction).",
        ),
    ] = None,
    registry: RegistryOpt = None,
) -> None:
    """A RevMan-style forest plot of one outcome, or of a CSV table's rows (subgroups with --by)."""
    _check_output(output)
    arms = _pair("--labels", labels) if labels else None
    sides = _pair("--favours", favours) if favours else None
    from evireg.plots import forest_figure, require_matplotlib, save

    require_matplotlib()  # before the (slower) analysis

    ans = _answer(registry, outcome, csv_file, by, review, where, measure, method, model, tau2, hksj, level)
    save(forest_figure(ans, title=title or _filtered(outcome, where), labels=arms, favours=sides), output)
    err.print(f"wrote {output}", markup=False, highlight=False)


@command(on=plot_app)
def funnel(
    output: OutputOpt,
    outcome: OrCsvOpt = None,
    by: Annotated[
        str | None,
        typer.Option("--by", metavar="VARIABLE", help="Mark the studies by this subgroup variable."),
    ] = None,
    review: StudiesOfOpt = None,
    where: WhereOpt = None,
    csv_file: CsvOpt = None,
    measure: MeasureOpt = DEFAULT.measure,
    method: MethodOpt = DEFAULT.method,
    model: ModelOpt = DEFAULT.model,
    tau2: Tau2Opt = DEFAULT.tau2,
    title: TitleOpt = None,
    registry: RegistryOpt = None,
) -> None:
    """A funnel plot of one outcome, or of a CSV table's rows, around its pooled estimate (fixed
    effect, or random effects with --model random), with Egger's test."""
    _check_output(output)
    from evireg.plots import funnel_figure, require_matplotlib, save

    require_matplotlib()

    ans = _answer(registry, outcome, csv_file, by, review, where, measure, method, model, tau2)
    save(funnel_figure(ans, title=title or _filtered(outcome, where)), output)
    err.print(f"wrote {output}", markup=False, highlight=False)


def _filtered(outcome: str | None, where: str | None) -> str | None:
    """A filtered figure says so in its title (an unfiltered one keeps the plain RevMan layout)."""
    return f"{outcome}, where {where}" if where else None

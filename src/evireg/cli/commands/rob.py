"""`evireg rob` and `evireg plot rob`: the risk-of-bias assessments, as tables and as robvis-style
figures (traffic light and summary bar chart).

The assessments come from the public API (`Registry.risk_of_bias`); evireg.render.rob lays them
out and evireg.plots.rob draws them, both imported inside the commands (start-up stays fast).
"""

from __future__ import annotations

from typing import Annotated

import typer

from evireg import api
from evireg.cli.app import FormatOpt, RegistryOpt, StudiesOfOpt, command
from evireg.cli.commands.plot import OutcomeOpt, OutputOpt, TitleOpt, _check_output, plot_app
from evireg.cli.output import Fmt, emit, err

RobOutcomeOpt = Annotated[
    str | None,
    typer.Option("--outcome", metavar="OUTCOME", help="Only this outcome (default: every assessed outcome)."),
]
ToolOpt = Annotated[
    str | None,
    typer.Option(
        "--tool", metavar="TOOL", help="rob2 or robins_i (default: the outcome's only tool, else rob2)."
    ),
]


@command()
def rob(
    outcome: RobOutcomeOpt = None,
    review: StudiesOfOpt = None,
    fmt: FormatOpt = Fmt.table,
    registry: RegistryOpt = None,
) -> None:
    """Risk of bias per outcome: studies by domains (RoB 2, ROBINS-I) and the overall, with support."""
    from evireg.render import rob as rr

    rep = api.open(registry).risk_of_bias(outcome, review)
    if fmt is Fmt.json:
        emit(rr.json_text(rep))
    elif fmt is Fmt.csv:
        emit(rr.csv_text(rep))
    elif fmt is Fmt.markdown:
        emit(rr.markdown(rep))
    else:
        emit(rr.rich_tables(rep))


@command("rob", on=plot_app)
def plot_rob(
    outcome: OutcomeOpt,
    output: OutputOpt,
    review: StudiesOfOpt = None,
    tool: ToolOpt = None,
    weighted: Annotated[
        bool,
        typer.Option("--weighted", help="Weight the bars by the studies' weights in the pooled analysis."),
    ] = False,
    title: TitleOpt = None,
    registry: RegistryOpt = None,
) -> None:
    """A robvis-style traffic-light plot and summary bar chart of one outcome's risk of bias."""
    _check_output(output)
    from evireg.plots import require_matplotlib, save
    from evireg.plots.rob import rob_figure

    require_matplotlib()
    reg = api.open(registry)
    table = reg.risk_of_bias(outcome, review).table(outcome, tool)
    save(rob_figure(table, reg.pool(outcome, review=review) if weighted else None, title), output)
    err.print(f"wrote {output}", markup=False, highlight=False)

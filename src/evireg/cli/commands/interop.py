"""`evireg import cochrane` and `evireg import rm5`: a published review's analysis data (the
Cochrane Library's CSV, or a RevMan 5 file) brought into a registry as study records, profile
entries and a review record that keeps every printed number.

Each command reads its files (all problems reported together, nothing written), then makes one
call into interop/imported_write.py, and says what changed on stderr.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from evireg.cli.app import app, command
from evireg.cli.help import Group
from evireg.cli.output import err

if TYPE_CHECKING:
    from evireg.errors import Problem, UserError

import_app = typer.Typer(
    cls=Group,
    help="Bring a published review in: Cochrane analysis data (CSV) or a RevMan 5 file.",
    no_args_is_help=True,
)
app.add_typer(import_app, name="import")

TargetOpt = Annotated[
    Path,
    typer.Option(
        "--registry",
        "-r",
        envvar="EVIREG_REGISTRY",
        show_envvar=True,
        metavar="DIR",
        help="Registry folder to import into (started, with a profile, if it does not exist).",
    ),
]
ReviewIdOpt = Annotated[
    str | None,
    typer.Option("--review-id", metavar="ID", help="The review's id (default: from the file name)."),
]
DoiOpt = Annotated[
    str | None,
    typer.Option("--doi", metavar="DOI", help="The review's DOI (default: from a Cochrane file name)."),
]


def _say(report: object) -> None:
    from evireg.interop.imported_write import ImportReport

    assert isinstance(report, ImportReport)
    what = f"{', '.join(report.reviews)}: {report.analyses} analyses, {report.rows} rows"
    what += f", {report.studies} studies"
    if not report.written:
        err.print(f"{what}; nothing changed", markup=False, highlight=False)
        return
    err.print(
        f"{what}; wrote {len(report.written)} file(s), {report.unchanged} unchanged",
        markup=False,
        highlight=False,
    )
    if report.profile_added:
        err.print(
            f"evireg.yaml: added {len(report.profile_added)} outcome(s) and characteristic(s)",
            markup=False,
            highlight=False,
        )


@command("cochrane", on=import_app)
def cochrane(
    files: Annotated[
        list[Path],
        typer.Argument(metavar="FILE...", help="Analysis-data CSV files (plain or .gz), one per review."),
    ],
    registry: TargetOpt,
    review_id: ReviewIdOpt = None,
    doi: DoiOpt = None,
) -> None:
    """Import Cochrane reviews' analysis data (one CSV per review) into a registry, all or nothing."""
    from evireg.errors import UserError
    from evireg.interop.cochrane import read_cochrane
    from evireg.interop.imported_write import import_reviews

    if len(files) > 1 and (review_id or doi):
        raise UserError("--review-id and --doi name one review; import one file at a time with them")
    reviews = []
    problems: list[Problem] = []
    for f in files:
        try:
            reviews.append(read_cochrane(f, review_id=review_id, doi=doi))
        except UserError as e:
            problems += e.problems or [_whole(e)]
    if problems:
        raise UserError(f"nothing imported: {len(problems)} problem(s) in the input", problems)
    _say(import_reviews(registry, reviews))


@command("rm5", on=import_app)
def rm5(
    file: Annotated[Path, typer.Argument(metavar="FILE", help="A RevMan 5 file (.rm5).")],
    registry: TargetOpt,
    review_id: ReviewIdOpt = None,
    doi: DoiOpt = None,
    url: Annotated[
        str | None,
        typer.Option("--url", metavar="URL", help="Where the file is published (when it has no DOI)."),
    ] = None,
) -> None:
    """Import a RevMan 5 file's analyses, printed rows and printed totals into a registry."""
    from evireg.interop.imported_write import import_reviews
    from evireg.interop.rm5 import read_rm5

    _say(import_reviews(registry, [read_rm5(file, review_id=review_id, doi=doi, url=url)]))


def _whole(e: UserError) -> Problem:
    from evireg.errors import Problem

    file, _, msg = e.message.partition(": ")
    return Problem(file, "", msg or e.message)

"""`evireg site OUT`: a review published as a static website (Registry.site, site/build.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from evireg import api
from evireg.cli.app import RegistryOpt, ReviewOpt, command
from evireg.cli.output import err


@command()
def site(
    out: Annotated[
        Path,
        typer.Argument(metavar="OUT", help="Folder for the site (new, empty, or a site evireg wrote)."),
    ],
    review: ReviewOpt = None,
    registry: RegistryOpt = None,
) -> None:
    """A review as a static website: every analysis and study, each number linked to its source."""
    info = api.open(registry).site(out, review)
    err.print(
        f"wrote {info.pages} pages ({info.files} files) of {info.review} to {info.out}; "
        f"open {info.out / 'index.html'}",
        markup=False,
        highlight=False,
    )

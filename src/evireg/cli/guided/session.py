"""Guided entry: the session, which asks section by section and then shows the study to confirm
or correct; and `run_guided`, the entry point `evireg add` calls.

Nothing touches the registry until the summary is confirmed; then the study is filed through
the public API (`Registry.add_records`), the same path as `evireg add FILE`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TextIO

from rich.console import Console

from evireg import api
from evireg.cli.guided.asker import Asker
from evireg.cli.guided.results import ResultSections
from evireg.cli.guided.study import StudySections
from evireg.cli.guided.summary import summary_tables
from evireg.errors import UserError

if TYPE_CHECKING:
    from evireg.index.add import Added
    from evireg.records.study import Study
    from evireg.registry.paths import Registry as Paths

ENTRY_LABEL = "<guided entry>"

# Sections in the order they are asked; the first segment of a problem's path names its section.
SECTIONS = (
    "citation",
    "sources",
    "id",
    "design",
    "population",
    "regimens",
    "arms",
    "outcomes",
    "not-reported",
    "notes",
)
SECTION_OF = {
    "country": "design",
    "characteristics": "population",
    "intervention": "regimens",
    "comparator": "regimens",
    "not_reported": "not-reported",
}


class Session(StudySections, ResultSections):
    """Asks section by section into `data`, a plain dict in the record format."""

    def enter(self, section: str) -> None:
        steps: dict[str, Callable[[], None]] = {
            "citation": self.section_citation,
            "sources": self.section_sources,
            "id": self.section_id,
            "design": self.section_design,
            "population": self.section_population,
            "regimens": self.section_regimens,
            "arms": self.section_arms,
            "outcomes": self.section_outcomes,
            "not-reported": self.section_not_reported,
            "notes": self.section_notes,
        }
        steps[section]()

    def record(self) -> dict[str, Any]:
        order = (
            "id",
            "citation",
            "sources",
            "design",
            "country",
            "population",
            "characteristics",
            "intervention",
            "comparator",
            "arms",
            "outcomes",
            "not_reported",
            "notes",
        )
        return {k: self.data[k] for k in order if self.data.get(k) is not None}

    def run(self) -> Study | None:
        """The validated study the user confirmed, or None when they discard it."""
        a = self.a
        a.note(
            "Guided entry of one study. Enter accepts the value in parentheses; optional answers may be "
            "left empty ('-' drops a proposed one). Ctrl-C stops without writing anything."
        )
        for section in SECTIONS:
            self.enter(section)
        while True:
            rec, problems = api.check_study(self.record(), ENTRY_LABEL, profile=self.profile)
            if problems:
                a.heading("Problems")
                for p in problems:
                    a.problem(f"{p.path}: {p.message}")
                flagged = list(dict.fromkeys(section_of(p.path) for p in problems))
                pick = a.choice("Section to enter again", [*flagged, "discard"], default=flagged[0])
            else:
                assert rec is not None  # a study without problems
                for table in summary_tables(rec, self.profile):
                    a.console.print(table)
                if a.confirm("Write this study?"):
                    return rec
                pick = a.choice(
                    "Enter a section again, or discard the study", [*SECTIONS, "discard"], default="discard"
                )
            if pick == "discard":
                return None
            self.enter(pick)


def section_of(path: str) -> str:
    head = path.split(".", 1)[0]
    return head if head in SECTIONS else SECTION_OF.get(head, "citation")


def run_guided(
    reg: api.Registry | Paths,
    *,
    replace: bool = False,
    console: Console | None = None,
    stream: TextIO | None = None,
) -> list[Added]:
    """Ask for one study and add it to `reg` once confirmed; [] when the user discards it.

    Prompts go to `console` (default: stderr, keeping stdout for data); answers come from `stream`
    (default: stdin). Nothing is written before the confirmation."""
    if not isinstance(reg, api.Registry):  # a registry's paths, as the library passes them around
        reg = api.Registry(reg)
    con = console or Console(stderr=True)
    # refuse before the user types a whole study that add_records would then reject
    reg.check_writable()
    if reg.record_problems():
        raise UserError(f"{reg.root}: fix the registry's own problems before adding (run `evireg validate`)")
    # the profile says which characteristics and outcomes to ask for
    session = Session(Asker(con, stream), reg.study_ids(), replace, reg.profile())
    try:
        study = session.run()
    except EOFError:
        raise UserError("input ended before the study was complete; nothing was written") from None
    if study is None:
        con.print("discarded; nothing was written")
        return []
    return reg.add_records([(ENTRY_LABEL, study)], replace=replace)

"""`evireg compare` and `evireg adjudicate`: double data extraction.

The work is done by the public API (evireg.api: `Registry.compare`, `compare_files`,
`Registry.adjudication`, `.save_adjudication`), which imports pydantic and the models only
when called, so that `evireg --help` stays fast; this module parses options, asks (with
--interactive) and renders the comparison.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from evireg import api
from evireg.cli.app import FormatOpt, RegistryOpt, command
from evireg.cli.output import Fmt, emit, err
from evireg.errors import UserError

if TYPE_CHECKING:
    from evireg.extraction import Comparison
    from evireg.records.extraction_files import Resolution

ExtractorOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--extractor",
        "-e",
        metavar="NAME",
        help="Use these two extractors (give it twice) when a study has more.",
    ),
]


@command()
def compare(
    targets: Annotated[
        list[str],
        typer.Argument(
            help="A study id (compares its extractions in the registry) or two files "
            "(extraction files or plain study records).",
            metavar="STUDY | FILE_A FILE_B",
        ),
    ],
    extractor: ExtractorOpt = None,
    only_disagreements: Annotated[
        bool, typer.Option("--disagreements", help="List only the fields that disagree.")
    ] = False,
    fmt: FormatOpt = Fmt.table,
    registry: RegistryOpt = None,
) -> None:
    """Field-level agreement of two extractions of one study, values and provenance side by side."""
    from evireg.render import compare as rc

    if len(targets) == 1:
        c = api.open(registry).compare(targets[0], extractor)
    elif len(targets) == 2:
        if extractor:
            raise UserError("--extractor chooses among a study's extractions; not with two files")
        c = api.compare_files(targets[0], targets[1])
    else:
        raise UserError("give a study id, or two extraction files")
    a, b = c.a, c.b
    fields = c.disagreements if only_disagreements else c.fields
    if fmt is Fmt.json:
        emit(json.dumps(rc.as_dict(c, fields), indent=2, ensure_ascii=False))
    elif fmt is Fmt.csv:
        from evireg.render.tables import to_csv

        cols = ["field_path", "value_a", "value_b", "agree", "provenance_a", "provenance_b"]
        emit(to_csv(cols, rc.rows(fields)))
        err.print(f"A = {a.extractor}, B = {b.extractor}. {rc.summary(c)}", markup=False, highlight=False)
    elif fmt is Fmt.markdown:
        from evireg.render.tables import to_markdown

        cols = ["field", f"A: {a.extractor}", f"B: {b.extractor}", "agree", "provenance A", "provenance B"]
        emit(to_markdown(cols, rc.rows(fields)) + f"\n{rc.summary(c)}\n")
    else:
        emit(rc.rich(c, fields))


def _prompt(c: Comparison, have: dict[str, Resolution]) -> dict[str, Resolution]:
    """Ask for each disagreement the resolution file does not settle."""
    from evireg.extraction import show
    from evireg.records.extraction_files import Resolution
    from evireg.records.yamlio import ParseError, parse_text
    from evireg.render import compare as rc

    out = dict(have)
    for f in c.disagreements:
        if f.path in out:
            continue
        va, vb = show(f.a) if f.in_a else "(absent)", show(f.b) if f.in_b else "(absent)"
        err.print(
            f"{f.path}\n  a ({c.a.extractor}): {va}  {rc.provenance(f.provenance_a)}\n"
            f"  b ({c.b.extractor}): {vb}  {rc.provenance(f.provenance_b)}",
            markup=False,
            highlight=False,
        )
        choice = ""
        while choice not in ("a", "b", "value"):
            choice = typer.prompt("  choose a, b or value").strip()
        entry: dict[str, Any] = {"choose": choice}
        if choice == "value":
            text = typer.prompt("  value (as in YAML)")
            try:
                entry["value"] = parse_text(text, json_syntax=False).data
            except ParseError as e:
                raise UserError(f"value {text!r}: {e.message}") from None
        entry["reason"] = typer.prompt("  reason")
        out[f.path] = Resolution.model_validate(entry)
    return out


@command()
def adjudicate(
    study: Annotated[
        str, typer.Argument(metavar="STUDY", help="Study id; its extractions are in extractions/STUDY/.")
    ],
    resolutions: Annotated[
        Path | None,
        typer.Option(
            "--resolutions",
            metavar="FILE",
            help="YAML: adjudicator, and per disagreeing field path: choose (a|b|value), value, reason. "
            "Default: extractions/STUDY/resolutions.yaml if present.",
        ),
    ] = None,
    adjudicator: Annotated[
        str | None,
        typer.Option("--adjudicator", metavar="NAME", help="Who resolved (overrides the resolution file)."),
    ] = None,
    extractor: ExtractorOpt = None,
    interactive: Annotated[
        bool, typer.Option("--interactive", "-i", help="Ask for each disagreement the file does not resolve.")
    ] = False,
    registry: RegistryOpt = None,
) -> None:
    """Resolve each disagreement, write the study record and an adjudication log; keep both extractions."""
    from evireg.render import compare as rc

    reg = api.open(registry)
    reg.check_writable()
    adj = reg.adjudication(study, extractors=extractor, resolutions=resolutions)
    if interactive:
        adj.resolutions = _prompt(adj.comparison, adj.resolutions)
    record = adj.record()  # unresolved fields first, before the adjudicator is asked for
    who = adjudicator or adj.adjudicator
    if who is None and interactive:
        who = typer.prompt("adjudicator")
    if not who:
        raise UserError("name the adjudicator: --adjudicator NAME, or `adjudicator:` in the resolution file")
    done = reg.save_adjudication(adj, record, who)
    err.print(rc.summary(adj.comparison), markup=False, highlight=False)
    verb = "replaced" if done.replaced else "wrote"
    msg = f"{verb} {done.record_file}; logged {done.decisions} decision(s) in {done.log_file}"
    err.print(msg, markup=False, highlight=False)

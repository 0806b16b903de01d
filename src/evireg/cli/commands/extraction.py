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
from rich.table import Table
from rich.text import Text

from evireg import api
from evireg.cli.app import Fmt, FormatOpt, RegistryOpt, command, emit, err
from evireg.errors import UserError

if TYPE_CHECKING:
    from evireg.extraction import Comparison, FieldComparison
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


def _prov(p: tuple[str, str] | None) -> str:
    return f"{p[0]}: {p[1]}" if p else ""


def _prov_json(p: tuple[str, str] | None) -> dict[str, str] | None:
    return {"source": p[0], "locator": p[1]} if p else None


def _summary(c: Comparison) -> str:
    n = len(c.disagreements)
    return (
        f"{c.study_id}: {c.a.extractor} and {c.b.extractor} agree on {c.agreeing} of {c.compared} fields "
        f"({c.rate:.1%}); {n} disagreement{'' if n == 1 else 's'}"
    )


def _rows(fields: list[FieldComparison]) -> list[tuple[str, str, str, str, str, str]]:
    from evireg.extraction import show

    return [
        (
            f.path,
            show(f.a) if f.in_a else "",
            show(f.b) if f.in_b else "",
            "yes" if f.agree else "no",
            _prov(f.provenance_a),
            _prov(f.provenance_b),
        )
        for f in fields
    ]


def _rich(c: Comparison, fields: list[FieldComparison]) -> Table:
    a, b = c.a.extractor, c.b.extractor
    # Text, not markup, throughout: field paths such as arms[placebo] would read as style tags
    t = Table(title=Text(f"{c.study_id}: {a} (A) vs {b} (B)"), header_style="bold")
    longest = max((len(f.path) for f in fields), default=5)
    t.add_column("field", overflow="fold", min_width=min(longest, 48))
    for col in (f"A: {a}", f"B: {b}", "agree", f"provenance A: {a}", f"provenance B: {b}"):
        t.add_column(Text(col), overflow="fold")
    for f, row in zip(fields, _rows(fields), strict=True):
        cells = [Text(row[0]), Text(row[1] or "—"), Text(row[2] or "—"), Text(row[4]), Text(row[5])]
        mark = Text("✓", style="green") if f.agree else Text("✗", style="bold red")
        t.add_row(*cells[:3], mark, *cells[3:], style=None if f.agree else "red")
    return t


def _json(c: Comparison, fields: list[FieldComparison]) -> str:
    from evireg.render.tables import plain

    doc: dict[str, Any] = {
        "study_id": c.study_id,
        "extractor_a": c.a.extractor,
        "extractor_b": c.b.extractor,
        "file_a": str(c.a.file),
        "file_b": str(c.b.file),
        "fields_compared": c.compared,
        "fields_agreeing": c.agreeing,
        "agreement_rate": c.rate,
        "fields": [
            {
                "field_path": f.path,
                "value_a": plain(f.a),
                "value_b": plain(f.b),
                "in_a": f.in_a,
                "in_b": f.in_b,
                "agree": f.agree,
                "provenance_a": _prov_json(f.provenance_a),
                "provenance_b": _prov_json(f.provenance_b),
            }
            for f in fields
        ],
    }
    return json.dumps(doc, indent=2, ensure_ascii=False)


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
        emit(_json(c, fields))
    elif fmt is Fmt.csv:
        from evireg.render.tables import to_csv

        cols = ["field_path", "value_a", "value_b", "agree", "provenance_a", "provenance_b"]
        emit(to_csv(cols, _rows(fields)))
        err.print(f"A = {a.extractor}, B = {b.extractor}. {_summary(c)}", markup=False, highlight=False)
    elif fmt is Fmt.markdown:
        from evireg.render.tables import to_markdown

        cols = ["field", f"A: {a.extractor}", f"B: {b.extractor}", "agree", "provenance A", "provenance B"]
        emit(to_markdown(cols, _rows(fields)) + f"\n{_summary(c)}\n")
    else:
        emit(_rich(c, fields))
        emit(_summary(c))


def _prompt(c: Comparison, have: dict[str, Resolution]) -> dict[str, Resolution]:
    """Ask for each disagreement the resolution file does not settle."""
    from evireg.extraction import show
    from evireg.records.extraction_files import Resolution
    from evireg.records.yamlio import ParseError, parse_text

    out = dict(have)
    for f in c.disagreements:
        if f.path in out:
            continue
        va, vb = show(f.a) if f.in_a else "(absent)", show(f.b) if f.in_b else "(absent)"
        err.print(
            f"{f.path}\n  a ({c.a.extractor}): {va}  {_prov(f.provenance_a)}\n"
            f"  b ({c.b.extractor}): {vb}  {_prov(f.provenance_b)}",
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
    err.print(_summary(adj.comparison), markup=False, highlight=False)
    verb = "replaced" if done.replaced else "wrote"
    msg = f"{verb} {done.record_file}; logged {done.decisions} decision(s) in {done.log_file}"
    err.print(msg, markup=False, highlight=False)

"""`evireg init`, `add`, `validate`, `build` and `schema`: the registry's files and its index.

Each command parses its options, makes one call into the public API (evireg.api) and says what
was done on stderr, keeping stdout for data.
"""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from evireg import api
from evireg.cli.app import RegistryOpt, command
from evireg.cli.output import emit, err
from evireg.errors import UserError


@command()
def init(
    path: Annotated[Path, typer.Argument(metavar="DIR", help="Folder for the new registry.")],
    example: Annotated[
        bool,
        typer.Option("--example", help="A small complete registry to try (aspirin after MI, Fleiss 1993)."),
    ] = False,
) -> None:
    """Start a registry: studies/, reviews/, schemas/, a commented profile (evireg.yaml) and templates/."""
    reg = api.init(path, example=example)
    what = "an example registry" if example else "an empty registry"
    err.print(
        f"started {what} in {reg.root}; declare its outcomes and characteristics in "
        f"{reg.root / 'evireg.yaml'}, then add studies with `evireg add FILE --registry {reg.root}`",
        markup=False,
    )


@command()
def add(
    files: Annotated[
        list[Path] | None,
        typer.Argument(
            metavar="FILE...",
            help="Record files (YAML/JSON), folders of them, or JSON Lines (one study a line).",
        ),
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
    if not files:
        if not (interactive or sys.stdin.isatty()):
            raise UserError("give one or more files to add, or --interactive for guided entry")
        from evireg.cli.guided import run_guided

        added = run_guided(api.open(registry), replace=replace)
    else:
        report = api.open(registry).add(*files, replace=replace, skip_invalid=skip_invalid)
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
    paths: Annotated[
        list[Path] | None, typer.Argument(metavar="PATH...", help="Files or registry folders.")
    ] = None,
    registry: RegistryOpt = None,
) -> None:
    """Check records; print every problem as `file:line: field.path: message`."""
    report = api.validate(*paths) if paths else api.open(registry).validate()
    if report.problems:
        emit("".join(f"{p}\n" for p in report.problems))
        err.print(f"{len(report.problems)} problem(s) in {report.files} file(s)", markup=False)
        raise typer.Exit(1)
    err.print(f"ok: {report.records} record(s) in {report.files} file(s) are valid", markup=False)


@command()
def build(registry: RegistryOpt = None) -> None:
    """Recreate the DuckDB index from the registry files."""
    info = api.open(registry).build()
    err.print(f"built {info.path}: {info.studies} studies, {info.reviews} review(s)", markup=False)


class SchemaKind(StrEnum):
    study = "study"
    review = "review"


@command()
def schema(
    out_dir: Annotated[
        Path | None,
        # --out: the name this option had before -o meant --output everywhere; still accepted
        typer.Option(
            "--output", "-o", "--out", metavar="DIR", help="Write the schema files into this folder."
        ),
    ] = None,
    kind: Annotated[
        SchemaKind, typer.Option("--kind", case_sensitive=False, help="Which record's schema to print.")
    ] = SchemaKind.study,
    registry: Annotated[
        Path | None,
        typer.Option(
            "--registry",
            "-r",
            metavar="DIR",
            help="Also write this registry's own schemas (its "
            "profile's outcomes and characteristics as enums), into its schemas/ unless --output "
            "is given.",
        ),
    ] = None,
) -> None:
    """Print a record JSON Schema, or write them all to --output (e.g. schemas/)."""
    if registry is not None:
        for p in api.open(registry).write_schemas(out_dir):
            err.print(f"wrote {p}", markup=False)
        return
    if out_dir is None:
        texts = api.schemas()
        emit(texts[f"{kind.value}.schema.json"])
        return
    for p in api.write_schemas(out_dir):
        err.print(f"wrote {p}", markup=False)

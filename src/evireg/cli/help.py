"""What every `--help` screen shares: the example command lines of each command (one place, shown
as the epilog), and the command classes that show them and keep type names out of the help.

The examples are keyed by the command's path below `evireg` ("" is `evireg` itself, "plot forest"
a subcommand). tests/test_cli_conventions.py walks the command tree and fails when a command has
no example here, so a new command cannot ship without one. No heavy import here: `evireg --help`
must start instantly.
"""

from __future__ import annotations

import re
from enum import Enum
from typing import Any

import typer
from typer.core import TyperCommand, TyperGroup

EXAMPLES: dict[str, tuple[str, ...]] = {
    "": (
        "evireg init myreg --example",
        "evireg report --registry myreg",
    ),
    "init": (
        "evireg init myreg",
        "evireg init demo --example",
    ),
    "add": (
        "evireg add studies/new-trial.yaml --registry myreg",
        "evireg add incoming/ --skip-invalid --registry myreg",
    ),
    "validate": (
        "evireg validate --registry myreg",
        "evireg validate studies/new-trial.yaml",
    ),
    "build": ("evireg build --registry myreg",),
    "query": (
        'evireg query "select study_id, year, design from studies order by year"',
        'evireg query "select * from two_by_two where outcome = $o" --param o=live_birth --vertical',
        'evireg query "select study_id, outcome, reason from missing_data" --format csv',
    ),
    "views": (
        "evireg views",
        "evireg views two_by_two",
        "evireg views --columns --format csv",
    ),
    "schema": (
        "evireg schema --kind review",
        "evireg schema --output schemas/",
    ),
    "pool": (
        "evireg pool --outcome live_birth",
        "evireg pool --outcome live_birth --model random --tau2 REML --hksj",
        "evireg pool --csv trials.csv --measure RR --format json",
    ),
    "export": (
        "evireg export out/",
        "evireg export out/ --format datapackage",
    ),
    "sensitivity": (
        "evireg sensitivity --outcome live_birth",
        "evireg sensitivity --csv trials.csv --model random --format markdown",
        "evireg sensitivity --outcome live_birth --model random --tau2 REML --hksj",
    ),
    "report": (
        "evireg report",
        "evireg report --review gao-2025 --format markdown",
    ),
    "audit": (
        "evireg audit --review gao-2025",
        "evireg audit --all --strict",
    ),
    "rob": (
        "evireg rob --outcome live_birth",
        "evireg rob --format csv",
    ),
    "sof": (
        "evireg sof",
        "evireg sof --review gao-2025 --format json",
    ),
    "site": (
        "evireg site out/",
        "evireg site out/ --review gao-2025 -r my-registry",
    ),
    "compare": (
        "evireg compare gao-2025-trial-1 --registry myreg",
        "evireg compare extraction-a.yaml extraction-b.yaml --disagreements",
    ),
    "adjudicate": (
        "evireg adjudicate gao-2025-trial-1 --adjudicator 'J. Smith' --registry myreg",
        "evireg adjudicate gao-2025-trial-1 --interactive --registry myreg",
    ),
    "plot": ("evireg plot forest --outcome live_birth -o forest.svg",),
    "plot forest": (
        "evireg plot forest --outcome live_birth -o forest.svg",
        "evireg plot forest --outcome live_birth --by rmc_type --model random -o forest.png",
        "evireg plot forest --csv trials.csv -o forest.pdf",
    ),
    "plot funnel": (
        "evireg plot funnel --outcome live_birth -o funnel.svg",
        "evireg plot funnel --csv trials.csv -o funnel.png",
        "evireg plot funnel --outcome live_birth --model random --tau2 REML -o funnel.svg",
    ),
    "plot rob": (
        "evireg plot rob --outcome live_birth -o rob.svg",
        "evireg plot rob --outcome live_birth --weighted -o rob.png",
    ),
    "import": ("evireg import rm5 review.rm5 --registry myreg",),
    "import cochrane": (
        "evireg import cochrane CD000001-analysis-data.csv --registry myreg",
        "evireg import cochrane a.csv.gz b.csv.gz --registry myreg",
    ),
    "import rm5": (
        "evireg import rm5 review.rm5 --registry myreg",
        "evireg import rm5 review.rm5 --registry myreg --url https://example.org/review.rm5",
    ),
}


def command_key(command_path: str) -> str:
    """`evireg plot forest` -> "plot forest": the key of EXAMPLES (the program's own name, however
    it was invoked, is left out)."""
    return " ".join(command_path.split()[1:])


def epilog(command_path: str) -> str | None:
    """The examples as the help's epilog, one command line a paragraph (rich help joins a
    paragraph's lines into one)."""
    lines = EXAMPLES.get(command_key(command_path))
    if not lines:
        return None
    return "Examples:\n\n" + "\n\n".join(f"  {line}" for line in lines)


def _no_type(ctx: Any) -> None:
    return None


def _quiet_flags(params: list[Any]) -> list[Any]:
    """No Python type names in the help: a flag takes no value, so it shows none (typer would print
    `<bool>`); an argument is named by its metavar already (typer would add `<path>` or
    `<list[Path]>` beside it)."""
    for p in params:
        if getattr(p, "is_flag", False) and getattr(p, "metavar", None) is None:
            p.metavar = ""
        elif getattr(p, "param_type_name", "") == "argument":
            p.display_type_rich = _no_type  # on the instance: typer has no setting for it
    return params


def _reword_choice(e: typer.BadParameter) -> None:
    """A value that is no choice, said in the user's words: typer answers "Value error, 'ML' is
    not one of 'dl', 'reml', 'pm'." (lowercased, being case-insensitive); this names the choices
    as the help spells them."""
    desc = getattr(e.param, "type_descriptor", None)
    found = re.search(r"('.*') is not one of", e.message)
    if desc is None or not desc.is_choice or found is None:
        return
    names = [c.value if isinstance(c, Enum) else str(c) for c in desc.choices or ()]
    e.message = f"{found.group(1)} is not one of {', '.join(names)} (in any case)"


class Command(TyperCommand):
    """A command whose help ends with its examples and shows no type names for flags."""

    def get_params(self, ctx: Any) -> list[Any]:
        return _quiet_flags(super().get_params(ctx))

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except typer.BadParameter as e:
            _reword_choice(e)
            raise

    def format_help(self, ctx: Any, formatter: Any) -> None:
        self.epilog = epilog(ctx.command_path)
        super().format_help(ctx, formatter)


class Group(TyperGroup):
    """A command group (`evireg`, `evireg plot`, `evireg import`), with the same help conventions."""

    def get_params(self, ctx: Any) -> list[Any]:
        return _quiet_flags(super().get_params(ctx))

    def format_help(self, ctx: Any, formatter: Any) -> None:
        self.epilog = epilog(ctx.command_path)
        super().format_help(ctx, formatter)

"""The `evireg` typer app and what every command module shares: the consoles, `handled` (the one
place where exceptions become messages and exit codes), the option types, and the emit helpers.

The commands themselves live in cli/commands/, one module per command group; cli/main.py imports
them, which registers them here. Heavy modules (duckdb, numpy, scipy, pydantic) are imported inside
the commands so that `evireg --help` starts instantly: nothing here may import them.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal, TypeAlias, TypeVar

import typer

from evireg.api import Options
from evireg.cli.help import Command, Group
from evireg.cli.output import SIGPIPE_EXIT, DocFmt, Fmt, err, silence_stdout
from evireg.errors import InvalidOption, UserError
from evireg.registry import interrupts
from evireg.stats.options import MEASURES, METHODS, MODELS, TAU2_METHODS

app = typer.Typer(
    name="evireg",
    help="An evidence registry for meta-analysis: sourced trial records, SQL views, RevMan-grade pooling.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode="rich",
    cls=Group,
)


_state = {"debug": bool(os.environ.get("EVIREG_DEBUG"))}
_interrupt = {"reported": False}

F = TypeVar("F", bound=Callable[..., Any])


def handled(fn: F) -> F:
    """User errors: the message (and each problem) on stderr, exit 1 (2 for an invalid option
    value), no traceback. Ctrl-C: one line saying whether anything was changed, exit 130, however
    a library reported it."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        interrupts.reset()
        _interrupt["reported"] = False
        try:
            result = fn(*args, **kwargs)
        except (typer.Exit, typer.Abort):
            raise
        except UserError as e:
            if interrupts.received():  # e.g. a query cancelled by the Ctrl-C, not by its cap
                _report_interrupt()
                raise typer.Exit(130) from None
            for p in e.problems:
                err.print(str(p), markup=False, highlight=False)
            err.print(f"error: {e.message}", style="bold red", markup=False, highlight=False)
            raise typer.Exit(2 if isinstance(e, InvalidOption) else 1) from None
        except KeyboardInterrupt:
            _report_interrupt()
            raise typer.Exit(130) from None
        except BrokenPipeError:  # the reader went away (`| head -1`): nothing more to say to anyone
            silence_stdout()
            raise typer.Exit(SIGPIPE_EXIT) from None
        except Exception as e:
            if interrupts.received():  # a Ctrl-C that a library turned into its own error
                _report_interrupt()
                raise typer.Exit(130) from None
            if _state["debug"]:
                raise
            err.print(
                f"internal error: {type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}",
                markup=False,
                highlight=False,
            )
            err.print("rerun with `evireg --debug ...` for the traceback, and report it", markup=False)
            raise typer.Exit(1) from None
        if interrupts.received():  # a library swallowed the Ctrl-C and the command ran to its end
            _report_interrupt()
            raise typer.Exit(130)
        return result

    return wrapper  # type: ignore[return-value]


def _report_interrupt() -> None:
    if not _interrupt["reported"]:
        _interrupt["reported"] = True
        err.print(interrupts.message(), markup=False, highlight=False)


def command(name: str | None = None, *, on: typer.Typer = app, **kw: Any) -> Callable[[F], F]:
    """Register a command on `on` (the app, or a group such as `plot`), run through `handled`."""

    def deco(fn: F) -> F:
        on.command(name, cls=Command, **kw)(handled(fn))
        return fn

    return deco


# --- options shared by several commands ----------------------------------------------------

RegistryOpt = Annotated[
    Path | None,
    typer.Option(
        "--registry",
        "-r",
        envvar="EVIREG_REGISTRY",
        show_envvar=True,
        metavar="DIR",
        help="Registry folder (default: the bundled registry, read-only).",
    ),
]
# Choices are case-insensitive everywhere (`--format JSON`, `--tau2 reml`): a choice is a word,
# not a spelling test. The value reaches the command in its canonical spelling.
FormatOpt = Annotated[Fmt, typer.Option("--format", "-f", case_sensitive=False, help="Output format.")]
DocFormatOpt = Annotated[
    DocFmt, typer.Option("--format", "-f", case_sensitive=False, help="Output format (a document: no csv).")
]

# The choices of the pooling options come from the library's one vocabulary (stats/options.py),
# as a Literal, which typer offers as a choice exactly as it did the enums these replace.
if TYPE_CHECKING:
    Measure: TypeAlias = str
    Method: TypeAlias = str
    Model: TypeAlias = str
    Tau2: TypeAlias = str
else:
    Measure, Method = Literal[MEASURES], Literal[METHODS]
    Model, Tau2 = Literal[MODELS], Literal[TAU2_METHODS]
DEFAULT = Options()  # the API's defaults are the CLI's


def _choices(names: tuple[str, ...]) -> str:
    """The help's list of choices in their canonical spelling (typer would show them lowercased,
    being case-insensitive)."""
    return "<" + "|".join(names) + ">"


# The options that make a question about one outcome, shared by pool, sensitivity and plot.
# No -o: everywhere in evireg, -o is --output, a file to write.
_OUTCOME = typer.Option(
    "--outcome",
    metavar="OUTCOME",
    help="Outcome id from the registry's profile (evireg.yaml), e.g. live_birth; a wrong id is "
    "answered with the valid ones.",
)
OutcomeOpt = Annotated[str, _OUTCOME]
OptionalOutcomeOpt = Annotated[str | None, _OUTCOME]  # pool: --csv is the other input
CsvOpt = Annotated[
    Path | None,
    typer.Option(
        "--csv",
        metavar="FILE",
        help="Study rows of this CSV file instead of the registry (see `pool --help`).",
    ),
]
ByOpt = Annotated[
    str | None,
    typer.Option("--by", metavar="VARIABLE", help="Subgroup by a profile characteristic, or design."),
]
StudiesOfOpt = Annotated[
    str | None, typer.Option("--review", metavar="REVIEW", help="Only this review's included studies.")
]
WhereOpt = Annotated[
    str | None,
    typer.Option(
        "--where",
        metavar="SQL",
        help="SQL condition on `studies` columns (stopped after $EVIREG_QUERY_TIMEOUT s, default 30).",
    ),
]
MeasureOpt = Annotated[
    Measure | None,
    typer.Option(
        "--measure",
        case_sensitive=False,
        metavar=_choices(MEASURES),
        help="Effect measure (default: the outcome's; OR for 2x2 data, MD for continuous).",
    ),
]
MethodOpt = Annotated[
    Method | None,
    typer.Option(
        "--method",
        case_sensitive=False,
        metavar=_choices(METHODS),
        help="Pooling method: Mantel-Haenszel, inverse variance or Peto (default: MH for 2x2 data, else IV).",
    ),
]
ModelOpt = Annotated[
    Model | None,
    typer.Option(
        "--model",
        case_sensitive=False,
        metavar=_choices(MODELS),
        help="Fixed or random effects (default: fixed).",
    ),
]
LevelOpt = Annotated[
    int | None,
    typer.Option(
        "--level", metavar="PERCENT", help="Confidence level of every interval: 90, 95 or 99 (default 95)."
    ),
]
Tau2Opt = Annotated[
    Tau2,
    typer.Option(
        "--tau2",
        case_sensitive=False,
        metavar=_choices(TAU2_METHODS),
        help="Between-study variance estimator of the random-effects model; with a fixed model it "
        "changes nothing, which a warning says.",
    ),
]
HksjOpt = Annotated[
    bool,
    typer.Option(
        "--hksj", help="Hartung-Knapp-Sidik-Jonkman CI (t distribution, k-1 df); needs --model random."
    ),
]
ReviewOpt = Annotated[
    str | None, typer.Option("--review", metavar="REVIEW", help="Review id (default: the only one).")
]


def check_model(model: str | None, tau2: str, hksj: bool = False) -> None:
    """The random-effects options said in the CLI's words before any work. --hksj with a fixed
    model is refused (a different interval was asked for and cannot be given); a --tau2 other
    than the default with a fixed model only warns, since the answer is the same either way."""
    if model == "random":
        return
    if hksj:
        raise InvalidOption("--hksj needs --model random")
    if tau2 != DEFAULT.tau2:
        err.print(
            f"warning: --tau2 {tau2} only affects random effects; add --model random to use it",
            markup=False,
            highlight=False,
        )


def one_input(outcome: str | None, csv_file: Path | None, where: str | None, review: str | None) -> None:
    """Exactly one of --outcome (the registry) and --csv (a table), and no registry filter on a table."""
    if (outcome is None) == (csv_file is None):
        raise InvalidOption("give either --outcome (the registry) or --csv FILE, not both or neither")
    if csv_file is not None and (where is not None or review is not None):
        raise InvalidOption("--where and --review choose registry studies; they do nothing to a --csv table")


def check_peto(method: str | None, measure: str | None) -> None:
    """Said in the CLI's words before any work (the library would say it in its own)."""
    if method == "Peto" and measure is not None and measure not in ("OR", "HR"):
        raise UserError("--method Peto pools odds ratios only; use --measure OR")


# --- the root: options before the command --------------------------------------------------


def _print_version(value: bool) -> None:
    if value:
        from evireg._version import __version__

        sys.stdout.write(f"evireg {__version__}\n")
        raise typer.Exit(0)


@app.callback()
def root(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks of internal errors.")] = False,
    version: Annotated[
        bool,
        # eager: handled while parsing, before click asks for a command
        typer.Option("--version", help="Print the version and exit.", is_eager=True, callback=_print_version),
    ] = False,
) -> None:
    if debug:
        _state["debug"] = True

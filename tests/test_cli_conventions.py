"""The command line's conventions, checked by walking every command and option of the app (the way
sqlite-utils keeps its docs complete): a new command or option that breaks one fails here.

- `-o` is `--output` (a file to write) wherever it exists;
- every option and argument has a description, every command's --help an example command line
  (from cli/help.py's EXAMPLES), and no Python type name (`<bool>`, `<list[Path]>`) shows;
- every choice is case-insensitive;
- every usage error exits 2.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from evireg.cli.help import EXAMPLES
from evireg.cli.main import app

ROOT = typer.main.get_command(app)


def _walk(cmd: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    """Every command and group below `evireg` (the root too, as ()), with its path."""
    yield path, cmd
    for name, sub in sorted(getattr(cmd, "commands", {}).items()):
        if not sub.hidden:
            yield from _walk(sub, (*path, name))


COMMANDS = list(_walk(ROOT))
PATHS = [" ".join(p) for p, _ in COMMANDS]


def _params(cmd: Any) -> list[Any]:
    ctx = cmd.make_context("evireg", [], resilient_parsing=True)
    return [p for p in cmd.get_params(ctx) if not getattr(p, "hidden", False)]


def _help(path: tuple[str, ...]) -> str:
    r = CliRunner().invoke(app, [*path, "--help"], env={"COLUMNS": "200", "EVIREG_REGISTRY": ""})
    assert r.exit_code == 0, r.output
    return r.stdout


def test_the_walk_sees_every_command() -> None:
    assert {"", "pool", "sensitivity", "plot", "plot forest", "plot funnel", "plot rob", "import rm5"} <= set(
        PATHS
    )
    assert len(PATHS) >= 20


@pytest.mark.parametrize(("path", "cmd"), COMMANDS, ids=PATHS)
def test_minus_o_means_output_everywhere(path: tuple[str, ...], cmd: Any) -> None:
    for p in _params(cmd):
        if "-o" in p.opts:
            assert "--output" in p.opts, f"{' '.join(path)}: -o is {p.opts}, not --output"


@pytest.mark.parametrize(("path", "cmd"), COMMANDS, ids=PATHS)
def test_every_option_and_argument_is_described(path: tuple[str, ...], cmd: Any) -> None:
    undocumented = [p.name for p in _params(cmd) if not (getattr(p, "help", None) or "").strip()]
    assert undocumented == [], f"evireg {' '.join(path)}: no help for {undocumented}"
    assert (cmd.help or "").strip(), f"evireg {' '.join(path)} has no description"


@pytest.mark.parametrize(("path", "cmd"), COMMANDS, ids=PATHS)
def test_every_help_shows_an_example(path: tuple[str, ...], cmd: Any) -> None:
    text = _help(path)
    after = text.split("Examples:", 1)
    assert len(after) == 2, f"evireg {' '.join(path)} --help shows no examples"
    lines = [line.strip() for line in after[1].splitlines()]
    assert any(line.startswith(" ".join(("evireg", *path))) for line in lines)


@pytest.mark.parametrize(("path", "cmd"), COMMANDS, ids=PATHS)
def test_no_type_name_shows_in_help(path: tuple[str, ...], cmd: Any) -> None:
    text = _help(path)
    leaked = re.findall(r"<(?:bool|str|int|float|path|file|directory|list\[[^>]*\]|[a-z]+ range)>", text)
    assert leaked == [], f"evireg {' '.join(path)} --help shows {leaked}"


def test_every_example_is_a_command_line_that_parses() -> None:
    """The examples name real commands and options, with values of the right kind."""
    assert set(EXAMPLES) == set(PATHS), "EXAMPLES and the commands differ"
    for key, lines in EXAMPLES.items():
        for line in lines:
            words = shlex.split(line)
            assert words[0] == "evireg"
            cmd, rest = ROOT, words[1:]
            while rest and rest[0] in getattr(cmd, "commands", {}):
                cmd, rest = cmd.commands[rest[0]], rest[1:]
            named = words[1 : len(words) - len(rest)]
            assert named[: len(key.split())] == key.split(), f"{line!r} is not an example of {key!r}"
            if getattr(cmd, "commands", None):
                continue  # a group's example is a subcommand's, parsed under its own key
            cmd.make_context("evireg", rest)  # raises on an unknown option or a bad choice


@pytest.mark.parametrize(("path", "cmd"), COMMANDS, ids=PATHS)
def test_every_choice_is_case_insensitive(path: tuple[str, ...], cmd: Any) -> None:
    for p in _params(cmd):
        desc = getattr(p, "type_descriptor", None)
        if desc is not None and desc.is_choice:
            assert not desc.case_sensitive, f"evireg {' '.join(path)} {p.opts[0]} is case-sensitive"


def run(*args: str) -> tuple[int, str, str]:
    r = CliRunner().invoke(app, list(args), env={"EVIREG_REGISTRY": "", "COLUMNS": "160"})
    return r.exit_code, r.stdout, r.stderr


USAGE_ERRORS = [
    (["pool"], "give either --outcome"),
    (["pool", "--outcome", "live_birth", "--csv", "x.csv"], "give either --outcome"),
    (["sensitivity"], "give either --outcome"),
    (["export", "out", "--format", "xml"], "parquet"),
    (["schema", "--kind", "foo"], "study"),
    (["report", "--format", "csv"], "markdown"),
    (["audit", "--format", "csv"], "markdown"),
    (["sensitivity", "--outcome", "live_birth", "--format", "csv"], "markdown"),
    (["sof", "--format", "csv"], "markdown"),
    (["pool", "--outcome", "live_birth", "--hksj"], "--hksj needs --model random"),
    (["plot", "forest", "--outcome", "live_birth", "--hksj", "-o", "f.svg"], "--hksj needs --model random"),
    (["pool", "--outcome", "live_birth", "--tau2", "ML"], "REML"),
    (["pool", "--outcome", "live_birth", "--bogus"], "No such option"),
    (["query"], "Missing argument"),
    (["nosuchcommand"], "No such command"),
]


@pytest.mark.parametrize(("args", "says"), USAGE_ERRORS, ids=[" ".join(a) for a, _ in USAGE_ERRORS])
def test_a_usage_error_exits_2(args: list[str], says: str) -> None:
    code, _, err = run(*args)
    assert code == 2 and says in err and "Traceback" not in err, (code, err)
    assert "hksj=True" not in err and "model='random'" not in err  # not in Python syntax


def test_choices_are_accepted_in_any_case() -> None:
    code, out, err = run(
        "pool", "--outcome", "live_birth", "--model", "RANDOM", "--tau2", "reml", "--method", "iv",
        "--measure", "rr", "--hksj", "--format", "JSON",
    )  # fmt: skip
    assert code == 0, err
    assert '"tau2_method": "REML"' in out and '"method": "IV"' in out and '"model": "random"' in out
    assert run("schema", "--kind", "Review")[0] == 0


def test_tau2_with_a_fixed_model_warns_and_answers() -> None:
    code, _, err = run("pool", "--outcome", "live_birth", "--tau2", "REML", "--format", "json")
    assert code == 0 and "--tau2 REML only affects random effects" in err
    assert code == 0 and run("pool", "--outcome", "live_birth", "--format", "json")[2] == ""


def test_outcome_has_no_short_alias_and_schema_writes_to_output(tmp_path: Any) -> None:
    assert run("pool", "-o", "live_birth")[0] == 2
    for flag in ("--output", "-o", "--out"):  # --out: the old name, still accepted
        code, _, err = run("schema", flag, str(tmp_path / flag.strip("-")))
        assert code == 0, err
        assert (tmp_path / flag.strip("-") / "study.schema.json").is_file()

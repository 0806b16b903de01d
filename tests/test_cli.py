"""Every command through typer's CliRunner, plus real `evireg` subprocesses."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from evireg.cli.app import app

from .conftest import FIXTURES, REGISTRY, ROOT, give_profile


def run(runner: CliRunner, *args: str) -> tuple[int, str, str]:
    r = runner.invoke(app, list(args), env={"EVIREG_REGISTRY": "", "COLUMNS": "200"})
    return r.exit_code, r.stdout, r.stderr


def test_init_then_add_then_query(runner: CliRunner, tmp_path: Path) -> None:
    root = tmp_path / "mine"
    code, _, err = run(runner, "init", str(root))
    assert code == 0 and "started an empty registry" in err
    give_profile(root)
    assert (root / "studies").is_dir() and (root / "schemas" / "study.schema.json").is_file()
    code, _, err = run(runner, "add", str(FIXTURES / "valid" / "smith-2001.yaml"), "--registry", str(root))
    assert code == 0 and "added study smith-2001" in err
    assert (root / "studies" / "smith-2001.yaml").is_file()
    code, out, _ = run(runner, "query", "select study_id from studies", "-f", "csv", "-r", str(root))
    assert code == 0 and out == "study_id\nsmith-2001\n"


def test_init_refuses_existing_registry(runner: CliRunner, fixture_registry: Path) -> None:
    code, _, err = run(runner, "init", str(fixture_registry))
    assert code == 1 and "already holds a registry" in err


def test_add_refuses_existing_id_unless_replace(runner: CliRunner, fixture_registry: Path) -> None:
    f = str(FIXTURES / "valid" / "smith-2001.yaml")
    code, _, err = run(runner, "add", f, "-r", str(fixture_registry))
    assert code == 1 and "--replace" in err and "Traceback" not in err
    code, _, err = run(runner, "add", f, "--replace", "-r", str(fixture_registry))
    assert code == 0 and "replaced study smith-2001" in err


def test_add_is_all_or_nothing(runner: CliRunner, tmp_path: Path) -> None:
    root = tmp_path / "r"
    run(runner, "init", str(root))
    give_profile(root)
    good = str(FIXTURES / "valid" / "smith-2001.yaml")
    bad = str(FIXTURES / "invalid" / "events-exceed-total.yaml")
    code, _, err = run(runner, "add", good, bad, "-r", str(root))
    assert code == 1 and "events-exceed-total.yaml" in err and "outcomes.0.arms.0" in err
    assert not list((root / "studies").glob("*.yaml"))


def test_add_review_needs_its_studies(runner: CliRunner, tmp_path: Path) -> None:
    root = tmp_path / "r"
    run(runner, "init", str(root))
    give_profile(root)
    code, _, err = run(runner, "add", str(FIXTURES / "valid" / "test-2020.yaml"), "-r", str(root))
    assert code == 1 and "included_studies.0" in err and "add it first" in err


def test_add_accepts_json_and_writes_yaml(runner: CliRunner, tmp_path: Path) -> None:
    root = tmp_path / "r"
    run(runner, "init", str(root))
    give_profile(root)
    code, _, _ = run(runner, "add", str(FIXTURES / "valid" / "lee-2010.json"), "-r", str(root))
    assert code == 0
    # issue 13: a valid input is stored as the user wrote it, JSON as JSON (was: canonical YAML)
    stored = (root / "studies" / "lee-2010.json").read_bytes()
    assert stored == (FIXTURES / "valid" / "lee-2010.json").read_bytes()


def test_validate_reports_every_problem_one_line_each(runner: CliRunner) -> None:
    files = [str(FIXTURES / "invalid" / n) for n in ("typo-key-evnets.yaml", "bad-pmid.yaml", "empty.yaml")]
    code, out, err = run(runner, "validate", *files)
    assert code == 1
    lines = out.strip().splitlines()
    assert any(
        line.startswith(files[0] + ":") and "outcomes.0.arms.0.evnets: unknown key" in line for line in lines
    )
    assert any("bad-pmid.yaml:" in line and "citation.pmid:" in line for line in lines)
    assert any("empty.yaml: (file): file is empty" in line for line in lines)
    assert "problem(s)" in err


def test_validate_ok_summary(runner: CliRunner) -> None:
    code, out, err = run(runner, "validate", str(REGISTRY))
    assert code == 0 and out == ""
    assert err.startswith("ok: 12 record(s) in 12 file(s) are valid")


def test_build_and_views(runner: CliRunner, fixture_registry: Path) -> None:
    code, _, err = run(runner, "build", "-r", str(fixture_registry))
    assert code == 0 and "2 studies, 1 review" in err
    code, out, _ = run(runner, "views", "-f", "json", "-r", str(fixture_registry))
    rows = json.loads(out)
    assert {"view": "two_by_two", "column": "events_treat", "type": "INTEGER"} in rows


def test_query_formats(runner: CliRunner, fixture_registry: Path) -> None:
    sql = "select study_id, year, randomised from studies order by study_id"
    r = str(fixture_registry)
    _, out, _ = run(runner, "query", sql, "-f", "json", "-r", r)
    assert json.loads(out) == [
        {"study_id": "lee-2010", "year": 2010, "randomised": False},
        {"study_id": "smith-2001", "year": 2001, "randomised": True},
    ]
    _, out, _ = run(runner, "query", sql, "-f", "csv", "-r", r)
    assert list(csv.reader(io.StringIO(out)))[1] == ["lee-2010", "2010", "False"]
    _, out, _ = run(runner, "query", sql, "-f", "markdown", "-r", r)
    assert out.splitlines()[:3] == [
        "| study_id | year | randomised |",
        "| --- | --- | --- |",
        "| lee-2010 | 2010 | False |",
    ]
    _, out, _ = run(runner, "query", sql, "-r", r)
    assert "smith-2001" in out and "lee-2010" in out


def test_query_params_and_row_cap(runner: CliRunner, fixture_registry: Path) -> None:
    r = str(fixture_registry)
    code, out, _ = run(
        runner, "query", "select study_id from studies where year = $y", "-p", "y=2001", "-f", "csv", "-r", r
    )
    assert code == 0 and out == "study_id\nsmith-2001\n"
    code, out, err = run(runner, "query", "select * from range(10)", "--max-rows", "3", "-f", "csv", "-r", r)
    assert code == 0 and len(out.strip().splitlines()) == 4 and "first 3 rows" in err


def test_schema_prints_and_writes(runner: CliRunner, tmp_path: Path) -> None:
    code, out, _ = run(runner, "schema", "--kind", "review")
    assert code == 0 and json.loads(out)["title"] == "Review"
    code, _, _ = run(runner, "schema", "--out", str(tmp_path))
    assert json.loads((tmp_path / "study.schema.json").read_text()) == json.loads(
        (ROOT / "schemas" / "study.schema.json").read_text()
    )


def test_bad_registry_path_is_a_clear_error(runner: CliRunner, tmp_path: Path) -> None:
    code, _, err = run(runner, "query", "select 1", "-r", str(tmp_path / "nope"))
    assert code == 1 and "evireg init" in err and "Traceback" not in err


def test_registry_from_environment(runner: CliRunner, fixture_registry: Path) -> None:
    r = runner.invoke(
        app,
        ["query", "select count(*) as n from studies", "-f", "csv"],
        env={"EVIREG_REGISTRY": str(fixture_registry)},
    )
    assert r.exit_code == 0 and r.stdout == "n\n2\n"


def test_bundled_registry_is_the_default(runner: CliRunner) -> None:
    r = runner.invoke(
        app, ["query", "select count(*) as n from studies", "-f", "csv"], env={"EVIREG_REGISTRY": ""}
    )
    assert r.exit_code == 0 and r.stdout == "n\n11\n"


def _evireg(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "evireg", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
    )


def test_subprocess_query_from_any_folder(tmp_path: Path) -> None:
    p = _evireg(
        "query",
        "select count(*) as n from studies",
        "--format",
        "json",
        cwd=tmp_path,
        env={"EVIREG_REGISTRY": "", "XDG_CACHE_HOME": str(tmp_path / "cache")},
    )
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout) == [{"n": 11}]


def test_subprocess_validate_errors_exit_1_without_traceback(tmp_path: Path) -> None:
    p = _evireg("validate", str(FIXTURES / "invalid" / "alias-bomb.yaml"), cwd=tmp_path)
    assert p.returncode == 1
    assert "aliases" in p.stdout and "Traceback" not in p.stdout + p.stderr


def test_subprocess_usage_error_exits_2(tmp_path: Path) -> None:
    p = _evireg("query", cwd=tmp_path)
    assert p.returncode == 2


# --- the shape of the CLI: one app, command groups on the public API ---------------------------

CLI = ROOT / "src" / "evireg" / "cli"
COMMANDS = [
    "init", "add", "validate", "build", "query", "views", "schema", "pool", "export", "sensitivity",
    "report", "audit", "rob", "sof", "site", "compare", "adjudicate", "import", "plot",
]  # fmt: skip


def test_help_lists_every_command_in_its_order(runner: CliRunner) -> None:
    code, out, _ = run(runner, "--help")
    listed = [line.split()[1] for line in out.splitlines() if line.startswith("│ ") and line.split()[1:2]]
    assert code == 0 and [c for c in listed if not c.startswith("--")] == COMMANDS


def test_no_cli_module_is_long() -> None:
    lengths = {str(p.relative_to(CLI)): len(p.read_text().splitlines()) for p in CLI.rglob("*.py")}
    assert max(lengths.values()) <= 400, lengths


def _runtime_imports(path: Path) -> set[str]:
    """The evireg modules a file imports when it runs (imports for type checking left out)."""
    import ast

    tree = ast.parse(path.read_text())
    typing_only = {
        id(n)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING"
        for n in ast.walk(node)
    }
    found = set()
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
    return {m for m in found if m.startswith("evireg")}


def test_commands_stand_on_the_public_api() -> None:
    """Commands call evireg.api, not the layers beneath it (render and the record format aside)."""
    below = ("evireg.review", "evireg.index", "evireg.registry")
    for path in [*(CLI / "commands").glob("*.py"), *(CLI / "guided").glob("*.py")]:
        reached = sorted(m for m in _runtime_imports(path) if m.startswith(below))
        assert reached == [], f"{path.name} imports {reached}"


def test_pooling_choices_are_the_library_vocabulary() -> None:
    from typing import get_args

    import evireg.cli.app as cli_app
    from evireg.stats.options import MEASURES, METHODS, MODELS, TAU2_METHODS

    assert get_args(cli_app.Measure) == MEASURES and get_args(cli_app.Method) == METHODS
    assert get_args(cli_app.Model) == MODELS and get_args(cli_app.Tau2) == TAU2_METHODS


def test_handled_maps_each_kind_of_error_to_its_exit_code(runner: CliRunner) -> None:
    import typer

    from evireg.cli.app import command
    from evireg.errors import InvalidOption, Problem, UserError

    errors: dict[str, BaseException] = {
        "user": UserError("bad data", [Problem("f.yaml", "year", "not a year", 3)]),
        "option": InvalidOption("--measure 'XX': choose OR, RR or RD", ["OR", "RR", "RD"]),
        "interrupt": KeyboardInterrupt(),
        "bug": RuntimeError("boom"),
    }
    probe = typer.Typer()

    @command(on=probe)
    def fail(kind: str) -> None:
        raise errors[kind]

    def code_and_err(kind: str) -> tuple[int, str]:
        r = runner.invoke(probe, [kind])
        return r.exit_code, r.stderr

    assert code_and_err("user") == (1, "f.yaml:3: year: not a year\nerror: bad data\n")
    assert code_and_err("option") == (2, "error: --measure 'XX': choose OR, RR or RD\n")
    code, err = code_and_err("interrupt")
    assert code == 130 and "interrupted" in err
    code, err = code_and_err("bug")
    assert code == 1 and err.startswith("internal error: RuntimeError: boom")


def test_the_api_pools_a_csv_as_pool_csv_does(tmp_path: Path) -> None:
    import evireg.api

    path = tmp_path / "t.csv"
    path.write_text("study,events_treat,total_treat,events_ctrl,total_ctrl,subgroup\nA,5,50,10,50,x\n")
    ans = evireg.api.pool(path, outcome="csv", by="grp")
    assert (ans.question.outcome, ans.question.by) == ("csv", "grp")
    assert evireg.api.pool(path).question.outcome == "t.csv"


def test_the_api_fetches_with_a_row_cap(fixture_registry: Path) -> None:
    import pytest

    import evireg.api
    from evireg.errors import QueryRefused

    reg = evireg.api.open(fixture_registry)
    res = reg.fetch("select study_id from studies where study_id <> $x", {"x": "none"}, max_rows=1)
    assert res.columns == ["study_id"] and len(res.rows) == 1 and res.truncated
    assert evireg.api.query_params(["n=3", "s=abc"]) == {"n": 3, "s": "abc"}
    with pytest.raises(QueryRefused):
        evireg.api.check_timeout(0)

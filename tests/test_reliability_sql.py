"""Issue 11, part B: user SQL fragments only filter, every fragment is capped, export stays inside.

One regression test (or a small group) per defect: 5 (`--where` adds rows), 6 (`--where` has no
time or memory cap), 9 (`export` trusts a crafted index), 10 (Ctrl-C and `--timeout` during a
query, `export` onto a file), 11 (`export` into a registry), and issue 12 (no test guarded
`lock_configuration`).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from evireg.cli.app import app
from evireg.errors import UserError
from evireg.index.build import db_path
from evireg.index.fresh import connect_readonly, ensure
from evireg.index.query import run_query
from evireg.interop.export import export_views
from evireg.registry.paths import Registry
from evireg.review.analysis import answer
from evireg.review.question import Question

SLOW_SQL = "select count(*) from range(1000000000) a, range(100000) b"
SLOW_FILTER = "(select count(*) from range(1000000000000)) > 0"
INJECTION = "1=1) UNION ALL (SELECT * FROM studies WHERE study_id='smith-2001'"


def cli(
    *args: str, env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "evireg", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )


def tree_digest(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


# --- 5: a filter only filters ---------------------------------------------------------------


@pytest.mark.parametrize(
    "where",
    [
        INJECTION,
        "1=1 UNION ALL SELECT * FROM studies",
        "true) OR (true",
        "1=1 ORDER BY 1",
        "1=1 FROM studies",
        "1=1 AS x",
        "year > 1990, year < 2020",
        "1=1; SELECT 1",
        "study_id = $review",
    ],
)
def test_a_filter_that_is_not_one_condition_is_refused(where: str, fixture_registry: Path) -> None:
    with pytest.raises(UserError) as e:
        answer(Registry(fixture_registry), Question("live_birth", where=where))
    assert e.value.message.startswith(f"--where {where!r}: ")


def test_the_union_injection_does_not_pool_a_study_twice(fixture_registry: Path) -> None:
    r = cli("pool", "--outcome", "live_birth", "--where", INJECTION, "-f", "csv", "-r", str(fixture_registry))
    assert r.returncode == 1, r.stdout
    assert r.stdout == ""
    assert "--where" in r.stderr and "Traceback" not in r.stderr and "internal error" not in r.stderr


@pytest.mark.parametrize("where", ["(year > 1990", "year >", "year > 1990 /*", "   "])
def test_a_refused_filter_names_no_parenthesis_the_user_did_not_type(
    where: str, fixture_registry: Path
) -> None:
    """evireg wraps the filter in parentheses; an error must not point at one of those."""
    with pytest.raises(UserError) as e:
        answer(Registry(fixture_registry), Question("live_birth", where=where))
    assert e.value.message.startswith(f"--where {where!r}: ")
    assert ")" not in e.value.message.removeprefix(f"--where {where!r}: ")


def test_a_trailing_comment_does_not_break_the_filter(fixture_registry: Path) -> None:
    reg = Registry(fixture_registry)
    plain = answer(reg, Question("live_birth", where="year > 2005"))
    commented = answer(reg, Question("live_birth", where="year > 2005 -- recent trials only"))
    assert [i.study for i in commented.inputs] == [i.study for i in plain.inputs] == ["lee-2010"]


@pytest.mark.parametrize(
    "where",
    [
        "study_id IN (SELECT study_id FROM studies UNION ALL SELECT study_id FROM studies)",
        "EXISTS (SELECT 1 FROM studies s2, studies s3)",
        "(SELECT count(*) FROM studies) > 0",
    ],
)
def test_subqueries_in_a_filter_can_only_remove_rows(where: str, fixture_registry: Path) -> None:
    reg = Registry(fixture_registry)
    unfiltered = answer(reg, Question("live_birth"))
    filtered = answer(reg, Question("live_birth", where=where))
    assert [i.study for i in filtered.inputs] == [i.study for i in unfiltered.inputs]
    assert filtered.overall is not None and unfiltered.overall is not None
    assert filtered.overall.estimate == unfiltered.overall.estimate


def test_sensitivity_combines_a_commented_filter_safely(fixture_registry: Path) -> None:
    from evireg.review.report import sensitivity_report

    main, sens = sensitivity_report(Registry(fixture_registry), Question("live_birth", where="true -- all"))
    assert main.overall is not None and main.overall.k == 2
    assert len(sens.lines) == 5


# --- 6: every user SQL fragment is capped ---------------------------------------------------


@pytest.mark.parametrize(
    "command",
    [
        ["pool", "--outcome", "live_birth"],
        ["sensitivity", "--outcome", "live_birth"],
        ["plot", "forest", "--outcome", "live_birth", "--output", "{tmp}/f.png"],
    ],
)
def test_a_slow_filter_is_stopped(command: list[str], fixture_registry: Path, tmp_path: Path) -> None:
    args = [a.replace("{tmp}", str(tmp_path)) for a in command]
    env = {"EVIREG_QUERY_TIMEOUT": "0.5"}
    r = cli(*args, "--where", SLOW_FILTER, "-r", str(fixture_registry), env=env, timeout=40)
    assert r.returncode == 1
    assert "stopped after 0.5 s" in r.stderr, r.stderr
    assert "Traceback" not in r.stderr


def test_the_filter_cap_follows_the_environment(
    monkeypatch: pytest.MonkeyPatch, fixture_registry: Path
) -> None:
    monkeypatch.setenv("EVIREG_QUERY_TIMEOUT", "0.5")
    with pytest.raises(UserError, match=r"stopped after 0\.5 s"):
        answer(Registry(fixture_registry), Question("live_birth", where=SLOW_FILTER))


@pytest.mark.parametrize("value", ["0", "-1", "nan", "inf", "1e308", "abc"])
def test_a_bad_timeout_in_the_environment_is_refused(
    value: str, monkeypatch: pytest.MonkeyPatch, fixture_registry: Path
) -> None:
    monkeypatch.setenv("EVIREG_QUERY_TIMEOUT", value)
    with pytest.raises(UserError, match="EVIREG_QUERY_TIMEOUT"):
        answer(Registry(fixture_registry), Question("live_birth", where="year > 1990"))


def _bytes(setting: str) -> float:
    number, unit = setting.split()
    return float(number) * {"KiB": 2**10, "MiB": 2**20, "GiB": 2**30, "TiB": 2**40}[unit]


def test_the_query_connection_has_a_memory_limit_and_does_not_spill(fixture_registry: Path) -> None:
    with connect_readonly(Registry(fixture_registry)) as con:
        row = con.execute(
            "select current_setting('memory_limit'), current_setting('temp_directory')"
        ).fetchone()
    assert row is not None
    assert _bytes(row[0]) <= 4 * 2**30
    assert row[1] == ""  # no spilling to disk: a query over its memory stops instead


def test_a_query_over_its_memory_gets_a_clear_message(
    monkeypatch: pytest.MonkeyPatch, fixture_registry: Path
) -> None:
    import evireg.index.sqlguard

    monkeypatch.setattr(evireg.index.sqlguard, "QUERY_MEMORY_LIMIT", "64MB")
    hog = "select count(distinct range::varchar || 'some padding to make it wide') from range(10000000)"
    with pytest.raises(UserError) as e:
        run_query(Registry(fixture_registry), hog, timeout_s=120)
    assert "memory" in e.value.message


# --- 9: export opens the index as locked down as query -------------------------------------


@pytest.fixture
def crafted_registry(fixture_registry: Path, tmp_path: Path) -> Iterator[tuple[Path, Path]]:
    """A registry whose (fresh-looking) index has a view that reads a file outside it."""
    import duckdb

    secret = tmp_path / "secret.txt"
    secret.write_text("s3cret-hostname\n")
    reg = Registry(fixture_registry)
    ensure(reg)
    con = duckdb.connect(str(db_path(reg)))
    try:
        con.execute(f"CREATE VIEW leak AS SELECT content FROM read_text('{secret}')")
    finally:
        con.close()
    ensure(reg)
    check = duckdb.connect(str(db_path(reg)), read_only=True)
    try:  # still trusted as fresh: no rebuild dropped the view
        views = check.execute("select count(*) from duckdb_views() where view_name = 'leak'").fetchone()
        assert views == (1,)
    finally:
        check.close()
    yield fixture_registry, secret


def test_query_refuses_the_crafted_view(crafted_registry: tuple[Path, Path]) -> None:
    root, _ = crafted_registry
    with pytest.raises(UserError, match="not allowed"):
        run_query(Registry(root), "select * from leak")


@pytest.mark.parametrize("fmt", ["parquet", "csv", "datapackage"])
def test_export_refuses_a_view_that_reads_files(
    fmt: str, crafted_registry: tuple[Path, Path], tmp_path: Path
) -> None:
    root, secret = crafted_registry
    out = tmp_path / "out"
    with pytest.raises(UserError) as e:
        export_views(Registry(root), out, fmt)
    assert "evireg build" in e.value.message
    leaked = [p for p in tmp_path.rglob("*") if p.is_file() and p != secret and b"s3cret" in p.read_bytes()]
    assert leaked == []
    assert not out.exists() or [p.name for p in out.iterdir()] == []


def test_export_still_writes_every_view(fixture_registry: Path, tmp_path: Path) -> None:
    res = export_views(Registry(fixture_registry), tmp_path / "out", "datapackage")
    names = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert "studies.csv" in names and "datapackage.json" in names
    assert not any(n.startswith(".") for n in names)  # no staging left behind
    assert res.rows["studies"] == 2


# --- 10 and 11: interrupting queries, timeouts, export targets ------------------------------


@pytest.fixture
def sigint_during_query() -> Iterator[None]:
    """Deliver SIGINT to this process, as Ctrl-C in a terminal would, once a statement runs.

    It waits (up to 5 s, then sends it anyway) for a thread besides the main one and itself:
    evireg's query worker (or, before it, the timeout timer), so that the signal lands while
    DuckDB works rather than while Python sets up.
    """
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    stop = threading.Event()

    def send() -> None:
        me = threading.current_thread()
        for _ in range(100):
            others = [t for t in threading.enumerate() if t is not me and t is not threading.main_thread()]
            if stop.wait(0.05) or others:
                break
        if not stop.wait(0.2):
            os.kill(os.getpid(), signal.SIGINT)

    sender = threading.Thread(target=send, daemon=True)
    sender.start()
    try:
        yield
    finally:
        stop.set()
        sender.join()
        signal.signal(signal.SIGINT, previous)


@pytest.mark.usefixtures("sigint_during_query")
def test_ctrl_c_interrupts_a_query(fixture_registry: Path) -> None:
    with pytest.raises(KeyboardInterrupt):
        run_query(Registry(fixture_registry), SLOW_SQL, timeout_s=120)


@pytest.mark.usefixtures("sigint_during_query")
def test_ctrl_c_interrupts_a_filter(fixture_registry: Path) -> None:
    with pytest.raises(KeyboardInterrupt):
        answer(Registry(fixture_registry), Question("live_birth", where=SLOW_FILTER))


@pytest.mark.usefixtures("sigint_during_query")
def test_ctrl_c_during_query_exits_130(fixture_registry: Path) -> None:
    r = CliRunner().invoke(app, ["query", SLOW_SQL, "--timeout", "120", "-r", str(fixture_registry)])
    assert r.exit_code == 130, r.stderr
    assert "interrupted; nothing was changed" in r.stderr
    assert "internal error" not in r.stderr


@pytest.mark.parametrize("value", ["1e308", "nan", "inf", "0", "-5", "100000"])
def test_an_absurd_timeout_is_a_usage_error(value: str, fixture_registry: Path) -> None:
    r = cli("query", "select 1", "--timeout", value, "-r", str(fixture_registry))
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert "--timeout" in r.stderr
    assert "Traceback" not in r.stderr and "Exception" not in r.stderr


@pytest.mark.parametrize("value", [float("nan"), float("inf"), 1e308, 0.0, -1.0])
def test_run_query_refuses_an_absurd_timeout(value: float, fixture_registry: Path) -> None:
    with pytest.raises(UserError, match="timeout"):
        run_query(Registry(fixture_registry), "select 1", timeout_s=value)


def test_export_onto_a_file_is_refused(fixture_registry: Path, tmp_path: Path) -> None:
    afile = tmp_path / "afile"
    afile.write_text("keep me\n")
    r = cli("export", str(afile), "-r", str(fixture_registry))
    assert r.returncode == 1
    assert str(afile) in r.stderr and "not a folder" in r.stderr
    assert "internal error" not in r.stderr and "Traceback" not in r.stderr
    assert afile.read_text() == "keep me\n"


@pytest.mark.parametrize("where", ["studies", "reviews", ".evireg", ".", "studies/deeper/still"])
def test_export_into_the_registry_is_refused(where: str, fixture_registry: Path) -> None:
    reg = Registry(fixture_registry)
    ensure(reg)
    before = tree_digest(fixture_registry)
    with pytest.raises(UserError, match="inside the registry"):
        export_views(reg, fixture_registry / where, "datapackage")
    assert tree_digest(fixture_registry) == before


def test_export_into_another_registry_is_refused(fixture_registry: Path, tmp_path: Path) -> None:
    from evireg.registry.layout import init_registry

    other = tmp_path / "other"
    init_registry(other)
    before = tree_digest(other)
    r = cli("export", str(other / "studies"), "-f", "datapackage", "-r", str(fixture_registry))
    assert r.returncode == 1
    assert "inside the registry" in r.stderr and str(other) in r.stderr
    assert tree_digest(other) == before


def test_export_beside_a_registry_is_allowed(fixture_registry: Path, tmp_path: Path) -> None:
    res = export_views(Registry(fixture_registry), tmp_path / "exported", "csv")
    assert res.files


# --- issue 12: the configuration lock is guarded --------------------------------------------


@pytest.mark.parametrize(
    "statement",
    [
        "SET memory_limit = '64GB'",
        "SET autoload_known_extensions = true",
        "SET autoinstall_known_extensions = true",
        "SET temp_directory = '/tmp'",
    ],
)
def test_the_query_connection_configuration_is_locked(statement: str, fixture_registry: Path) -> None:
    """Each of these succeeds on a connection whose configuration is not locked."""
    import duckdb

    with connect_readonly(Registry(fixture_registry)) as con, pytest.raises(duckdb.Error, match="lock"):
        con.execute(statement)

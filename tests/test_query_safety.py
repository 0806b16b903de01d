"""`evireg query` is read-only and cannot reach outside the registry."""

from __future__ import annotations

from pathlib import Path

import pytest

from evireg.errors import UserError
from evireg.index.query import parse_params, run_query
from evireg.registry.paths import Registry

REFUSED = {
    "create": "create table x (a int)",
    "insert": "insert into meta values ('a', 'b')",
    "update": "update meta set value = 'x'",
    "delete": "delete from meta",
    "drop": "drop view studies",
    "copy": "copy (select 1) to 'out.csv'",
    "attach": "attach 'other.db'",
    "detach": "detach memory",
    "export": "export database 'dump'",
    "install": "install httpfs",
    "load": "load httpfs",
    "pragma": "pragma threads=1",
    "set": "set threads = 1",
    "call": "call pragma_version()",
    "two statements": "select 1; select 2",
}


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_write_and_config_statements_are_refused(name: str, fixture_registry: Path) -> None:
    with pytest.raises(UserError) as e:
        run_query(Registry(fixture_registry), REFUSED[name])
    assert "not allowed" in e.value.message or "exactly one statement" in e.value.message


@pytest.mark.parametrize(
    ("sql", "word"),
    [
        ("install httpfs", "INSTALL"),
        ("  -- note\n load httpfs", "LOAD"),
        ("/* x */ drop view studies", "DROP"),
    ],
)
def test_refusal_names_the_statement_the_user_typed(sql: str, word: str, fixture_registry: Path) -> None:
    # DuckDB files INSTALL under LOAD; the message must not name a statement the user never wrote.
    with pytest.raises(UserError) as e:
        run_query(Registry(fixture_registry), sql)
    assert e.value.message.startswith(f"query: {word} is not allowed")


@pytest.mark.parametrize(
    "sql",
    [
        "select * from read_csv('/etc/passwd')",
        "select * from read_parquet('/tmp/x.parquet')",
        "select * from glob('/etc/*')",
        "select * from read_text('/etc/hostname')",
    ],
)
def test_file_access_is_refused(sql: str, fixture_registry: Path) -> None:
    with pytest.raises(UserError) as e:
        run_query(Registry(fixture_registry), sql)
    assert "not allowed" in e.value.message


@pytest.mark.parametrize(
    "sql",
    [
        "select count(*) from studies",
        "with s as (select * from studies) select count(*) from s",
        "describe studies",
        "show tables",
        "summarize studies",
        "explain select * from studies",
        "from studies select study_id",
    ],
)
def test_read_statements_are_accepted(sql: str, fixture_registry: Path) -> None:
    assert run_query(Registry(fixture_registry), sql).columns


def test_time_cap(fixture_registry: Path) -> None:
    slow = "select count(*) from range(1000000000) a, range(1000) b"
    with pytest.raises(UserError) as e:
        run_query(Registry(fixture_registry), slow, timeout_s=0.3)
    assert "stopped after" in e.value.message


@pytest.mark.parametrize(
    "sql", ["set autoload_known_extensions = true", "set memory_limit = '64GB'", "set threads = 1"]
)
def test_configuration_cannot_be_reopened(
    sql: str, monkeypatch: pytest.MonkeyPatch, fixture_registry: Path
) -> None:
    """Were the statement check bypassed, the locked configuration would still refuse a SET.

    (This test used to send two statements, which the statement count refuses before any
    configuration is involved, so it could not fail.)"""
    import sys

    monkeypatch.setattr(sys.modules[run_query.__module__], "check_read_only", lambda _sql: None)
    with pytest.raises(UserError, match="configuration has been locked"):
        run_query(Registry(fixture_registry), sql)


def test_params_are_bound_not_interpolated(fixture_registry: Path) -> None:
    params = parse_params(["sid=smith-2001' or '1'='1"])
    res = run_query(Registry(fixture_registry), "select count(*) from studies where study_id = $sid", params)
    assert res.rows == [(0,)]
    assert parse_params(["n=3", "x=1.5", "s=abc"]) == {"n": 3, "x": 1.5, "s": "abc"}
    with pytest.raises(UserError):
        parse_params(["no-equals"])

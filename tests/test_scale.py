"""Bulk loading, the SQL pooling view, open export and start-up (the scale issue)."""

from __future__ import annotations

import importlib.util
import json
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from evireg.cli.app import app
from evireg.index.add import add_files
from evireg.index.query import run_query
from evireg.registry import loading
from evireg.registry.layout import init_registry
from evireg.registry.paths import Registry
from evireg.stats import pool

from .conftest import ROOT, give_profile

spec = importlib.util.spec_from_file_location("make_synthetic", ROOT / "benchmarks" / "make_synthetic.py")
assert spec and spec.loader
synthetic = importlib.util.module_from_spec(spec)
spec.loader.exec_module(synthetic)


def studies(n: int, seed: int = 7) -> list[dict[str, Any]]:
    import random

    rng = random.Random(seed)
    out = [synthetic.study(i, rng) for i in range(n)]
    # zero cells and a double zero, so the SQL pooling meets RevMan's corrections
    out[0]["outcomes"][0]["arms"][0]["events"] = 0
    for arm in out[1]["outcomes"][0]["arms"]:
        arm["events"] = 0
        arm.pop("events_formula", None)
    out[0]["outcomes"][0]["arms"][0].pop("events_formula", None)
    return out


def write_jsonl(path: Path, records: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


def invoke(*args: str) -> tuple[int, str, str]:
    r = CliRunner().invoke(app, list(args), env={"COLUMNS": "200"})
    return r.exit_code, r.stdout, r.stderr


@pytest.fixture(scope="module")
def bulk_registry(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("bulk") / "reg"
    give_profile(init_registry(root).root)
    src = write_jsonl(root.parent / "trials.jsonl", studies(300))
    code, _, err = invoke("add", str(src), "-r", str(root))
    assert code == 0, err
    return root


def test_jsonl_import_lands_as_a_shard(bulk_registry: Path) -> None:
    assert (bulk_registry / "studies" / "trials.jsonl").is_file()
    reg = Registry(bulk_registry)
    assert run_query(reg, "select count(*) from studies").rows == [(300,)]
    code, _, err = invoke("validate", "-r", str(bulk_registry))
    assert code == 0 and "300 record(s)" in err


def test_bad_record_in_a_bulk_load_keeps_nothing(tmp_path: Path) -> None:
    root = tmp_path / "reg"
    give_profile(init_registry(root).root)
    recs = studies(50)
    recs[20]["outcomes"][0]["arms"][0]["events"] = 10**6  # events > total
    src = write_jsonl(tmp_path / "batch.jsonl", recs)
    code, _, err = invoke("add", str(src), "-r", str(root))
    assert code == 1 and f"{src}:21: outcomes.0.arms.0" in err
    assert [p.name for p in (root / "studies").iterdir() if not p.name.startswith(".")] == []
    code, _, err = invoke("add", str(src), "--skip-invalid", "-r", str(root))
    assert code == 0 and "skipped:" in err and ":21:" in err
    assert run_query(Registry(root), "select count(*) from studies").rows == [(49,)]


def test_parallel_and_serial_loads_agree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    src = write_jsonl(tmp_path / "x.jsonl", studies(120, seed=11))
    sql = "select * from outcome_results order by all"
    roots = []
    for threshold in (10**9, 0):  # serial, then forced onto the process pool
        monkeypatch.setattr(loading, "PARALLEL_FROM", threshold)
        root = tmp_path / f"reg{threshold}"
        give_profile(init_registry(root).root)
        add_files(Registry(root), [src])
        roots.append(root)
    a, b = (run_query(Registry(r), sql, max_rows=10**6).rows for r in roots)
    assert a and a == b


def test_folder_import_and_shard_replace(tmp_path: Path) -> None:
    root = tmp_path / "reg"
    give_profile(init_registry(root).root)
    folder = tmp_path / "in"
    (folder / "sub").mkdir(parents=True)
    recs = studies(3, seed=3)
    for r in recs:
        (folder / "sub" / f"{r['id']}.json").write_text(json.dumps(r))
    report = add_files(Registry(root), [folder])
    assert sorted(a.id for a in report.added) == sorted(r["id"] for r in recs)
    assert all((root / "studies" / f"{r['id']}.json").is_file() for r in recs)  # issue 13: JSON kept
    shard = write_jsonl(tmp_path / "s.jsonl", studies(5, seed=4)[3:])
    add_files(Registry(root), [shard])
    (tmp_path / "s2").mkdir()
    smaller = write_jsonl(tmp_path / "s2" / "s.jsonl", studies(5, seed=4)[4:])  # same shard name
    code, _, err = invoke("add", str(smaller), "-r", str(root))
    assert code == 1 and "--replace" in err
    code, _, _ = invoke("add", str(smaller), "--replace", "-r", str(root))
    assert code == 0
    ids = {r[0] for r in run_query(Registry(root), "select study_id from studies").rows}
    assert ids == {r["id"] for r in recs} | {studies(5, seed=4)[4]["id"]}


def test_sql_pooling_view_agrees_with_the_pooling_module(bulk_registry: Path) -> None:
    reg = Registry(bulk_registry)
    tables = run_query(
        reg,
        "select outcome, events_treat, total_treat, events_ctrl, total_ctrl "
        "from study_outcome_2x2 order by outcome, study_id",
        max_rows=10**6,
    ).rows
    view = {
        r[0]: r
        for r in run_query(reg, "select outcome, k, odds_ratio, ci_low, ci_high, z from pooled_mh_or").rows
    }
    assert view
    by_outcome: dict[str, list[tuple[int, int, int, int]]] = {}
    for outcome, *counts in tables:
        by_outcome.setdefault(outcome, []).append(tuple(counts))  # type: ignore[arg-type]
    for outcome, rows in by_outcome.items():
        res = pool(*zip(*rows, strict=True), measure="OR", method="MH")
        _, k, est, lo, hi, z = view[outcome]
        assert k == res.k
        for got, want in ((est, res.estimate), (lo, res.ci_low), (hi, res.ci_high), (z, res.z)):
            assert math.isclose(got, want, rel_tol=1e-10), outcome


def test_parquet_export_equals_the_views(bulk_registry: Path, tmp_path: Path) -> None:
    import duckdb

    out = tmp_path / "export"
    code, _, err = invoke("export", str(out), "--format", "parquet", "-r", str(bulk_registry))
    assert code == 0, err
    reg = Registry(bulk_registry)
    con = duckdb.connect()
    for view in ("studies", "outcome_results", "two_by_two", "sources", "missing_data"):
        want = run_query(reg, f"select * from {view} order by all", max_rows=10**7).rows
        got = con.execute(
            f"select * from read_parquet('{out / (view + '.parquet')}') order by all"
        ).fetchall()
        assert got == want, view


def test_datapackage_export(bulk_registry: Path, tmp_path: Path) -> None:
    out = tmp_path / "pkg"
    code, _, _ = invoke("export", str(out), "--format", "datapackage", "-r", str(bulk_registry))
    assert code == 0
    pkg = json.loads((out / "datapackage.json").read_text())
    names = {r["name"] for r in pkg["resources"]}
    assert {"studies", "outcome-results", "two-by-two", "sources"} <= names
    res = next(r for r in pkg["resources"] if r["name"] == "outcome-results")
    fields = {f["name"]: f for f in res["schema"]["fields"]}
    assert fields["events"]["type"] == "integer" and "description" in fields["locator"]
    assert all((out / r["path"]).is_file() for r in pkg["resources"])
    code, _, err = invoke("export", str(out), "--format", "xml", "-r", str(bulk_registry))
    assert code == 2 and "parquet" in err  # a usage error (issue 17)


def test_importing_the_cli_loads_no_heavy_module() -> None:
    code = (
        "import sys, evireg.cli.app; "
        "print([m for m in ('scipy', 'numpy', 'duckdb', 'matplotlib', 'pydantic') if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_report_does_not_import_scipy() -> None:
    code = (
        "import sys; from typer.testing import CliRunner; from evireg.cli.app import app; "
        "r = CliRunner().invoke(app, ['report']); assert r.exit_code == 0, r.output; "
        "print('scipy' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"

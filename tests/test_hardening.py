"""Bad input, interrupted writes, concurrent writers, and errors that leak nothing."""

from __future__ import annotations

import copy
import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from evireg.cli.app import app
from evireg.index.build import db_path
from evireg.index.fresh import connect_readonly
from evireg.registry.loading import validate_paths
from evireg.registry.lock import lock
from evireg.registry.paths import Registry
from evireg.registry.validate import validate_data

from .conftest import FIXTURES

MANIFEST: dict[str, dict[str, Any]] = json.loads((FIXTURES / "invalid.manifest.json").read_text())
BASE = yaml.safe_load((FIXTURES / "valid" / "smith-2001.yaml").read_text())


def snapshot(root: Path) -> dict[str, str]:
    """Every file under the registry (records, index, lock) with its content hash."""
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def invoke(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    r = CliRunner().invoke(app, list(args), env={"COLUMNS": "200", **(env or {})})
    return r.exit_code, r.stdout, r.stderr


@pytest.fixture(scope="module")
def bad_inputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, str]]:
    """The invalid fixtures plus inputs too large or too many to commit."""
    out = {n: (FIXTURES / "invalid" / n, e["path"]) for n, e in MANIFEST.items()}
    d = tmp_path_factory.mktemp("bad")
    big = d / "oversize.yaml"
    big.write_text("notes: '" + "x" * 2_100_000 + "'\n")
    out["oversize.yaml"] = (big, "")
    return out


def test_at_least_fifty_malformed_inputs(bad_inputs: dict[str, tuple[Path, str]]) -> None:
    assert len(bad_inputs) >= 50


@pytest.fixture(scope="module")
def refusing_registry(tmp_path_factory: pytest.TempPathFactory, _fixture_registry_template: Path) -> Path:
    """One registry for every refusal below: each test checks that its own refusal changed no
    byte of it, so sharing it cannot hide a change (and saves a copy and a build per case)."""
    from evireg.index.build import build
    from evireg.registry.paths import Registry

    root = tmp_path_factory.mktemp("refusing") / "reg"
    shutil.copytree(_fixture_registry_template, root, ignore=shutil.ignore_patterns(".evireg"))
    build(Registry(root))
    return root


# `validate FILE` checks a lone file without any registry's profile, so the cases that only a
# profile rejects (an outcome or characteristic it does not declare) are refused by `add` alone
CASES = [
    (command, name)
    for name in [*sorted(MANIFEST), "oversize.yaml"]
    for command in ("validate", "add")
    if not (command == "validate" and MANIFEST.get(name, {}).get("profile"))
]


@pytest.mark.parametrize(("command", "name"), CASES)
def test_bad_input_is_refused_cleanly(
    name: str, command: str, refusing_registry: Path, bad_inputs: dict[str, tuple[Path, str]]
) -> None:
    fixture_registry = refusing_registry
    path, field = bad_inputs[name]
    before = snapshot(fixture_registry)
    args = (
        ["validate", str(path)] if command == "validate" else ["add", str(path), "-r", str(fixture_registry)]
    )
    code, out, err = invoke(*args)
    assert code == 1
    text = out + err
    assert "Traceback" not in text
    problems = [line for line in text.splitlines() if line.startswith(str(path))]
    assert problems, text
    assert any(f": {field or '(file)'}: " in line for line in problems), problems
    assert snapshot(fixture_registry) == before


def test_two_inputs_with_one_id_are_refused(fixture_registry: Path, tmp_path: Path) -> None:
    a, b = tmp_path / "a" / "kim-2003.yaml", tmp_path / "b" / "kim-2003.yaml"
    for p in (a, b):
        p.parent.mkdir()
        p.write_text(yaml.safe_dump({**copy.deepcopy(BASE), "id": "kim-2003"}))
    before = snapshot(fixture_registry)
    code, _, err = invoke("add", str(a), str(b), "-r", str(fixture_registry))
    assert code == 1 and "also given by" in err
    assert snapshot(fixture_registry) == before


# --- fuzzing ---------------------------------------------------------------------------------

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**12), 10**12)
    | st.floats(allow_nan=True)
    | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=6,
)


def paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix] if prefix else []
    if isinstance(node, dict):
        for k, v in node.items():
            out += paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += paths(v, (*prefix, i))
    return out


ALL_PATHS = paths(BASE)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_mutated_records_give_only_validation_problems(data: st.DataObject) -> None:
    record = copy.deepcopy(BASE)
    for _ in range(data.draw(st.integers(1, 3))):
        target = data.draw(st.sampled_from(ALL_PATHS))
        parent: Any = record
        try:
            for key in target[:-1]:
                parent = parent[key]
            op = data.draw(st.sampled_from(["drop", "retype", "perturb"]))
            if op == "drop":
                del parent[target[-1]]
            elif op == "retype":
                parent[target[-1]] = data.draw(json_values)
            elif isinstance(parent[target[-1]], int) and not isinstance(parent[target[-1]], bool):
                parent[target[-1]] += data.draw(st.integers(-100, 100))
            else:
                parent[target[-1]] = str(parent[target[-1]])[::-1]
        except (KeyError, IndexError, TypeError):
            continue  # an earlier mutation removed this path
    rec, problems = validate_data(record, "fuzz.yaml")
    assert (rec is None) == bool(problems)
    for p in problems:
        assert p.file == "fuzz.yaml" and isinstance(p.message, str) and p.message


# --- interrupted writes ----------------------------------------------------------------------


def _study_file(d: Path, sid: str) -> Path:
    p = d / f"{sid}.yaml"
    p.write_text(yaml.safe_dump({**copy.deepcopy(BASE), "id": sid}))
    return p


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "evireg", *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, **(env or {})},
    )


def _consistent(root: Path) -> None:
    report = validate_paths([root])
    assert report.problems == [], [str(p) for p in report.problems]
    files = {p.stem for p in (root / "studies").glob("*") if p.suffix in (".yaml", ".json")}  # JSON kept
    with connect_readonly(Registry(root)) as con:  # rebuilds if the index lags the files
        in_db = {r[0] for r in con.execute("select study_id from studies").fetchall()}
    assert in_db == files


def test_sigkill_during_add_and_build_never_corrupts(fixture_registry: Path, tmp_path: Path) -> None:
    rng = random.Random(20261125)
    inputs = tmp_path / "in"
    inputs.mkdir()
    kills = i = 0
    # 12 kills at random moments of add and build (each a fresh process): enough to land in
    # every phase (validation, staging, journal, rename, index swap) while the suite stays quick
    while kills < 12 and i < 40:
        i += 1
        if i % 3 == 2:
            proc = _cli("build", "-r", str(fixture_registry))
        else:
            proc = _cli("add", str(_study_file(inputs, f"kill-{i}")), "-r", str(fixture_registry))
        time.sleep(rng.uniform(0.05, 0.8))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        proc.wait()
        _consistent(fixture_registry)
    assert kills >= 12, f"only {kills} processes were still running when killed"
    leftovers = [p.name for p in fixture_registry.rglob("*") if p.name.endswith(".tmp")]
    assert all(n.startswith(".") for n in leftovers)  # never taken as a record


def test_a_crash_after_the_journal_is_rolled_forward(fixture_registry: Path) -> None:
    from evireg.registry.journal import JOURNAL, _stage

    reg = Registry(fixture_registry)
    target = fixture_registry / "studies" / "journal-2020.yaml"
    tmp = _stage(target, yaml.safe_dump({**copy.deepcopy(BASE), "id": "journal-2020"}))
    plan = {"renames": [[reg.rel(tmp), reg.rel(target)]]}  # relative to the registry root
    (reg.state_dir / JOURNAL).write_text(json.dumps(plan))
    assert not target.exists()
    with lock(reg):  # the next writer finishes the commit
        pass
    assert target.exists() and not tmp.exists() and not (reg.state_dir / JOURNAL).exists()
    _consistent(fixture_registry)


def test_a_crash_before_the_journal_leaves_nothing(fixture_registry: Path) -> None:
    from evireg.registry.journal import _stage

    reg = Registry(fixture_registry)
    tmp = _stage(fixture_registry / "studies" / "orphan-2020.yaml", "id: orphan-2020\n")
    before = {p.stem for p in (fixture_registry / "studies").glob("*.yaml")}
    with lock(reg):
        pass
    assert not tmp.exists()
    assert {p.stem for p in (fixture_registry / "studies").glob("*.yaml")} == before


# --- concurrent writers ----------------------------------------------------------------------


def test_eight_concurrent_adds_all_land(fixture_registry: Path, tmp_path: Path) -> None:
    files = [_study_file(tmp_path, f"writer-{i}") for i in range(8)]
    env = {"EVIREG_LOCK_TIMEOUT": "120"}
    writers = [_cli("add", str(f), "-r", str(fixture_registry), env=env) for f in files]
    readers: list[subprocess.Popen[bytes]] = []
    while any(w.poll() is None for w in writers) and len(readers) < 12:
        readers.append(_cli("query", "select count(*) from studies", "-r", str(fixture_registry), env=env))
        time.sleep(0.15)
    for w in writers:
        _, err = w.communicate()
        assert w.returncode == 0, err.decode()
    for r in readers:
        _, err = r.communicate()
        assert r.returncode == 0 or b"lock" in err, err.decode()
    assert {f"writer-{i}" for i in range(8)} <= {p.stem for p in (fixture_registry / "studies").glob("*")}
    _consistent(fixture_registry)


def test_lock_timeout_gives_a_clear_message(fixture_registry: Path, tmp_path: Path) -> None:
    f = _study_file(tmp_path, "late-2021")
    with lock(Registry(fixture_registry)):
        code, _, err = invoke("add", str(f), "-r", str(fixture_registry), env={"EVIREG_LOCK_TIMEOUT": "0.3"})
    assert code == 1 and "registry lock" in err and "EVIREG_LOCK_TIMEOUT" in err
    assert not (fixture_registry / "studies" / "late-2021.yaml").exists()


# --- safe query layer and error hygiene ------------------------------------------------------


def test_query_connection_is_read_only_and_locked(fixture_registry: Path) -> None:
    import duckdb

    with connect_readonly(Registry(fixture_registry)) as con:
        with pytest.raises(duckdb.Error):
            con.execute("SET enable_external_access = true")
        with pytest.raises(duckdb.Error):
            con.execute("CREATE TABLE x (a INT)")
        with pytest.raises(duckdb.Error):
            con.execute("SELECT * FROM read_csv('/etc/hostname')")
    assert db_path(Registry(fixture_registry)).exists()


def test_internal_errors_print_one_line_and_a_hint(
    monkeypatch: pytest.MonkeyPatch, fixture_registry: Path
) -> None:
    import evireg.index.query

    def boom(*_a: Any, **_k: Any) -> Any:
        secret = "hunter2"  # a local that must never be shown
        raise RuntimeError(f"boom {len(secret)}")

    monkeypatch.setattr(evireg.index.query, "run_query", boom)
    code, out, err = invoke("query", "select 1", "-r", str(fixture_registry))
    assert code == 1 and out == ""
    assert err.splitlines()[0] == "internal error: RuntimeError: boom 7"
    assert "--debug" in err and "Traceback" not in err and "hunter2" not in err
    r = CliRunner().invoke(app, ["--debug", "query", "select 1", "-r", str(fixture_registry)])
    assert isinstance(r.exception, RuntimeError)


def test_user_errors_never_show_a_traceback(fixture_registry: Path) -> None:
    code, _, err = invoke(
        "pool", "--outcome", "live_birth", "--where", "no_such_col = 1", "-r", str(fixture_registry)
    )
    assert code == 1 and "Traceback" not in err and err.startswith("error: --where")


def test_every_user_error_kind_exits_1_with_its_message(monkeypatch: pytest.MonkeyPatch) -> None:
    import evireg.errors as errors
    import evireg.index.query

    kinds = [errors.UserError, errors.RegistryNotFound, errors.InvalidRecords, errors.QueryRefused,
             errors.LockTimeout]
    for kind in kinds:
        def boom(*a: object, _k: type[errors.UserError] = kind, **k: object) -> None:
            raise _k(f"{_k.__name__} happened")

        monkeypatch.setattr(evireg.index.query, "run_query", boom)
        code, _, err = invoke("query", "select 1")
        assert code == 1 and f"error: {kind.__name__} happened" in err and "Traceback" not in err

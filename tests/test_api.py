"""The public Python API: docs/python-api.md runs as written, and the API agrees with the CLI."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

import evireg

from .conftest import ROOT

DOC = ROOT / "docs" / "python-api.md"


def _blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)


def test_the_api_page_has_examples() -> None:
    assert len(_blocks()) >= 6


def test_every_example_of_the_api_page_runs(capsys: pytest.CaptureFixture[str]) -> None:
    # one namespace for the page, as a reader would type the blocks in order
    ns: dict[str, object] = {}
    for i, block in enumerate(_blocks()):
        try:
            exec(compile(block, f"{DOC.name} block {i + 1}", "exec"), ns)
        except Exception as e:  # pragma: no cover - the message says which block failed
            pytest.fail(f"block {i + 1} of {DOC.name} failed: {type(e).__name__}: {e}\n{block}")
    printed = capsys.readouterr().out
    assert "OR 2.04 [1.44, 2.87] from 8 studies" in printed
    assert "refused:" in printed


def test_api_and_cli_give_the_same_estimate() -> None:
    code = "import evireg; r = evireg.open(); print(repr(r.pool(outcome='live_birth').estimate))"
    api = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    cli = subprocess.run(
        [sys.executable, "-m", "evireg", "pool", "--outcome", "live_birth", "--format", "json"],
        capture_output=True, text=True, check=True,
    ).stdout
    assert float(api) == json.loads(cli)["estimate"]


def test_importing_evireg_loads_nothing_heavy() -> None:
    code = (
        "import sys, evireg; evireg.__all__; "
        "print([m for m in ('duckdb', 'numpy', 'scipy', 'pydantic', 'pandas') if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_every_public_name_resolves() -> None:
    for name in evireg.__all__:
        assert getattr(evireg, name) is not None
    with pytest.raises(AttributeError):
        evireg.no_such_name  # noqa: B018


def test_pool_accepts_str_and_path(tmp_path: Path) -> None:
    csv = ROOT / "fixtures" / "pooling" / "bcg.csv"
    a, b = evireg.pool(str(csv), measure="RR"), evireg.pool(csv, measure="RR")
    assert a.estimate == b.estimate and a.k == b.k == 13


def test_pool_from_columns_equals_pool_from_csv(tmp_path: Path) -> None:
    rows = [("A", 5, 50, 10, 50), ("B", 9, 60, 12, 61), ("C", 1, 20, 4, 19)]
    path = tmp_path / "t.csv"
    path.write_text("study,events_treat,total_treat,events_ctrl,total_ctrl\n"
                    + "".join(",".join(map(str, r)) + "\n" for r in rows))
    cols = dict(zip(["study", "events_treat", "total_treat", "events_ctrl", "total_ctrl"],
                    map(list, zip(*rows, strict=True)), strict=True))
    from_csv, from_cols = evireg.pool(path), evireg.pool(cols)
    assert from_cols.estimate == pytest.approx(from_csv.estimate, rel=1e-15)
    assert from_cols.k == 3


def test_subgroups_have_the_same_result_type() -> None:
    reg = evireg.open()
    plain, split = reg.pool(outcome="live_birth"), reg.pool(outcome="live_birth", by="rmc_type")
    assert type(plain) is type(split)
    assert plain.subgroups == [] and split.subgroups
    assert split.estimate == split.overall.estimate and split.k == sum(r.k for _, r in split.subgroups)


def test_bad_registry_is_a_typed_error(tmp_path: Path) -> None:
    with pytest.raises(evireg.RegistryNotFound):
        evireg.open(tmp_path / "nothing")
    with pytest.raises(evireg.UserError):
        evireg.open(tmp_path / "nothing")

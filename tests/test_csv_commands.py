"""`--csv` wherever `pool` takes it: `evireg sensitivity` and `evireg plot forest|funnel` answer
for a table's rows; exactly one of --outcome and --csv, else a usage error (exit 2)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import evireg.api as api

TABLE = """Study;Year;events_treat;total_treat;events_ctrl;total_ctrl
A;2001;3;10;5;10
B;1999;4;20;6;20
C;2005;2;15;7;15
"""


@pytest.fixture
def table(tmp_path: Path) -> Path:
    f = tmp_path / "t.csv"
    f.write_text(TABLE, encoding="utf-8")
    return f


def _evireg(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "evireg", *args], capture_output=True, text=True)


def test_api_sensitivity_of_rows(table: Path) -> None:
    main, sens = api.sensitivity(table, model="random")
    assert main.estimate == pytest.approx(api.pool(table, model="random").estimate)
    labels = [line.label for line in sens.lines]
    assert labels == ["As analysed (random)", "Fixed effect"]
    assert sens.lines[1].estimate == pytest.approx(api.pool(table).estimate)
    assert [line.label for line in sens.leave_one_out] == ["without A", "without B", "without C"]
    assert [line.label for line in sens.cumulative] == ["+ B", "+ A", "+ C"]  # by the year column
    assert sens.egger is not None


def test_cumulative_without_a_year_column_keeps_the_row_order(tmp_path: Path) -> None:
    f = tmp_path / "n.csv"
    f.write_text("\n".join(",".join(r.split(";")[:1] + r.split(";")[2:]) for r in TABLE.splitlines()) + "\n")
    _, sens = api.sensitivity(f)
    assert [line.label for line in sens.cumulative] == ["+ A", "+ B", "+ C"]


def test_sensitivity_cli_csv(table: Path) -> None:
    p = _evireg("sensitivity", "--csv", str(table), "--format", "json")
    assert p.returncode == 0, p.stderr
    doc = json.loads(p.stdout)
    assert len(doc["leave_one_out"]) == 3 and len(doc["analyses"]) == 2
    md = _evireg("sensitivity", "--csv", str(table), "--format", "markdown")
    assert md.returncode == 0 and "without B" in md.stdout


@pytest.mark.parametrize(
    "args",
    [
        ["sensitivity"],
        ["sensitivity", "--outcome", "live_birth", "--csv", "X.csv"],
        ["sensitivity", "--csv", "X.csv", "--where", "randomised"],
        ["plot", "forest", "-o", "f.png"],
        ["plot", "funnel", "-o", "f.png", "--outcome", "live_birth", "--csv", "X.csv"],
    ],
)
def test_exactly_one_input_else_usage_error(args: list[str]) -> None:
    p = _evireg(*args)
    assert p.returncode == 2, p.stderr
    assert "Traceback" not in p.stderr


@pytest.mark.parametrize("kind", ["forest", "funnel"])
def test_plot_csv(table: Path, tmp_path: Path, kind: str) -> None:
    pytest.importorskip("matplotlib")
    out = tmp_path / f"{kind}.svg"
    p = _evireg("plot", kind, "--csv", str(table), "-o", str(out))
    assert p.returncode == 0, p.stderr
    assert out.read_text().lstrip().startswith("<?xml") and out.stat().st_size > 1000

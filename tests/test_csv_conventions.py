"""CSV input as users' files come: header names in any case and spacing, semicolon (Excel) or
tab separated, and a name given twice refused rather than silently taking the last column."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from evireg.errors import UserError
from evireg.review.csvinput import delimiter_of, read_columns, read_tables

ROWS = [("A", 3, 10, 5, 10), ("B", 4, 20, 6, 20), ("C", 2, 15, 7, 15)]


def _write(tmp_path: Path, header: list[str], sep: str, rows: list[tuple[object, ...]] = ROWS) -> Path:
    f = tmp_path / "t.csv"
    f.write_text("\n".join(sep.join(map(str, r)) for r in [tuple(header), *rows]) + "\n", encoding="utf-8")
    return f


HEADER = ["study", "events_treat", "total_treat", "events_ctrl", "total_ctrl"]


def _counts(path: Path) -> list[tuple[str, dict[str, float | int]]]:
    inputs, _ = read_tables(path)
    return [(i.study, dict(i.values)) for i in inputs]


def test_header_case_and_spaces_are_ignored(tmp_path: Path) -> None:
    plain = _counts(_write(tmp_path, HEADER, ","))
    header = [" Study ", "EVENTS_TREAT", "Total_Treat", "events_ctrl ", "Total_ctrl"]
    shouted = _counts(_write(tmp_path, header, ","))
    assert shouted == plain and len(plain) == 3


@pytest.mark.parametrize("sep", [";", "\t"])
def test_delimiter_is_sniffed(tmp_path: Path, sep: str) -> None:
    assert _counts(_write(tmp_path, HEADER, sep)) == _counts(_write(tmp_path, HEADER, ","))


def test_semicolon_file_reads_decimal_commas(tmp_path: Path) -> None:
    header = ["Study", "mean_treat", "sd_treat", "n_treat", "mean_ctrl", "sd_ctrl", "n_ctrl"]
    rows = [("A", "1,5", "0,8", 20, "2,25", "1,0", 21), ("B", 2, "1,1", 30, 3, 1, 30)]
    f = _write(tmp_path, header, ";", rows)
    (a, va), (b, _) = _counts(f)
    assert (a, b) == ("A", "B")
    assert va["mean_treat"] == 1.5 and va["mean_ctrl"] == 2.25 and va["sd_treat"] == 0.8


def test_delimiter_of() -> None:
    assert delimiter_of("\n\nstudy;a;b,c\n1;2;3\n") == ";"
    assert delimiter_of("study\ta\tb\n") == "\t"
    assert delimiter_of("study,a,b\n") == ","
    assert delimiter_of("study\n") == ","


def test_duplicate_header_names_are_refused(tmp_path: Path) -> None:
    f = _write(tmp_path, [*HEADER, "Events_Treat", "study"], ",", [(*r, 9, "x") for r in ROWS])
    with pytest.raises(UserError) as e:
        read_tables(f)
    assert "events_treat, study more than once" in e.value.message


def test_blank_header_cells_are_not_duplicates(tmp_path: Path) -> None:
    # Excel's trailing delimiters leave empty header cells
    f = _write(tmp_path, [*HEADER, "", ""], ",", [(*r, "", "") for r in ROWS])
    assert len(_counts(f)) == 3


def test_columns_in_python_follow_the_same_rules() -> None:
    cols: dict[str, list[object]] = {h.upper(): [r[i] for r in ROWS] for i, h in enumerate(HEADER)}
    assert [i.study for i in read_columns(cols)[0]] == ["A", "B", "C"]  # type: ignore[arg-type]
    with pytest.raises(UserError, match="study more than once"):
        read_columns({**cols, "study": ["x", "y", "z"]})  # type: ignore[dict-item]


def test_cli_pools_an_excel_semicolon_file(tmp_path: Path) -> None:
    f = _write(tmp_path, [h.title() for h in HEADER], ";")
    p = subprocess.run([sys.executable, "-m", "evireg", "pool", "--csv", str(f), "--format", "json"],
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    assert '"k": 3' in p.stdout or '"k":3' in p.stdout

"""`evireg query` tables that fit the terminal with numbers whole, --wide, --vertical; `evireg views`
with a sentence per view and `evireg views NAME` (issue 17)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from typer.testing import CliRunner

from evireg.cli.app import app
from evireg.index.view_descriptions import VIEW_DESCRIPTIONS

ALL = "select * from two_by_two limit 10"


def run(*args: str, columns: str = "80") -> tuple[int, str, str]:
    r = CliRunner().invoke(app, list(args), env={"EVIREG_REGISTRY": "", "COLUMNS": columns})
    return r.exit_code, r.stdout, r.stderr


def test_wide_result_fits_a_screen_per_ten_rows_with_numbers_whole() -> None:
    code, out, err = run("query", ALL)
    assert code == 0 and "--wide or --vertical" in err
    lines = out.splitlines()
    assert len(lines) <= 45 and max(len(x) for x in lines) <= 80  # was 2,696 lines for 13 rows
    _, data, _ = run("query", ALL, "-f", "csv")
    table = list(csv.reader(io.StringIO(data)))
    words = set(out.split())
    numbers = {v for row in table[1:] for v in row if v.isdigit()}
    assert numbers and numbers <= words  # every number whole, none cut or wrapped
    for name in table[0]:  # every column shown, its name at most wrapped at an underscore
        assert name in "".join(out.split()).replace("_\n", "_") or name.split("_")[0] in out


def test_narrow_result_is_one_plain_table() -> None:
    code, out, err = run("query", "select study_id, year from studies order by 1 limit 2")
    assert code == 0 and err == "" and "columns 1-" not in out and "carp-2001" in out


def test_wide_and_vertical_layouts() -> None:
    code, out, _ = run("query", ALL, "--wide")
    assert code == 0 and "…" not in out and max(len(x) for x in out.splitlines()) > 80
    code, out, _ = run("query", "select study_id, year from studies order by 1 limit 2", "--vertical")
    assert code == 0 and "-[ row 2 ]" in out
    assert any(x.startswith("year:") and x.split()[1].isdigit() for x in out.splitlines())
    code, _, err = run("query", "select 1", "--wide", "--vertical")
    assert code == 2 and "choose one" in err
    code, _, err = run("query", "select 1", "--vertical", "-f", "csv")
    assert code == 2 and "--format table" in err


def test_floats_rounded_to_six_significant_digits() -> None:
    _, out, _ = run("query", "select 1.0/3 as third, 123456789 as big", "--vertical")
    assert "0.333333" in out and "0.3333333" not in out and "123456789" in out


def test_views_lists_a_sentence_per_view_and_every_view_has_one(fixture_registry: Path) -> None:
    code, out, _ = run("views", "-f", "json", "--no-columns", "-r", str(fixture_registry))
    listed = json.loads(out)
    assert code == 0 and {v["view"] for v in listed} == set(VIEW_DESCRIPTIONS)
    assert all(v["description"] for v in listed)
    code, out, _ = run("views", columns="200")
    assert code == 0 and "two_by_two" in out and "events_treat" not in out
    code, out, _ = run("views", "--columns", "-f", "csv")
    assert code == 0 and "two_by_two,events_treat,INTEGER" in out


def test_views_name_shows_one_view() -> None:
    code, out, _ = run("views", "two_by_two", columns="200")
    assert code == 0 and VIEW_DESCRIPTIONS["two_by_two"] in out and "events_treat" in out and "INTEGER" in out
    code, out, _ = run("views", "two_by_two", "-f", "json")
    doc = json.loads(out)
    assert doc["description"] == VIEW_DESCRIPTIONS["two_by_two"]
    assert {"column": "events_treat", "type": "INTEGER"} in doc["columns"]
    code, _, err = run("views", "nope")
    assert code == 2 and "no view 'nope'" in err and "two_by_two" in err

"""Output that reads well wherever it goes (issue 17): piped tables at their own width, `compare`
at 80 columns with every column, two same-named files told apart, `--hksj` in `sensitivity`,
`--model` in `plot funnel`, and a report that asks a few queries however many analyses it has."""

from __future__ import annotations

import contextlib
import json
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import evireg
from evireg.cli.main import app

from .conftest import ROOT

EXTRACTIONS = ROOT / "fixtures" / "extractions" / "smith-2001"
PAIR = (str(EXTRACTIONS / "alice.yaml"), str(EXTRACTIONS / "bob.yaml"))


def _run(*args: str, columns: int | None = 80) -> tuple[int, str]:
    # None unsets COLUMNS (a pipe with no width given), whatever the test process inherited
    env: dict[str, str | None] = {"EVIREG_REGISTRY": "", "COLUMNS": None if columns is None else str(columns)}
    r = CliRunner().invoke(app, list(args), env=env)
    return r.exit_code, r.output


@pytest.fixture(autouse=True)
def _bundled_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


def test_piped_audit_is_not_forced_to_80_columns() -> None:
    # a real pipe, no COLUMNS: rich would otherwise assume 80 and break `not_recomputable`
    r = subprocess.run(
        [sys.executable, "-m", "evireg", "audit"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "EVIREG_REGISTRY": ""},
        check=True,
    )
    lines = r.stdout.splitlines()
    assert max(len(line) for line in lines) > 80
    verdicts = [line for line in lines if "not_recomputa" in line]
    assert verdicts and all("not_recomputable" in line for line in verdicts)


def test_piped_query_table_keeps_every_value_whole() -> None:
    code, out = _run("query", "select * from two_by_two", columns=None)
    assert code == 0
    assert "…" not in out  # nothing cut: the pipe has no screen to fit
    assert len(out.splitlines()) < 40  # one line a row, not bands


def test_compare_at_80_columns_keeps_agreement_and_provenance() -> None:
    code, out = _run(
        "compare", str(EXTRACTIONS / "alice.yaml"), str(EXTRACTIONS / "bob.yaml"), "--disagreements"
    )
    assert code == 0, out
    lines = out.splitlines()
    assert all(len(line) <= 80 for line in lines), max(lines, key=len)
    assert "agree" in out and out.count("✗") == 3
    assert "↳ pubmed:" in out  # where each value was read, under the value
    assert "…" not in out
    # the numbers that disagree are shown whole, each on the row of its field
    assert re.search(r"\b21\b.*\b22\b", out) and re.search(r"\b12\b.*\b13\b", out)


def test_compare_side_by_side_when_wide() -> None:
    code, out = _run(
        "compare",
        str(EXTRACTIONS / "alice.yaml"),
        str(EXTRACTIONS / "bob.yaml"),
        "--disagreements",
        columns=220,
    )
    assert code == 0
    header = next(line for line in out.splitlines() if "field" in line)
    assert "provenance A: alice" in header and "provenance B: bob" in header


def test_two_files_of_the_same_name_are_told_apart(tmp_path: Path) -> None:
    from evireg.api import compare_files

    study = next((ROOT / "registry" / "studies").glob("*.yaml"))
    for side in ("first", "second"):
        (tmp_path / side).mkdir()
        shutil.copy(study, tmp_path / side / "study.yaml")
    c = compare_files(tmp_path / "first" / "study.yaml", tmp_path / "second" / "study.yaml")
    assert (c.a.extractor, c.b.extractor) == ("first/study.yaml", "second/study.yaml")
    same = compare_files(tmp_path / "first" / "study.yaml", tmp_path / "first" / "study.yaml")
    assert same.a.extractor != same.b.extractor


def test_sensitivity_takes_hksj() -> None:
    code, out = _run(
        "sensitivity", "--outcome", "live_birth", "--model", "random", "--tau2", "REML", "--hksj", columns=160
    )
    assert code == 0, out
    assert "IV, Random (REML), HKSJ, 95% CI" in out
    assert "As analysed (random, HKSJ)" in out and "Fixed effect " in out


def test_sensitivity_hksj_lines_are_the_hksj_answers() -> None:
    reg = evireg.open(ROOT / "registry")
    _, sens = reg.sensitivity("live_birth", model="random", tau2="REML", hksj=True)
    line = next(x for x in sens.leave_one_out if x.label == "without peero-2024")
    alone = reg.pool(
        "live_birth", model="random", tau2="REML", hksj=True, where="study_id <> 'peero-2024'"
    ).overall
    assert alone is not None
    assert (line.estimate, line.ci_low, line.ci_high) == pytest.approx(
        (alone.estimate, alone.ci_low, alone.ci_high), rel=1e-12
    )
    wald = reg.pool("live_birth", model="random", tau2="REML", where="study_id <> 'peero-2024'").overall
    assert wald is not None and wald.ci_high < line.ci_high  # HKSJ's t interval is the wider here


def test_sensitivity_hksj_needs_random() -> None:
    code, out = _run("sensitivity", "--outcome", "live_birth", "--hksj")
    assert code == 2 and "--hksj needs --model random" in out


def test_funnel_stands_on_the_model_asked(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    from evireg.plots import funnel_figure

    reg = evireg.open(ROOT / "registry")
    random = reg.pool("live_birth", model="random", tau2="REML")
    fixed = reg.pool("live_birth")
    assert random.overall is not None and fixed.overall is not None
    centre_lines = {}
    for name, ans in (("random", random), ("fixed", fixed)):
        fig = funnel_figure(ans)
        ax = fig.axes[0]
        solid = [ln for ln in ax.lines if ln.get_linestyle() == "-" and len(set(ln.get_xdata())) == 1]
        centre_lines[name] = float(solid[0].get_xdata()[0])
        captions = [t.get_text() for t in fig.texts]
        said = any("random-effects (REML) estimate" in t for t in captions)
        assert said == (name == "random")
    assert centre_lines["random"] == pytest.approx(random.overall.estimate, rel=1e-9)
    assert centre_lines["fixed"] == pytest.approx(fixed.overall.estimate, rel=1e-9)
    out = tmp_path / "f.svg"
    code, text = _run("plot", "funnel", "--outcome", "live_birth", "--model", "random", "-o", str(out))
    assert code == 0 and out.exists(), text


class _Counting:
    """A DuckDB connection that counts the statements run on it."""

    def __init__(self, con: Any) -> None:
        self._con, self.count = con, 0

    def execute(self, *args: Any, **kw: Any) -> Any:
        self.count += 1
        return self._con.execute(*args, **kw)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._con, name)


def test_report_reads_each_thing_once_not_once_per_question(monkeypatch: pytest.MonkeyPatch) -> None:
    import evireg.review.report as report_module

    real = report_module.connect_readonly
    seen: list[_Counting] = []

    @contextlib.contextmanager
    def counting(reg: Any) -> Iterator[Any]:
        with real(reg) as con:
            seen.append(_Counting(con))
            yield seen[-1]

    monkeypatch.setattr(report_module, "connect_readonly", counting)
    rep = evireg.open(ROOT / "registry").report()
    questions = sum(len(s.sensitivity) + 1 for s in rep.sections)
    assert questions > 20  # each section: its answer and its alternatives
    # profile, analyses, scope, rows, missing, hash, risk of bias, filter scopes, harms: a fixed few
    assert seen[0].count <= 10, seen[0].count


def test_json_of_report_unchanged_by_prefetching() -> None:
    # the prefetched report and one question asked alone give the same numbers
    reg = evireg.open(ROOT / "registry")
    rep = reg.report()
    section = next(s for s in rep.sections if s.analysis_id == "live-birth")
    alone = reg.pool("live_birth", where="randomised")
    line = next(x for x in section.sensitivity if x.label == "Randomised studies only")
    assert alone.overall is not None
    assert (line.k, line.estimate) == (len(alone.inputs), pytest.approx(alone.overall.estimate, rel=1e-12))
    assert json.dumps(rep.to_dict())  # serialisable as before

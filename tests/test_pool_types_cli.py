"""`evireg pool --csv` for every data type the header can name, against independent values.

The issue's acceptance command (SMD, random effects, REML, HKSJ, 99%) is checked against the
50-digit reference of tests/reference_meta.py, written from the method papers (no R here).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from evireg.cli.main import app

from . import reference_meta as ref
from .reference_meta import MP

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "pooling" / "continuous"
runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    res = runner.invoke(app, list(args))
    return res.exit_code, res.stdout, res.stderr


def pool_json(*args: str) -> dict[str, Any]:
    code, out, err = run("pool", *args, "--format", "json")
    assert code == 0, err
    return dict(json.loads(out))


def close(got: float, want: Any, rel: float = 1e-8) -> bool:
    return abs(got - float(want)) <= rel * abs(float(want)) + 1e-12


def read_rows(path: Path) -> list[dict[str, str]]:
    import csv

    with path.open(newline="") as fh:
        return list(csv.DictReader(fh))


def test_acceptance_command_agrees_with_the_reference() -> None:
    path = FIXTURES / "normand1999_continuous.csv"
    d = pool_json(
        "--csv",
        str(path),
        "--measure",
        "SMD",
        "--model",
        "random",
        "--tau2",
        "REML",
        "--hksj",
        "--level",
        "99",
    )
    rows = read_rows(path)
    effects = [
        ref.hedges_g(
            *(ref.num(r[c]) for c in ("mean_treat", "sd_treat", "n_treat", "mean_ctrl", "sd_ctrl", "n_ctrl"))
        )
        for r in rows
    ]
    want = ref.analyse(
        [e[0] for e in effects],
        [e[1] for e in effects],
        model="random",
        tau2_method="REML",
        hksj=True,
        level=MP.mpf("0.99"),
    )
    assert (d["data_type"], d["measure"], d["method"], d["model"], d["level"], d["k"]) == (
        "continuous",
        "SMD",
        "IV",
        "random",
        99,
        len(rows),
    )
    for key in ("estimate", "ci_low", "ci_high", "se", "z", "p"):
        assert close(d[key], getattr(want, key)), key
    het = d["heterogeneity"]
    assert close(het["tau2"], want.tau2) and close(het["q"], want.q) and close(het["i2_tau2"], want.i2_tau2)
    assert want.tau2_ci is not None and want.prediction_interval is not None
    assert all(close(g, w, 1e-6) for g, w in zip(het["tau2_ci"], want.tau2_ci, strict=True))
    assert all(close(g, w) for g, w in zip(d["prediction_interval"], want.prediction_interval, strict=True))
    assert d["t_df"] == len(rows) - 1
    # every study row: Hedges' g and its 99% CI, and the input columns of its row
    z99 = ref.norm_quantile(MP.mpf("0.995"))
    for s, r, (g, v) in zip(d["studies"], rows, effects, strict=True):
        assert s["study"] == r["study"] and close(s["estimate"], g, 1e-12)
        assert close(s["ci_low"], g - z99 * MP.sqrt(v), 1e-12) and close(
            s["ci_high"], g + z99 * MP.sqrt(v), 1e-12
        )
        assert s["n_treat"] == int(r["n_treat"]) and s["mean_ctrl"] == float(r["mean_ctrl"])
        assert s["source"]["locator"].startswith("normand1999_continuous.csv, row ")


def test_generic_csv_gives_the_contract_json() -> None:
    path = FIXTURES / "raudenbush1985_generic.csv"
    d = pool_json("--csv", str(path), "--model", "random", "--tau2", "REML")
    rows = read_rows(path)
    want = ref.analyse(
        [ref.num(r["estimate"]) for r in rows],
        [ref.num(r["se"]) ** 2 for r in rows],
        model="random",
        tau2_method="REML",
        hksj=False,
        level=MP.mpf("0.95"),
    )
    assert d["data_type"] == "generic" and d["measure"] == "MD" and d["method"] == "IV"
    assert close(d["estimate"], want.estimate) and close(d["heterogeneity"]["tau2"], want.tau2)
    assert d["studies"][0]["se"] == float(rows[0]["se"]) and d["studies"][0]["yi"] == float(
        rows[0]["estimate"]
    )
    assert d["provenance"]["inputs"][0]["estimate"] == float(rows[0]["estimate"])


def test_generic_ratio_is_pooled_on_the_log_scale_and_shown_exponentiated(tmp_path: Path) -> None:
    f = tmp_path / "hr.csv"
    f.write_text("study,estimate,se\nA,-0.3,0.12\nB,-0.1,0.2\n")
    d = pool_json("--csv", str(f), "--measure", "HR")
    w = [1 / 0.12**2, 1 / 0.2**2]
    theta = (w[0] * -0.3 + w[1] * -0.1) / sum(w)
    assert d["measure"] == "HR" and math.isclose(d["log_estimate"], theta, rel_tol=1e-14)
    assert math.isclose(d["estimate"], math.exp(theta), rel_tol=1e-14)
    assert math.isclose(d["studies"][0]["estimate"], math.exp(-0.3), rel_tol=1e-14)


def test_o_minus_e_csv_is_the_peto_log_hazard_ratio(tmp_path: Path) -> None:
    f = tmp_path / "oe.csv"
    f.write_text("study,o_minus_e,variance\nA,-5.2,20.1\nB,-2.0,11.3\n")
    d = pool_json("--csv", str(f))
    # Yusuf 1985: log HR = sum(O - E) / sum(V), variance 1 / sum(V)
    assert (d["data_type"], d["measure"], d["method"]) == ("o-e", "HR", "Peto")
    assert math.isclose(d["log_estimate"], (-5.2 - 2.0) / (20.1 + 11.3), rel_tol=1e-14)
    assert math.isclose(d["se"], 1 / math.sqrt(20.1 + 11.3), rel_tol=1e-14)
    assert d["studies"][1]["o_minus_e"] == -2.0 and d["studies"][1]["variance"] == 11.3


@pytest.mark.parametrize("level", ["90", "95", "99"])
def test_level_sets_study_and_pooled_intervals(tmp_path: Path, level: str) -> None:
    f = tmp_path / "md.csv"
    f.write_text(
        "study,mean_treat,sd_treat,n_treat,mean_ctrl,sd_ctrl,n_ctrl\nA,10,2,20,9,2.5,22\nB,11,3,30,9.5,3,28\n"
    )
    d = pool_json("--csv", str(f), "--level", level)
    z = float(ref.norm_quantile(1 - (1 - MP.mpf(level) / 100) / 2))
    v = 2**2 / 20 + 2.5**2 / 22
    assert d["level"] == int(level) and d["measure"] == "MD"
    assert math.isclose(d["studies"][0]["ci_high"], 1 + z * math.sqrt(v), rel_tol=1e-14)
    assert math.isclose(d["ci_high"] - d["estimate"], z * d["se"], rel_tol=1e-12)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("A,10,0,20,9,2,20\n", "row 2: sd_treat is 0; it must be > 0"),
        ("A,10,2,1,9,2,20\n", "row 2: n_treat is 1; an arm needs n >= 2"),
        ("A,10,2,20,,2,20\n", "row 2: mean_ctrl is missing"),
        ("A,10,2,20,9,-1,20\n", "row 2: sd_ctrl is -1; it must be > 0"),
    ],
)
def test_bad_continuous_rows_are_refused_with_row_and_field(tmp_path: Path, body: str, expected: str) -> None:
    f = tmp_path / "bad.csv"
    f.write_text("study,mean_treat,sd_treat,n_treat,mean_ctrl,sd_ctrl,n_ctrl\n" + body)
    code, out, err = run("pool", "--csv", str(f))
    assert code == 1 and out == "" and expected in err and "Traceback" not in err


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("A,0.2,\n", "row 2: se is missing"),
        ("A,0.2,0\n", "row 2: se is 0; it must be > 0"),
        ("A,0.2,-0.1\n", "row 2: se is -0.1; it must be > 0"),
    ],
)
def test_bad_generic_rows_are_refused(tmp_path: Path, body: str, expected: str) -> None:
    f = tmp_path / "bad.csv"
    f.write_text("study,estimate,se\n" + body)
    code, _, err = run("pool", "--csv", str(f))
    assert code == 1 and expected in err


def test_a_header_that_fits_no_form_is_refused_naming_the_four(tmp_path: Path) -> None:
    f = tmp_path / "odd.csv"
    f.write_text("study,mean_treat,sd_treat,n_treat,mean_ctrl,sd_ctrl\nA,1,1,10,1,1\n")
    code, _, err = run("pool", "--csv", str(f))
    assert code == 1
    for form in (
        "dichotomous: study,events_treat",
        "continuous: study,mean_treat",
        "generic: study,estimate,se",
        "o-e: study,o_minus_e,variance",
    ):
        assert form in err
    assert "lacks n_ctrl" in err


@pytest.mark.parametrize(
    ("args", "valid"),
    [(("--measure", "OR"), "MD, SMD"), (("--method", "MH"), "IV"), (("--level", "80"), "90, 95, 99")],
)
def test_options_that_do_not_fit_the_data_type_are_usage_errors(
    tmp_path: Path, args: tuple[str, str], valid: str
) -> None:
    f = tmp_path / "md.csv"
    f.write_text("study,mean_treat,sd_treat,n_treat,mean_ctrl,sd_ctrl,n_ctrl\nA,10,2,20,9,2.5,22\n")
    code, _, err = run("pool", "--csv", str(f), *args)
    assert code == 2 and valid in err


def test_continuous_table_and_markdown_show_the_arms(tmp_path: Path) -> None:
    f = tmp_path / "md.csv"
    f.write_text(
        "study,mean_treat,sd_treat,n_treat,mean_ctrl,sd_ctrl,n_ctrl\nA,10,2,20,9,2.5,22\nB,11,3,30,9.5,3,28\n"
    )
    code, out, _ = run("pool", "--csv", str(f), "--format", "markdown", "--level", "99")
    assert code == 0
    assert (
        "| Study or Subgroup | Treat mean | Treat SD | Treat total | Ctrl mean | Ctrl SD | Ctrl total |"
        in out
    )
    assert "Mean Difference IV, Fixed, 99% CI" in out and "**Total (99% CI)**" in out
    assert "| A [1] | 10 | 2 | 20 | 9 | 2.5 | 22 |" in out
    code, out, _ = run("pool", "--csv", str(f), "--format", "csv")
    assert out.splitlines()[0].startswith(
        "subgroup,study,mean_treat,sd_treat,n_treat,mean_ctrl,sd_ctrl,n_ctrl,weight"
    )

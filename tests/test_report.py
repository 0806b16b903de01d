"""`evireg report` and `evireg pool` over fixture registries and the bundled one."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from evireg.cli.app import app
from evireg.registry.paths import Registry
from evireg.render.text_forest import axis_range, forest_bar
from evireg.review.report import build_report

from .conftest import FIXTURES, copy_registry
from .test_pooling import TOP_KEYS


def invoke(*args: str, columns: int = 80) -> tuple[int, str, str]:
    r = CliRunner().invoke(app, list(args), env={"COLUMNS": str(columns), "EVIREG_REGISTRY": ""})
    return r.exit_code, r.stdout, r.stderr


def test_report_sections_sensitivity_and_loo(tmp_path: Path) -> None:
    rep = build_report(Registry(copy_registry("reproduces", tmp_path)))
    assert [s.analysis_id for s in rep.sections] == ["live-birth", "live-birth-by-rmc-type"]
    overall = rep.sections[0]
    labels = [x.label for x in overall.sensitivity]
    assert labels[0] == "As analysed (fixed)" and "Randomised studies only" in labels
    rand = next(x for x in overall.sensitivity if x.label == "Randomised studies only")
    assert rand.k == 2  # gamma-2010 is not randomised
    assert [x.label for x in overall.leave_one_out] == [
        "without alpha-2001",
        "without beta-2005",
        "without gamma-2010",
    ]
    assert all(x.k == 2 for x in overall.leave_one_out)
    assert overall.egger is not None and overall.egger.k == 3


def test_report_renders_at_80_and_160_columns(tmp_path: Path) -> None:
    root = str(copy_registry("reproduces", tmp_path))
    for cols in (80, 160):
        code, out, err = invoke("report", "-r", root, columns=cols)
        assert code == 0, err
        assert max(len(line) for line in out.splitlines()) <= cols
        for text in (
            "Total (95% CI)",
            "Heterogeneity:",
            "Test for overall effect: Z =",
            "Test for subgroup differences:",
            "Subtotal (95% CI)",
            "Sensitivity",
            "Leave one out",
            "[1] alpha-2001: synthetic",
        ):
            assert text in out, (cols, text)


def test_report_markdown_and_json(tmp_path: Path) -> None:
    root = str(copy_registry("missing", tmp_path))
    code, out, _ = invoke("report", "-f", "markdown", "-r", root)
    assert code == 0 and out.startswith("## Reviewer 2024")
    assert "delta-2012: no data: synthetic: the report gives no live births" in out
    code, out, _ = invoke("report", "-f", "json", "-r", root)
    d = json.loads(out)
    assert d["review"] == "test-review" and d["analyses"][0]["result"]["no_data"][0]["study"] == "delta-2012"


def test_report_on_the_bundled_registry() -> None:
    code, out, err = invoke("report")
    assert code == 0, err
    assert "live-birth: live birth (OR)" in out and "Gao 2025" in out


def test_pool_json_contract_from_registry(tmp_path: Path) -> None:
    root = str(copy_registry("reproduces", tmp_path))
    code, out, _ = invoke("pool", "--outcome", "live_birth", "--by", "rmc_type", "-f", "json", "-r", root)
    assert code == 0
    d = json.loads(out)
    for key in (*TOP_KEYS, "provenance"):
        assert key in d, key
    assert set(d["heterogeneity"]) >= {"q", "df", "p", "i2", "tau2"}
    assert [s["name"] for s in d["subgroups"]] == ["primary", "secondary"]
    assert set(d["subgroup_difference"]) >= {"q", "df", "p", "i2"}
    st = d["subgroups"][0]["studies"][1]
    assert st["study"] == "gamma-2010" and st["source"]["source_id"] == "synthetic"
    assert set(d["provenance"]) == {"registry_hash", "inputs"}


def test_pool_csv_formats_and_errors(tmp_path: Path) -> None:
    csv_file = str(FIXTURES / "pooling" / "bcg.csv")
    code, out, _ = invoke("pool", "--csv", csv_file, "--model", "random", "--tau2", "REML", "-f", "json")
    assert code == 0
    d = json.loads(out)
    assert d["k"] == 13 and d["model"] == "random" and d["subgroups"]
    code, out, _ = invoke("pool", "--csv", csv_file, "--measure", "RR", "-f", "csv")
    assert code == 0 and out.splitlines()[0].startswith("subgroup,study,events_treat")
    code, out, _ = invoke("pool", "--csv", csv_file, "-f", "markdown")
    assert code == 0 and "| **Total (95% CI)** |" in out
    bad = tmp_path / "bad.csv"
    bad.write_text("study,events_treat,total_treat,events_ctrl,total_ctrl\nA,9,5,1,5\n")
    code, _, err = invoke("pool", "--csv", str(bad))
    assert code == 1 and "row 2" in err and "exceeds total_treat" in err and "Traceback" not in err
    code, _, err = invoke("pool", "--csv", csv_file, "--method", "Peto", "--measure", "RR")
    assert code == 1 and "Peto" in err
    code, _, err = invoke("pool")
    assert code == 2 and "--outcome" in err  # a usage error (issue 17)


def test_text_forest_bar() -> None:
    axis = axis_range([0.5, 2.0], ratio=True)
    assert axis == (0.1, 10.0)
    bar = forest_bar(1.0, 0.5, 2.0, axis, 21, ratio=True)
    assert bar[10] == "■" and bar.count("─") > 0
    wide = forest_bar(5.0, 0.01, 500.0, axis, 21, ratio=True)
    assert wide[0] == "◄" and wide[-1] == "►"
    assert "◆" in forest_bar(1.5, 1.2, 1.9, axis, 21, ratio=True, diamond=True)


def test_sensitivity_command(tmp_path: Path) -> None:
    root = str(copy_registry("reproduces", tmp_path))
    code, out, _ = invoke("sensitivity", "--outcome", "live_birth", "-f", "json", "-r", root)
    assert code == 0
    d = json.loads(out)
    assert [x["label"] for x in d["cumulative"]] == ["+ alpha-2001", "+ beta-2005", "+ gamma-2010"]
    assert [x["k"] for x in d["cumulative"]] == [1, 2, 3]
    assert len(d["leave_one_out"]) == 3 and d["egger"]["k"] == 3
    assert d["analyses"][0]["label"] == "As analysed (fixed)"
    code, out, _ = invoke("sensitivity", "--outcome", "live_birth", "-r", root)
    assert code == 0 and "Cumulative, by year of publication" in out and "Egger's test" in out

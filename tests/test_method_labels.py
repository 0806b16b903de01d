"""Methods named as RevMan names them, HKSJ said where used, and the prediction interval as a row
of the tables (issue 17)."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from evireg.cli.main import app
from evireg.render.columns import effect_header, method_lines, method_name, method_text

from .conftest import ROOT


@pytest.mark.parametrize(
    ("method", "model", "tau2", "hksj", "want"),
    [
        ("MH", "fixed", "DL", False, "M-H, Fixed"),
        ("IV", "fixed", "DL", False, "IV, Fixed"),
        ("Peto", "fixed", "DL", False, "Peto, Fixed"),
        ("MH", "fixed", "REML", True, "M-H, Fixed"),  # HKSJ and tau2 belong to random effects
        ("MH", "random", "DL", False, "M-H, Random"),  # RevMan 5's own name for MH-based DL
        ("IV", "random", "DL", False, "IV, Random"),
        ("IV", "random", "REML", False, "IV, Random (REML)"),
        ("MH", "random", "REML", False, "IV, Random (REML)"),  # REML ignores the M-H estimate
        ("MH", "random", "PM", False, "IV, Random (PM)"),
        ("IV", "random", "REML", True, "IV, Random (REML), HKSJ"),
        ("MH", "random", "DL", True, "M-H, Random, HKSJ"),
    ],
)
def test_method_name(method: str, model: str, tau2: str, hksj: bool, want: str) -> None:
    assert method_name(method, model, tau2, hksj) == want
    assert method_text(method, model, 95, tau2_method=tau2, hksj=hksj) == f"{want}, 95% CI"


def test_effect_header_and_defaults_unchanged() -> None:
    assert effect_header("OR", "MH", "fixed") == "Odds Ratio M-H, Fixed, 95% CI"
    assert method_text("MH", "random", 99) == "M-H, Random, 99% CI"
    assert (
        effect_header("OR", "IV", "random", 95, tau2_method="REML", hksj=True)
        == "Odds Ratio IV, Random (REML), HKSJ, 95% CI"
    )


def test_method_lines_break_after_commas() -> None:
    assert method_lines("M-H, Random, 95% CI", 19) == ["M-H, Random, 95% CI"]
    assert method_lines("IV, Random (REML), HKSJ, 95% CI", 19) == ["IV, Random (REML),", "HKSJ, 95% CI"]
    assert all(len(line) <= 19 for line in method_lines("IV, Random (REML), 95% CI", 19))


@pytest.fixture(autouse=True)
def _bundled_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)  # the bundled registry answers live_birth


def _pool(columns: int, *args: str) -> str:
    r = CliRunner().invoke(
        app,
        ["pool", "--outcome", "live_birth", *args],
        env={"COLUMNS": str(columns), "EVIREG_REGISTRY": ""},
    )
    assert r.exit_code == 0, r.stderr
    return r.stdout


REML_HKSJ = ("--model", "random", "--tau2", "REML", "--hksj")


def test_acceptance_table_names_method_and_shows_prediction_interval() -> None:
    wide = _pool(200, *REML_HKSJ)
    assert "IV, Random (REML), HKSJ, 95% CI" in wide
    assert "M-H, Random" not in wide
    pi_rows = [line for line in wide.splitlines() if line.startswith("Prediction interval")]
    assert len(pi_rows) == 1 and "[0.86, 4.57]" in pi_rows[0]
    narrow = _pool(80, *REML_HKSJ)  # two header lines, nothing cut
    assert "IV, Random (REML), " in narrow and "HKSJ, 95% CI" in narrow and "(REML)…" not in narrow
    assert any(line.startswith("Prediction interval") for line in narrow.splitlines())


def test_markdown_names_method_and_has_prediction_row() -> None:
    md = _pool(200, *REML_HKSJ, "--format", "markdown")
    assert "| Odds Ratio IV, Random (REML), HKSJ, 95% CI |" in md
    assert "| Prediction interval |  |  |  |  | | [0.86, 4.57] | |" in md


def test_fixed_effect_has_no_prediction_row_and_keeps_its_name() -> None:
    out = _pool(200)
    assert "M-H, Fixed, 95% CI" in out and "Prediction interval" not in out
    assert "M-H, Random, 95% CI" in _pool(200, "--model", "random")


def test_json_names_the_hksj_statistic_t() -> None:
    import json

    d = json.loads(_pool(200, *REML_HKSJ, "--format", "json"))
    assert d["t"] == d["z"] and d["df"] == d["t_df"] == d["k"] - 1
    plain = json.loads(_pool(200, "--model", "random", "--format", "json"))
    assert plain["t"] is None and plain["df"] is None and plain["z"] is not None
    by = json.loads(_pool(200, "--by", "rmc_type", *REML_HKSJ, "--format", "json"))
    for sub in by["subgroups"]:  # a one-study subgroup falls back to the Wald z
        assert (sub["t"], sub["df"]) == ((sub["z"], sub["k"] - 1) if sub["k"] >= 2 else (None, None))


def test_one_egger_policy_for_text_json_and_figures() -> None:
    from evireg.stats.sensitivity import EGGER_LOW_POWER_K, EGGER_MIN_K, egger_caveat, egger_test

    assert (EGGER_MIN_K, EGGER_LOW_POWER_K) == (3, 10)
    two = egger_test([1, 2], [10, 10], [2, 3], [10, 10]).to_dict()
    assert two["reason"] == "Egger's test needs at least 3 estimable studies (k = 2)"
    assert two["caveat"] is None
    three = egger_test([1, 2, 5], [10, 20, 40], [2, 3, 9], [10, 20, 40]).to_dict()
    assert three["reason"] is None and three["caveat"] == egger_caveat(3)
    assert egger_caveat(3) == "with fewer than 10 studies the test has low power (k = 3)"
    assert egger_caveat(10) is None
    r = CliRunner().invoke(
        app, ["sensitivity", "--outcome", "live_birth"], env={"COLUMNS": "200", "EVIREG_REGISTRY": ""}
    )
    assert r.exit_code == 0, r.stderr
    assert "(P = 0.23); with fewer than 10 studies the test has low power (k = 8)" in r.stdout


def test_funnel_caption_follows_the_egger_policy() -> None:
    pytest.importorskip("matplotlib")
    import evireg
    from evireg.plots import funnel_figure

    answer = evireg.open(ROOT / "registry").pool("live_birth")
    fig = funnel_figure(answer)
    caption = next(t.get_text() for t in fig.texts if t.get_text().startswith("Egger"))
    assert caption.endswith("\nWith fewer than 10 studies the test has low power (k = 8).")


def test_forest_figure_names_method_and_draws_prediction_interval() -> None:
    pytest.importorskip("matplotlib")
    import evireg
    from evireg.plots import forest_figure

    reg = evireg.open(ROOT / "registry")
    fig = forest_figure(reg.pool("live_birth", model="random", tau2="REML", hksj=True))
    texts = [t.get_text() for ax in fig.axes for t in ax.texts]
    assert texts.count("IV, Random (REML), HKSJ, 95% CI") == 2  # over the numbers and the panel
    assert "Prediction interval" in texts and "[0.86, 4.57]" in texts
    fixed = forest_figure(reg.pool("live_birth"))
    assert "Prediction interval" not in [t.get_text() for ax in fixed.axes for t in ax.texts]

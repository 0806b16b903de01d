"""Figures: `evireg plot forest|funnel` through the CLI, the library, and life without matplotlib."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import IO, TYPE_CHECKING

import pytest
from typer.testing import CliRunner

from evireg.cli.app import app

from .conftest import REGISTRY

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from evireg.review.question import Answer

NOT_INSTALLED = "matplotlib is not installed; pip install 'evireg[plots]'"


@pytest.fixture
def mpl() -> None:
    """Skip a test that draws when matplotlib (the `plots` extra) is not installed."""
    pytest.importorskip("matplotlib")


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One copy of the bundled registry for the module, so its index is built once, in tmp."""
    dst = tmp_path_factory.mktemp("plots") / "registry"
    shutil.copytree(REGISTRY, dst, ignore=shutil.ignore_patterns(".evireg"))
    return dst


def plot(registry: Path, *args: str) -> tuple[int, str]:
    r = CliRunner().invoke(app, ["plot", *args, "--registry", str(registry)], env={"EVIREG_REGISTRY": ""})
    return r.exit_code, r.stderr


def live_birth_studies(registry: Path, **q: str) -> list[str]:
    from evireg.registry.paths import resolve
    from evireg.review.analysis import answer
    from evireg.review.question import Question

    return [i.study for i in answer(resolve(registry), Question("live_birth", **q)).inputs]


@pytest.mark.usefixtures("mpl")
@pytest.mark.parametrize("suffix", [".svg", ".png", ".pdf"])
@pytest.mark.parametrize("kind", ["forest", "funnel"])
def test_every_format_is_written(registry: Path, tmp_path: Path, kind: str, suffix: str) -> None:
    out = tmp_path / f"fig{suffix}"
    code, err = plot(registry, kind, "--outcome", "live_birth", "-o", str(out))
    assert code == 0, err
    assert f"wrote {out}" in err
    head = out.read_bytes()[:8]
    magic = {".svg": b"<?xml", ".png": b"\x89PNG\r\n\x1a\n", ".pdf": b"%PDF"}[suffix]
    assert head.startswith(magic)
    assert [p.name for p in tmp_path.iterdir()] == [out.name]  # no temporary file left behind


@pytest.mark.usefixtures("mpl")
def test_forest_svg_keeps_text_and_shows_every_study(registry: Path, tmp_path: Path) -> None:
    out = tmp_path / "forest.svg"
    code, err = plot(registry, "forest", "--outcome", "live_birth", "--review", "gao-2025", "-o", str(out))
    assert code == 0, err
    svg = out.read_text(encoding="utf-8")
    studies = live_birth_studies(registry, review="gao-2025")
    assert len(studies) >= 8 and "yamada-2022" in studies
    for study in studies:
        assert f">{study}</text>" in svg, study
    for text in (
        "Total (95% CI)",
        "Study or Subgroup",
        "Odds Ratio",
        "M-H, Fixed, 95% CI",
        "Total events",
        "Heterogeneity: Chi² = ",
        "Test for overall effect: Z = ",
        "Favours Placebo or control",  # the profile's control arm label
        "Favours IVIG",
    ):
        assert text in svg, text


@pytest.mark.usefixtures("mpl")
def test_subgroup_forest_names_both_subgroups(registry: Path, tmp_path: Path) -> None:
    out = tmp_path / "by.svg"
    code, err = plot(registry, "forest", "--outcome", "live_birth", "--by", "rmc_type", "-o", str(out))
    assert code == 0, err
    svg = out.read_text(encoding="utf-8")
    for text in (">primary<", ">secondary<", "Subtotal (95% CI)", "Total (95% CI)"):
        assert text in svg, text
    assert "Test for subgroup differences: Chi² = " in svg
    for study in live_birth_studies(registry, by="rmc_type"):
        assert f">{study}</text>" in svg


@pytest.mark.usefixtures("mpl")
def test_forest_options_reach_the_figure(registry: Path, tmp_path: Path) -> None:
    out = tmp_path / "rd.svg"
    code, err = plot(
        registry, "forest", "--outcome", "live_birth", "--measure", "RD", "--model", "random",
        "--title", "Live birth", "--labels", "IVIG,Placebo", "--favours", "placebo,IVIG", "-o", str(out),
    )  # fmt: skip
    assert code == 0, err
    svg = out.read_text(encoding="utf-8")
    expected = (">Live birth<", ">Placebo<", "Risk Difference", "M-H, Random, 95% CI", "Tau² = ")
    for text in (*expected, "Favours placebo", "Favours IVIG"):
        assert text in svg, text


@pytest.mark.usefixtures("mpl")
def test_funnel_reports_egger(registry: Path, tmp_path: Path) -> None:
    out = tmp_path / "funnel.svg"
    code, err = plot(registry, "funnel", "--outcome", "live_birth", "--by", "rmc_type", "-o", str(out))
    assert code == 0, err
    svg = out.read_text(encoding="utf-8")
    assert "test: intercept" in svg and "SE(log[OR])" in svg and ">primary<" in svg


@pytest.mark.usefixtures("mpl")
def test_not_estimable_and_off_scale_studies(tmp_path: Path) -> None:
    from evireg.plots import forest_figure, save
    from evireg.review.analysis import answer_from_csv
    from evireg.review.question import Question

    csv = tmp_path / "t.csv"
    csv.write_text(
        "study,events_treat,total_treat,events_ctrl,total_ctrl\n"
        "none,0,10,0,12\n"  # no events in either arm: not estimable for an odds ratio
        "tiny,1,3,0,3\n"  # zero cell: a very wide interval, beyond the widest scale
        "big,40,100,30,100\n"
    )
    out = save(forest_figure(answer_from_csv(csv, Question("csv"))), tmp_path / "f.svg")
    svg = out.read_text(encoding="utf-8")
    assert ">none</text>" in svg and "Not estimable" in svg and ">100<" in svg  # 0.01-100 scale


@pytest.mark.usefixtures("mpl")
def test_no_data_is_a_user_error(registry: Path, tmp_path: Path) -> None:
    out = tmp_path / "x.png"
    # an outcome the profile does not declare is refused naming the valid ones (issue 13);
    # a filter that leaves no study is a user error saying so (issue 13), before anything is drawn
    code, err = plot(registry, "forest", "--outcome", "no_such_outcome", "-o", str(out))
    assert code != 0 and "live_birth" in err and "Traceback" not in err
    code, err = plot(registry, "forest", "--outcome", "ectopic_pregnancy", "--where", "year > 2100",
                     "-o", str(out))
    assert code == 1 and "no study matches the filter" in err and "Traceback" not in err
    assert not out.exists()


def test_unknown_suffix_is_refused(registry: Path, tmp_path: Path) -> None:
    for kind in ("forest", "funnel"):
        code, err = plot(registry, kind, "--outcome", "live_birth", "-o", str(tmp_path / "fig.jpg"))
        assert code == 1, err
        assert "unknown figure format '.jpg'" in err and ".svg, .png or .pdf" in err
        assert "Traceback" not in err
    assert not list(tmp_path.iterdir())


def test_missing_folder_is_refused(registry: Path, tmp_path: Path) -> None:
    code, err = plot(registry, "forest", "--outcome", "live_birth", "-o", str(tmp_path / "no" / "f.png"))
    assert code == 1 and "does not exist" in err and "Traceback" not in err


def test_missing_matplotlib_says_how_to_install(
    registry: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # `import matplotlib` now raises ImportError
    out = tmp_path / "f.png"
    for kind in ("forest", "funnel"):
        code, err = plot(registry, kind, "--outcome", "live_birth", "-o", str(out))
        assert code == 1
        assert NOT_INSTALLED in " ".join(err.split()) and "Traceback" not in err
    assert not out.exists()

    from evireg.errors import UserError
    from evireg.plots import forest_figure
    from evireg.review.question import Answer, Question

    with pytest.raises(UserError, match="matplotlib is not installed"):
        forest_figure(Answer(Question("live_birth"), None, [], [], None))


def test_plot_help_shows_the_extra() -> None:
    r = CliRunner().invoke(app, ["plot", "--help"], env={"COLUMNS": "120"})
    assert r.exit_code == 0 and "pip install 'evireg[plots]'" in r.stdout


def test_cli_startup_does_not_import_matplotlib() -> None:
    code = (
        "import sys, evireg.cli.app, evireg.cli.commands.plot; "
        "heavy = [m for m in ('matplotlib', 'numpy', 'duckdb', 'evireg.plots.forest') if m in sys.modules]; "
        "assert not heavy, heavy"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# --- drawing into a caller's axes (statsmodels' `plot_forest(ax=...)` habit) ----------------------


def live_birth(registry: Path, **q: str) -> Answer:
    from evireg.registry.paths import resolve
    from evireg.review.analysis import answer
    from evireg.review.question import Question

    return answer(resolve(registry), Question("live_birth", **q))


def callers_axes() -> tuple[Figure, Axes]:
    """A figure and axes the caller made, with a canvas of its own (as pyplot would give it)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(10.0, 6.0))
    FigureCanvasAgg(fig)
    return fig, fig.add_subplot()


def texts_on(ax: Axes) -> list[str]:
    return [t.get_text() for t in ax.texts]


@pytest.mark.usefixtures("mpl")
def test_forest_draws_into_the_callers_axes(registry: Path, tmp_path: Path) -> None:
    from evireg.plots import forest_figure, save

    ans = live_birth(registry, by="rmc_type")
    fig, ax = callers_axes()
    assert forest_figure(ans, title="Mine", ax=ax) is fig
    assert fig.axes == [ax]  # no figure or figure-level axes of its own
    texts = texts_on(ax)
    for text in ("Mine", "Study or Subgroup", "primary", "secondary", "Total (95% CI)"):
        assert text in texts, text
    assert [i.study for i in ans.inputs] and {i.study for i in ans.inputs} <= set(texts)
    # The panel is an inset of the caller's axes: the intervals, squares and diamonds are there.
    (panel,) = ax.child_axes
    assert len(panel.patches) == 3  # a diamond per subtotal and the total
    assert len(panel.lines) > len(ans.inputs)
    # no labels given: the registry profile's arm labels, sided by live birth's direction
    assert {t.get_text() for t in panel.texts} == {"Favours Placebo or control", "Favours IVIG"}
    svg = save(fig, tmp_path / "mine.svg").read_text(encoding="utf-8")
    assert ">Mine<" in svg and ">Favours IVIG<" in svg


@pytest.mark.usefixtures("mpl")
def test_funnel_draws_into_the_callers_axes(registry: Path) -> None:
    from evireg.plots import funnel_figure

    ans = live_birth(registry, by="rmc_type")
    fig, ax = callers_axes()
    assert funnel_figure(ans, title="Mine", ax=ax) is fig
    assert fig.axes == [ax]
    texts = texts_on(ax)
    assert "Mine" in texts and any(t.startswith("Egger's test") for t in texts)
    assert ax.get_xlabel() == "Odds Ratio (log scale)" and ax.get_ylabel() == "SE(log[OR])"
    legend = ax.get_legend()
    assert legend is not None and [t.get_text() for t in legend.get_texts()] == ["primary", "secondary"]
    marks = [line for line in ax.lines if line.get_linestyle() == "None"]
    assert sum(len(line.get_xydata()) for line in marks) == len(ans.inputs)


@pytest.mark.usefixtures("mpl")
def test_axes_in_a_subfigure_return_the_whole_figure(registry: Path) -> None:
    from evireg.plots import forest_figure, funnel_figure

    ans = live_birth(registry)
    fig, _ = callers_axes()
    left, right = fig.subfigures(1, 2)
    assert forest_figure(ans, ax=left.add_subplot()) is fig
    assert funnel_figure(ans, ax=right.add_subplot()) is fig


@pytest.mark.usefixtures("mpl")
def test_without_axes_each_figure_is_new(registry: Path) -> None:
    from evireg.plots import forest_figure, funnel_figure

    ans = live_birth(registry)
    one, two = forest_figure(ans), funnel_figure(ans)
    assert one is not two and len(one.axes) == 2 and len(two.axes) == 1


# --- saving --------------------------------------------------------------------------------------


@pytest.mark.usefixtures("mpl")
def test_a_failed_save_leaves_the_old_file(
    registry: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from evireg.plots import funnel_figure, save

    out = tmp_path / "f.svg"
    out.write_text("old")
    fig = funnel_figure(live_birth(registry))

    def broken(fh: IO[bytes], **_: object) -> None:
        fh.write(b"<?xml half a figure")
        raise RuntimeError("drawing failed")

    monkeypatch.setattr(fig, "savefig", broken)
    with pytest.raises(RuntimeError, match="drawing failed"):
        save(fig, out)
    assert out.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["f.svg"]


@pytest.mark.usefixtures("mpl")
def test_an_unwritable_target_is_one_clear_message(registry: Path, tmp_path: Path) -> None:
    from evireg.errors import UserError
    from evireg.plots import forest_figure, save

    out = tmp_path / "f.png"
    out.mkdir()  # a folder where the file should go
    with pytest.raises(UserError, match="a folder stands where a file is needed"):
        save(forest_figure(live_birth(registry)), out)
    assert [p.name for p in tmp_path.iterdir()] == ["f.png"]  # no temporary file left behind


def test_importing_plots_does_not_import_matplotlib() -> None:
    code = "import sys, evireg.plots; assert 'matplotlib' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_cli_startup_does_not_import_the_plots() -> None:
    code = (
        "import sys, evireg.cli.app, evireg.cli.commands.plot; "
        "loaded = [m for m in sys.modules if m.startswith('evireg.plots')]; "
        "assert not loaded, loaded"
    )
    subprocess.run([sys.executable, "-c", code], check=True)

"""Risk of bias: the risk_of_bias view (both tools, overrides, support with quotes), the Cochrane
import's judgements against the file's RoB 2 columns, `evireg rob` formats, `plot rob`, the RoB
column beside answers, the sensitivity lines, and the tools' algorithms."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from evireg.cli.main import app
from evireg.records.rob import JUDGEMENTS, Tool, overall_by_algorithm

from .rob_registry import ASSESSED, rob_registry

COCHRANE = Path(__file__).parent / "data" / "cochrane"
ROB2_LABELS = {
    "Bias arising from the randomization process": "randomization",
    "Bias due to deviations from intended interventions": "deviations",
    "Bias due to missing outcome data": "missing_data",
    "Bias in measurement of the outcome": "measurement",
    "Bias in selection of the reported result": "reported_result",
    "Overall bias": "overall",
}
PRINTED = {"low risk": "low", "some concerns": "some_concerns", "high risk": "high"}


@pytest.fixture(scope="module")
def rob_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return rob_registry(tmp_path_factory.mktemp("rob") / "reg")


def run(*args: str) -> tuple[int, str]:
    res = CliRunner().invoke(app, list(args))
    return res.exit_code, res.output


def test_view_rows_for_both_tools(rob_root: Path) -> None:
    import evireg

    with evireg.open(rob_root) as reg:
        rows = reg.query("select * from risk_of_bias").fetchall()
        cols = [d[0] for d in reg.query("select * from risk_of_bias limit 0").description]
    assert cols == [
        "study_id",
        "outcome",
        "tool",
        "domain",
        "domain_label",
        "judgement",
        "support",
        "source_id",
        "locator",
        "assessor",
        "assessed_on",
        "overridden",
    ]
    per = {"rob2": 5 + 1, "robins_i": 7 + 1}
    assert len(rows) == 2 * sum(per[tool] for _, tool, _ in ASSESSED.values())
    by = {(r[0], r[1], r[3]): dict(zip(cols, r, strict=True)) for r in rows}
    first = by[("peero-2024", "live_birth", "confounding")]
    assert first["tool"] == "robins_i" and first["judgement"] == "serious"
    quote = "“quote for confounding” (yiyunmed, Abstract)"
    assert first["support"] == f"confounding judged serious (test) {quote}"
    assert (first["source_id"], first["locator"]) == ("yiyunmed", "Abstract")
    assert first["overridden"] is None and str(first["assessed_on"]) == "2026-01-02"
    assert by[("peero-2024", "live_birth", "overall")]["judgement"] == "serious"  # worst wins
    assert by[("jafarzadeh-2019", "miscarriage", "overall")]["judgement"] == "moderate"
    over = by[("stephenson-2010", "live_birth", "overall")]
    assert over["judgement"] == "high" and over["overridden"] is True
    assert over["support"] == "several concerns together (test)"
    assert by[("stephenson-2010", "miscarriage", "overall")]["judgement"] == "some_concerns"
    assert by[("stephenson-2010", "miscarriage", "overall")]["overridden"] is False
    assert by[("coulam-1995", "live_birth", "randomization")]["domain_label"] == (
        "Bias arising from the randomization process"
    )


@pytest.mark.parametrize("name", ["CD000478_pub5.csv", "CD007572_pub4.csv"])
def test_cochrane_import_judgements_equal_the_files(tmp_path: Path, name: str) -> None:
    import evireg
    from evireg.interop.cochrane import read_cochrane
    from evireg.interop.imported import analysis_outcome
    from evireg.interop.imported_write import import_reviews

    root = tmp_path / "reg"
    review = read_cochrane(COCHRANE / name)
    import_reviews(root, [review])
    with (COCHRANE / name).open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        raw = {}
        for rec in reader:
            raw[reader.line_num] = rec
    expected: dict[tuple[str, str, str], str] = {}
    for a in review.analyses:
        for row in a.rows:
            rec = raw[row.line]
            judged = {
                d: PRINTED[v]
                for label, d in ROB2_LABELS.items()
                if (v := (rec.get(f"{label} (judgement)") or "").strip().lower())
            }
            if len(judged.keys() - {"overall"}) < 5:
                continue  # a row that judges only some domains is no RoB 2 assessment: not imported
            judged.setdefault("overall", overall_by_algorithm(Tool.rob2, [judged[d] for d in sorted(judged)]))
            for domain, j in judged.items():
                # RoB 2 judges a result once per outcome: every row of it agrees
                key = (row.study, analysis_outcome(a), domain)
                assert expected.setdefault(key, j) == j
    assert expected
    with evireg.open(root) as reg:
        got = {
            (r[0], r[1], r[2]): r[3]
            for r in reg.query("select study_id, outcome, domain, judgement from risk_of_bias").fetchall()
        }
        tools = {r[0] for r in reg.query("select distinct tool from risk_of_bias").fetchall()}
    assert got == expected and tools == {"rob2"}


def test_rob_formats(rob_root: Path) -> None:
    code, out = run("rob", "--outcome", "live_birth", "--registry", str(rob_root))
    assert code == 0 and "Live birth (live_birth): RoB 2" in out and "ROBINS-I" in out
    code, md = run("rob", "--outcome", "live_birth", "--format", "markdown", "--registry", str(rob_root))
    assert code == 0 and "| stephenson-2010 | + [19] |" in md
    assert "(overridden). several concerns together (test); assessed by test curators, 2026-01-02" in md
    assert "“quote for randomization” (abstract, Abstract)" in md
    code, js = run("rob", "--format", "json", "--registry", str(rob_root))
    doc = json.loads(js)
    assert code == 0 and [(t["outcome"], t["tool"]) for t in doc["outcomes"]] == [
        ("live_birth", "rob2"),
        ("live_birth", "robins_i"),
        ("miscarriage", "rob2"),
        ("miscarriage", "robins_i"),
    ]
    code, text = run("rob", "--format", "csv", "--outcome", "miscarriage", "--registry", str(rob_root))
    lines = list(csv.DictReader(text.splitlines()))
    assert code == 0 and len(lines) == 4 * 6 + 2 * 8
    code, out = run("rob", "--outcome", "nope", "--registry", str(rob_root))
    assert code == 2
    code, out = run("rob", "--review", "nope", "--registry", str(rob_root))
    assert code == 1 and "no such review" in out


def test_plot_rob_svg_is_deterministic(rob_root: Path, tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    a, b = tmp_path / "a.svg", tmp_path / "b.svg"
    for out in (a, b):
        code, msg = run(
            "plot",
            "rob",
            "--outcome",
            "live_birth",
            "-o",
            str(out),
            "--weighted",
            "--registry",
            str(rob_root),
        )
        assert code == 0, msg
    svg = a.read_text(encoding="utf-8")
    assert svg == b.read_text(encoding="utf-8")
    assert svg.count("Overall risk of bias") == 1
    from matplotlib.patches import Circle

    from evireg.plots.rob import rob_figure
    from evireg.registry.paths import Registry
    from evireg.review.rob import risk_of_bias

    rep = risk_of_bias(Registry(rob_root), "live_birth")
    fig = rob_figure(rep.tables[1])  # ROBINS-I: 2 studies x (7 + 1), legend 4 judgements
    circles = [p for p in fig.axes[0].patches if isinstance(p, Circle)]
    assert len(circles) == 2 * 8 + 4
    code, out = run(
        "plot",
        "rob",
        "--outcome",
        "live_birth",
        "--tool",
        "robins_i",
        "-o",
        str(a),
        "--registry",
        str(rob_root),
    )
    assert code == 0


def test_rob_column_beside_answers(rob_root: Path, bundled_copy: Path) -> None:
    import evireg
    from evireg.render.pool import markdown

    ans = evireg.open(rob_root).pool("live_birth")
    assert ans.rob["coulam-1995"] == "high" and ans.rob["peero-2024"] == "serious"
    assert "christiansen-2015" not in ans.rob
    md = markdown(ans, "t")
    assert "| RoB |" in md and "| 3.12 [1.10, 8.89] | − |" in md and "| 1.21 [0.51, 2.88] |  |" in md
    assert ans.to_dict()["risk_of_bias"]["stephenson-2010"] == "high"
    plain = evireg.open(bundled_copy).pool("miscarriage")  # no assessments of miscarriage
    assert plain.rob == {} and "RoB" not in markdown(plain, "t") and "risk_of_bias" not in plain.to_dict()


def test_forest_rob_column(rob_root: Path, bundled_copy: Path) -> None:
    pytest.importorskip("matplotlib")
    import evireg
    from evireg.plots import forest_figure

    fig = forest_figure(evireg.open(rob_root).pool("live_birth"))
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert "RoB" in texts and texts.count("−") == 3
    plain = forest_figure(evireg.open(bundled_copy).pool("miscarriage"))
    assert "RoB" not in [t.get_text() for t in plain.axes[0].texts]
    assert fig.get_size_inches()[0] > plain.get_size_inches()[0]


def test_sensitivity_lines(rob_root: Path, bundled_copy: Path) -> None:
    import evireg

    _, sens = evireg.open(rob_root).sensitivity("live_birth")
    lines = {x.label: x for x in sens.lines}
    assert lines["Low risk of bias only"].k == 1  # christiansen-1995
    # without coulam-1995, stephenson-2010 (overridden to high) and peero-2024 (serious)
    assert lines["Excluding high risk of bias"].k == 5
    _, plain = evireg.open(bundled_copy).sensitivity("miscarriage")
    assert not any("risk of bias" in x.label for x in plain.lines)


@given(st.lists(st.sampled_from(JUDGEMENTS[Tool.rob2]), min_size=5, max_size=5))
def test_rob2_algorithm(js: list[str]) -> None:
    got = overall_by_algorithm(Tool.rob2, js)
    if "high" in js:
        assert got == "high"
    elif all(j == "low" for j in js):
        assert got == "low"
    else:
        assert got == "some_concerns"


@given(st.lists(st.sampled_from(["low", "moderate", "serious", "critical"]), min_size=7, max_size=7))
def test_robins_i_worst_wins(js: list[str]) -> None:
    order = ["low", "moderate", "serious", "critical"]
    assert overall_by_algorithm(Tool.robins_i, js) == max(js, key=order.index)


def test_the_profile_names_the_tool_for_each_design() -> None:
    import yaml

    from evireg.records.profile_check import profile_errors
    from evireg.records.study import Study
    from evireg.records.vocab import DesignKind
    from evireg.registry.paths import Registry
    from evireg.registry.profile import load_profile

    root = Path(__file__).resolve().parents[1] / "registry"
    profile = load_profile(Registry(root))
    text = (root / "studies" / "yamada-2022.yaml").read_text(encoding="utf-8")
    yamada = Study.model_validate(yaml.safe_load(text))
    assert yamada.risk_of_bias[0].tool == "rob2" and profile_errors(yamada, profile) == []

    def as_design(kind: DesignKind) -> Study:
        return yamada.model_copy(update={"design": yamada.design.model_copy(update={"kind": kind})})

    (problem,) = profile_errors(as_design(DesignKind.prospective_cohort), profile)
    assert problem == (
        "risk_of_bias.0.tool",
        "a prospective_cohort study is assessed with robins_i in this registry "
        "(evireg.yaml risk_of_bias), not rob2",
    )
    assert profile_errors(as_design(DesignKind.unclear), profile) == []  # either tool

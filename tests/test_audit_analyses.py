"""The audit of imported reviews: every printed study row (effect, CI, weight) recomputed from the
registry with the measure, level, method and model inferred from the printed numbers.

The registry is written by a test-only converter (tests/cochrane_registry.py) from five analyses
of two real Cochrane reviews (tests/data/cochrane/): CD000478.pub5 1.1 (RR, two subgroups) and
7.1 (RD with zero and double-zero cells, each subgroup pooled alone); CD015087.pub2 2.3 (RR,
inverse variance random DL), 3.2 (SMD) and 4.6 (RR with a study whose every participant had the
event).
"""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from evireg.cli.app import app
from evireg.registry.paths import Registry
from evireg.review.audit import audit, audit_all
from evireg.review.audit_summary import summarise
from evireg.review.inference import IV_DL, IV_FIXED, Stated, decimals, half_ulp, infer

from .cochrane_registry import write_registry
from .cochrane_rows import HALF_ULP, by_analysis, read_rows, study_data

PICKS = {"CD000478_pub5.csv": ["1.1", "7.1"], "CD015087_pub2.csv": ["2.3", "3.2", "4.6"]}
A, B = "cd000478-pub5", "cd015087-pub2"


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("cochrane") / "reg"
    write_registry(root, PICKS)
    return root


@pytest.fixture
def reg(template: Path, tmp_path: Path) -> Path:
    dst = tmp_path / "reg"
    shutil.copytree(template, dst, ignore=shutil.ignore_patterns(".evireg"))
    return dst


def _edit_review(root: Path, rid: str, edit: object) -> None:
    path = root / "reviews" / f"{rid}.yaml"
    data = yaml.safe_load(path.read_text())
    edit(data)  # type: ignore[operator]
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))


def test_every_printed_row_reproduces_with_the_inferred_method(reg: Path) -> None:
    got = {}
    for rid in (A, B):
        rep = audit(Registry(reg), rid)
        assert rep.claims == [] and rep.clean
        for a in rep.analyses:
            assert a.verdict == "reproduced", (
                a.title,
                [r.to_dict() for r in a.rows if r.verdict != "reproduced"],
            )
            got[a.number] = (
                a.inferred["measure"],
                a.inferred["level"],
                a.inferred["method"],
                a.inferred["model"],
                a.inferred["tau2"],
                a.inferred["scope"],
            )
    assert got == {
        "1.1": ("RR", 95, "MH", "fixed", None, "overall"),
        "7.1": ("RD", 95, "MH", "fixed", None, "subgroups"),  # each subgroup's own weights
        "2.3": ("RR", 95, "IV", "random", "DL", "overall"),  # as test_revman_weights found
        "3.2": ("SMD", 95, "IV", "fixed", None, "overall"),
        "4.6": ("RR", 95, "IV", "fixed", None, "overall"),
    }
    rows = sum(len(a.rows) for rid in (A, B) for a in audit(Registry(reg), rid).analyses)
    assert rows == 23


def test_a_changed_printed_value_differs_with_its_difference(reg: Path) -> None:
    def edit(data: dict) -> None:  # type: ignore[type-arg]
        row = data["analyses"][0]["rows"][0]  # 1.1 Hawthorne 1992: 0.746411 [0.469409, 1.186876]
        assert row["label"] == "Hawthorne 1992"
        row["estimate"] = "0.756411"

    _edit_review(reg, A, edit)
    rep = audit(Registry(reg), A)
    a = rep.analyses[0]
    assert a.verdict == "differs" and a.counts == {"reproduced": 4, "differs": 1, "not_recomputable": 0}
    assert a.inferred["measure"] == "RR" and a.inferred["method"] == "MH"  # the other rows still say so
    (row,) = [r for r in a.rows if r.verdict == "differs"]
    assert row.label == "Hawthorne 1992" and set(row.differences) == {"estimate"}
    assert row.differences["estimate"] == pytest.approx(-0.01, abs=1e-6)
    assert row.reason == "effect or CI differs" and not rep.clean
    d = rep.to_dict()["analyses"][0]
    assert set(d) >= {"analysis_id", "name", "subgroup", "data_type", "inferred", "rows", "verdict"}
    assert d["analysis_id"] == "1.1" and d["verdict"] == "differs"
    assert set(d["inferred"]) >= {"measure", "method", "model", "tau2", "level"}
    assert set(d["rows"][0]) >= {"study", "published", "recomputed", "verdict"}
    assert (
        set(d["rows"][0]["published"])
        == set(d["rows"][0]["recomputed"])
        == {"estimate", "ci_low", "ci_high", "weight"}
    )


def test_a_changed_weight_differs(reg: Path) -> None:
    def edit(data: dict) -> None:  # type: ignore[type-arg]
        data["analyses"][0]["rows"][1]["weight"] = "10.5"  # 2.3, a random-effects weight

    _edit_review(reg, B, edit)
    a = audit(Registry(reg), B).analyses[0]
    (row,) = [r for r in a.rows if r.verdict == "differs"]
    assert set(row.differences) == {"weight"} and row.reason == "weight differs"
    assert a.inferred["method"] == "IV" and a.inferred["model"] == "random"


def test_a_row_without_data_is_not_recomputable(reg: Path) -> None:
    study = reg / "studies" / "cd015087-pub2-gupta-2008.yaml"
    data = yaml.safe_load(study.read_text())
    data["outcomes"] = [o for o in data["outcomes"] if o["outcome"] != "cd015087_pub2_4_6"]
    study.write_text(yaml.safe_dump(data, sort_keys=False))
    a = next(x for x in audit(Registry(reg), B).analyses if x.number == "4.6")
    (row,) = [r for r in a.rows if r.verdict == "not_recomputable"]
    assert row.label == "Gupta 2008" and row.reason is not None
    assert row.reason.startswith("no data in the registry")
    # pooled without it the other rows' weights change: their effects and CIs are still checked
    assert a.counts == {"reproduced": 3, "differs": 0, "not_recomputable": 1}
    assert a.verdict == "not_recomputable"
    assert any("weights not compared" in n for n in a.notes)
    assert a.counts["not_recomputable"] == 1


def test_a_stated_method_is_used_and_checked(reg: Path) -> None:
    def edit(data: dict) -> None:  # type: ignore[type-arg]
        an = data["analyses"][0]  # 2.3: the printed weights are IV random DL's
        an.update({"measure": "RR", "method": "MH", "model": "fixed", "level": 95})

    _edit_review(reg, B, edit)
    a = audit(Registry(reg), B).analyses[0]
    assert (a.inferred["method"], a.inferred["model"]) == ("MH", "fixed")
    assert any("stated MH fixed does not reproduce" in n and "IV random DL" in n for n in a.inferred["notes"])
    assert a.verdict == "differs" and all(
        r.reason == "weight differs" for r in a.rows if r.verdict == "differs"
    )


def test_fixed_and_random_tie_is_reported_as_ambiguous() -> None:
    """Where DerSimonian-Laird's tau2 is 0, fixed and random effects give the same weights: the
    inference picks the first in RevMan's order and says that they fit equally."""
    found = []
    for number, group in by_analysis(read_rows("CD015087_pub2.csv")).items():
        values = [(*r.printed, r.weight) for r in group]
        inf = infer(study_data(group), values, [r.subgroup or None for r in group], HALF_ULP)
        assert inf is not None
        if any("fit equally: tau2 = 0" in n for n in inf.notes):
            assert not inf.unambiguous and IV_FIXED in inf.fits and IV_DL in inf.fits
            found.append(number)
    assert found, "no analysis where fixed and random effects fit equally"


def test_printed_precision() -> None:
    assert decimals("0.052632") == 6 and decimals("1") == 0 and decimals(None) == 0
    assert half_ulp(["1", "0.5", "47.535042"]) == pytest.approx(0.5e-6, rel=1e-8)
    assert half_ulp(["2.07"]) == pytest.approx(0.005, rel=1e-8)


def test_stated_level_limits_the_inference() -> None:
    group = by_analysis(read_rows("CD001909_pub4.csv"))["3.1"]  # printed at 99%
    values = [(*r.printed, r.weight) for r in group]
    free = infer(study_data(group), values, [r.subgroup or None for r in group], HALF_ULP)
    assert free is not None and free.level == 99
    forced = infer(study_data(group), values, [r.subgroup or None for r in group], HALF_ULP, Stated(level=95))
    assert forced is not None and forced.level == 95


def test_audit_all_cli_json_and_summary(reg: Path) -> None:
    runner = CliRunner()
    r = runner.invoke(app, ["audit", "--all", "--format", "json", "-r", str(reg)])
    assert r.exit_code == 0, r.stderr
    d = json.loads(r.stdout)
    assert [x["review"] for x in d] == [A, B]
    assert all(set(x) >= {"review", "claims", "analyses", "totals"} for x in d)
    table = runner.invoke(app, ["audit", "--all", "-r", str(reg)])
    assert table.exit_code == 0 and "Audit of every review" in table.stdout and "23 (100.0%)" in table.stdout
    md = runner.invoke(app, ["audit", "--all", "--format", "markdown", "-r", str(reg)])
    assert "| reproduced | 23 (100.0%) |" in md.stdout
    both = runner.invoke(app, ["audit", "--all", "--review", A, "-r", str(reg)])
    assert both.exit_code == 2 and "--all" in both.stderr
    one = runner.invoke(app, ["audit", "--review", B, "-r", str(reg)])
    assert one.exit_code == 0 and "2.3 Requiring rescue medication (2 to 24 hours): 5/5 rows reproduced" in (
        one.stdout.replace("\n", " ").replace("  ", " ")
    )


def test_summary_counts_causes(reg: Path) -> None:
    def edit(data: dict) -> None:  # type: ignore[type-arg]
        data["analyses"][0]["rows"][0]["ci_low"] = "0.4"

    _edit_review(reg, A, edit)
    s = summarise(audit_all(Registry(reg)))
    assert (s.reviews, s.analyses, s.rows, s.reproduced, s.differs) == (2, 5, 23, 22, 1)
    assert s.causes == [("effect or CI differs", 1)]
    assert s.percent_reproduced is not None and math.isclose(s.percent_reproduced, 100 * 22 / 23)


def test_bundled_review_has_no_printed_rows(bundled_copy: Path) -> None:
    rep = audit(Registry(bundled_copy))
    assert rep.analyses == [] and rep.to_dict()["analyses"] == [] and len(rep.claims) == 5

"""The registry profile: a second, unrelated registry works end to end, records are checked
against its vocabulary, and the package itself holds no review topic.

The trials below are SYNTHETIC TEST DATA, made up for these tests: they describe no real study.
"""

from __future__ import annotations

import copy
import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from evireg.errors import InvalidOption, UserError
from evireg.index.add import add_files
from evireg.records.profile import Profile
from evireg.registry.layout import init_registry
from evireg.registry.paths import Registry
from evireg.registry.profile import load_profile
from evireg.review.analysis import answer
from evireg.review.question import Question

from .conftest import REGISTRY, ROOT

PROFILE = """\
# A second registry: nothing to do with the bundled one (synthetic, for tests).
title: Synthetic mortality registry (test data)
outcomes:
  - id: mortality
    label: Mortality
    data_type: dichotomous
    direction: higher_is_worse
    measure: OR
characteristics:
  - id: setting
    label: Care setting
    type: category
    values: [hospital, community]
arms:
  intervention: Treatment
  control: Usual care
"""

SRC = {"id": "synthetic", "kind": "other", "citation": "Synthetic test data; describes no real trial",
       "url": "https://example.org/synthetic"}
PROV = {"source": "synthetic", "locator": "synthetic"}


def trial(sid: str, setting: str, counts: tuple[int, int, int, int]) -> dict[str, Any]:
    """A synthetic trial: (deaths, n) treated and (deaths, n) control."""
    a, n1, c, n2 = counts
    arm = {"value": None, "reason": "synthetic"}
    return {
        "id": sid,
        "citation": {"authors": ["Synthetic A"], "year": 2001, "title": f"Synthetic {sid}",
                     "journal": "Test J"},
        "sources": [SRC],
        "design": {"kind": "rct", "randomised": True, "blinding": "open", "control_type": "standard_care",
                   "description": "synthetic", "provenance": PROV},
        "population": {"description": "synthetic", "provenance": PROV},
        "characteristics": {"setting": {"value": setting, **PROV}},
        "intervention": {"description": "synthetic", "provenance": PROV},
        "comparator": {"description": "synthetic", "provenance": PROV},
        "arms": [
            {"id": "treated", "role": "intervention", "label": "T", "n_randomised": arm, "n_analysed": arm},
            {"id": "usual", "role": "control", "label": "U", "n_randomised": arm, "n_analysed": arm},
        ],
        "outcomes": [{"outcome": "mortality", **PROV, "arms": [
            {"arm": "treated", "events": a, "total": n1}, {"arm": "usual", "events": c, "total": n2}]}],
    }


TRIALS = [
    trial("alpha-2001", "hospital", (10, 100, 20, 100)),
    trial("beta-2003", "hospital", (15, 120, 24, 118)),
    trial("gamma-2005", "community", (4, 80, 9, 82)),
]


@pytest.fixture
def mortality_registry(tmp_path: Path) -> Path:
    root = tmp_path / "mortality"
    init_registry(root)
    (root / "evireg.yaml").write_text(PROFILE)
    files = []
    for t in TRIALS:
        f = tmp_path / f"{t['id']}.json"
        f.write_text(json.dumps(t))
        files.append(f)
    add_files(Registry(root), files)
    return root


def test_a_second_registry_pools_by_its_own_characteristic(mortality_registry: Path) -> None:
    ans = answer(Registry(mortality_registry), Question("mortality", by="setting"))
    assert [name for name, _ in ans.subgroups] == ["hospital", "community"]  # the profile's order
    assert ans.k == 3 and ans.estimate < 1
    assert ans.labels.intervention == "Treatment" and ans.labels.direction == "higher_is_worse"


def test_its_studies_view_has_a_column_per_characteristic(mortality_registry: Path) -> None:
    from evireg.index.query import run_query

    res = run_query(Registry(mortality_registry), "select study_id, setting from studies order by 1")
    assert res.rows == [("alpha-2001", "hospital"), ("beta-2003", "hospital"), ("gamma-2005", "community")]
    res = run_query(Registry(mortality_registry),
                    "select characteristic, value, source_id from study_characteristics order by study_id")
    assert res.rows[0] == ("setting", "hospital", "synthetic")


def test_the_forest_plot_favours_sides_come_from_the_profile(mortality_registry: Path) -> None:
    pytest.importorskip("matplotlib")
    import matplotlib.pyplot as plt

    from evireg.plots import forest_figure

    ans = answer(Registry(mortality_registry), Question("mortality", by="setting"))
    fig = forest_figure(ans)
    try:
        texts = {t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text"))}
    finally:
        plt.close(fig)
    # mortality: higher is worse, so an OR below 1 (the left) favours the intervention
    assert {"Favours Treatment", "Favours Usual care", "Treatment", "Usual care"} <= texts
    assert not any("IVIG" in t for t in texts)


def test_an_unknown_outcome_or_subgroup_variable_names_the_valid_ones(mortality_registry: Path) -> None:
    reg = Registry(mortality_registry)
    with pytest.raises(InvalidOption, match="did you mean 'mortality'") as e:
        answer(reg, Question("mortalty"))
    assert e.value.choices == ["mortality"]
    with pytest.raises(InvalidOption, match="setting"):
        answer(reg, Question("mortality", by="settings"))


def test_records_are_checked_against_the_profile(mortality_registry: Path, tmp_path: Path) -> None:
    bad = copy.deepcopy(TRIALS[0])
    bad["id"] = "delta-2007"
    bad["characteristics"] = {"setting": "clinic", "settng": "hospital"}
    bad["outcomes"][0]["outcome"] = "live_birth"
    f = tmp_path / "delta-2007.json"
    f.write_text(json.dumps(bad))
    with pytest.raises(UserError) as e:
        add_files(Registry(mortality_registry), [f])
    messages = {p.path: p.message for p in e.value.problems}
    assert "unknown value of setting 'clinic'" in messages["characteristics.setting"]
    assert "did you mean 'setting'" in messages["characteristics.settng"]
    assert "mortality" in messages["outcomes.0.outcome"]


def test_a_registry_without_a_profile_is_refused_with_the_way_out(tmp_path: Path) -> None:
    root = tmp_path / "bare"
    init_registry(root)
    (root / "evireg.yaml").unlink(missing_ok=True)
    with pytest.raises(UserError, match="evireg init"):
        load_profile(Registry(root))


def test_an_invalid_profile_names_each_problem(tmp_path: Path) -> None:
    root = tmp_path / "bad"
    init_registry(root)
    (root / "evireg.yaml").write_text(PROFILE.replace("values: [hospital, community]", "values: []")
                                      .replace("direction: higher_is_worse", "direction: worse"))
    with pytest.raises(UserError) as e:
        load_profile(Registry(root))
    paths = {p.path for p in e.value.problems}
    assert "outcomes.0.direction" in paths and "characteristics.0" in paths


def test_the_bundled_profile_is_the_agreed_format() -> None:
    p = load_profile(Registry(REGISTRY))
    assert isinstance(p, Profile)
    rmc = p.characteristic("rmc_type")
    assert rmc is not None and rmc.subgroup_values == ("primary", "secondary")
    assert p.arms.intervention == "IVIG" and p.outcome("live_birth") is not None


def test_the_package_holds_no_review_topic() -> None:
    found = subprocess.run(["grep", "-rliE", "miscarriage|ivig|rmc", str(ROOT / "src")],
                           capture_output=True, text=True).stdout.split()
    # cli/ is being split (another branch) and still asks for the bundled topic; drop this
    # exclusion once the guided entry asks what the profile declares.
    found = [f for f in found if not re.search(r"[/\\]cli[/\\]", f) and "__pycache__" not in f]
    assert found == []

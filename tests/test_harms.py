"""Harms recorded as trials report them (issue 19): the record's checks, the `adverse_events` view,
harm outcomes made of harms records, the report's harms table, the audit of the review's
adverse-reaction claim, and harm outcomes recognised when a Cochrane review is imported."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

import evireg
from evireg.cli.main import app
from evireg.registry.paths import Registry
from evireg.registry.profile import load_profile
from evireg.registry.validate import validate_data

from .conftest import REGISTRY, ROOT

PROFILE = load_profile(Registry(REGISTRY))
PEERO = yaml.safe_load((REGISTRY / "studies" / "peero-2024.yaml").read_text())


def _problems(harms: list[dict[str, Any]]) -> list[tuple[str, str]]:
    data = copy.deepcopy(PEERO)
    data["harms"] = harms
    _, problems = validate_data(data, "peero-2024.yaml", kind="study", profile=PROFILE)
    return [(p.path, p.message) for p in problems]


def arm(name: str, participants: int | None = None, at_risk: int | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"arm": name}
    if participants is not None:
        out["participants"] = participants
    if at_risk is not None:
        out["at_risk"] = at_risk
    return out


HARM = {"term": "headache", "seriousness": "non_serious", "who": "mother", "source": "yiyunmed",
        "locator": "abstract"}  # fmt: skip


def test_a_counted_harm_is_valid() -> None:
    arms = [arm("ivig", 3, 49), arm("control", 1, 94)]
    assert _problems([{**HARM, "arms": arms}]) == []


@pytest.mark.parametrize(
    ("change", "path", "words"),
    [
        ({"arms": []}, "harms.0", "give its `quote`"),
        ({"quote": "none", "arms": [{"arm": "ivig", "participants": 0, "at_risk": 49}]},
         "harms.0.arms.0.derivation", "needs its derivation"),
        ({"arms": [arm("placebo", 1, 5)]}, "harms.0.arms.0.arm", "unknown arm"),
        ({"arms": [arm("ivig", 50, 49)]}, "harms.0.arms.0.participants", "exceed"),
        ({"arms": [arm("ivig")], "quote": "x"}, "harms.0.arms.0.reason", "say why"),
        ({"who": "father", "quote": "x"}, "harms.0.who", "unknown harm population"),
        ({"source": "nowhere", "quote": "x"}, "harms.0.source", "unknown source"),
        ({"seriousness": "grave", "quote": "x"}, "harms.0.seriousness", ""),
    ],
)  # fmt: skip
def test_a_bad_harm_is_refused_with_its_field(change: dict[str, Any], path: str, words: str) -> None:
    problems = _problems([{**HARM, **change}])
    assert any(p == path and words in m for p, m in problems), problems


def test_the_bundled_registry_holds_the_harms_its_sources_state() -> None:
    reg = evireg.open(REGISTRY)
    rows = reg.fetch(
        "select study_id, arm, term, who, participants_with_event, at_risk, quote, source_id, locator "
        "from adverse_events order by study_id, term, arm"
    ).rows
    peero = [r for r in rows if r[0] == "peero-2024" and r[2] == "serious adverse events"]
    assert {(r[1], r[4], r[5]) for r in peero} == {("ivig", 0, 49), ("control", None, None)}
    said = "There were no serious adverse events with IVIg."
    assert all(r[6] == said and r[7] == "yiyunmed" for r in peero)
    yamada = [r for r in rows if r[0] == "yamada-2022"]
    want = {("ivig", "newborn", 4, None), ("placebo", "newborn", 0, None)}
    assert {(r[1], r[3], r[4], r[5]) for r in yamada} == want
    assert all(r[7] == "tsudanuma-blog" and r[8] for r in yamada)
    # every other study says what was searched for harms
    searched = reg.fetch("select study_id from missing_data where what = 'harms'").rows
    assert len(searched) == 9


def test_report_prints_the_harms_table() -> None:
    r = CliRunner().invoke(app, ["report"], env={"EVIREG_REGISTRY": "", "COLUMNS": "200"})
    assert r.exit_code == 0
    assert "Harms: what each study reports" in r.output
    assert "0/49" in r.output and "4/?" in r.output and "none recorded" in r.output
    rep = evireg.open(REGISTRY).report().to_dict()
    peero = next(h for h in rep["harms"] if h["study"] == "peero-2024")
    assert peero["harms"][0]["arms"][0]["participants"] == 0


def test_audit_explains_the_adverse_reaction_claim() -> None:
    a = evireg.open(REGISTRY).audit()
    claim = next(c for c in a.claims if c.outcome == "adverse_reaction")
    assert claim.verdict == "not_recomputable"
    text = "\n".join(claim.harms)
    assert "harms of mother" in text
    assert "peero-2024: serious adverse events (serious), ivig 0/49" in text and "no two-arm count" in text
    assert "yamada-2022: records congenital anomaly (newborn), which this outcome does not count" in text
    assert "no harm recorded for 9 studies" in text and "cannot be recomputed" in text


def _add_harms(root: Path, study: str, harms: list[dict[str, Any]]) -> None:
    path = root / "studies" / f"{study}.yaml"
    data = yaml.safe_load(path.read_text())
    data["harms"] = harms
    data.pop("harms_not_reported", None)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))


def test_a_harm_outcome_pools_the_one_harm_that_fits(bundled_copy: Path) -> None:
    fever = {**HARM, "term": "fever", "source": "pubmed", "locator": "synthetic test value",
             "arms": [arm("ivig", 6, 42), arm("placebo", 2, 40)]}  # fmt: skip
    _add_harms(bundled_copy, "christiansen-2015", [fever])
    ans = evireg.open(bundled_copy).pool("adverse_reaction")
    assert [i.study for i in ans.inputs] == ["christiansen-2015"]
    v = ans.inputs[0].values
    assert (v["events_treat"], v["total_treat"], v["events_ctrl"], v["total_ctrl"]) == (6, 42, 2, 40)
    assert ans.overall is not None and ans.overall.estimate == pytest.approx((6 / 36) / (2 / 38))
    assert "from the harms record" in (ans.inputs[0].derivation or "")
    # two harms that fit would count some women twice: neither is used
    headache = {**copy.deepcopy(fever), "term": "headache"}  # its own lists: YAML aliases are refused
    _add_harms(bundled_copy, "christiansen-2015", [fever, headache])
    assert evireg.open(bundled_copy).pool("adverse_reaction").inputs == []


def test_imported_adverse_event_analyses_become_harm_outcomes(tmp_path: Path) -> None:
    from evireg.interop.imported_records import harm_selector

    assert harm_selector("Any adverse event") is not None
    assert harm_selector("Serious adverse events")["seriousness"] == ["serious"]  # type: ignore[index]
    assert harm_selector("Non-serious adverse events").get("seriousness") is None  # type: ignore[union-attr]
    assert harm_selector("Live birth") is None and harm_selector("Miscarriage") is None
    reg = evireg.init(tmp_path / "reg")
    data = ROOT / "tests" / "data" / "cochrane" / "CD000478_pub5.csv"
    args = ["import", "cochrane", str(data), "-r", str(reg.root)]
    r = CliRunner().invoke(app, args, env={"EVIREG_REGISTRY": ""})
    assert r.exit_code == 0, r.output
    profile = evireg.open(reg.root).profile()
    harms = [o for o in profile.outcomes if o.harm is not None]
    assert harms and all("adverse event" in o.label.lower() for o in harms)
    assert all("inferred from the analysis name" in (o.harm.inferred or "") for o in harms if o.harm)
    others = [o for o in profile.outcomes if o.harm is None]
    assert others and not any("adverse" in o.label.lower() for o in others)
    # the report's harms table lists the imported adverse-event results, per study and arm
    rep = evireg.open(reg.root).report()
    rows = [h for st in rep.harms for h in st.harms]
    assert rows and all(h.outcome is not None for h in rows)
    assert all(any(h.term.startswith(o.label) for o in harms) for h in rows)  # label (subgroup)
    assert all(len(h.arms) == 2 and all(a.participants is not None for a in h.arms) for h in rows)

"""`evireg sof`: the GRADE summary of findings of a review, against hand computations."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import evireg
from evireg.records.review import GRADE_DOMAINS, GRADE_RATINGS, Review, review_errors
from evireg.render import sof as render_sof
from evireg.review import sof as sof_module
from evireg.review.certainty import RATINGS
from evireg.review.sof import SummaryOfFindings, build_sof, overall_rob

# The control arms of the 8 studies pooled for live birth (the report's forest plot): events/total.
LIVE_BIRTH_CONTROL = {
    "christiansen-1995": (5, 17),
    "christiansen-2002": (13, 29),
    "christiansen-2015": (20, 40),
    "coulam-1995": (11, 32),
    "jablonowska-1999": (15, 19),
    "peero-2024": (32, 94),
    "stephenson-2010": (15, 24),
    "yamada-2022": (17, 49),
}


@pytest.fixture(scope="module")
def bundled() -> SummaryOfFindings:
    return evireg.open().sof()


def _row(sof: SummaryOfFindings, analysis: str, subgroup: str | None = None) -> Any:
    return next(r for r in sof.rows if r.analysis_id == analysis and r.subgroup == subgroup)


def test_bundled_review_lists_its_outcomes_with_certainty_and_reasons(bundled: SummaryOfFindings) -> None:
    ids = [(r.analysis_id, r.subgroup) for r in bundled.rows]
    # the subgroup analysis gives a row per subgroup the review published a result for
    assert ids == [
        ("live-birth", None),
        ("live-birth-by-rmc-type", "primary"),
        ("live-birth-by-rmc-type", "secondary"),
        ("miscarriage", None),
        ("adverse-reactions", None),
    ]
    for analysis in ("live-birth", "miscarriage"):
        c = _row(bundled, analysis).certainty
        assert c is not None and c.rating in RATINGS and c.source == "suggested from the data"
        assert [d.domain for d in c.domains] == list(GRADE_DOMAINS)
        assert all(d.reason for d in c.domains)
    live = _row(bundled, "live-birth")
    # the curators' assessments: 35% of the weight at high risk, the rest with some concerns
    assert live.certainty.rating == "low" and live.certainty.symbols == "⊕⊕◯◯"
    assert live.certainty.domains[0].levels == 1 and "35% of the weight from studies at high risk" in (
        live.certainty.domains[0].reason
    )
    assert "optimal information size of 652" in live.certainty.domains[3].reason
    assert live.published is not None and (live.published.estimate, live.published.ci_high) == (
        "2.24",
        "2.98",
    )
    # adverse reactions: no study's counts are in the registry; rated from the published result
    # alone, and labelled so: risk of bias -2 (nothing can be checked), imprecision -1 (the CI
    # 1.01 to 19.81 reaches from a trivial to an appreciable harm)
    adverse = _row(bundled, "adverse-reactions")
    assert adverse.estimate is None and adverse.k == 0 and adverse.not_rated is None
    c = adverse.certainty
    assert c is not None and c.rating == "very low" and "published result" in c.source
    assert [d.levels for d in c.domains] == [2, 0, 0, 1, 0]
    assert "trivial effect" in c.domains[3].reason
    assert "not recomputable" in adverse.notes[0] and "stephenson-2010" in adverse.notes[0]
    assert adverse.published is not None and adverse.published.estimate == "4.47"


def test_live_birth_absolute_effects_match_a_hand_computation(bundled: SummaryOfFindings) -> None:
    row = _row(bundled, "live-birth")
    assert sorted(row.studies) == sorted(LIVE_BIRTH_CONTROL)
    events = sum(e for e, _ in LIVE_BIRTH_CONTROL.values())
    total = sum(n for _, n in LIVE_BIRTH_CONTROL.values())
    acr = events / total  # 128/304
    assert (events, total) == (128, 304)
    # the pooled OR is the Mantel-Haenszel fixed-effect one the report shows: 2.04 [1.44, 2.87]
    assert (round(row.estimate, 2), round(row.ci_low, 2), round(row.ci_high, 2)) == (2.04, 1.44, 2.87)

    def risk(odds_ratio: float) -> float:  # Handbook 14.1.5.1
        return odds_ratio * acr / (1 - acr + odds_ratio * acr)

    a = row.absolute
    assert a is not None and math.isclose(a.control_risk, acr)
    assert a.assumed == round(1000 * acr) == 421
    assert a.corresponding == round(1000 * risk(row.estimate)) == 597
    assert (
        (a.ci_low, a.ci_high)
        == (round(1000 * risk(row.ci_low)), round(1000 * risk(row.ci_high)))
        == (512, 676)
    )
    assert a.difference == round(1000 * (risk(row.estimate) - acr)) == 176
    assert row.participants == 565 and row.k == 8
    assert "128/304" in a.basis


def test_subgroup_rows_use_their_own_studies(bundled: SummaryOfFindings) -> None:
    primary = _row(bundled, "live-birth-by-rmc-type", "primary")
    assert primary.studies == ["yamada-2022"] and primary.participants == 99
    assert primary.absolute is not None and primary.absolute.assumed == round(1000 * 17 / 49)
    # a study enrolled in neither subgroup is not "missing" from one
    assert not primary.no_data


RATING = """\
certainty:
- analysis: live-birth
  rating: low
  downgrades:
  - domain: risk_of_bias
    levels: 1
    reason: most of the weight from trials with some concerns
  - domain: imprecision
    levels: 1
    reason: fewer participants than the optimal information size
  assumed_risk: 0.5
"""


def test_a_review_rating_overrides_the_suggestion(bundled_copy: Path) -> None:
    review = bundled_copy / "reviews" / "gao-2025.yaml"
    review.write_text(review.read_text(encoding="utf-8") + RATING, encoding="utf-8")
    sof = build_sof(evireg.open(bundled_copy).paths)
    row = _row(sof, "live-birth")
    assert row.certainty is not None and row.certainty.rating == "low"
    assert row.certainty.source == "the review's rating"
    # the suggestion, kept beside it, uses the stated control risk too: at 50% the optimal
    # information size (488) is below the 565 participants, so imprecision is not serious
    assert row.suggested is not None and row.suggested.rating == "moderate"
    levels = {d.domain: d.levels for d in row.certainty.domains}
    assert levels == {"risk_of_bias": 1, "inconsistency": 0, "indirectness": 0, "imprecision": 1,
                      "publication_bias": 0}  # fmt: skip
    # the stated control risk replaces the control arms' 128/304
    assert row.absolute is not None and row.absolute.assumed == 500
    assert row.absolute.basis == "the control risk the review states"
    # the other rows keep their suggestions
    assert _row(sof, "miscarriage").certainty.source == "suggested from the data"
    md = render_sof.markdown(sof)
    assert "⊕⊕◯◯ Low [" in md and "(suggested)" in md
    assert "  - suggested from the data: moderate ⊕⊕⊕◯" in md


def _review(**certainty: Any) -> Review:
    from evireg.records.yamlio import parse_file

    raw = parse_file(evireg.open().root / "reviews" / "gao-2025.yaml").data
    raw["certainty"] = [certainty]
    return Review.model_validate(raw, context={"defer_semantic": True})


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"analysis": "nope", "rating": "high"}, "unknown analysis 'nope'"),
        ({"analysis": "live-birth", "rating": "low"}, "high less the downgrades gives 'high'"),
        ({"analysis": "live-birth-by-rmc-type", "rating": "high"}, "give subgroup_value exactly"),
        (
            {
                "analysis": "live-birth",
                "rating": "low",
                "downgrades": [
                    {"domain": "imprecision", "levels": 1, "reason": "x"},
                    {"domain": "imprecision", "levels": 1, "reason": "y"},
                ],
            },
            "domain 'imprecision' listed twice",
        ),
    ],
)
def test_review_ratings_are_checked(entry: dict[str, Any], message: str) -> None:
    errors = review_errors(_review(**entry))
    assert any(message in m for _, m in errors), errors


def test_a_rating_that_differs_from_its_downgrades_needs_a_note() -> None:
    entry = {"analysis": "live-birth", "rating": "high", "downgrades": [
        {"domain": "imprecision", "levels": 1, "reason": "wide CI"}]}  # fmt: skip
    assert any("gives 'moderate'" in m for _, m in review_errors(_review(**entry)))
    assert not review_errors(_review(**entry, note="rated up one level for a large effect"))
    assert not review_errors(_review(analysis="miscarriage", rating="very_low", downgrades=[
        {"domain": "imprecision", "levels": 2, "reason": "x"},
        {"domain": "risk_of_bias", "levels": 2, "reason": "y"}]))  # fmt: skip


def test_the_review_file_vocabulary_is_certainty_py_s() -> None:
    assert [r.replace("_", " ") for r in GRADE_RATINGS] == list(RATINGS)
    import evireg.stats as stats
    from evireg.review.certainty import suggest

    res = stats.pool([5, 6], [20, 20], [4, 5], [20, 20], measure="OR", labels=["a", "b"])
    c = suggest(res, ratio=True, participants=80, acr=0.2, overall_rob={}, egger=None)
    assert tuple(d.domain for d in c.domains) == GRADE_DOMAINS


def test_overall_risk_of_bias_is_read_from_the_view_and_absent_without_it() -> None:
    import duckdb

    con = duckdb.connect()
    assert overall_rob(con, "live_birth") == {}  # an index without the view: nothing recorded
    con.execute(
        "CREATE VIEW risk_of_bias AS SELECT * FROM (VALUES "
        "('a', 'live_birth', 'overall', 'high'), ('a', 'live_birth', 'randomization', 'high'), "
        "('b', 'live_birth', 'overall', 'some_concerns'), ('c', 'miscarriage', 'overall', 'low')) "
        "t(study_id, outcome, domain, judgement)"
    )
    assert overall_rob(con, "live_birth") == {"a": "high", "b": "some_concerns"}


def test_risk_of_bias_judgements_rate_the_suggestion_down(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        sof_module, "overall_rob", lambda con, outcome: dict.fromkeys(LIVE_BIRTH_CONTROL, "high")
    )
    row = _row(evireg.open().sof(), "live-birth")
    rob = row.certainty.domains[0]
    assert rob.levels == 2 and rob.reason.startswith("very serious: 100% of the weight from studies at high")
    assert row.certainty.rating == "very low"


def test_json_and_markdown(bundled: SummaryOfFindings) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "evireg", "sof", "--format", "json"],
        capture_output=True,
        text=True,
        check=True,
    )
    doc = json.loads(out.stdout)
    assert doc["review"] == "gao-2025" and doc["intervention"] == "IVIG"
    live = doc["rows"][0]
    assert set(live) >= {"analysis", "outcome", "subgroup", "measure", "relative_effect", "published",
                         "absolute", "participants", "studies", "certainty", "suggested", "no_data", "notes",
                         "not_rated", "method_notes"}  # fmt: skip
    assert live["absolute"]["corresponding_per_1000"] == 597
    assert live["absolute"]["corresponding_ci_per_1000"] == [512, 676]
    assert live["certainty"]["symbols"] == "⊕⊕◯◯" and live["suggested"] is None
    assert [d["domain"] for d in live["certainty"]["domains"]] == list(GRADE_DOMAINS)
    assert doc["rows"][-1]["certainty"]["rating"] == "very low" and doc["rows"][-1]["not_rated"] is None
    assert doc == json.loads(json.dumps(bundled.to_dict()))

    md = render_sof.markdown(bundled)
    header = next(line for line in md.splitlines() if line.startswith("| Outcomes"))
    assert header.count("|") == 8 and "Risk with IVIG*" in header and "Certainty of the evidence" in header
    live_line = next(line for line in md.splitlines() if line.startswith("| Live birth [live-birth]"))
    assert "597 per 1,000 (512 to 676)" in live_line and "OR 2.04 (1.44 to 2.87)" in live_line
    assert "⊕⊕◯◯ Low (suggested) [a] [b]" in live_line
    assert "[a] Risk of bias: serious: 35% of the weight" in md
    assert "[b] Imprecision: serious: 565 participants" in md
    assert "Adverse reaction [adverse-reactions]: very low (suggested from the published result" in md


def test_continuous_outcomes_give_the_mean_difference_in_words() -> None:
    from evireg.review.sof import mean_difference_words
    from evireg.stats import pool_continuous

    res = pool_continuous(
        [3200, 3100], [400, 420], [50, 60], [3000, 3050], [410, 400], [50, 60], measure="MD"
    )
    text = mean_difference_words("MD", res, "Birth weight", "g")
    assert text is not None and text.startswith(f"The mean birth weight was {res.estimate:.2f} g higher")
    assert f"({abs(res.ci_low):.2f} g {'higher' if res.ci_low > 0 else 'lower'} to" in text
    assert mean_difference_words("OR", res, "x", None) is None


def test_risk_ratio_and_risk_difference_absolute_effects() -> None:
    from evireg.review.question import Input
    from evireg.review.sof import absolute_effect
    from evireg.stats import pool

    counts = {"events_treat": 10, "total_treat": 100, "events_ctrl": 20, "total_ctrl": 100}
    inputs = [Input("a", None, counts, "s", "l", None)]
    rr = pool([10], [100], [20], [100], measure="RR")
    a = absolute_effect("RR", rr, inputs, None)
    assert a is not None and (a.assumed, a.corresponding) == (200, 100) and a.difference == -100
    assert (a.ci_low, a.ci_high) == (round(200 * rr.ci_low), round(200 * rr.ci_high))
    rd = pool([10], [100], [20], [100], measure="RD")
    b = absolute_effect("RD", rd, inputs, 0.3)
    assert b is not None and (b.assumed, b.corresponding, b.difference) == (300, 200, -100)
    assert absolute_effect("MD", rd, inputs, None) is None

"""What missing studies would have to show: the algebra, its edge cases, and the bundled audit."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from evireg.cli.app import app
from evireg.registry.paths import Registry
from evireg.review.audit import audit
from evireg.review.missing import implied_block, printed_scale, smallest_log_or_se
from evireg.stats import pool_generic

from .conftest import copy_registry

REGISTRY = Path(__file__).resolve().parents[1] / "registry"


def _iv(yi: list[float], vi: list[float]) -> tuple[float, float]:
    r = pool_generic(yi, vi, measure="OR", model="fixed")
    return r.log_estimate, r.se


def test_the_block_of_removed_studies_is_their_own_iv_pool() -> None:
    yi = [0.2, -0.4, 1.1, 0.5, 0.9]
    vi = [0.04, 0.25, 0.5, 0.09, 0.16]
    theta_p, se_p = _iv(yi, vi)
    theta_k, se_k = _iv(yi[:2], vi[:2])
    block = implied_block(theta_p, se_p, theta_k, se_k)
    assert block is not None
    # closed form of the removed studies' IV pool
    w = [1 / v for v in vi[2:]]
    theta_m = sum(wi * y for wi, y in zip(w, yi[2:], strict=True)) / sum(w)
    assert block[0] == pytest.approx(theta_m, rel=1e-12)
    assert block[1] == pytest.approx(1 / math.sqrt(sum(w)), rel=1e-12)


def test_without_known_studies_the_block_is_the_printed_result() -> None:
    assert implied_block(0.7, 0.3, None, None) == pytest.approx((0.7, 0.3))


def test_a_printed_ci_no_narrower_than_the_known_studies_gives_no_block() -> None:
    assert implied_block(0.5, 0.30, 0.4, 0.25) is None  # printed SE above the known studies'
    assert implied_block(0.5, 0.25, 0.4, 0.25) is None  # equal: nothing left for the others


def test_smallest_se_of_a_log_odds_ratio() -> None:
    assert smallest_log_or_se(100, 100) == pytest.approx(math.sqrt(0.08))
    # Woolf's variance at any other event rate is larger
    for p in (0.1, 0.3, 0.49, 0.7):
        assert math.sqrt(2 / (100 * p * (1 - p))) > smallest_log_or_se(100, 100)
    # one trial of all the participants beats any split of them into two trials
    split = 1 / (1 / smallest_log_or_se(30, 50) ** 2 + 1 / smallest_log_or_se(70, 40) ** 2)
    assert math.sqrt(split) >= smallest_log_or_se(100, 90)


def test_printed_scale_reads_a_ratio_ci_on_the_log_scale() -> None:
    scale = printed_scale("2.24", "1.68", "2.98", ratio=True)
    assert scale is not None
    theta, se, se_min, se_max = scale
    assert theta == pytest.approx(math.log(2.24))
    assert se == pytest.approx((math.log(2.98) - math.log(1.68)) / (2 * 1.959963984540054))
    assert se_min < se < se_max


def _bundled_claims() -> dict[str, dict[str, object]]:
    rep = audit(Registry(REGISTRY))
    return {c.claim_id: c.to_dict() for c in rep.claims}


def test_the_bundled_live_birth_claim_needs_a_strong_block_from_its_missing_trials() -> None:
    m = _bundled_claims()["live-birth-overall"]["missing_would_show"]
    assert isinstance(m, dict) and m["inference"] is True
    assert m["missing_studies"] == ["carp-2001", "jafarzadeh-2019", "jorgensen-2020"]
    assert m["known"]["k"] == 8
    # the printed 391/451 minus the 261/304 the other eight studies count in their results
    assert m["participants"] == {
        "intervention": 130,
        "control": 147,
        "bound": "at_most",
        "source": m["participants"]["source"],
    }
    assert "391" in m["participants"]["source"] and "451" in m["participants"]["source"]
    w = m["would_show"]
    theta_p, se_p = math.log(2.24), m["printed"]["se"]
    theta_k, se_k = m["known"]["iv"]["theta"], m["known"]["iv"]["se"]
    w_m = 1 / se_p**2 - 1 / se_k**2
    assert w["se"] == pytest.approx(w_m**-0.5)
    assert w["theta"] == pytest.approx((theta_p / se_p**2 - theta_k / se_k**2) / w_m)
    assert w["estimate"] == pytest.approx(2.72, abs=0.01)
    assert w["ci_low"] == pytest.approx(1.64, abs=0.01) and w["ci_high"] == pytest.approx(4.49, abs=0.01)
    assert m["smallest_se"] == pytest.approx(math.sqrt(4 / 130 + 4 / 147))
    assert m["possible"] is True and "would have to" in m["verdict"]
    assert abs(m["known"]["iv_minus_mh"]) < 0.01  # the IV approximation of the MH pool is close
    assert m["known"]["block_if_mh"]["theta"] == pytest.approx(w["theta"], abs=0.05)  # log scale
    assert "inverse-variance" in m["note"]


def test_the_bundled_miscarriage_claim_is_wider_than_its_known_studies() -> None:
    m = _bundled_claims()["miscarriage"]["missing_would_show"]
    assert isinstance(m, dict)
    assert m["would_show"] is None and m["possible"] is False
    assert m["printed"]["se"] > m["known"]["iv"]["se"]
    assert "cannot be a fixed-effect pool" in m["verdict"]


def test_every_bundled_claim_says_what_its_missing_studies_would_show() -> None:
    claims = _bundled_claims()
    assert all(c["missing_would_show"] is not None for c in claims.values())
    adverse = claims["adverse-reactions"]["missing_would_show"]
    assert isinstance(adverse, dict) and adverse["known"] is None
    assert adverse["participants"]["intervention"] == 391 and adverse["participants"]["control"] == 451


def test_claims_that_are_recomputed_have_none(tmp_path: Path) -> None:
    root = copy_registry("reproduces", tmp_path)
    r = CliRunner().invoke(app, ["audit", "--format", "json", "-r", str(root)])
    assert r.exit_code == 0, r.stderr
    assert [c["missing_would_show"] for c in json.loads(r.stdout)["claims"]] == [None, None]


def test_own_arm_sizes_are_used_when_the_registry_knows_them(tmp_path: Path) -> None:
    (c,) = audit(Registry(copy_registry("missing", tmp_path)), "test-review").claims
    m = c.missing_would_show
    assert m is not None and m.participants is not None and m.participants.exact
    assert m.summary.startswith("inference: the 1 missing study would have to show OR")


def test_the_human_audit_has_one_inference_line_per_claim() -> None:
    r = CliRunner().invoke(app, ["audit", "--format", "markdown", "-r", str(REGISTRY)])
    assert r.exit_code == 0, r.stderr
    lines = [ln for ln in r.stdout.splitlines() if ln.startswith("- inference:")]
    assert len(lines) == 5
    assert "OR 2.72 [1.64, 4.49]" in lines[0] and "at most 130 + 147 participants" in lines[0]


studies = st.lists(
    st.tuples(st.floats(-3, 3), st.floats(0.01, 4.0)), min_size=2, max_size=12
)


# heterogeneity statistics of near-identical estimates can overflow (I2 from a Q near 0); the
# pooled estimate and SE tested here do not depend on them
@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@settings(max_examples=200, deadline=None)
@given(studies, st.data())
def test_recovered_block_equals_the_block_pooled_directly(
    rows: list[tuple[float, float]], data: st.DataObject
) -> None:
    k = len(rows)
    removed = data.draw(st.sets(st.integers(0, k - 1), min_size=1, max_size=k - 1))
    kept = [i for i in range(k) if i not in removed]
    yi, vi = [r[0] for r in rows], [r[1] for r in rows]
    theta_p, se_p = _iv(yi, vi)
    theta_k, se_k = _iv([yi[i] for i in kept], [vi[i] for i in kept])
    theta_m, se_m = _iv([yi[i] for i in sorted(removed)], [vi[i] for i in sorted(removed)])
    block = implied_block(theta_p, se_p, theta_k, se_k)
    assert block is not None
    assert math.isclose(block[0], theta_m, rel_tol=1e-9, abs_tol=1e-9)
    assert math.isclose(block[1], se_m, rel_tol=1e-9, abs_tol=1e-9)

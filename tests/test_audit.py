"""Audit verdicts on purpose-built registries; claims' self-consistency; printed totals."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from evireg.cli.app import app
from evireg.registry.paths import Registry
from evireg.review.audit import audit
from evireg.review.claimcheck import check_ratio_claim, matches_printed, p_interval

from .conftest import copy_registry


def test_claims_that_follow_from_the_data_are_reproduced(tmp_path: Path) -> None:
    rep = audit(Registry(copy_registry("reproduces", tmp_path)), "test-review")
    assert [(c.claim_id, c.verdict) for c in rep.claims] == [
        ("overall", "reproduced"),
        ("primary", "reproduced"),
    ]
    assert all(c.consistency.consistent for c in rep.claims)
    assert rep.clean
    assert rep.claims[0].recomputed is not None and rep.claims[0].recomputed.k == 3


def test_a_claim_that_does_not_follow_differs(tmp_path: Path) -> None:
    rep = audit(Registry(copy_registry("differs", tmp_path)), "test-review")
    (c,) = rep.claims
    assert c.verdict == "differs"
    assert c.recomputed is not None and c.recomputed.matches["estimate"] is False
    assert c.differences["estimate"] == pytest.approx(-0.30, abs=0.006)
    assert not rep.clean


def test_an_internally_inconsistent_claim_is_flagged(tmp_path: Path) -> None:
    rep = audit(Registry(copy_registry("inconsistent", tmp_path)), "test-review")
    (c,) = rep.claims
    assert c.consistency.consistent is False
    assert "includes 1" in c.consistency.note


def test_missing_data_makes_a_claim_not_recomputable(tmp_path: Path) -> None:
    rep = audit(Registry(copy_registry("missing", tmp_path)), "test-review")
    (c,) = rep.claims
    assert c.verdict == "not_recomputable" and c.missing_studies == ["delta-2012"]
    assert rep.totals.published["studies"] is None
    assert rep.totals.registry["studies"] == 4


def test_audit_json_contract(tmp_path: Path) -> None:
    root = copy_registry("inconsistent", tmp_path)
    r = CliRunner().invoke(app, ["audit", "--format", "json", "-r", str(root)])
    assert r.exit_code == 0, r.stderr
    d = json.loads(r.stdout)
    assert set(d) >= {"review", "claims", "totals"}
    c = d["claims"][0]
    assert set(c) >= {
        "claim_id",
        "analysis_id",
        "outcome",
        "subgroup",
        "published",
        "recomputed",
        "verdict",
        "consistency",
        "missing_studies",
    }
    assert set(c["published"]) == {"estimate", "ci_low", "ci_high", "z", "p"}
    assert set(c["recomputed"]) >= {"estimate", "ci_low", "ci_high", "z", "p", "k", "method", "model"}
    assert set(c["consistency"]) >= {"implied_z", "implied_p", "consistent", "note"}


def test_strict_exit_codes(tmp_path: Path) -> None:
    runner = CliRunner()
    ok = runner.invoke(app, ["audit", "--strict", "-r", str(copy_registry("reproduces", tmp_path))])
    assert ok.exit_code == 0, ok.stderr
    bad = runner.invoke(app, ["audit", "--strict", "-r", str(copy_registry("differs", tmp_path))])
    assert bad.exit_code == 1 and "--strict" in bad.stderr
    plain = runner.invoke(app, ["audit", "-r", str(copy_registry("inconsistent", tmp_path))])
    assert plain.exit_code == 0


def test_printed_rounding_and_p_reading() -> None:
    assert matches_printed(2.2449, "2.24") and matches_printed(2.2351, "2.24")
    assert not matches_printed(2.2551, "2.24")
    assert matches_printed(1.5, "1.50") and not matches_printed(1.52, "1.50")
    assert p_interval("P<0.00001") == (0.0, 0.00001)
    lo, hi = p_interval("P = 0.04") or (0, 0)
    assert lo == pytest.approx(0.035) and hi == pytest.approx(0.045)
    assert p_interval("p>0.05") == (0.05, 1.0)
    assert p_interval("not a p") is None


def test_altman_bland_worked_example() -> None:
    """Altman & Bland, BMJ 2011;343:d2090, ratio example (Lindblad 1994): RR 0.30 with P=0.034
    gives z = 2.117, SE(log RR) = 0.569 and a 95% CI of 0.10 to 0.90. Run backwards (d2304), that
    printed CI must be consistent with P=0.034 and imply a z near 2.1."""
    c = check_ratio_claim("0.30", "0.10", "0.90", None, "P=0.034")
    assert c.consistent
    lo, hi = c.implied_z_range or (0, 0)
    assert lo < 2.117 < hi
    assert c.se == pytest.approx(0.569, abs=0.02)


def test_gao_secondary_claim_is_inconsistent() -> None:
    c = check_ratio_claim("1.50", "0.98", "2.30", "1.96", "P=0.04")
    assert c.consistent is False
    lo, hi = c.implied_z_range or (0, 0)
    assert 1.80 < lo < hi < 1.90

"""BCG trials pooled as Stata's `metan` prints them.

The expected values are Stata metan results on dat.bcg as recorded (to 4 decimals) in metafor's
own test suite, files tests/testthat/test_misc_metan_vs_rma.{uni,mh,peto}_with_dat.bcg.r
(wviechtb/metafor). Stata is a third implementation, independent of evireg and of R.
"""

from __future__ import annotations

import csv
import math

import pytest

from evireg.stats import pool

from .conftest import FIXTURES

with (FIXTURES / "pooling" / "bcg.csv").open() as fh:
    ROWS = list(csv.DictReader(fh))
COUNTS = [[int(r[c]) for r in ROWS] for c in ("events_treat", "total_treat", "events_ctrl", "total_ctrl")]
TOL = 5e-5  # the values are printed to 4 decimals


@pytest.mark.parametrize(
    ("method", "measure", "model", "beta", "lo", "hi", "z", "q"),
    [
        ("IV", "RR", "fixed", -0.4303, -0.5097, -0.3509, -10.6247, 152.2330),
        ("IV", "RR", "random", -0.7141, -1.0644, -0.3638, None, 152.2330),
        ("MH", "RR", "fixed", -0.4537, -0.5308, -0.3766, -11.5338, 152.5676),
        ("Peto", "OR", "fixed", -0.4744, -0.5541, -0.3948, -11.6689, 167.7302),
    ],
)
def test_matches_stata_metan(
    method: str, measure: str, model: str, beta: float, lo: float, hi: float, z: float | None, q: float
) -> None:
    res = pool(*COUNTS, measure=measure, method=method, model=model)
    assert res.log_estimate == pytest.approx(beta, abs=TOL)
    assert math.log(res.ci_low) == pytest.approx(lo, abs=TOL)
    assert math.log(res.ci_high) == pytest.approx(hi, abs=TOL)
    if z is not None:
        assert res.z == pytest.approx(z, abs=TOL)
    assert res.heterogeneity.q == pytest.approx(q, abs=TOL)


def test_mh_rr_natural_scale_matches_stata() -> None:
    res = pool(*COUNTS, measure="RR", method="MH")
    assert (round(res.estimate, 4), round(res.ci_low, 4), round(res.ci_high, 4)) == (0.6353, 0.5881, 0.6862)

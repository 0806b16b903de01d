"""Fixed-effect estimators over dense blocks: shape ``(n, k)``, every study estimable.

Each returns the pooled analysis-scale estimate and its variance (shape ``(n,)``) and the
per-study weights that give the percentages in a forest plot (shape ``(n, k)``).

* Inverse variance, ``w = 1 / v``: the IV method, and Peto once its ``yi = (O - E) / V`` and
  ``vi = 1 / V`` are formed (the pooled log OR is then ``sum(O - E) / sum(V)``).
* Mantel-Haenszel on the cells of :mod:`evireg.stats.effects` (0.5-corrected for OR and RR,
  raw for RD and a double-all RR study, whose variance alone takes corrected cells), as
  J.J. Deeks and J.P.T. Higgins, *Statistical algorithms in Review Manager 5* (2010) give it:
  odds ratio ``sum(a d / N) / sum(b c / N)`` with the Robins-Breslow-Greenland (1986) variance;
  risk ratio ``sum(a n2 / N) / sum(c n1 / N)`` with the Greenland-Robins (1985) variance
  ``P / (R S)``; risk difference ``sum((a n2 - c n1) / N) / sum(n1 n2 / N)`` with the
  Greenland-Robins variance ``J / K^2`` (RevMan 5's; metafor's ``rma.mh`` uses
  Sato-Greenland-Robins, with the same estimate).
"""

from __future__ import annotations

import numpy as np

from .backends import Math
from .effects import Cells
from .types import FloatArray

__all__ = ["inverse_variance", "mantel_haenszel"]


def inverse_variance(yi: FloatArray, vi: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    w = 1.0 / vi
    sw = w.sum(axis=1)
    return (w * yi).sum(axis=1) / sw, 1.0 / sw, w


def mantel_haenszel(cells: Cells, measure: str, m: Math) -> tuple[FloatArray, FloatArray, FloatArray]:
    a, b, c, d = cells.a, cells.b, cells.c, cells.d
    n1, n2 = a + b, c + d
    n = n1 + n2
    if measure == "OR":
        r_i, s_i = a * d / n, b * c / n
        big_r, big_s = r_i.sum(axis=1), s_i.sum(axis=1)
        p_i, q_i = (a + d) / n, (b + c) / n
        var = 0.5 * (
            (p_i * r_i).sum(axis=1) / m.square(big_r)
            + (p_i * s_i + q_i * r_i).sum(axis=1) / (big_r * big_s)
            + (q_i * s_i).sum(axis=1) / m.square(big_s)
        )
        return m.log(big_r / big_s), var, s_i
    # Cells that still hold a zero are raw by RevMan's rules (every RD study; an RR study with
    # all events in both arms): they give the estimate and the weights as they are, and, as for
    # that study's own row, only the variance takes them with 0.5 added to every cell.
    add = np.where((a == 0) | (b == 0) | (c == 0) | (d == 0), 0.5, 0.0)
    ac, bc, cc, dc = a + add, b + add, c + add, d + add
    n1c, n2c = ac + bc, cc + dc
    nc = n1c + n2c
    if measure == "RR":
        r_i, s_i = a * n2 / n, c * n1 / n
        big_r, big_s = r_i.sum(axis=1), s_i.sum(axis=1)
        big_rc, big_sc = (ac * n2c / nc).sum(axis=1), (cc * n1c / nc).sum(axis=1)
        big_p = ((n1c * n2c * (ac + cc) - ac * cc * nc) / nc**2).sum(axis=1)
        return m.log(big_r / big_s), big_p / (big_rc * big_sc), s_i
    k_i = n1 * n2 / n
    big_k = k_i.sum(axis=1)
    theta = ((a * n2 - c * n1) / n).sum(axis=1) / big_k
    big_kc = (n1c * n2c / nc).sum(axis=1)
    big_j = ((ac * bc * n2c**3 + cc * dc * n1c**3) / (n1c * n2c * nc**2)).sum(axis=1)
    return theta, big_j / m.square(big_kc), k_i

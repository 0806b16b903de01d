"""Fixed-effect estimators over dense blocks: shape ``(n, k)``, every study estimable.

Each returns the pooled analysis-scale estimate and its variance (shape ``(n,)``) and the
per-study weights that give the percentages in a forest plot (shape ``(n, k)``).

* Inverse variance, ``w = 1 / v``: the IV method, and Peto once its ``yi = (O - E) / V`` and
  ``vi = 1 / V`` are formed (the pooled log OR is then ``sum(O - E) / sum(V)``).
* Mantel-Haenszel on the cells of :mod:`evireg.stats.effects` (0.5-corrected for OR and RR;
  raw for RD, whose variance alone takes the corrected cells, as RevMan prints it), as
  J.J. Deeks and J.P.T. Higgins, *Statistical algorithms in Review Manager 5* (2010) give it:
  odds ratio ``sum(a d / N) / sum(b c / N)`` with the Robins-Breslow-Greenland (1986) variance; risk ratio ``sum(a n2 / N) / sum(c n1 / N)``
  with the Greenland-Robins (1985) variance ``P / (R S)``; risk difference
  ``sum((a n2 - c n1) / N) / sum(n1 n2 / N)`` with the Greenland-Robins variance ``J / K^2``
  (RevMan 5's; metafor's ``rma.mh`` uses Sato-Greenland-Robins, with the same estimate).
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
    if measure == "RR":
        r_i, s_i = a * n2 / n, c * n1 / n
        big_r, big_s = r_i.sum(axis=1), s_i.sum(axis=1)
        big_p = ((n1 * n2 * (a + c) - a * c * n) / n**2).sum(axis=1)
        return m.log(big_r / big_s), big_p / (big_r * big_s), s_i
    # RD gets raw cells (RevMan: estimate and weights from the raw counts); as for a single
    # study's RD, only the variance takes the 0.5-corrected cells of a study with a zero cell
    k_i = n1 * n2 / n
    big_k = k_i.sum(axis=1)
    theta = ((a * n2 - c * n1) / n).sum(axis=1) / big_k
    add = np.where((a == 0) | (b == 0) | (c == 0) | (d == 0), 0.5, 0.0)
    a, b, c, d = a + add, b + add, c + add, d + add
    n1, n2 = a + b, c + d
    n = n1 + n2
    big_kc = (n1 * n2 / n).sum(axis=1)
    big_j = ((a * b * n2**3 + c * d * n1**3) / (n1 * n2 * n**2)).sum(axis=1)
    return theta, big_j / m.square(big_kc), k_i

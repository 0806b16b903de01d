"""Random effects over dense blocks (shape ``(n, k)``, every study estimable).

The pooled estimate always uses inverse-variance weights ``1 / (v_i + tau2)``.  The
Hartung-Knapp-Sidik-Jonkman standard error (Hartung and Knapp 2001; Sidik and Jonkman 2002) is
``sqrt(sum(w (y - mu)^2) / ((k - 1) sum(w)))``, not truncated at the Wald one, with a t
distribution on k - 1 degrees of freedom.  The prediction interval (Higgins, Thompson and
Spiegelhalter 2009) is ``mu -/+ t_{k-2} sqrt(tau2 + se^2)``, ``se`` being the reported one (the
HKSJ one when HKSJ is used); it needs k >= 3.
"""

from __future__ import annotations

import numpy as np

from .types import FloatArray

__all__ = ["hksj_se", "prediction_half_width", "random_effects"]


def random_effects(
    yi: FloatArray, vi: FloatArray, tau2: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """The pooled estimate, its (Wald) standard error, the weights and their row sums."""
    w = 1.0 / (vi + tau2[:, None])
    sw = w.sum(axis=1)
    theta = (w * yi).sum(axis=1) / sw
    return theta, np.sqrt(1.0 / sw), w, sw


def hksj_se(yi: FloatArray, w: FloatArray, sw: FloatArray, theta: FloatArray) -> FloatArray:
    k = yi.shape[1]
    q_hk = (w * (yi - theta[:, None]) ** 2).sum(axis=1) / (k - 1)
    out: FloatArray = np.sqrt(q_hk / sw)
    return out


def prediction_half_width(t_crit: float, tau2: FloatArray, se: FloatArray) -> FloatArray:
    out: FloatArray = t_crit * np.sqrt(tau2 + se * se)
    return out

"""The few transcendental functions and tail areas the kernel needs, in two implementations.

* :data:`SCALAR` evaluates them one number at a time with Python's ``math`` (the C library) and
  the pure-Python distributions of :mod:`.distributions`.  Single analyses use it: importing
  scipy would cost a third of ``evireg report``'s start-up, and their answers, compared byte for
  byte across releases, stay exactly what they were.  numpy's SIMD ``log`` and ``exp`` differ
  from the C library's in the last bit for a fraction of inputs (which fraction depends on the
  CPU), and numpy squares exactly where Python's ``x**2`` calls the C library's ``pow``.
* :func:`vector` uses numpy and scipy's ufuncs (scipy imported when first asked for): the batch
  API, where a Python loop per number would cost more than all the arithmetic.

Both take arrays and return arrays; ``df`` is one number per call because the kernel works on
blocks of analyses with the same number of studies.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Protocol

import numpy as np

from . import distributions as dist
from .types import FloatArray

__all__ = ["SCALAR", "Math", "ScalarMath", "VectorMath", "vector"]


class Math(Protocol):
    def log(self, x: FloatArray) -> FloatArray: ...

    def exp(self, x: FloatArray) -> FloatArray: ...

    def square(self, x: FloatArray) -> FloatArray: ...

    def norm_ppf(self, p: float) -> float: ...

    def t_ppf(self, p: float, df: int) -> float: ...

    def norm_two_sided_p(self, z: FloatArray) -> FloatArray: ...

    def t_two_sided_p(self, t: FloatArray, df: int) -> FloatArray: ...

    def chi2_sf(self, x: FloatArray, df: int) -> FloatArray: ...


def _each(f: Callable[[float], float], x: FloatArray) -> FloatArray:
    out: FloatArray = np.fromiter(map(f, x.ravel().tolist()), dtype=np.float64, count=x.size).reshape(x.shape)
    return out


class ScalarMath:
    """One number at a time: ``math`` and :mod:`.distributions` (no scipy)."""

    def log(self, x: FloatArray) -> FloatArray:
        return _each(math.log, x)

    def exp(self, x: FloatArray) -> FloatArray:
        return _each(math.exp, x)

    def square(self, x: FloatArray) -> FloatArray:
        return _each(lambda v: v**2, x)  # pow(), not v * v: see the module docstring

    def norm_ppf(self, p: float) -> float:
        return dist.norm_ppf(p)

    def t_ppf(self, p: float, df: int) -> float:
        return dist.t_ppf(p, df)

    def norm_two_sided_p(self, z: FloatArray) -> FloatArray:
        return _each(dist.norm_two_sided_p, z)

    def t_two_sided_p(self, t: FloatArray, df: int) -> FloatArray:
        return _each(lambda v: dist.t_two_sided_p(v, df), t)

    def chi2_sf(self, x: FloatArray, df: int) -> FloatArray:
        return _each(lambda v: dist.chi2_sf(v, df), x)


class VectorMath:
    """numpy and scipy.special ufuncs over whole arrays."""

    def __init__(self) -> None:
        from scipy import special  # only the batch path pays for scipy

        self._special = special

    def log(self, x: FloatArray) -> FloatArray:
        out: FloatArray = np.log(x)
        return out

    def exp(self, x: FloatArray) -> FloatArray:
        out: FloatArray = np.exp(x)
        return out

    def square(self, x: FloatArray) -> FloatArray:
        out: FloatArray = np.square(x)
        return out

    def norm_ppf(self, p: float) -> float:
        return float(self._special.ndtri(p))

    def t_ppf(self, p: float, df: int) -> float:
        return float(self._special.stdtrit(df, p))

    def norm_two_sided_p(self, z: FloatArray) -> FloatArray:
        out: FloatArray = 2.0 * self._special.ndtr(-np.abs(z))
        return out

    def t_two_sided_p(self, t: FloatArray, df: int) -> FloatArray:
        out: FloatArray = 2.0 * self._special.stdtr(df, -np.abs(t))
        return out

    def chi2_sf(self, x: FloatArray, df: int) -> FloatArray:
        out: FloatArray = self._special.chdtrc(df, x)
        return out


SCALAR = ScalarMath()
_VECTOR: list[VectorMath] = []


def vector() -> VectorMath:
    """The shared :class:`VectorMath` (created, and scipy imported, on first use)."""
    if not _VECTOR:
        _VECTOR.append(VectorMath())
    return _VECTOR[0]

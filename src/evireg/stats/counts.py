"""Validation of 2x2 counts: one ``ValueError`` naming the study and the field."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .types import BoolArray, FloatArray

__all__ = ["COUNT_FIELDS", "as_batch", "check_counts", "validate_tables"]

COUNT_FIELDS = ("events_treat", "total_treat", "events_ctrl", "total_ctrl")


def _as_float_array(name: str, values: Any) -> FloatArray:
    try:
        arr: FloatArray = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name}: counts must be numbers ({exc})") from None
    return arr


def as_batch(name: str, values: Any) -> FloatArray:
    """``values`` as a float array of shape ``(m, k)``."""
    arr = _as_float_array(name, values)
    if arr.ndim != 2:
        raise ValueError(f"{name} must have shape (m, k); got shape {arr.shape}")
    return arr


def _describe(i: int, labels: Sequence[str] | None) -> str:
    if labels is not None and i < len(labels):
        return f"study {i} ({labels[i]!r})"
    return f"study {i}"


def check_counts(
    events_t: FloatArray,
    total_t: FloatArray,
    events_c: FloatArray,
    total_c: FloatArray,
    where: BoolArray,
    describe: Callable[[int], str],
) -> None:
    """Raise ``ValueError`` for the first invalid table among the positions in ``where``.

    ``describe(flat_index)`` names a study in messages.
    """
    named = tuple(zip(COUNT_FIELDS, (events_t, total_t, events_c, total_c), strict=True))
    w = where.ravel()
    for name, arr in named:
        flat = arr.ravel()
        bad = w & ~np.isfinite(flat)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise ValueError(f"{describe(i)}: {name} is not finite ({flat[i]!r})")
        bad = w & (flat < 0)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise ValueError(f"{describe(i)}: {name} is negative ({flat[i]:g})")
        bad = w & (flat != np.floor(flat))
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise ValueError(f"{describe(i)}: {name} is not an integer ({flat[i]:g})")
    for (ev_name, ev), (tot_name, tot) in ((named[0], named[1]), (named[2], named[3])):
        bad = w & (ev.ravel() > tot.ravel())
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise ValueError(
                f"{describe(i)}: {ev_name} ({ev.ravel()[i]:g}) exceeds {tot_name} ({tot.ravel()[i]:g})"
            )


def validate_tables(
    events_t: Any,
    total_t: Any,
    events_c: Any,
    total_c: Any,
    labels: Sequence[str] | None = None,
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, list[str]]:
    """Validate four count vectors (and labels); return float arrays and the labels."""
    given = (events_t, total_t, events_c, total_c)
    arrays = [_as_float_array(n, v) for n, v in zip(COUNT_FIELDS, given, strict=True)]
    for name, arr in zip(COUNT_FIELDS, arrays, strict=True):
        if arr.ndim != 1:
            raise ValueError(f"{name} must be one-dimensional; got shape {arr.shape}")
    lengths = {len(a) for a in arrays}
    if len(lengths) != 1:
        raise ValueError(
            "events_treat, total_treat, events_ctrl and total_ctrl must have the same length; "
            f"got {[len(a) for a in arrays]}"
        )
    k = len(arrays[0])
    if labels is None:
        labs = [f"Study {i + 1}" for i in range(k)]
    else:
        labs = [str(x) for x in labels]
        if len(labs) != k:
            raise ValueError(f"labels has {len(labs)} entries for {k} studies")
    a, n1, c, n2 = arrays
    check_counts(a, n1, c, n2, np.ones(k, dtype=bool), lambda i: _describe(i, labs))
    return a, n1, c, n2, labs

"""Benchmark: pool 10,000 meta-analyses of 10 studies each in one batch call.

Run:  python benchmarks/bench_pooling.py [--m 10000] [--k 10] [--subset 500]

Times ``pool_batch`` for the Mantel-Haenszel fixed-effect and DerSimonian-Laird random-effects
analyses (heterogeneity Q, I2, tau2 included in each call), then times ``pool`` one meta-analysis
at a time on a subset and extrapolates to all ``m``, checks that both paths agree on that
subset, and prints the speed-up.  The target is under 1 s for the batch path.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np

from evireg.stats import (
    BatchResult,
    PoolResult,
    pool,
    pool_batch,
    pool_batch_continuous,
    pool_batch_generic,
    pool_continuous,
    pool_generic_se,
)


def make_data(m: int, k: int, ragged: bool, seed: int = 20240601) -> tuple[np.ndarray, ...]:
    """Random 2x2 tables with heterogeneous true log odds ratios and a few zero cells; every
    meta-analysis has ``k`` studies unless ``ragged`` (then 3..k, padded and masked)."""
    rng = np.random.default_rng(seed)
    n1 = rng.integers(20, 400, size=(m, k))
    n2 = rng.integers(20, 400, size=(m, k))
    base = rng.uniform(0.02, 0.4, size=(m, 1))
    log_or = rng.normal(-0.3, 0.3, size=(m, 1)) + rng.normal(0.0, 0.25, size=(m, k))
    odds_c = base / (1 - base)
    p_t = 1 / (1 + 1 / (odds_c * np.exp(log_or)))
    a = rng.binomial(n1, p_t)
    c = rng.binomial(n2, np.broadcast_to(base, (m, k)))
    sizes = rng.integers(3, k + 1, size=m) if ragged else np.full(m, k)
    mask = np.arange(k)[None, :] < sizes[:, None]
    return a, n1, c, n2, mask


def best_of(fn: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--m", type=int, default=10_000)
    ap.add_argument("--k", type=int, default=10)
    ap.add_argument("--subset", type=int, default=500)
    ap.add_argument("--measure", default="OR")
    ap.add_argument("--ragged", action="store_true", help="3..k studies per meta-analysis")
    args = ap.parse_args()
    a, n1, c, n2, mask = make_data(args.m, args.k, args.ragged)
    measure = args.measure

    results: dict[str, BatchResult] = {}

    def batch(model: str) -> Callable[[], object]:
        def run() -> object:
            results[model] = pool_batch(a, n1, c, n2, mask, measure=measure, method="MH", model=model)
            return results[model]

        return run

    t_fixed = best_of(batch("fixed"), 5)
    t_random = best_of(batch("random"), 5)
    t_batch = t_fixed + t_random

    sub = min(args.subset, args.m)

    singles: dict[tuple[int, str], PoolResult] = {}

    def one_at_a_time() -> None:
        for i in range(sub):
            row = mask[i]
            for model in ("fixed", "random"):
                singles[i, model] = pool(
                    a[i, row],
                    n1[i, row],
                    c[i, row],
                    n2[i, row],
                    measure=measure,
                    method="MH",
                    model=model,
                )

    t_sub = best_of(one_at_a_time, 1)
    t_loop = t_sub * args.m / sub
    for (i, model), r in singles.items():  # both paths must agree
        b = results[model]
        assert np.isclose(r.estimate, b.estimate[i], rtol=1e-10)
        assert np.isclose(r.heterogeneity.tau2, b.tau2[i], rtol=1e-9, atol=1e-12)

    studies = int(mask.sum())
    each = f"3 to {args.k}" if args.ragged else f"{args.k}"
    print(f"{args.m:,} meta-analyses, {studies:,} studies ({each} each), {measure}, MH")
    print(f"  batch MH fixed (+Q, I2, DL tau2):      {t_fixed * 1e3:8.1f} ms")
    print(f"  batch DL random (+Q, I2, tau2):        {t_random * 1e3:8.1f} ms")
    print(
        f"  batch total:                           {t_batch * 1e3:8.1f} ms"
        f"  ({'under' if t_batch < 1 else 'OVER'} the 1 s target)"
    )
    print(f"  one at a time ({sub:,} timed, extrapolated to {args.m:,}): {t_loop:8.2f} s")
    print(f"  speed-up batch vs one at a time:       {t_loop / t_batch:8.0f}x")
    other_types(args.m, args.k, mask)


def timed(run: Callable[[str], BatchResult], model: str) -> tuple[float, BatchResult]:
    out: list[BatchResult] = []
    t = best_of(lambda: out.append(run(model)), 5)
    return t, out[-1]


def other_types(m: int, k: int, mask: np.ndarray) -> None:
    """Continuous (MD, SMD) and generic inverse-variance batches of the same shape, each checked
    against the single-analysis path on a few rows."""
    rng = np.random.default_rng(7)
    m1, m2 = rng.normal(10, 2, (m, k)), rng.normal(9, 2, (m, k))
    s1, s2 = rng.uniform(1, 3, (m, k)), rng.uniform(1, 3, (m, k))
    n1, n2 = (rng.integers(10, 200, (m, k)).astype(float) for _ in range(2))
    est, se = rng.normal(-0.2, 0.3, (m, k)), rng.uniform(0.05, 0.5, (m, k))
    print(f"{m:,} meta-analyses of continuous and generic data, {int(mask.sum()):,} studies")
    arms = (m1, s1, n1, m2, s2, n2)

    def continuous(
        measure: str,
    ) -> tuple[str, Callable[[str], BatchResult], Callable[[int, str], PoolResult]]:
        return (
            measure,
            lambda model: pool_batch_continuous(*arms, mask, measure=measure, model=model),
            lambda i, model: pool_continuous(*(x[i][mask[i]] for x in arms), measure=measure, model=model),
        )

    generic = (
        "generic HR",
        lambda model: pool_batch_generic(est, se, mask, measure="HR", model=model),
        lambda i, model: pool_generic_se(est[i][mask[i]], se[i][mask[i]], measure="HR", model=model),
    )
    for label, run, single in (continuous("MD"), continuous("SMD"), generic):
        for model in ("fixed", "random"):
            t, res = timed(run, model)
            for i in (0, m // 2, m - 1):
                assert np.isclose(single(i, model).estimate, res.estimate[i], rtol=1e-10)
            verdict = "under" if t < 1 else "OVER"
            print(f"  batch {label} {model + ':':8} {t * 1e3:8.1f} ms  ({verdict} the 1 s target)")


if __name__ == "__main__":
    main()

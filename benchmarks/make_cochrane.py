"""Seeded synthetic Cochrane analysis-data CSVs, for the import and audit benchmarks.

    python benchmarks/make_cochrane.py --reviews 500 --out /tmp/cochrane500 [--largest]

The header and conventions are those of the Cochrane Library's analysis data (see
tests/data/cochrane and the README there). Each review has analyses of 2x2, continuous (MD) and a
few subgrouped ones; the printed effect, CI and weight of every row are computed by evireg's own
statistics (Mantel-Haenszel fixed effect for 2x2 tables, inverse-variance fixed effect for means)
and printed with RevMan's 6 decimals, so an audit should reproduce every row.  Every number is
synthetic.  ``--largest`` writes one review of the largest shape the issue names (about 3,700
rows in 300 analyses) instead.
"""

from __future__ import annotations

import argparse
import csv
import random
from pathlib import Path

from evireg.stats import pool, pool_continuous

HEADER = [
    "Analysis group",
    "Analysis number",
    "Analysis name",
    "Subgroup",
    "Subgroup number",
    "Applicability",
    "Study",
    "Study year",
    "GIV Mean",
    "GIV SE",
    "Experimental mean",
    "Experimental SD",
    "Experimental cases",
    "Experimental N",
    "Control mean",
    "Control SD",
    "Control cases",
    "Control N",
    "O-E",
    "Variance",
    "Weight",
    "Mean",
    "CI start",
    "CI end",
    "Footnotes",
]


def printed(x: float) -> str:
    """RevMan's printing: 6 decimals, trailing zeros dropped."""
    text = f"{x:.6f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def analysis_rows(
    rng: random.Random, group: int, number: int, studies: list[tuple[str, int]], k_max: int
) -> list[dict[str, str]]:
    k = min(len(studies), rng.randint(2, k_max))
    chosen = rng.sample(studies, k)
    continuous = rng.random() < 0.3
    base = {
        "Analysis group": str(group),
        "Analysis number": str(number),
        "Analysis name": f"Synthetic outcome {group}.{number}",
        "Applicability": "SUBGROUP_AND_OVERALL",
    }
    labels = [s for s, _ in chosen]
    if continuous:
        m1 = [rng.gauss(10, 2) for _ in chosen]
        m2 = [rng.gauss(9.5, 2) for _ in chosen]
        s1 = [rng.uniform(1, 3) for _ in chosen]
        s2 = [rng.uniform(1, 3) for _ in chosen]
        n1 = [rng.randint(10, 150) for _ in chosen]
        n2 = [rng.randint(10, 150) for _ in chosen]
        m1, m2, s1, s2 = ([round(x, 2) for x in col] for col in (m1, m2, s1, s2))
        res = pool_continuous(m1, s1, n1, m2, s2, n2, labels=labels)
        cells: dict[str, list[float] | list[int]] = {
            "Experimental mean": m1, "Experimental SD": s1, "Experimental N": n1,
            "Control mean": m2, "Control SD": s2, "Control N": n2,
        }  # fmt: skip
    else:
        n1 = [rng.randint(10, 300) for _ in chosen]
        n2 = [rng.randint(10, 300) for _ in chosen]
        p = rng.uniform(0.05, 0.5)
        a = [min(n, max(1, round(n * p * rng.uniform(0.6, 1.6)))) for n in n1]
        c = [min(n, max(1, round(n * p * rng.uniform(0.6, 1.6)))) for n in n2]
        res = pool(a, n1, c, n2, measure="RR", method="MH", labels=labels)
        cells = {"Experimental cases": a, "Experimental N": n1, "Control cases": c, "Control N": n2}
    rows: list[dict[str, str]] = []
    for i, ((study, year), st) in enumerate(zip(chosen, res.studies, strict=True)):
        printed_effect = {
            "Weight": printed(st.weight or 0),
            "Mean": printed(st.estimate),
            "CI start": printed(st.ci_low),
            "CI end": printed(st.ci_high),
        }
        data = {name: str(values[i]) for name, values in cells.items()}
        rows.append({**base, "Study": study, "Study year": str(year), **data, **printed_effect})
    return rows


def review(rng: random.Random, analyses: int, k_max: int = 14) -> list[dict[str, str]]:
    studies = [
        (f"Author{j} {1980 + rng.randint(0, 44)}{'ab'[j % 2] if j % 7 == 0 else ''}", 0) for j in range(40)
    ]
    studies = [(s, int(s.split()[1][:4])) for s, _ in dict.fromkeys(studies, None)]
    rows: list[dict[str, str]] = []
    for i in range(analyses):
        rows += analysis_rows(rng, 1 + i // 10, 1 + i % 10, studies, k_max)
    return rows


def write(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=HEADER, restval="")
        w.writeheader()
        w.writerows(rows)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reviews", type=int, default=500)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--largest", action="store_true")
    ap.add_argument("--seed", type=int, default=20261202)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    args.out.mkdir(parents=True, exist_ok=True)
    if args.largest:
        write(args.out / "CD999999_pub1.csv", review(rng, 300, k_max=22))
        return
    total = 0
    for r in range(args.reviews):
        rows = review(rng, rng.randint(5, 40))
        total += len(rows)
        write(args.out / f"CD{900000 + r:06d}_pub1.csv", rows)
    print(f"wrote {args.reviews} reviews, {total:,} rows to {args.out}")


if __name__ == "__main__":
    main()

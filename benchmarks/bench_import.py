"""Benchmark: import and audit published reviews (Cochrane analysis data), as the issue sizes them.

Run:  python benchmarks/bench_import.py [--reviews 500]

1. The largest review shape (about 3,500 rows in 300 analyses, from make_cochrane.py --largest):
   `evireg import cochrane` then `evireg audit`, each a fresh process; target under 3 s together.
2. Many reviews (500, about 86,000 rows): one `evireg import cochrane DIR/*.csv` into one registry,
   then `evireg audit --all`; target under 2 minutes on 2 cores within 1.5 GB (peak resident memory
   of the largest process).
Every row of the synthetic reviews was printed by evireg's own statistics, so the audit must
reproduce all of them; the script checks that too.  (R is not installed here, so the side-by-side
run against R's meta::read.rm5 + metacr is not measured.)
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).parent


def evireg(*args: str) -> tuple[float, str]:
    t = time.perf_counter()
    out = subprocess.run([sys.executable, "-m", "evireg", *args], capture_output=True, text=True, check=False)
    dt = time.perf_counter() - t
    if out.returncode:
        raise SystemExit(f"evireg {' '.join(args[:2])} failed: {out.stderr[-2000:]}")
    return dt, out.stdout


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def reproduced(report: list[dict[str, object]] | dict[str, object]) -> tuple[int, int]:
    reviews = report if isinstance(report, list) else [report]
    rows = [row for r in reviews for a in r["analyses"] for row in a["rows"]]  # type: ignore[index, union-attr]
    return sum(row["verdict"] == "reproduced" for row in rows), len(rows)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reviews", type=int, default=500)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        subprocess.run(
            [sys.executable, str(HERE / "make_cochrane.py"), "--out", str(work / "big"), "--largest"],
            check=True,
        )
        (big,) = (work / "big").glob("*.csv")
        rows = sum(1 for _ in big.open()) - 1
        t_imp, _ = evireg("import", "cochrane", str(big), "-r", str(work / "reg1"))
        t_aud, out = evireg("audit", "-r", str(work / "reg1"), "--format", "json")
        ok, n = reproduced(json.loads(out))
        verdict = "under" if t_imp + t_aud < 3 else "OVER"
        print(f"largest review: {rows:,} rows, 300 analyses")
        print(
            f"  import {t_imp:6.2f} s + audit {t_aud:6.2f} s = {t_imp + t_aud:6.2f} s "
            f"({verdict} the 3 s target); {ok:,}/{n:,} rows reproduced"
        )

        subprocess.run(
            [
                sys.executable,
                str(HERE / "make_cochrane.py"),
                "--out",
                str(work / "many"),
                "--reviews",
                str(args.reviews),
            ],
            check=True,
            capture_output=True,
        )
        files = sorted(map(str, (work / "many").glob("*.csv")))
        rows = sum(len(Path(f).read_text(encoding="utf-8").splitlines()) - 1 for f in files)
        t_imp, _ = evireg("import", "cochrane", *files, "-r", str(work / "reg2"))
        t_aud, out = evireg("audit", "--all", "-r", str(work / "reg2"), "--format", "json")
        ok, n = reproduced(json.loads(out))
        total = t_imp + t_aud
        print(f"{len(files)} reviews, {rows:,} rows, one registry")
        print(
            f"  import {t_imp:6.1f} s + audit --all {t_aud:6.1f} s = {total:6.1f} s "
            f"({'under' if total < 120 else 'OVER'} the 2 min target); peak memory {peak_mb():,.0f} MB "
            f"({'within' if peak_mb() < 1536 else 'OVER'} 1.5 GB); {ok:,}/{n:,} rows reproduced"
        )


if __name__ == "__main__":
    main()

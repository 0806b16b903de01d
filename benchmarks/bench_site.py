"""Benchmark: `evireg site OUT` on a registry (default: the bundled one), as a user runs it.

Run:  python benchmarks/bench_site.py [--registry DIR] [--runs 5]

Each run is a fresh process writing the whole site (pages, SVG figures, the data package and
Parquet files) to a new folder; the script prints the median and spread, the number of files,
and whether every run wrote byte-identical files (the target is under 5 s for the bundled review).
"""

from __future__ import annotations

import argparse
import hashlib
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def digest(folder: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(folder.rglob("*")):
        if p.is_file():
            h.update(str(p.relative_to(folder)).encode() + b"\0" + p.read_bytes())
    return h.hexdigest()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--registry", help="registry folder (default: the bundled one)")
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    script = Path(sys.executable).with_name("evireg")
    cmd = [str(script)] if script.exists() else [sys.executable, "-m", "evireg"]
    times, digests, files = [], set(), 0
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(args.runs):
            out = Path(tmp) / f"site-{i}"
            run = [*cmd, "site", str(out)] + (["--registry", args.registry] if args.registry else [])
            t = time.perf_counter()
            subprocess.run(run, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            times.append(time.perf_counter() - t)
            digests.add(digest(out))
            files = sum(1 for p in out.rglob("*") if p.is_file())
    spread = f"min {min(times):.2f}, max {max(times):.2f}"
    print(f"evireg site: median {statistics.median(times):.2f} s ({spread}) over {args.runs} runs; "
          f"{files} files (target < 5 s)")
    print(f"byte-identical across runs: {'yes' if len(digests) == 1 else 'NO'}")
    return 0 if len(digests) == 1 else 1


if __name__ == "__main__":
    raise SystemExit(main())

"""Benchmark: `evireg report` side by side with Rscript running metafor on the same tables.

Run:  python benchmarks/bench_report_vs_r.py [--registry DIR] [--runs 15]

The report of a registry's review pools every analysis of the review (Mantel-Haenszel fixed and
DerSimonian-Laird random effects, subgroups, filters, leave-one-out, cumulative, Egger). The R
side is what a reviewer would otherwise run: an R script that reads the same 2x2 tables (the
rows the report pooled, written to a CSV here) and fits metafor's ``rma.mh`` and ``rma`` to
each analysis, and to each subgroup of a subgroup analysis, printing each fit.

Both are whole processes started the same way, alternated run by run so that the machine's
state weighs on both alike; the script prints the median and spread of each, the ratio of the
medians (the target is at most 0.5), and the time of ``evireg --help`` (target under 0.25 s).

Needs Rscript with metafor (Debian: ``apt-get install r-cran-metafor``); without it the script
says so and exits 1 rather than print a ratio it did not measure.
"""

from __future__ import annotations

import argparse
import csv
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import evireg

R_SCRIPT = """\
suppressPackageStartupMessages(library(metafor))
dat <- read.csv(commandArgs(trailingOnly = TRUE)[1], stringsAsFactors = FALSE)
fit <- function(d, label) {
  if (nrow(d) == 0) return(invisible(NULL))
  cat("==", label, "(k =", nrow(d), ")\\n")
  print(rma.mh(ai = ai, n1i = n1i, ci = ci, n2i = n2i, data = d, measure = "OR"))
  if (nrow(d) > 1) print(rma(ai = ai, n1i = n1i, ci = ci, n2i = n2i, data = d, measure = "OR", method = "DL"))
}
for (a in unique(dat$analysis)) {
  d <- dat[dat$analysis == a, ]
  fit(d, a)
  for (g in setdiff(unique(d$subgroup), "")) fit(d[d$subgroup == g, ], paste(a, g))
}
"""


def evireg_command() -> list[str]:
    """The installed `evireg` script beside this interpreter (as a user runs it), else -m."""
    script = Path(sys.executable).with_name("evireg")
    return [str(script)] if script.exists() else [sys.executable, "-m", "evireg"]


def write_tables(registry: str | None, out: Path) -> int:
    """The 2x2 rows every dichotomous analysis of the report pooled, one CSV; returns the count."""
    rep = evireg.open(registry).report()
    n = 0
    with out.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["analysis", "study", "subgroup", "ai", "n1i", "ci", "n2i"])
        for s in rep.sections:
            if s.answer.data_type != "dichotomous":
                continue
            for i in s.answer.inputs:
                v = i.values
                row = [v["events_treat"], v["total_treat"], v["events_ctrl"], v["total_ctrl"]]
                w.writerow([s.analysis_id, i.study, i.subgroup or "", *row])
                n += 1
    return n


def timed(cmd: list[str]) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t


def spread(xs: list[float]) -> str:
    return f"median {statistics.median(xs):.3f} s (min {min(xs):.3f}, max {max(xs):.3f})"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--registry", help="registry folder (default: the bundled one)")
    ap.add_argument("--runs", type=int, default=15)
    args = ap.parse_args()

    rscript = shutil.which("Rscript")
    if rscript is None:
        print("Rscript not found: install R and metafor (Debian: apt-get install r-cran-metafor)")
        return 1
    check = subprocess.run([rscript, "-e", "library(metafor)"], capture_output=True, text=True)
    if check.returncode != 0:
        print("R has no metafor package: install it (Debian: apt-get install r-cran-metafor)")
        return 1

    report = [*evireg_command(), "report"]
    if args.registry:
        report += ["--registry", args.registry]
    with tempfile.TemporaryDirectory() as tmp:
        table, script = Path(tmp) / "tables.csv", Path(tmp) / "metafor.R"
        rows = write_tables(args.registry, table)
        script.write_text(R_SCRIPT)
        r_cmd = [rscript, str(script), str(table)]
        timed(report), timed(r_cmd)  # warm both: the index is built, files are in the cache
        ours: list[float] = []
        theirs: list[float] = []
        for _ in range(args.runs):
            ours.append(timed(report))
            theirs.append(timed(r_cmd))
        helps = [timed([*evireg_command(), "--help"]) for _ in range(args.runs)]

    ratio = statistics.median(ours) / statistics.median(theirs)
    print(f"tables: {rows} study rows; {args.runs} alternating runs of each")
    print(f"evireg report          {spread(ours)}")
    print(f"Rscript rma.mh + rma   {spread(theirs)}")
    print(f"ratio report / Rscript {ratio:.2f}  (target <= 0.5)")
    print(f"evireg --help          {spread(helps)}  (target < 0.25 s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Scale figures for evireg: bulk import, build, SQL pooling, export, batch pooling, start-up.

    python benchmarks/bench_scale.py [--sizes 1000,10000,100000] [--work /tmp/evireg-bench]

Prints one table per measurement. Targets (2-core, 24 GiB machine): bulk import of 100,000
studies <= 20 s and <= 1.5 GB peak (whole process tree); SQL pooling per outcome < 1 s at 100k;
10,000 meta-analyses of 10 studies pooled < 1 s; `evireg --help` < 0.25 s; `evireg report` < 1 s.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def tree_rss_kib(pid: int) -> int:
    """Resident memory of a process and all its descendants, in KiB."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/status") as fh:
                total += next((int(line.split()[1]) for line in fh if line.startswith("VmRSS:")), 0)
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as fh:
                    todo.extend(int(c) for c in fh.read().split())
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return total


def run_measured(cmd: list[str]) -> tuple[float, float, int]:
    """Wall seconds, peak tree RSS in MB, exit code."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, tree_rss_kib(proc.pid))
            time.sleep(0.02)

    t = threading.Thread(target=sample, daemon=True)
    t.start()
    _, err = proc.communicate()
    done.set()
    t.join()
    if proc.returncode:
        print(err.decode()[-2000:], file=sys.stderr)
    return time.perf_counter() - start, peak / 1024, proc.returncode


def best_of(cmd: list[str], n: int) -> tuple[float, float]:
    times = []
    for _ in range(n):
        t = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        times.append(time.perf_counter() - t)
    return min(times), statistics.median(times)


def table(title: str, head: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(head)]
    print(f"\n{title}")
    print("  ".join(h.ljust(w) for h, w in zip(head, widths, strict=True)))
    print("  ".join("-" * w for w in widths))
    for r in rows:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1000,10000,100000")
    ap.add_argument("--work", type=Path, default=Path("/tmp/evireg-bench"))
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    evireg = [sys.executable, "-m", "evireg"]
    import_rows, build_rows, sql_rows, export_rows = [], [], [], []
    for n in sizes:
        data = args.work / f"syn{n}"
        if not (data / "studies.jsonl").exists() or not (data / "registry").exists():
            subprocess.run(
                [sys.executable, str(HERE / "make_synthetic.py"), "--studies", str(n), "--out", str(data)],
                check=True,
                stdout=subprocess.DEVNULL,
            )
        reg = args.work / f"reg{n}"
        shutil.rmtree(reg, ignore_errors=True)
        subprocess.run([*evireg, "init", str(reg)], check=True, stderr=subprocess.DEVNULL)
        shutil.copyfile(Path(__file__).parents[1] / "registry" / "evireg.yaml", reg / "evireg.yaml")
        secs, mb, rc = run_measured([*evireg, "add", str(data / "studies.jsonl"), "--registry", str(reg)])
        import_rows.append([f"{n:,}", f"{secs:.1f}", f"{mb:,.0f}", "ok" if rc == 0 else f"exit {rc}"])

        yreg = data / "registry"
        shutil.rmtree(yreg / ".evireg", ignore_errors=True)
        secs, mb, rc = run_measured([*evireg, "build", "--registry", str(yreg)])
        build_rows.append([f"{n:,}", f"{secs:.1f}", f"{mb:,.0f}", "ok" if rc == 0 else f"exit {rc}"])

        import duckdb

        con = duckdb.connect(str(reg / ".evireg" / "registry.duckdb"), read_only=True)
        t = time.perf_counter()
        k = len(con.execute("SELECT * FROM pooled_mh_or").fetchall())
        sql_rows.append([f"{n:,}", f"{time.perf_counter() - t:.3f}", str(k)])
        con.close()

        out = args.work / f"export{n}"
        shutil.rmtree(out, ignore_errors=True)
        secs, mb, rc = run_measured(
            [*evireg, "export", str(out), "--format", "parquet", "--registry", str(reg)]
        )
        export_rows.append([f"{n:,}", f"{secs:.1f}", f"{mb:,.0f}"])

    table(
        "Bulk import: `evireg add studies.jsonl` into an empty registry (validate + write + index)",
        ["studies", "seconds", "peak MB (process tree)", "result"],
        import_rows,
    )
    table(
        "Build: `evireg build` over one YAML file per study",
        ["studies", "seconds", "peak MB (process tree)", "result"],
        build_rows,
    )
    table(
        "SQL pooling: `select * from pooled_mh_or` (MH OR per outcome over the whole registry)",
        ["studies", "seconds", "outcomes"],
        sql_rows,
    )
    table("Export: `evireg export --format parquet`", ["studies", "seconds", "peak MB"], export_rows)

    help_t = best_of([*evireg, "--help"], 10)
    entry = shutil.which("evireg")
    rows = [["python -m evireg --help", f"{help_t[0]:.3f}", f"{help_t[1]:.3f}"]]
    if entry:
        h = best_of([entry, "--help"], 10)
        r = best_of([entry, "report"], 5)
        rows += [
            ["evireg --help", f"{h[0]:.3f}", f"{h[1]:.3f}"],
            ["evireg report", f"{r[0]:.3f}", f"{r[1]:.3f}"],
        ]
    table("Start-up (wall seconds)", ["command", "best", "median"], rows)

    print("\nBatch pooling (benchmarks/bench_pooling.py):")
    subprocess.run([sys.executable, str(HERE / "bench_pooling.py")], check=True)


if __name__ == "__main__":
    main()

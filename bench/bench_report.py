"""Time and peak memory of the full report (every default metric), for one or more checkouts of sdq.

Each measurement is a fresh child process that puts a checkout's source first on ``sys.path``,
loads the cached inputs (``bench/make_data.py``: train N rows, holdout N/2, synthetic N; the data
are made once and never timed) and times::

    sdq.evaluate(train, synthetic, holdout=holdout, target=TARGET, seed=0)

with the checkout's default metrics and ``--jobs`` (default 1, the API's default; the CLI uses all cores). Runs of the checkouts alternate (A, B, A, B, ...)
so that a busy machine slows them alike; the medians and their ratio to the first checkout are
printed and, with ``--out``, written as JSON.

Usage (from the repository root; ``/tmp/before`` e.g. ``git worktree add /tmp/before <commit>``)::

    python bench/bench_report.py --rows 100000 --checkouts /tmp/before . --repeats 3
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

CHILD = r"""
import json, resource, sys, time
sys.path.insert(0, {checkout!r})
sys.path.insert(1, {bench!r})
from make_data import load
frames = load({rows})
import sdq
assert sdq.__file__.startswith({checkout!r}), sdq.__file__
def cpu_now():
    return sum(resource.getrusage(who).ru_utime + resource.getrusage(who).ru_stime for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
cpu0 = cpu_now()
started = time.perf_counter()
report = sdq.evaluate(frames["train"], frames["synthetic"], holdout=frames["holdout"], target={target!r}, seed=0, jobs={jobs})
seconds = time.perf_counter() - started
cpu = cpu_now() - cpu0
print(json.dumps({{
    "seconds": seconds,
    "cpu_s": cpu,
    "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "timings": report.manifest["timings"],
    "metrics": [m.name for m in report.metrics if m.status == "ok"],
    "summary": report.summary,
}}))
"""


def run(checkout: Path, rows: int, target: str, jobs: int = 1) -> dict:
    code = CHILD.format(checkout=str(checkout), bench=str(HERE), rows=rows, target=target, jobs=jobs)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--checkouts", nargs="+", default=["."])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--target", default="health")
    parser.add_argument("--jobs", type=int, default=1, help="sdq.evaluate's jobs (the CLI's default: all cores)")
    parser.add_argument("--out", default=None)
    args = parser.parse_args(argv)
    checkouts = [Path(c).resolve() for c in args.checkouts]
    runs: dict[str, list[dict]] = {str(c): [] for c in checkouts}
    for k in range(args.repeats):
        for c in checkouts:
            result = run(c, args.rows, args.target, args.jobs)
            runs[str(c)].append(result)
            print(
                f"run {k + 1} {c}: {result['seconds']:.1f} s, cpu {result['cpu_s']:.1f} s, {result['peak_mb']:.0f} MB",
                file=sys.stderr,
            )
    first = statistics.median(r["seconds"] for r in runs[str(checkouts[0])])
    table = []
    for c in checkouts:
        median = statistics.median(r["seconds"] for r in runs[str(c)])
        peak = statistics.median(r["peak_mb"] for r in runs[str(c)])
        table.append(
            {
                "checkout": str(c),
                "median_s": round(median, 2),
                "ratio": round(median / first, 3),
                "peak_mb": round(peak),
                "metrics": runs[str(c)][0]["metrics"],
                "runs_s": [round(r["seconds"], 2) for r in runs[str(c)]],
                "timings_first_run": runs[str(c)][0]["timings"],
            }
        )
        print(f"{c}: median {median:.1f} s ({median / first:.2f}x), peak {peak:.0f} MB")
        table[-1]["cpu_s"] = [round(r["cpu_s"], 1) for r in runs[str(c)]]
    if args.out:
        payload = {
            "rows": args.rows,
            "jobs": args.jobs,
            "machine": platform.platform(),
            "python": sys.version.split()[0],
            "loadavg_at_end": os.getloadavg(),
            "command": "python bench/bench_report.py " + " ".join(argv if argv is not None else sys.argv[1:]),
            "table": table,
        }
        Path(args.out).write_text(json.dumps(payload, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

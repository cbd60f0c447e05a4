"""Time-series metrics on a panel: N entities x T steps x C numeric columns (AR processes).

    python bench/bench_timeseries.py --entities 10000 --steps 100 --columns 5 --repeats 3 [--dates]

Prints, per metric, the median wall time over repeats (from the report's own timings) and the
process's peak RSS, and writes them as JSON to bench/results/timeseries.json. The data are made
in memory (real: N entities; holdout: N/2; synthetic: N, from the same processes), not timed.
The time column holds the step number, or with ``--dates`` one day per step from 2020-01-01 (so
that ``seasonal_profile`` reads the day of the week instead of the row's place in its sequence).
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import sdq  # noqa: E402

METRICS = ["autocorrelation", "partial_autocorrelation", "sequence_length", "first_differences", "seasonal_profile"]


def panel(n_entities: int, n_steps: int, n_columns: int, seed: int, dates: bool = False) -> pd.DataFrame:
    """AR(1) columns with coefficients 0.2 .. 0.8, vectorised over entities (a loop over steps)."""
    rng = np.random.default_rng(seed)
    phis = np.linspace(0.2, 0.8, n_columns)
    x = np.zeros((n_columns, n_entities, n_steps))
    noise = rng.normal(size=x.shape)
    for t in range(1, n_steps):
        x[:, :, t] = phis[:, None] * x[:, :, t - 1] + noise[:, :, t]
    data = {
        "entity": np.repeat(np.arange(n_entities), n_steps).astype(str),
        "time": np.tile(np.arange(n_steps), n_entities),
    }
    if dates:
        data["time"] = pd.Timestamp("2020-01-01") + pd.to_timedelta(data["time"], unit="D")
    for c in range(n_columns):
        data[f"x{c}"] = x[c].ravel()
    return pd.DataFrame(data)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--entities", type=int, default=10_000)
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--columns", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--dates", action="store_true", help="a time column of dates (one day per step)")
    parser.add_argument("--out", default=str(Path(__file__).resolve().parent / "results" / "timeseries.json"))
    args = parser.parse_args()
    real = panel(args.entities, args.steps, args.columns, 1, args.dates)
    holdout = panel(args.entities // 2, args.steps, args.columns, 2, args.dates)
    synthetic = panel(args.entities, args.steps, args.columns, 3, args.dates)
    runs = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        report = sdq.evaluate(real, synthetic, holdout, time_column="time", entity_column="entity", metrics=METRICS)
        runs.append({"wall_s": time.perf_counter() - start, **report.manifest["timings"]})
    result = {
        "benchmark": "time-series metrics",
        "command": " ".join(sys.argv),
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": {
            "cores": __import__("os").cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "shape": {
            "entities": args.entities,
            "steps": args.steps,
            "numeric_columns": args.columns,
            "time": "dates" if args.dates else "step numbers",
            "real_rows": len(real),
            "holdout_rows": len(holdout),
            "synthetic_rows": len(synthetic),
        },
        "median_s": {k: round(statistics.median(r[k] for r in runs), 3) for k in runs[0]},
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "scores": {m.name: m.score for m in report.metrics},
        "runs": runs,
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=1))
    print(json.dumps({k: result[k] for k in ("shape", "median_s", "peak_rss_mb", "scores")}, indent=1))


if __name__ == "__main__":
    main()

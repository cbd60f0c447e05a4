"""Coverage of the 95% intervals of ``mutual_information`` and ``correlation`` on real tables.

For each of ``--draws`` seeds, a real table is split into two disjoint halves: the real (training)
data and fresh real rows of the same size, scored as the synthetic data (a perfect generator). The
metric's expected value for fresh data is estimated by the mean fresh score over the draws; an
interval covers when it contains that mean. A calibrated 95% interval covers in about 95% of the
draws. The table also gives the spread of the scores over the draws (``sd``, what the standard
error should be) against the mean standard error the metric reports (``se``; the interval is
``score +- 1.96 se``), their ratio (below 1: intervals too narrow) and the mean interval width.

Halves of one table are not independent samples: together they are the whole table, so the
real half's errors and the fresh half's are opposite, and each half varies less from draw to draw
than a sample of a population would (the finite-population correction: about ``1/sqrt(2)`` of
the standard deviation). So on halves a calibrated standard error is about 1.4 times the spread
over draws. ``--sampling draws`` draws real and fresh rows independently, with replacement,
from the table (independent samples of its rows), where ``se / sd`` should be about 1.
``--variant "half independent"`` scores the fresh rows with every column of about half of them
shuffled on its own (about half of each dependence kept), so that the intervals are also checked
away from a perfect score.

Run from the repository root (about 2 minutes on 2 cores)::

    PYTHONPATH=. python bench/coverage.py
    PYTHONPATH=. python bench/coverage.py --sampling draws --variant "half independent"
    PYTHONPATH=. python bench/coverage.py --tables wine --draws 40
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from dependence_tables import TABLES, halves, load  # noqa: E402

import sdq  # noqa: E402

METRICS = ("mutual_information", "correlation")


def half_independent(frame: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Each row, with probability 1/2, among the rows whose columns are shuffled on its own: about
    half of every dependence kept. (Rows are chosen one by one, so that the rows of this variant
    are independent as the bootstrap takes them to be: exactly half of them would vary less.)"""
    rows = np.flatnonzero(rng.random(len(frame)) < 0.5)
    out = frame.copy()
    for c in frame.columns:
        out.loc[rows, c] = frame[c].to_numpy()[rng.permutation(rows)]
    return out


def independent_draws(frame: pd.DataFrame, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Two independent samples of half the table's size, drawn with replacement: independent
    samples of the table's rows (halves of one table are not: see the module's docstring)."""
    rng = np.random.default_rng(seed)
    half = len(frame) // 2
    return tuple(frame.iloc[rng.integers(0, len(frame), half)].reset_index(drop=True) for _ in range(2))


def run(table: str, draws: int, variant: str, sampling: str) -> dict:
    frame = load(table)
    out = {m: {"score": [], "low": [], "high": [], "se": []} for m in METRICS}
    for draw in range(draws):
        real, fresh = (halves if sampling == "halves" else independent_draws)(frame, 100 + draw)
        if variant == "half independent":
            fresh = half_independent(fresh, np.random.default_rng(draw))
        report = sdq.evaluate(real, fresh, metrics=list(METRICS), config=sdq.Config(seed=draw))
        for m in METRICS:
            result = report[m]
            out[m]["score"].append(result.score)
            out[m]["low"].append(result.ci[0])
            out[m]["high"].append(result.ci[1])
            out[m]["se"].append(result.details["se"])
    return {"rows": len(frame) // 2, "metrics": out}


def render(results: dict, draws: int) -> str:
    lines = [
        f"| table (rows per half) | metric | mean score | coverage ({draws} draws) | sd of scores | mean se | "
        "se / sd | mean width |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for table, res in results.items():
        for m in METRICS:
            r = {k: np.array(v, dtype=float) for k, v in res["metrics"][m].items()}
            target = r["score"].mean()
            covered = np.mean((r["low"] <= target) & (target <= r["high"]))
            sd = r["score"].std(ddof=1)
            lines.append(
                f"| {table} ({res['rows']:,}) | `{m}` | {target:.3f} | {covered:.0%} | {sd:.4f} | "
                f"{r['se'].mean():.4f} | {r['se'].mean() / sd:.2f} | {(r['high'] - r['low']).mean():.3f} |"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", nargs="+", default=list(TABLES), choices=TABLES)
    parser.add_argument("--draws", type=int, default=20, help="splits per table (default: %(default)s)")
    parser.add_argument(
        "--variant",
        default="fresh",
        choices=("fresh", "half independent"),
        help="what is scored (default: %(default)s)",
    )
    parser.add_argument(
        "--sampling",
        default="halves",
        choices=("halves", "draws"),
        help="disjoint halves of the table, or independent draws with replacement (default: %(default)s)",
    )
    args = parser.parse_args(argv)
    results = {}
    for table in args.tables:
        start = time.perf_counter()
        results[table] = run(table, args.draws, args.variant, args.sampling)
        print(f"{table}: {time.perf_counter() - start:.0f} s", file=sys.stderr)
    print(render(results, args.draws))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

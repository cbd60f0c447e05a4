"""Fresh real rows against the utility baseline: does the score sit at its baseline, inside its interval?

Two measurements, printed as Markdown (the numbers in docs/metrics.md, "Why the model metrics are
size-matched"):

1. the validity table's split of each table (``bench/validity.py``: 50% training rows, 25% holdout,
   25% fresh rows), scored with seeds 0 to 4: per metric the scores, the baselines, their ranges,
   how often the interval holds the baseline, and the mean gap score - baseline;
2. eight other seeded splits of the Fair survey and of RAND's health data (seed 0): the gap, and
   whether the interval holds the baseline. Within one split the fresh rows are one draw, which
   may suit the holdout better or worse than the holdout's own halves; over splits that averages out.

Run from the repository root (about 4 minutes on two shared cores)::

    PYTHONPATH=. python bench/utility_baseline.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import validity  # noqa: E402

import sdq  # noqa: E402

METRICS = ["prediction", "feature_importance"]
CONFIG = sdq.Config(n_bootstrap=50)


def _score(table, train, holdout, fresh, seed: int) -> dict:
    report = sdq.evaluate(train, fresh, holdout=holdout, target=table.target, metrics=METRICS, seed=seed, config=CONFIG)
    return {m: report[m] for m in METRICS}


def seeds(tables: dict) -> list[str]:
    lines = [
        "| table | metric | scores (seeds 0-4) | range | baselines | range | baseline in interval | mean gap |",
        "| --- | --- | --- | ---: | --- | ---: | ---: | ---: |",
    ]
    for name in ("fair", "randhie", "breast_cancer"):
        table = tables[name]
        train, holdout, fresh = validity.split(table.frame)
        runs = [_score(table, train, holdout, fresh, seed) for seed in range(5)]
        for m in METRICS:
            scores = np.array([r[m].score for r in runs])
            bases = np.array([r[m].baseline for r in runs])
            inside = sum(r[m].ci[0] <= r[m].baseline <= r[m].ci[1] for r in runs)
            lines.append(
                f"| {name} | `{m}` | {', '.join(f'{v:.3f}' for v in scores)} | {np.ptp(scores):.3f} | "
                f"{', '.join(f'{v:.3f}' for v in bases)} | {np.ptp(bases):.3f} | {inside} of 5 | "
                f"{np.mean(scores - bases):+.3f} |"
            )
    return lines


def splits(tables: dict) -> list[str]:
    lines = [
        "| table | `prediction`: gap per split (1-8) | mean gap (se) | baseline in interval |",
        "| --- | --- | ---: | ---: |",
    ]
    for name in ("fair", "randhie"):
        table = tables[name]
        gaps, inside = [], 0
        for split_seed in range(1, 9):
            train, holdout, fresh = validity.split(table.frame, seed=split_seed)
            result = _score(table, train, holdout, fresh, 0)["prediction"]
            gaps.append(result.score - result.baseline)
            inside += result.ci[0] <= result.baseline <= result.ci[1]
        se = np.std(gaps, ddof=1) / np.sqrt(len(gaps))
        lines.append(
            f"| {name} | {', '.join(f'{g:+.3f}' for g in gaps)} | {np.mean(gaps):+.3f} ({se:.3f}) | {inside} of 8 |"
        )
    return lines


def main() -> int:
    start = time.perf_counter()
    tables = validity.load_tables()
    print("\n".join(seeds(tables)))
    print()
    print("\n".join(splits(tables)))
    print(f"\n({time.perf_counter() - start:.0f} s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

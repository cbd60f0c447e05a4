"""Floors and ceilings of ``mutual_information`` and ``correlation`` on real tables.

Each table is split, seeded, into two disjoint halves: the real data and fresh real rows of the
same size. Scored against the real half: the fresh half (what a perfect generator gives), the real
half itself (a copy), the fresh half with every column shuffled on its own (independent columns),
and uniform garbage (numeric columns uniform over the real range, the others uniform over the real
values). The table gives the mean over ``--seeds`` splits and, in brackets, the lowest fresh and
the highest floor score. Run from the repository root::

    PYTHONPATH=. python bench/floors.py            # about 2 minutes on 2 cores
    PYTHONPATH=. python bench/floors.py --tables fair wine --seeds 3
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from dependence_tables import TABLES, halves, independent, load, uniform  # noqa: E402

import sdq  # noqa: E402

METRICS = ("mutual_information", "correlation")
VARIANTS = ("copy", "fresh", "independent columns", "uniform garbage")


def run(table: str, seeds: int) -> dict:
    frame = load(table)
    scores = {(m, v): [] for m in METRICS for v in VARIANTS}
    for seed in range(seeds):
        real, fresh = halves(frame, seed)
        rng = np.random.default_rng(1000 + seed)
        variants = {
            "copy": real,
            "fresh": fresh,
            "independent columns": independent(fresh, rng),
            "uniform garbage": uniform(fresh, real, rng),
        }
        for name, synthetic in variants.items():
            report = sdq.evaluate(real, synthetic, metrics=list(METRICS), config=sdq.Config(n_bootstrap=0, seed=seed))
            for m in METRICS:
                result = report[m]
                scores[(m, name)].append(result.score if result.status == "ok" else np.nan)
    return {"rows": len(frame) // 2, "scores": scores}


def render(results: dict, seeds: int) -> str:
    lines = [
        f"| table (rows per half) | metric | {' | '.join(VARIANTS)} |",
        "| --- | --- |" + " ---: |" * len(VARIANTS),
    ]
    for table, res in results.items():
        for m in METRICS:
            cells = []
            for v in VARIANTS:
                x = np.array(res["scores"][(m, v)], dtype=float)
                extreme = np.nanmin(x) if v == "fresh" else np.nanmax(x)
                cells.append(f"{np.nanmean(x):.3f}" + (f" ({extreme:.3f})" if seeds > 1 and v != "copy" else ""))
            lines.append(f"| {table} ({res['rows']:,}) | `{m}` | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", nargs="+", default=list(TABLES), choices=TABLES)
    parser.add_argument("--seeds", type=int, default=5, help="splits per table (default: %(default)s)")
    args = parser.parse_args(argv)
    results = {}
    for table in args.tables:
        start = time.perf_counter()
        results[table] = run(table, args.seeds)
        print(f"{table}: {time.perf_counter() - start:.0f} s", file=sys.stderr)
    print(render(results, args.seeds))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

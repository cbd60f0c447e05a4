"""The exact nearest-neighbour kernel (``sdq.metrics.privacy.knn.nearest``) against faiss's exact
``IndexFlatL2``, on one thread each, on the privacy encoding of the ``make_data.py`` frames: the
synthetic rows (queries) against the training rows (reference), for the ``k`` the privacy metrics
ask for. Runs alternate (faiss, sdq, faiss, sdq, ...) so a busy machine slows both alike; the
medians, their ratio and whether both return the same neighbours are printed and, with ``--out``,
written as JSON. faiss is not a dependency of sdq: install it (``pip install faiss-cpu``) to run this.

    PYTHONPATH=. python bench/bench_knn.py --rows 100000 --queries 10000 --repeats 3 --out bench/results/knn.json
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def encoded(rows: int) -> tuple[np.ndarray, np.ndarray]:
    from make_data import load

    from sdq.config import Config
    from sdq.data import build_tables
    from sdq.metrics.privacy.distance import vectors
    from sdq.prepare import prepare
    from sdq.schema import fit_schema

    frames = load(rows)
    config = Config()
    schema = fit_schema(frames["train"])
    prepared = prepare(build_tables(schema, frames["train"], frames["synthetic"], frames["holdout"]), config)
    return vectors(prepared, "real"), vectors(prepared, "synthetic")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=10_000)
    parser.add_argument("--k", type=int, nargs="+", default=[1, 2, 8, 100])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out")
    args = parser.parse_args(argv)
    import faiss

    from sdq.metrics.privacy.knn import nearest

    reference, synthetic = encoded(args.rows)
    queries = np.ascontiguousarray(synthetic[: args.queries])
    faiss.omp_set_num_threads(1)
    index = faiss.IndexFlatL2(reference.shape[1])
    index.add(reference)
    results = []
    for k in args.k:
        times: dict[str, list[float]] = {"faiss": [], "sdq": []}
        for _ in range(args.repeats):
            started = time.perf_counter()
            _, f_pos = index.search(queries, k)
            times["faiss"].append(time.perf_counter() - started)
            with threadpool_limits(1):
                started = time.perf_counter()
                _, s_pos = nearest(reference, queries, k)
                times["sdq"].append(time.perf_counter() - started)
        med = {name: statistics.median(t) for name, t in times.items()}
        row = {
            "k": k,
            "faiss_s": round(med["faiss"], 3),
            "sdq_s": round(med["sdq"], 3),
            "speedup": round(med["faiss"] / med["sdq"], 2),
            "same_neighbours": float(np.mean(f_pos == s_pos)),
            "runs": times,
        }
        results.append(row)
        print(
            f"k={k:4d}  faiss {row['faiss_s']:7.2f} s  sdq {row['sdq_s']:7.2f} s  x{row['speedup']:.2f}  same {row['same_neighbours']:.5f}"
        )
    if args.out:
        out = {
            "rows": args.rows,
            "queries": len(queries),
            "dimensions": int(reference.shape[1]),
            "repeats": args.repeats,
            "results": results,
            "machine": {
                "nproc": os.cpu_count(),
                "python": platform.python_version(),
                "loadavg_before": os.getloadavg(),
            },
            "command": "PYTHONPATH=. python bench/bench_knn.py " + " ".join(argv if argv is not None else sys.argv[1:]),
        }
        Path(args.out).write_text(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

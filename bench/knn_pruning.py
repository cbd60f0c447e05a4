"""Could an exact index skip part of the privacy search? The share of reference blocks that bounding
balls would still have to search.

The exact search (``sdq.metrics.privacy.knn.nearest``) computes every query's products with every
reference row. An exact index can skip a block of reference rows for a query when the block's
bounding ball lies farther than the query's k-th neighbour: ``|q - centre| - radius > d_k(q)``.
This script gives such an index every advantage: the reference rows are grouped by k-means
(seeded, six rounds on a sample, ``rows / 4,096`` centres) and cut into blocks of 4,096 rows in
cluster order; the queries' true k-th distances are known in advance (an index learns them as it
goes). It prints the share of blocks each query would still search, and the share a block of
queries (sorted by cluster, as an index would batch them) would search: the products an index
could at best save. On the privacy encoding of the 1M benchmark rows (84 dimensions), 4,000
synthetic queries, k = 8: 96% per query, 100% for blocks of 32 to 512 queries, so the exact
search stays a plain pass over every block.

    PYTHONPATH=. python bench/knn_pruning.py --rows 1000000 --queries 4000 --k 8
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

BLOCK = 4_096


def _assign(x: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """The nearest centre of every row (by blocks of rows)."""
    norms = np.einsum("ij,ij->i", centres, centres)
    out = np.empty(len(x), dtype=np.int64)
    for s in range(0, len(x), 65_536):
        out[s : s + 65_536] = np.argmin(norms[None, :] - 2 * x[s : s + 65_536] @ centres.T, axis=1)
    return out


def needed_shares(reference: np.ndarray, queries: np.ndarray, k: int, seed: int = 0) -> dict:
    from sdq.metrics.privacy.knn import nearest

    kth = np.sqrt(np.maximum(nearest(reference, queries, k)[0][:, -1], 0.0))
    rng = np.random.default_rng(seed)
    n = len(reference)
    n_centres = max(1, n // BLOCK)
    centres = reference[rng.choice(n, n_centres, replace=False)].copy()
    sample = reference[rng.choice(n, min(n, 50 * n_centres), replace=False)]
    for _ in range(6):
        labels = _assign(sample, centres)
        for c in range(n_centres):
            members = labels == c
            if members.any():
                centres[c] = sample[members].mean(axis=0)
    ordered = reference[np.argsort(_assign(reference, centres), kind="stable")]
    blocks = [ordered[s : s + BLOCK] for s in range(0, n, BLOCK)]
    block_centres = np.stack([b.mean(axis=0) for b in blocks])
    radii = np.array([np.sqrt(((b - c) ** 2).sum(axis=1).max()) for b, c in zip(blocks, block_centres)])
    to_centres = np.sqrt(
        np.maximum(
            np.einsum("ij,ij->i", queries, queries)[:, None]
            + np.einsum("ij,ij->i", block_centres, block_centres)[None, :]
            - 2 * queries @ block_centres.T,
            0.0,
        )
    )
    needed = to_centres - radii[None, :] <= kth[:, None]  # query x block: the ball may hold a neighbour
    order = np.argsort(_assign(queries, centres), kind="stable")
    out = {"per_query": float(needed.mean())}
    for size in (32, 128, 512):
        groups = [order[s : s + size] for s in range(0, len(order), size)]
        out[f"per_{size}_queries"] = float(np.mean([needed[g].any(axis=0).mean() for g in groups]))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=4_000)
    parser.add_argument("--k", type=int, default=8)
    args = parser.parse_args(argv)
    from bench_knn import encoded

    reference, queries = encoded(args.rows)
    with threadpool_limits(1):
        shares = needed_shares(reference, queries[: args.queries], args.k)
    print(
        f"{len(reference):,} reference rows x {reference.shape[1]} dimensions, {args.queries:,} queries, k = {args.k}"
    )
    for name, share in shares.items():
        print(f"  blocks still searched, {name.replace('_', ' ')}: {share:.1%}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

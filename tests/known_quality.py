"""Synthetic data of known quality, made from real rows, for tests that must rank them."""

from __future__ import annotations

import numpy as np
import pandas as pd


def shuffled(frame: pd.DataFrame, seed: int = 0) -> pd.DataFrame:
    """Every column shuffled on its own: marginals kept, dependence between columns broken."""
    rng = np.random.default_rng(seed)
    return frame.apply(lambda c: c.to_numpy()[rng.permutation(len(c))])


def most_isolated(frame: pd.DataFrame, share: float = 0.01, k: int = 5) -> np.ndarray:
    """Positions of the ``share`` of rows farthest from their ``k``-th nearest other row (a
    generator's own idea of outliers, not sdq's): numeric columns as ranks, the others one-hot."""
    from sklearn.neighbors import NearestNeighbors

    parts = []
    for c in frame.columns:
        x = frame[c]
        if pd.api.types.is_numeric_dtype(x) and not pd.api.types.is_bool_dtype(x) and x.nunique() > 2:
            parts.append(x.rank(pct=True).to_numpy()[:, None])
        else:
            parts.append(pd.get_dummies(x.astype(str)).to_numpy(dtype=float) / np.sqrt(2))
    points = np.hstack(parts)
    distances, _ = NearestNeighbors(n_neighbors=k + 1).fit(points).kneighbors(points)
    return np.argsort(-distances[:, k], kind="stable")[: max(1, round(share * len(frame)))]


def memorised_outliers(train: pd.DataFrame, fresh: pd.DataFrame, share: float = 0.01, seed: int = 0) -> pd.DataFrame:
    """Fresh rows with the training data's most isolated ``share`` put in their place, each kept
    near its real row: continuous columns (more than 50 values) moved by 1% of their standard
    deviation within the real range, the others copied. It keeps the real outliers (what fraud
    detection needs) and leaks them (what a health-data release must not)."""
    rng = np.random.default_rng(seed)
    rows = train.iloc[most_isolated(train, share)].copy()
    for c in train.columns:
        x = train[c]
        if pd.api.types.is_float_dtype(x) and x.nunique() > 50:
            rows[c] = (rows[c] + rng.normal(0, 0.01 * float(x.std()), len(rows))).clip(x.min(), x.max())
    return pd.concat([rows, fresh.iloc[len(rows) :]]).reset_index(drop=True)


def clipped_tails(fresh: pd.DataFrame, train: pd.DataFrame, q: float = 0.05) -> pd.DataFrame:
    """Fresh rows with every numeric column (more than two values) clipped to the training rows'
    ``q`` and ``1 - q`` quantiles: no tails, no outliers (safe for a release, useless for fraud)."""
    out = fresh.copy()
    for c in train.columns:
        x = train[c]
        if pd.api.types.is_numeric_dtype(x) and not pd.api.types.is_bool_dtype(x) and x.nunique() > 2:
            low, high = x.quantile([q, 1 - q])
            out[c] = out[c].clip(low, high)
    return out

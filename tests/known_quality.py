"""Synthetic data of known quality, made from real rows, for tests that must rank them."""

from __future__ import annotations

import numpy as np
import pandas as pd


def shuffled(frame: pd.DataFrame, seed: int = 0) -> pd.DataFrame:
    """Every column shuffled on its own: marginals kept, dependence between columns broken."""
    rng = np.random.default_rng(seed)
    return frame.apply(lambda c: c.to_numpy()[rng.permutation(len(c))])

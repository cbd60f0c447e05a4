"""Shared fixtures of sdq's test suite.

Small frames are built fresh for every test (cheap, and no test can leak a modification into
another); the real data sets (the Fair survey embedded through statsmodels) are loaded once per
session and handed out as copies.
"""

from __future__ import annotations

import os

# OpenMP threads that spin while waiting make the tree models (xgboost) 10-30 times slower when the
# machine's cores are busy with anything else (a shared CI runner); waiting passively keeps the
# suite's run time predictable. Must be set before any OpenMP runtime is loaded.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

import sdq  # noqa: E402

N_MIXED = 120


def _mixed(n: int, seed: int) -> pd.DataFrame:
    """A small frame with one column of every kind sdq infers, and missing values.

    ``num`` and ``num2`` are correlated floats (``num`` has about 10% missing), ``when`` a datetime
    column, ``cat`` strings with a few missing, ``flag`` booleans, ``code`` integers with few
    values, ``row_id`` a counter, ``const`` a single value and ``empty`` all missing.
    """
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    num = np.where(rng.random(n) < 0.1, np.nan, x)
    cat = rng.choice(["red", "green", "blue", "grey"], p=[0.4, 0.3, 0.2, 0.1], size=n).astype(object)
    cat[rng.random(n) < 0.05] = None
    return pd.DataFrame(
        {
            "num": num,
            "num2": 0.7 * x + 0.5 * rng.normal(size=n),
            "when": pd.Timestamp("2021-01-01") + pd.to_timedelta(rng.integers(0, 365, size=n), unit="D"),
            "cat": cat,
            "flag": rng.random(n) < 0.35 + 0.3 * (x > 0),
            "code": rng.integers(1, 5, size=n),
            "row_id": np.arange(1000, 1000 + n),
            "const": ["same"] * n,
            "empty": pd.Series([None] * n, dtype=object),
        }
    )


@pytest.fixture
def mixed_factory():
    """``make(n=120, seed=0)``: a fresh mixed-type frame (see ``_mixed``)."""

    def make(n: int = N_MIXED, seed: int = 0) -> pd.DataFrame:
        return _mixed(n, seed)

    return make


@pytest.fixture
def mixed_frame() -> pd.DataFrame:
    """A fresh mixed-type frame of 120 rows with NaN, a datetime, a categorical, a boolean, an id,
    a constant and an all-empty column."""
    return _mixed(N_MIXED, 0)


@pytest.fixture
def mixed_triple() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(real, synthetic, holdout) drawn from the same process, of sizes 120, 100 and 100."""
    return _mixed(N_MIXED, 0), _mixed(100, 1), _mixed(100, 2)


@pytest.fixture(scope="session")
def mixed_triple_shared() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The frames of ``mixed_triple``, built once per session: for module-scoped fixtures that
    evaluate them once (which must not modify them; pass copies on)."""
    return _mixed(N_MIXED, 0), _mixed(100, 1), _mixed(100, 2)


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory):
    """``sdq demo`` run once per session: (the folder it wrote demo.html and demo.json to, what it
    printed)."""
    import contextlib
    import io

    from sdq.cli import main

    out = tmp_path_factory.mktemp("demo")
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        assert main(["demo", "--output-dir", str(out)]) == 0
    return out, printed.getvalue()


@pytest.fixture(scope="session")
def fast_config() -> sdq.Config:
    """Few bootstrap resamples: for tests where intervals are not the point."""
    return sdq.Config(n_bootstrap=20)


@pytest.fixture(scope="session")
def _fair_parts() -> tuple[pd.DataFrame, pd.DataFrame]:
    from sdq.demo.data import load_fair, split

    return split(load_fair(), holdout_share=0.3, seed=0)


@pytest.fixture
def fair_split(_fair_parts) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The statsmodels ``fair`` survey (real data) as (train, holdout), 70% / 30%, fresh copies."""
    train, holdout = _fair_parts
    return train.copy(), holdout.copy()


@pytest.fixture(scope="session")
def fair_500() -> tuple[pd.DataFrame, pd.DataFrame]:
    """500 rows of the ``fair`` survey as (train, holdout), 70% / 30%: for quick gate tests."""
    from sdq.demo.data import load_fair, split

    data = load_fair().sample(500, random_state=0).reset_index(drop=True)
    return split(data, holdout_share=0.3, seed=0)

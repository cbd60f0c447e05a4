"""Benchmark inputs for sdq: train, holdout and synthetic frames of any size, made from real data.

The source is the RAND Health Insurance Experiment extract that ships with statsmodels
(``statsmodels.datasets.randhie``: 20,190 people, 10 numeric variables, public domain; see its
``NOTE``). Every frame is built the same way, fully vectorised and seeded:

1. draw N source rows with replacement;
2. add small Gaussian noise to the continuous variables (``lpi``, ``fmde``, ``disea``), leaving
   their point mass at 0 in place (they are logs of ``max(1, x)`` and never negative);
3. derive the other columns (bands of numeric columns, plan labels, a region with 8 levels, a
   clinic with 504 levels nested in the region, an enrolment date, costs, a count);
4. blank about 5% of the values of four columns (``disea``, ``annual_cost``, ``region``,
   ``enrolled``).

This gives 20 columns: 9 numeric (3 of them integer counts), 8 categorical strings, 2 booleans and
1 datetime. ``region``, ``clinic``, ``enrolled`` and the cost model are invented (the source has no
such variables); every other column is, or is derived from, a source variable.

* ``train``: N rows, the recipe above.
* ``holdout``: N // 2 rows, the same recipe with another seed (what a perfect generator would give).
* ``synthetic``: N rows, a degraded copy: an independent resample with noise 8x larger,
  +-1 jitter on a quarter of the visit counts, 3% of ``health`` relabelled at random, a higher
  missing rate (8%), and three columns (``region``, ``enrolled``, ``annual_cost``) shuffled
  independently, which breaks their dependence on the other columns. Scores are therefore
  clearly below 1 (and below the holdout baseline).

Frames are cached as Parquet under ``bench/data/`` (git-ignored), one set per (N, seed, version).

Usage::

    python bench/make_data.py --rows 10000 100000 1000000          # build the cache
    python bench/make_data.py --rows 10000 --describe              # and print a summary

From Python: ``frames = load(100_000)`` returns ``{"train": ..., "holdout": ..., "synthetic": ...}``
(read from the cache, built first if missing).
"""

from __future__ import annotations

import argparse
import functools
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

#: Bump when the recipe changes, so stale caches are not reused.
VERSION = 1
DATA_DIR = Path(__file__).resolve().parent / "data"
ROLES = ("train", "holdout", "synthetic")

REGIONS = np.array(
    ["North East", "Mid Atlantic", "South East", "Great Lakes", "Plains", "South West", "Mountain", "Pacific"],
    dtype=object,
)
CLINICS_PER_REGION = 63  # 8 x 63 = 504 clinic levels
HEALTH = np.array(["excellent", "good", "fair", "poor"], dtype=object)
COINSURANCE = np.array(["0%", "25%", "50%", "95%", "100%"], dtype=object)
PLANS = np.array([f"coinsurance {c}" for c in COINSURANCE] + ["individual deductible"], dtype=object)
VISITS_BAND = np.array(["0", "1-2", "3-5", "6-10", "11+"], dtype=object)
CHRONIC_BAND = np.array(["low", "medium", "high", "very high"], dtype=object)
INCENTIVE_BAND = np.array(["none", "low", "mid", "high", "top"], dtype=object)
ENROL_START = np.datetime64("1974-11-01T00:00:00", "s")
ENROL_SPAN_DAYS = 5 * 365
COLUMNS = (
    "mdvis",
    "lncoins",
    "coinsurance",
    "idp",
    "plan",
    "lpi",
    "incentive_band",
    "fmde",
    "physlm",
    "any_limitation",
    "disea",
    "chronic_band",
    "health",
    "visits_band",
    "visits_next_year",
    "region",
    "clinic",
    "enrolled",
    "annual_cost",
    "out_of_pocket",
)


@functools.lru_cache(maxsize=1)
def source() -> dict[str, np.ndarray]:
    """The randhie columns as numpy arrays (20,190 rows)."""
    from statsmodels.datasets import randhie

    data = randhie.load_pandas().data
    return {c: data[c].to_numpy() for c in data.columns}


def _labels(table: np.ndarray, codes: np.ndarray, missing: np.ndarray | None = None) -> pd.Series:
    """Strings ``table[codes]`` (None where ``missing``), built by pyarrow without Python objects."""
    import pyarrow as pa

    taken = pa.array(list(table), type=pa.string()).take(pa.array(codes, mask=missing))
    return pd.Series(taken.to_pandas(), copy=False)


def _noisy(x: np.ndarray, scale: float, rng: np.random.Generator) -> np.ndarray:
    """x plus N(0, scale * sd(x)) noise on positive values; zeros stay zero, nothing goes below 0."""
    sd = float(np.std(x))
    out = x + rng.normal(0.0, scale * sd, size=len(x)) * (x > 0)
    return np.maximum(out, 0.0)


def make_frame(
    n: int, rng: np.random.Generator, *, noise: float = 0.02, missing: float = 0.05, degrade: bool = False
) -> pd.DataFrame:
    """One frame of ``n`` rows (see the module docstring). ``degrade`` adds the synthetic's defects."""
    src = source()
    rows = rng.integers(0, len(src["mdvis"]), size=n)
    s = {k: v[rows] for k, v in src.items()}

    mdvis = s["mdvis"].astype(np.int64)
    if degrade:
        jitter = rng.integers(-1, 2, size=n) * (rng.random(n) < 0.25)
        mdvis = np.maximum(mdvis + jitter, 0)
    lncoins = s["lncoins"].astype(float)
    coins_code = np.searchsorted(np.array([0.0, 3.258096, 3.931826, 4.564348, 4.61512]), lncoins - 1e-6)
    coins_share = np.array([0.0, 0.25, 0.50, 0.95, 1.0])[coins_code]
    idp = s["idp"].astype(bool)
    plan_code = np.where(idp, len(PLANS) - 1, coins_code)
    lpi = _noisy(s["lpi"], noise, rng)
    fmde = _noisy(s["fmde"], noise, rng)
    disea_full = _noisy(s["disea"], noise, rng)
    physlm = s["physlm"].astype(float)

    health_code = np.select([s["hlthp"] == 1, s["hlthf"] == 1, s["hlthg"] == 1], [3, 2, 1], default=0)
    if degrade:
        flip = rng.random(n) < 0.03
        health_code = np.where(flip, rng.integers(0, 4, size=n), health_code)

    # region depends on the incentive payment (lpi quartile), clinic is nested in region
    lpi_q = np.searchsorted(np.quantile(src["lpi"], [0.25, 0.5, 0.75]), lpi, side="right")
    region_code = 2 * lpi_q + (rng.random(n) < 0.5)
    reassign = rng.random(n) < 0.2
    region_code = np.where(reassign, rng.integers(0, len(REGIONS), size=n), region_code)
    clinic_rank = np.minimum((CLINICS_PER_REGION * rng.random(n) ** 2.5).astype(np.int64), CLINICS_PER_REGION - 1)
    clinic_code = region_code * CLINICS_PER_REGION + clinic_rank
    clinic_table = np.array(
        [f"{REGIONS[r][:2].upper()}-{k:03d}" for r in range(len(REGIONS)) for k in range(CLINICS_PER_REGION)],
        dtype=object,
    )

    # enrolment date: later enrolment for people on free care (a mild dependence), seconds resolution
    days = rng.integers(0, ENROL_SPAN_DAYS, size=n) + np.where(coins_code == 0, rng.integers(0, 180, size=n), 0)
    seconds = days * 86_400 + rng.integers(8 * 3600, 18 * 3600, size=n)
    enrolled = (ENROL_START + seconds.astype("timedelta64[s]")).astype("datetime64[ns]")

    price = np.exp(rng.normal(np.log(45.0), 0.35 * (1 + 2 * degrade), size=n))
    annual_cost = mdvis * price + np.where(disea_full > 0, 4.0 * disea_full, 0.0)
    out_of_pocket = annual_cost * coins_share
    visits_next_year = rng.poisson(0.7 * mdvis + 0.5).astype(np.int64)

    miss = {c: rng.random(n) < missing for c in ("disea", "annual_cost", "region", "enrolled")}
    disea = np.where(miss["disea"], np.nan, disea_full)
    annual_cost = np.where(miss["annual_cost"], np.nan, annual_cost)
    enrolled[miss["enrolled"]] = np.datetime64("NaT")

    frame = pd.DataFrame(
        {
            "mdvis": mdvis,
            "lncoins": lncoins,
            "coinsurance": _labels(COINSURANCE, coins_code),
            "idp": idp,
            "plan": _labels(PLANS, plan_code),
            "lpi": lpi,
            "incentive_band": _labels(INCENTIVE_BAND, np.searchsorted([0.5, 4.0, 6.0, 6.6], lpi, side="right")),
            "fmde": fmde,
            "physlm": physlm,
            "any_limitation": physlm > 0,
            "disea": disea,
            "chronic_band": _labels(CHRONIC_BAND, np.searchsorted([5.0, 10.0, 20.0], disea_full, side="right")),
            "health": _labels(HEALTH, health_code),
            "visits_band": _labels(VISITS_BAND, np.searchsorted([1, 3, 6, 11], mdvis, side="right")),
            "visits_next_year": visits_next_year,
            "region": _labels(REGIONS, region_code, miss["region"]),
            "clinic": _labels(clinic_table, clinic_code),
            "enrolled": enrolled,
            "annual_cost": annual_cost,
            "out_of_pocket": out_of_pocket,
        },
        columns=list(COLUMNS),
    )
    if degrade:
        for column in ("region", "enrolled", "annual_cost"):
            frame[column] = frame[column].to_numpy()[rng.permutation(n)]
    return frame


def make(n: int, seed: int = 0) -> dict[str, pd.DataFrame]:
    """The three frames for ``n`` training rows (holdout: ``n // 2`` rows)."""
    if n < 2:
        raise ValueError("n must be at least 2")
    rng = lambda role: np.random.default_rng([seed, n, ROLES.index(role)])  # noqa: E731
    return {
        "train": make_frame(n, rng("train")),
        "holdout": make_frame(n // 2, rng("holdout")),
        "synthetic": make_frame(n, rng("synthetic"), noise=0.16, missing=0.08, degrade=True),
    }


def paths(n: int, seed: int = 0, data_dir: str | os.PathLike = DATA_DIR) -> dict[str, Path]:
    return {role: Path(data_dir) / f"randhie_v{VERSION}_seed{seed}_n{n}_{role}.parquet" for role in ROLES}


def ensure(
    n: int, seed: int = 0, data_dir: str | os.PathLike = DATA_DIR, force: bool = False
) -> tuple[dict[str, Path], float | None]:
    """Write the Parquet cache for ``n`` if missing; returns the paths and the build time (None if cached)."""
    target = paths(n, seed, data_dir)
    if not force and all(p.is_file() for p in target.values()):
        return target, None
    Path(data_dir).mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    frames = make(n, seed)
    built = time.perf_counter() - t0
    for role, frame in frames.items():
        tmp = target[role].with_name(target[role].name + ".tmp")
        frame.to_parquet(tmp, index=False)
        os.replace(tmp, target[role])
    return target, built


def load(n: int, seed: int = 0, data_dir: str | os.PathLike = DATA_DIR) -> dict[str, pd.DataFrame]:
    """The three frames for ``n``, read from the cache (built first if missing)."""
    target, _ = ensure(n, seed, data_dir)
    return {role: pd.read_parquet(p) for role, p in target.items()}


def describe(frames: dict[str, pd.DataFrame]) -> str:
    train = frames["train"]
    lines = [f"{role}: {len(f):,} rows x {f.shape[1]} columns" for role, f in frames.items()]
    lines.append(f"{'column':<18} {'dtype':<16} {'distinct':>8} {'missing':>8}")
    for c in train.columns:
        lines.append(f"{c:<18} {str(train[c].dtype):<16} {train[c].nunique():>8} {train[c].isna().mean():>8.3f}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--rows",
        type=int,
        nargs="+",
        default=[10_000, 100_000, 1_000_000],
        help="training rows per data set (holdout gets half)",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data-dir", default=str(DATA_DIR))
    parser.add_argument("--force", action="store_true", help="rebuild even if cached")
    parser.add_argument("--describe", action="store_true", help="print the columns of each data set")
    args = parser.parse_args(argv)
    for n in args.rows:
        target, built = ensure(n, args.seed, args.data_dir, args.force)
        size = sum(p.stat().st_size for p in target.values()) / 2**20
        what = "cached" if built is None else f"built in {built:.2f} s"
        print(f"n={n:,}: {what}; {size:.1f} MB of Parquet in {Path(args.data_dir)}", file=sys.stderr)
        if args.describe:
            print(describe({role: pd.read_parquet(p) for role, p in target.items()}))
    return 0


if __name__ == "__main__":
    sys.exit(main())

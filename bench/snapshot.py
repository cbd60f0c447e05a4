"""Reports without their manifest, for checking that a change leaves every number as it was.

Writes, into ``--out``:

* ``demo.json``: the demo's report (``sdq demo``'s data, generator and seed);
* ``bench-<N>.json``: the full report on the benchmark data of ``bench/make_data.py`` at N rows
  (train, holdout, synthetic), with a target, so the model metrics run too, and every seventh
  holdout row as the sensitive records;
* ``timeseries.json``: a report on statsmodels' ``macrodata`` with a time column.

Each file is the report's JSON with the ``manifest`` (times, versions, dates) removed, so two
snapshots of the same code are byte-identical. Compare two snapshots with ``diff -r``.

Usage::

    python bench/snapshot.py --out /tmp/before            # on the old commit
    python bench/snapshot.py --out /tmp/after             # on the new one
    diff -r /tmp/before /tmp/after && echo identical

``--drop metrics.*.about`` leaves out a field that the newer code adds (``*``: every item of a
list), so that the rest can be compared with a snapshot of code that did not have it.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))  # the sdq of this checkout, whatever else is installed


def _drop(data, path: list[str]) -> None:
    """Remove ``path`` (keys, ``*`` for every item of a list) from ``data`` where present."""
    key, rest = path[0], path[1:]
    items = data if key == "*" and isinstance(data, list) else [data]
    for item in items:
        if key == "*":
            _drop(item, rest) if rest else None
        elif isinstance(item, dict) and key in item:
            if rest:
                _drop(item[key], rest)
            else:
                del item[key]


def _without_manifest(report, drop: list[str] = ()) -> str:
    data = report.to_dict()
    data.pop("manifest", None)
    for path in drop:
        _drop(data, path.split("."))
    return json.dumps(data, indent=1, allow_nan=False, ensure_ascii=False, sort_keys=True)


def _demo():
    """The demo's frames: statsmodels' ``fair``, split 70/30, synthetic rows from the demo's copula."""
    try:  # the demo package
        from sdq.demo import GaussianCopula, load_fair, split
    except ImportError:  # before the demo had a package of its own
        from sdq.demo.copula import GaussianCopula
        from sdq.demo.data import load_fair, split
    train, holdout = split(load_fair(), holdout_share=0.3, seed=0)
    synthetic = GaussianCopula().fit(train, seed=0).sample(len(train), seed=1)
    return train, holdout, synthetic, "had_affair"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", required=True)
    parser.add_argument("--rows", type=int, default=5_000, help="rows of the benchmark data (default 5000)")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument(
        "--drop",
        action="append",
        default=[],
        metavar="PATH",
        help="leave out a field added since the snapshot compared with, e.g. metrics.*.about (repeatable)",
    )
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    import make_data
    import pandas as pd

    import sdq

    real, holdout, synthetic, target = _demo()
    report = sdq.evaluate(real, synthetic, holdout=holdout, target=target, seed=0, jobs=args.jobs)
    (out / "demo.json").write_text(_without_manifest(report, args.drop), encoding="utf-8")

    frames = make_data.make(args.rows, seed=0)
    report = sdq.evaluate(
        frames["train"],
        frames["synthetic"],
        holdout=frames["holdout"],
        target="health",
        sensitive=frames["holdout"].iloc[::7],
        seed=0,
        jobs=args.jobs,
    )
    (out / f"bench-{args.rows}.json").write_text(_without_manifest(report, args.drop), encoding="utf-8")

    from statsmodels.datasets import macrodata

    macro = macrodata.load_pandas().data[["year", "quarter", "realgdp", "realcons", "infl", "unemp"]].copy()
    macro["t"] = pd.PeriodIndex.from_fields(
        year=macro["year"].astype(int), quarter=macro["quarter"].astype(int), freq="Q"
    ).to_timestamp()
    macro = macro.drop(columns=["year", "quarter"])
    real, holdout = macro.iloc[:140], macro.iloc[60:]
    noisy = macro.iloc[:140].copy()
    noisy[["realgdp", "infl"]] = noisy[["realgdp", "infl"]].sample(frac=1.0, random_state=0).to_numpy()
    report = sdq.evaluate(real, noisy, holdout=holdout, time_column="t", seed=0, jobs=args.jobs)
    (out / "timeseries.json").write_text(_without_manifest(report, args.drop), encoding="utf-8")
    print(f"wrote {sorted(p.name for p in out.iterdir())} to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The validity table: how sdq's fidelity metrics, verdict and gates score data of known quality.

Real tables that ship with installed packages (no downloads) are split, seeded, into a training
part (50%), a holdout (25%) and fresh rows (25%). Variants of known quality are made from the fresh
rows (the copy from the training rows) and each is scored against the training part with the
holdout as baseline. The result is a Markdown file (``docs/validity.md`` by default) with one table
per real table: every fidelity metric that runs on tables, the fidelity family score, its verdict
and the outcome of two gates.

Run from the repository root::

    PYTHONPATH=. python bench/validity.py
    PYTHONPATH=. python bench/validity.py --tables fair --out /tmp/validity.md

Scores are deterministic: every random step is seeded.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

import sdq
from sdq.demo import load_fair
from sdq.gates import load_config, starter_config
from sdq.result.verdict import wording

SEED = 0
N_BOOTSTRAP = 50
STARTER_GATE = "fidelity=0.9*baseline"
#: Fidelity metrics that need a time or entity column; they do not run on plain tables.
TIME_SERIES = {"autocorrelation", "partial_autocorrelation", "sequence_length", "first_differences", "seasonal_profile"}


@dataclass
class Table:
    name: str
    frame: pd.DataFrame
    target: str
    about: str
    shift: str  # numeric column shifted by 4 sd
    categorical: str | None  # categorical whose frequencies are reversed
    ordinal: str | None  # few-valued rating whose scale is reversed
    ordinal_order: list | None  # its values from lowest to highest
    binary_target: bool  # whether the target is binary (0/1 or bool)
    skipped: dict[str, str]  # variant -> why it does not apply


def load_tables() -> dict[str, Table]:
    import statsmodels.datasets.randhie as randhie
    from sklearn.datasets import load_breast_cancer

    from sdq.demo.data import RATE_MARRIAGE_LABELS

    fair = load_fair()
    rh = randhie.load_pandas().data
    bc = load_breast_cancer(as_frame=True).frame
    return {
        "fair": Table(
            "fair",
            fair,
            "had_affair",
            "statsmodels' Fair affairs survey as sdq's demo reads it (`sdq.demo.load_fair()`): "
            "6,366 rows, 3 banded numeric columns, 5 labelled categorical ones, target `had_affair` (bool). "
            "`tails` skips every column (none has more than 10 distinct values), so its cells are empty.",
            shift="age",
            categorical="occupation",
            ordinal="rate_marriage",
            ordinal_order=list(RATE_MARRIAGE_LABELS.values()),
            binary_target=True,
            skipped={},
        ),
        "randhie": Table(
            "randhie",
            rh,
            "hlthg",
            "statsmodels' RAND health insurance experiment (`statsmodels.datasets.randhie`): 20,190 rows, "
            "10 numeric columns, target `hlthg` (self-rated health good, 0/1). `lncoins` (log coinsurance, "
            "5 ordered plan levels) serves as both the categorical (frequencies reversed) and the "
            "ordinal scale (its 5 values in reverse order).",
            shift="lpi",
            categorical="lncoins",
            ordinal="lncoins",
            ordinal_order=None,
            binary_target=True,
            skipped={},
        ),
        "breast_cancer": Table(
            "breast_cancer",
            bc,
            "target",
            "sklearn's breast cancer data (`load_breast_cancer(as_frame=True).frame`): 569 rows, "
            "30 continuous columns, target `target` (0/1).",
            shift="mean radius",
            categorical=None,
            ordinal=None,
            ordinal_order=None,
            binary_target=True,
            skipped={
                "one categorical flipped": "no categorical column besides the target",
                "ordinal scale reversed": "no rating column: every feature is continuous",
            },
        ),
    }


def split(frame: pd.DataFrame, seed: int = SEED) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Training (50%), holdout (25%) and fresh (25%) rows, from one seeded permutation."""
    order = np.random.default_rng(seed).permutation(len(frame))
    n_train, n_holdout = len(frame) // 2, len(frame) // 4
    parts = order[:n_train], order[n_train : n_train + n_holdout], order[n_train + n_holdout :]
    return tuple(frame.iloc[p].reset_index(drop=True) for p in parts)


def numeric_columns(frame: pd.DataFrame) -> list[str]:
    return [
        c for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c]) and not pd.api.types.is_bool_dtype(frame[c])
    ]


def _shuffled(frame: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    return pd.DataFrame({c: frame[c].to_numpy()[rng.permutation(len(frame))] for c in frame.columns})


def _uniform(frame: pd.DataFrame, real: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    out = {}
    numeric = set(numeric_columns(real))
    for c in frame.columns:
        if c in numeric:
            lo, hi = float(real[c].min()), float(real[c].max())
            values = rng.uniform(lo, hi, len(frame))
            if pd.api.types.is_integer_dtype(real[c]):
                values = np.round(values).astype(real[c].dtype)
            out[c] = values
        else:
            cats = pd.unique(real[c].dropna())
            out[c] = cats[rng.integers(0, len(cats), len(frame))]
    return pd.DataFrame(out)


def _flip_frequencies(column: pd.Series) -> pd.Series:
    """Swap the values by frequency rank: the most common becomes the rarest and vice versa."""
    counts = column.value_counts()
    ranked = list(counts.index)
    mapping = dict(zip(ranked, reversed(ranked)))
    return column.map(mapping).astype(column.dtype)


def _reverse_scale(column: pd.Series, order: list | None) -> pd.Series:
    """The k-th lowest value becomes the k-th highest (x -> max + min - x on an evenly spaced scale)."""
    values = order if order is not None else sorted(pd.unique(column.dropna()))
    mapping = dict(zip(values, reversed(values)))
    return column.map(mapping).astype(column.dtype)


def make_variants(table: Table, train: pd.DataFrame, holdout: pd.DataFrame, fresh: pd.DataFrame) -> dict:
    """Variant name -> frame, or -> the reason the variant does not apply to this table."""
    rng = np.random.default_rng(SEED)
    numeric = numeric_columns(train)
    variants: dict[str, pd.DataFrame | str] = {"fresh": fresh}

    # every fresh row against a holdout of a tenth of their number: fresh real rows at 10x the
    # holdout's size (resampling or jittering rows to make them would change their quality)
    small = holdout.iloc[np.sort(rng.choice(len(holdout), len(fresh) // 10, replace=False))]
    variants["fresh at 10x"] = (fresh, small.reset_index(drop=True))
    variants["copy"] = train

    shifted = fresh.copy()
    shifted[table.shift] = shifted[table.shift] + 4 * float(train[table.shift].std())
    variants[f"one column shifted by 4 sd (`{table.shift}`)"] = shifted

    key = "one categorical flipped"
    if table.categorical is None:
        variants[key] = table.skipped[key]
    else:
        flipped = fresh.copy()
        flipped[table.categorical] = _flip_frequencies(fresh[table.categorical])
        variants[f"{key} (`{table.categorical}`)"] = flipped

    key = "ordinal scale reversed"
    if table.ordinal is None:
        variants[key] = table.skipped[key]
    else:
        reversed_ = fresh.copy()
        reversed_[table.ordinal] = _reverse_scale(fresh[table.ordinal], table.ordinal_order)
        variants[f"{key} (`{table.ordinal}`)"] = reversed_

    key = "binary target inverted"
    if not table.binary_target:
        variants[key] = table.skipped[key]
    else:
        inverted = fresh.copy()
        y = fresh[table.target]
        inverted[table.target] = ~y if pd.api.types.is_bool_dtype(y) else 1 - y
        variants[f"{key} (`{table.target}`)"] = inverted

    clipped = fresh.copy()
    for c in numeric:
        lo, hi = fresh[c].quantile([0.01, 0.99])
        clipped[c] = fresh[c].clip(lo, hi)
    variants["tails clipped at 1st/99th percentiles"] = clipped
    variants["independent columns"] = _shuffled(fresh, rng)
    variants["uniform garbage"] = _uniform(fresh, train, rng)
    return variants


def score(train, variant, holdout, target, metrics):
    config = sdq.Config(n_bootstrap=N_BOOTSTRAP)
    return sdq.evaluate(train, variant, holdout=holdout, target=target, metrics=metrics, seed=SEED, config=config)


def run_table(table: Table, metrics: list[str]) -> dict:
    train, holdout, fresh = split(table.frame)
    variants = make_variants(table, train, holdout, fresh)
    rows, baseline, init_gate = [], None, None
    for name, variant in variants.items():
        if isinstance(variant, str):
            rows.append({"variant": name, "skipped": variant})
            continue
        variant, against = variant if isinstance(variant, tuple) else (variant, holdout)
        report = score(train, variant, against, table.target, metrics)
        if name == "fresh":
            with tempfile.TemporaryDirectory() as tmp:
                path = Path(tmp) / "sdq.toml"
                path.write_text(starter_config(report))
                init_gate = load_config(path)
            baseline = {r.name: r.baseline for r in report.metrics}
            baseline["fidelity"] = report.summary_baseline["fidelity"]
        fid = report.summary["fidelity"]
        rows.append(
            {
                "variant": name,
                "rows": len(variant),
                "scores": {r.name: (r.score if r.status == "ok" else None) for r in report.metrics},
                "fidelity": fid,
                "verdict": wording(*report.reading("fidelity"))[1],
                "starter": report.check(STARTER_GATE).passed,
                "init": report.check(init_gate).passed,
                "init_failures": [o.threshold.target for o in report.check(init_gate).failures],
            }
        )
    return {
        "table": table,
        "sizes": (len(train), len(holdout), len(fresh)),
        "rows": rows,
        "baseline": baseline,
        "init_gate": init_gate,
    }


GOOD = ("fresh", "fresh at 10x", "copy")


def _kind(variant: str) -> str:
    return variant.split(" (`")[0]


def findings(results: list[dict], metrics: list[str]) -> list[str]:
    """Facts from the numbers: where data of known bad quality passes, and how the good variants fare."""
    by_kind: dict[str, list[tuple[str, dict, dict, dict]]] = {}
    for res in results:
        fresh = next(r for r in res["rows"] if r["variant"] == "fresh")
        for row in res["rows"]:
            if "skipped" not in row:
                by_kind.setdefault(_kind(row["variant"]), []).append((res["table"].name, row, fresh, res["baseline"]))
    out = []
    for kind, cases in by_kind.items():
        if kind == "fresh":
            continue
        if kind in GOOD:
            parts = []
            for table, row, _fresh, base in cases:
                gap = row["fidelity"] - base["fidelity"]
                lower = [m for m in metrics if row["scores"].get(m) is not None and row["scores"][m] < base[m] - 0.02]
                text = f"{table} {row['fidelity']:.3f} vs baseline {base['fidelity']:.3f} ({gap:+.3f}, {row['verdict']}"
                text += f"; more than 0.02 below the baseline: {', '.join(lower)})" if lower else ")"
                parts.append(text)
            passes = sum(row["init"] for _, row, _, _ in cases)
            out.append(
                f"**{kind}** (good data): fidelity "
                + "; ".join(parts)
                + f". The init gate passes it on {passes} of {len(cases)} tables."
            )
            continue
        soft = [(t, r) for t, r, _, _ in cases if r["verdict"].startswith(("on par", "close"))]
        starter = [t for t, r, _, _ in cases if r["starter"]]
        init = [t for t, r, _, _ in cases if r["init"]]
        blind = {}
        for table, row, fresh, _ in cases:
            for m in metrics:
                s, f = row["scores"].get(m), fresh["scores"].get(m)
                if s is not None and f is not None and s >= f - 0.005:
                    blind.setdefault(m, []).append(table)
        if not (soft or starter or init):
            continue
        text = f"**{kind}** (bad data): fidelity " + "; ".join(
            f"{t} {r['fidelity']:.3f} (fresh {f['fidelity']:.3f}, {r['verdict']})" for t, r, f, _ in cases
        )
        text += f". Verdict on par or close on {len(soft)} of {len(cases)} tables"
        text += f"; the starter gate passes it on {len(starter)} of {len(cases)}"
        text += f" ({', '.join(starter)})" if starter else ""
        text += f"; the init gate on {len(init)} of {len(cases)}" + (f" ({', '.join(init)})" if init else "") + "."
        if blind:
            text += (
                " Scoring as the fresh rows do (within 0.005): "
                + "; ".join(f"`{m}` ({', '.join(ts)})" for m, ts in blind.items())
                + "."
            )
        out.append(text)
    return ["- " + line for line in out]


def _f(value) -> str:
    return "" if value is None else f"{value:.3f}"


def render(results: list[dict], metrics: list[str], command: str) -> str:
    lines = [
        "# Validity table: sdq's fidelity scores on data of known quality",
        "",
        "How today's fidelity metrics, the fidelity verdict and two gates score variants of real data whose",
        "quality is known by construction. This is a record of current behaviour, failures included; it is",
        "regenerated, not edited:",
        "",
        "```",
        command,
        "```",
        "",
        "Scores are deterministic (every random step is seeded). Each real table is split, seeded, into",
        "training rows (50%), a holdout (25%) and fresh rows (25%). Every variant is scored against the",
        f"training rows with the holdout as baseline (`sdq.evaluate(..., seed={SEED})`, `n_bootstrap={N_BOOTSTRAP}`),",
        "on the fidelity metrics that run on tables (" + ", ".join(f"`{m}`" for m in metrics) + ").",
        "",
        "Variants:",
        "",
        "- **fresh**: the fresh real rows, what a perfect generator would give.",
        "- **fresh at 10x**: the fresh rows, scored against a holdout of a tenth of their number (a seeded "
        "sample of the holdout): fresh real rows at 10 times the holdout's size.",
        "- **copy**: the training rows themselves.",
        "- **one column shifted by 4 sd**: one numeric column of the fresh rows plus 4 training standard deviations.",
        "- **one categorical flipped**: one categorical's values swapped by frequency rank (the most common "
        "becomes the rarest).",
        "- **ordinal scale reversed**: a few-valued rating's k-th lowest value becomes its k-th highest.",
        "- **binary target inverted**: y -> 1 - y (not y for a bool).",
        "- **tails clipped**: every numeric column clipped at its own 1st/99th percentiles.",
        "- **independent columns**: every column shuffled on its own (marginals kept, dependence destroyed).",
        "- **uniform garbage**: each numeric column uniform over its real range (rounded for integers), each "
        "other column uniform over its real values.",
        "",
        "Columns: each metric's score; `fidelity`, the family score (mean of the metrics); `verdict`, the "
        "reading of the family score against its baseline and range (as `sdq report` prints it); "
        f"`starter gate`, `{STARTER_GATE}` (what `sdq init` writes without a report); `init gate`, the "
        "thresholds `sdq init --from-report` writes from the *fresh* variant's report (0.05 below each "
        "family's and each metric's baseline), with the targets that failed. The baseline row is the "
        "holdout's score.",
        "",
    ]
    header = ["variant", *[f"`{m}`" for m in metrics], "fidelity", "verdict", "starter gate", "init gate"]
    for res in results:
        t = res["table"]
        n_train, n_holdout, n_fresh = res["sizes"]
        lines += [
            f"## {t.name}",
            "",
            t.about,
            f"Split: {n_train:,} training, {n_holdout:,} holdout, {n_fresh:,} fresh rows.",
            "",
        ]
        lines.append("| " + " | ".join(header) + " |")
        lines.append("| " + " | ".join(["---"] + ["---:"] * (len(metrics) + 1) + ["---"] * 3) + " |")
        base = res["baseline"]
        lines.append(
            "| *baseline (holdout)* | " + " | ".join(_f(base.get(m)) for m in [*metrics, "fidelity"]) + " | | | |"
        )
        for row in res["rows"]:
            if "skipped" in row:
                lines.append(f"| {row['variant']} | skipped: {row['skipped']} |" + " |" * (len(header) - 2))
                continue
            init = "pass" if row["init"] else "fail (" + ", ".join(row["init_failures"]) + ")"
            cells = [row["variant"], *[_f(row["scores"].get(m)) for m in metrics], _f(row["fidelity"])]
            cells += [row["verdict"], "pass" if row["starter"] else "fail", init]
            lines.append("| " + " | ".join(cells) + " |")
        lines.append("")
    lines += ["## What this shows", "", *findings(results, metrics), ""]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="docs/validity.md", help="Markdown file to write (default: %(default)s)")
    parser.add_argument("--tables", nargs="+", default=None, help="subset of: fair randhie breast_cancer")
    args = parser.parse_args(argv)
    tables = load_tables()
    chosen = args.tables or list(tables)
    unknown = sorted(set(chosen) - set(tables))
    if unknown:
        parser.error(f"unknown table(s) {unknown}; choose from {list(tables)}")
    metrics = [m for m in sdq.metric_names("fidelity") if m not in TIME_SERIES]
    results = []
    for name in chosen:
        start = time.perf_counter()
        results.append(run_table(tables[name], metrics))
        print(f"{name}: {time.perf_counter() - start:.0f} s", file=sys.stderr)
    command = "PYTHONPATH=. python bench/validity.py" + ("" if args.tables is None else " --tables " + " ".join(chosen))
    if args.out != "docs/validity.md":
        command += f" --out {args.out}"
    text = render(results, metrics, command)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(text)
    print(f"wrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The validity table: how sdq's fidelity and utility metrics, verdict and gates score data of known quality.

Real tables that ship with installed packages (no downloads) are split, seeded, into a training
part (50%), a holdout (25%) and fresh rows (25%) (``randhie_rare``, the case of scarce real rows and
a rare class: 1,000, 4,000 and 4,000 rows). Variants of known quality are made from the fresh
rows (the copy from the training rows) and each is scored against the training part with the
holdout as baseline. The result is a Markdown file (``docs/validity.md`` by default) with, per real
table: every fidelity metric that runs on tables, the fidelity family score, its verdict and the
outcome of two gates; the utility metrics with their intervals; and how much the utility metrics
and ``detection`` move when only the seed changes (the fresh rows scored with five seeds).

Run from the repository root::

    PYTHONPATH=. python bench/validity.py
    PYTHONPATH=. python bench/validity.py --tables fair --out /tmp/validity.md

Scores are deterministic: every random step is seeded.
"""

from __future__ import annotations

import argparse
import re
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
#: The starter gate before findings existed: what `sdq init` wrote without a report.
OLD_STARTER_GATE = "fidelity=0.9*baseline"
#: Fidelity metrics that need a time or entity column; they do not run on plain tables.
TIME_SERIES = {"autocorrelation", "partial_autocorrelation", "sequence_length", "first_differences", "seasonal_profile"}
#: Utility metrics (each table has a target); scored in a report of their own, so that the
#: fidelity gates read the fidelity metrics only.
UTILITY = ["prediction", "feature_importance", "augmentation", "qscore"]
#: Seeds of the stability table, and the metrics it follows.
STABILITY_SEEDS = 5
STABILITY = ["prediction", "feature_importance", "augmentation", "detection"]


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
    sizes: tuple[int, int, int] | None = None  # training, holdout and fresh rows (default: 50%, 25%, 25%)


def load_tables() -> dict[str, Table]:
    import statsmodels.datasets.randhie as randhie
    from sklearn.datasets import load_breast_cancer

    from sdq.demo.data import EDUC_LABELS, RATE_MARRIAGE_LABELS, RELIGIOUS_LABELS

    fair = load_fair()
    for column, labels in (
        ("rate_marriage", RATE_MARRIAGE_LABELS),
        ("religious", RELIGIOUS_LABELS),
        ("educ", EDUC_LABELS),
    ):
        levels = [labels[code] for code in sorted(labels)]  # the codebook's order
        fair[column] = pd.Categorical(fair[column], categories=levels, ordered=True)
    rh = randhie.load_pandas().data
    bc = load_breast_cancer(as_frame=True).frame
    # a rare class made of two rare categories (self-rated health fair: 7.7%, poor: 1.5%); the
    # health dummies that would give it away are left out
    rare = rh.assign(poor_health=(rh["hlthf"] + rh["hlthp"]) > 0).drop(columns=["hlthg", "hlthf", "hlthp"])
    return {
        "fair": Table(
            "fair",
            fair,
            "had_affair",
            "statsmodels' Fair affairs survey as sdq's demo reads it (`sdq.demo.load_fair()`), with its three "
            "rated scales (`rate_marriage`, `religious`, `educ`) as ordered pandas categories in the codebook's "
            "order (ordinal columns): 6,366 rows, 3 banded numeric columns, 3 ordinal and 2 categorical ones, "
            "target `had_affair` (bool). "
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
        "randhie_rare": Table(
            "randhie_rare",
            rare,
            "poor_health",
            "statsmodels' RAND health insurance experiment with a rare class and scarce real rows, the case "
            "`augmentation` is for: target `poor_health` (self-rated health fair or poor, 9.2% of the rows; the "
            "three health dummies left out), 8 numeric columns; 1,000 training rows, a holdout of 4,000 and "
            "4,000 fresh rows (the other 11,190 rows unused). `lncoins` serves as both the categorical and "
            "the ordinal scale, as in `randhie`.",
            shift="lpi",
            categorical="lncoins",
            ordinal="lncoins",
            ordinal_order=None,
            binary_target=True,
            skipped={},
            sizes=(1000, 4000, 4000),
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


def split(
    frame: pd.DataFrame, seed: int = SEED, sizes: tuple[int, int, int] | None = None
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Training (50%), holdout (25%) and fresh (25%) rows, or as many as ``sizes`` says, from one
    seeded permutation."""
    order = np.random.default_rng(seed).permutation(len(frame))
    n_train, n_holdout = len(frame) // 2, len(frame) // 4
    n_fresh = len(frame) - n_train - n_holdout
    if sizes is not None:
        n_train, n_holdout, n_fresh = sizes
    parts = (
        order[:n_train],
        order[n_train : n_train + n_holdout],
        order[n_train + n_holdout : n_train + n_holdout + n_fresh],
    )
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

    shuffled_target = fresh.copy()
    shuffled_target[table.target] = fresh[table.target].to_numpy()[rng.permutation(len(fresh))]
    variants[f"target shuffled (`{table.target}`)"] = shuffled_target

    clipped = fresh.copy()
    for c in numeric:
        lo, hi = fresh[c].quantile([0.01, 0.99])
        clipped[c] = fresh[c].clip(lo, hi)
    variants["tails clipped at 1st/99th percentiles"] = clipped
    variants["independent columns"] = _shuffled(fresh, rng)
    variants["uniform garbage"] = _uniform(fresh, train, rng)
    return variants


def old_verdict(score: float | None, baseline: float | None, ci) -> str:
    """The verdict as it was read off the family score before findings: within 0.02 of the
    baseline on par, the baseline inside the interval close, up to 0.10 below somewhat below."""
    if score is None or baseline is None:
        return ""
    gap = baseline - score
    if gap <= 0.02:
        return "on par"
    if ci is not None and ci[1] is not None and ci[1] >= baseline:
        return "close"
    return "somewhat below" if gap <= 0.10 else "well below"


def gate_from(text: str):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "sdq.toml"
        path.write_text(text)
        return load_config(path)


def score(train, variant, holdout, target, metrics):
    config = sdq.Config(n_bootstrap=N_BOOTSTRAP)
    return sdq.evaluate(
        train, variant, holdout=holdout, target=target, metrics=metrics, seed=SEED, config=config, mine_rules=True
    )


def _utility(report) -> dict:
    return {
        r.name: {"score": r.score, "baseline": r.baseline, "ci": r.ci, "status": r.status, "message": r.message}
        for r in report.metrics
    }


def stability(table: Table, train: pd.DataFrame, holdout: pd.DataFrame, fresh: pd.DataFrame) -> dict:
    """Metric -> the scores and baselines of the fresh rows with seeds 0..STABILITY_SEEDS-1."""
    out = {m: {"scores": [], "baselines": []} for m in STABILITY}
    for seed in range(STABILITY_SEEDS):
        report = sdq.evaluate(
            train,
            fresh,
            holdout=holdout,
            target=table.target,
            metrics=STABILITY,
            seed=seed,
            config=sdq.Config(n_bootstrap=0),
        )
        for m in STABILITY:
            out[m]["scores"].append(report[m].score)
            out[m]["baselines"].append(report[m].baseline)
    return out


def run_table(table: Table, metrics: list[str]) -> dict:
    train, holdout, fresh = split(table.frame, sizes=table.sizes)
    variants = make_variants(table, train, holdout, fresh)
    rows, baseline, init_gate = [], None, None
    # the starter config's gates on what this table scores: findings and the fidelity family
    starter = [t for t in gate_from(starter_config(metric_names=metrics)) if t.metric in ("findings", "fidelity")]
    for name, variant in variants.items():
        if isinstance(variant, str):
            rows.append({"variant": name, "skipped": variant})
            continue
        variant, against = variant if isinstance(variant, tuple) else (variant, holdout)
        report = score(train, variant, against, table.target, metrics)
        if name == "fresh":
            init_gate = gate_from(starter_config(report))
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
                "verdict_before": old_verdict(
                    fid, report.summary_baseline["fidelity"], report.summary_intervals["fidelity"]
                ),
                "failing_columns": report.failing_columns("fidelity"),
                "starter_before": report.check(OLD_STARTER_GATE).passed,
                "starter": report.check(starter).passed,
                "init": report.check(init_gate).passed,
                "init_failures": [o.threshold.target for o in report.check(init_gate).failures],
                "utility": _utility(score(train, variant, against, table.target, UTILITY)),
            }
        )
    return {
        "table": table,
        "sizes": (len(train), len(holdout), len(fresh)),
        "rows": rows,
        "baseline": baseline,
        "init_gate": init_gate,
        "stability": stability(table, train, holdout, fresh),
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


def _cell(result: dict) -> str:
    """A utility score with its interval, or why it did not run."""
    if result["status"] != "ok":
        found = re.search(r"does not measurably improve the \w+ model \((.*)\): there is", result["message"] or "")
        if found:  # augmentation: the gains, not the whole sentence
            return f"skipped: no measurable gain from real rows ({found.group(1)})"
        return f"{result['status']}: {result['message']}"
    text = _f(result["score"])
    if result["ci"] is not None:
        text += f" [{result['ci'][0]:.2f}, {result['ci'][1]:.2f}]"
    return text


#: The variants whose utility should be nil: nothing of the real relation to the target is left.
NO_UTILITY = ("target shuffled", "independent columns", "uniform garbage")


def utility_findings(results: list[dict]) -> list[str]:
    """Facts from the utility numbers: noise at zero, fresh rows and their baseline, seed stability."""
    out = []
    for metric in ("prediction", "feature_importance"):
        parts = []
        for kind in NO_UTILITY:
            values = [
                (res["table"].name, row["utility"][metric]["score"])
                for res in results
                for row in res["rows"]
                if "utility" in row and _kind(row["variant"]) == kind and row["utility"][metric]["score"] is not None
            ]
            if values:
                mean = sum(v for _, v in values) / len(values)
                parts.append(f"{kind} {mean:.3f} (" + ", ".join(f"{t} {v:.3f}" for t, v in values) + ")")
        if parts:
            out.append(
                f"**`{metric}` on data with no utility**, mean over the {len(results)} tables: "
                + "; ".join(parts)
                + "."
            )
        inside = []
        for res in results:
            fresh = next(r for r in res["rows"] if r["variant"] == "fresh")["utility"][metric]
            if fresh["ci"] is not None and fresh["baseline"] is not None:
                low, high = fresh["ci"]
                where = "inside" if low <= fresh["baseline"] <= high else "outside"
                inside.append(
                    f"{res['table'].name} {fresh['score']:.3f} [{low:.3f}, {high:.3f}], baseline "
                    f"{fresh['baseline']:.3f} ({where})"
                )
        if inside:
            out.append(
                f"**`{metric}` on fresh rows** (interval, and the baseline inside or outside it): "
                + "; ".join(inside)
                + "."
            )
    parts = []
    for res in results:
        rows = {_kind(r["variant"]): r["utility"]["augmentation"] for r in res["rows"] if "utility" in r}
        if rows["fresh"]["status"] != "ok":
            parts.append(f"{res['table'].name} skipped (no measurable gain from real rows)")
            continue
        scored = [
            f"{kind} {_cell(rows[kind])}"
            for kind in ("fresh", "copy", "target shuffled", "independent columns", "uniform garbage")
            if kind in rows
        ]
        parts.append(f"{res['table'].name}: " + ", ".join(scored))
    out.append(
        "**`augmentation`** (baseline 1.0: as many real rows; skipped where real rows give no measurable gain): "
        + "; ".join(parts)
        + "."
    )
    for metric in STABILITY:
        ranges = [
            (res["table"].name, max(res["stability"][metric]["scores"]) - min(res["stability"][metric]["scores"]))
            for res in results
            if None not in res["stability"][metric]["scores"]
        ]
        if ranges:
            out.append(
                f"**`{metric}`, five seeds on the same fresh rows**: the score moves by at most "
                f"{max(r for _, r in ranges):.3f} (" + ", ".join(f"{t} {r:.3f}" for t, r in ranges) + ")."
            )
    return ["- " + line for line in out]


def render(results: list[dict], metrics: list[str], command: str) -> str:
    lines = [
        "# Validity table: sdq's fidelity and utility scores on data of known quality",
        "",
        "How today's fidelity metrics, the fidelity verdict, two gates and the utility metrics score variants of",
        "real data whose quality is known by construction. This is a record of current behaviour, failures",
        "included; it is regenerated, not edited:",
        "",
        "```",
        command,
        "```",
        "",
        "Scores are deterministic (every random step is seeded). Each real table is split, seeded, into",
        "training rows (50%), a holdout (25%) and fresh rows (25%) (`randhie_rare`: scarce real rows, 1,000,",
        "4,000 and 4,000). Every variant is scored against the",
        f"training rows with the holdout as baseline (`sdq.evaluate(..., seed={SEED})`, `n_bootstrap={N_BOOTSTRAP}`),",
        "on the fidelity metrics that run on tables (" + ", ".join(f"`{m}`" for m in metrics) + "); "
        "`rules` checks the rules mined from the training rows (`mine_rules=True`).",
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
        "- **target shuffled**: the fresh rows with the target permuted (its share kept, its relation to "
        "every feature destroyed).",
        "- **tails clipped**: every numeric column clipped at its own 1st/99th percentiles.",
        "- **independent columns**: every column shuffled on its own (marginals kept, dependence destroyed).",
        "- **uniform garbage**: each numeric column uniform over its real range (rounded for integers), each "
        "other column uniform over its real values.",
        "",
        "Columns: each metric's score; `fidelity`, the family score (mean of the metrics); `verdict`, the "
        "fidelity verdict as `sdq report` prints it, decided by findings (metrics and columns below their "
        'baseline beyond noise, Holm-adjusted; README, "Reading the verdict"), with the columns that '
        "have findings; `verdict before`, the verdict as it was read off the family score and its range "
        "before findings (within 0.02 of the baseline on par, the baseline in the range close, up to 0.10 "
        "below somewhat below); `starter gate`, what `sdq init` writes without a report, on what this table scores (`findings = "
        f'"major"` and the families relative to their baselines), beside `starter before`, `{OLD_STARTER_GATE}` '
        "(what it wrote before); `init gate`, what `sdq init --from-report` writes from the *fresh* "
        "variant's report (0.05 below each family's and each metric's baseline, `metric:*` per-column "
        'gates and `findings = "major"`), with the targets that failed. The baseline row is the '
        "holdout's score. The same tables before this work (scores of the metrics as they were): "
        "`git show b3dd156:docs/validity.md`.",
        "",
        "Each real table's utility table scores the same variants with the utility metrics ("
        + ", ".join(f"`{m}`" for m in UTILITY)
        + ", target as named",
        "below; in a report of their own, so the gates above read the fidelity metrics only), each score with its",
        "95% interval; the baseline row is the holdout's score. Its stability table scores the fresh rows with",
        f"seeds 0 to {STABILITY_SEEDS - 1} (nothing else changes) and gives the range of the scores and of the baselines.",
        "",
    ]
    header = [
        "variant",
        *[f"`{m}`" for m in metrics],
        "fidelity",
        "verdict",
        "verdict before",
        "starter gate",
        "starter before",
        "init gate",
    ]
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
        lines.append("| " + " | ".join(["---"] + ["---:"] * (len(metrics) + 1) + ["---"] * 5) + " |")
        base = res["baseline"]
        lines.append(
            "| *baseline (holdout)* | " + " | ".join(_f(base.get(m)) for m in [*metrics, "fidelity"]) + " | | | | | |"
        )
        for row in res["rows"]:
            if "skipped" in row:
                lines.append(f"| {row['variant']} | skipped: {row['skipped']} |" + " |" * (len(header) - 2))
                continue
            init = "pass" if row["init"] else "fail (" + ", ".join(row["init_failures"]) + ")"
            cells = [row["variant"], *[_f(row["scores"].get(m)) for m in metrics], _f(row["fidelity"])]
            verdict = row["verdict"] + (
                f"; columns: {', '.join(f'`{c}`' for c in row['failing_columns'])}" if row["failing_columns"] else ""
            )
            cells += [verdict, row["verdict_before"], "pass" if row["starter"] else "fail"]
            cells += ["pass" if row["starter_before"] else "fail", init]
            lines.append("| " + " | ".join(cells) + " |")
        lines.append("")
        lines += [f"### {t.name}: utility (target `{t.target}`)", ""]
        lines.append("| variant | " + " | ".join(f"`{m}`" for m in UTILITY) + " |")
        lines.append("| --- | " + " | ".join("---:" for _ in UTILITY) + " |")
        fresh = next(row for row in res["rows"] if row["variant"] == "fresh")["utility"]
        lines.append("| *baseline (holdout)* | " + " | ".join(_f(fresh[m]["baseline"]) for m in UTILITY) + " |")
        for row in res["rows"]:
            if "utility" in row:
                lines.append(f"| {row['variant']} | " + " | ".join(_cell(row["utility"][m]) for m in UTILITY) + " |")
        lines.append("")
        lines += [f"### {t.name}: the same fresh rows, seeds 0 to {STABILITY_SEEDS - 1}", ""]
        lines.append("| metric | scores | range | baselines | range |")
        lines.append("| --- | --- | ---: | --- | ---: |")
        for m, found in res["stability"].items():
            scores, bases = found["scores"], found["baselines"]
            spread = lambda v: _f(max(v) - min(v)) if None not in v else ""  # noqa: E731
            lines.append(
                f"| `{m}` | {', '.join(_f(v) for v in scores)} | {spread(scores)} | "
                f"{', '.join(_f(v) for v in bases)} | {spread(bases)} |"
            )
        lines.append("")
    lines += ["## What this shows", "", *findings(results, metrics), *utility_findings(results), ""]
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

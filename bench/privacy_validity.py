"""The privacy validity table: how sdq's privacy metrics and the privacy verdict score data of known risk.

Real tables that ship with installed packages (no downloads) are split, seeded, into a training
part (50%), a holdout (25%) and fresh rows (25%). Variants of known risk are made from the
training and fresh rows, each scored against the training part with the holdout as baseline, on
every privacy metric (``sensitive_match`` with a seeded 1% of the training rows as the sensitive
records). The result is a Markdown file (``docs/privacy_validity.md`` by default) with one table
per real table: each metric's score, the family score (the minimum) and the privacy verdict
(``report.verdicts["privacy"]``), and the evidence behind the new parts of the scores.

Run from the repository root (a few minutes; anonymeter's part runs in its own environment, see
``bench/bench_anonymeter.py``; ``--no-anonymeter`` leaves it out)::

    PYTHONPATH=. python bench/privacy_validity.py
    PYTHONPATH=. python bench/privacy_validity.py --tables fair --out /tmp/privacy_validity.md

Scores are deterministic: every random step is seeded.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

import sdq

SEED = 0
N_BOOTSTRAP = 100
PRIVACY = [
    "exact_match",
    "neighbours_privacy",
    "membership_inference",
    "outlier_privacy",
    "singling_out",
    "linkability",
    "attribute_inference",
    "sensitive_match",
]
ATTACKS = ["singling_out", "linkability", "attribute_inference"]
#: Where the training, synthetic and holdout rows of every variant are written for anonymeter.
FILES = Path(__file__).resolve().parent / "data" / "anonymeter" / "validity"
#: Copies in the "few rows many times" variant.
REPEATED_ROWS, REPEATS = 20, 75


def load_tables() -> dict[str, tuple[pd.DataFrame, str]]:
    """Table name -> (frame, what it is)."""
    import statsmodels.datasets.fair as fair_raw
    import statsmodels.datasets.randhie as randhie
    from sklearn.datasets import load_breast_cancer

    from sdq.demo import load_fair

    return {
        "fair": (
            load_fair(),
            "statsmodels' Fair affairs survey as sdq's demo reads it (`sdq.demo.load_fair()`): 6,366 rows, "
            "3 banded numeric columns, 5 labelled categorical ones and a boolean: coarse, a fifth of the rows "
            "have an exact twin.",
        ),
        "fair_coded": (
            fair_raw.load_pandas().data,
            "the same survey as statsmodels ships it (`statsmodels.datasets.fair`): 6,366 rows, 9 numeric "
            "columns, 5 of them ratings and codes with 4 to 6 values (read as categories, measured as ordered "
            "codes).",
        ),
        "randhie": (
            randhie.load_pandas().data,
            "statsmodels' RAND health insurance experiment (`statsmodels.datasets.randhie`): 20,190 rows of "
            "a panel (people in several years), 10 numeric columns with point masses; more than half of the "
            "fresh rows have an exact twin among the training rows.",
        ),
        "breast_cancer": (
            load_breast_cancer(as_frame=True).frame,
            "sklearn's breast cancer data (`load_breast_cancer(as_frame=True).frame`): 569 rows, 30 "
            "continuous columns and a 0/1 target: every row unique.",
        ),
    }


def split(frame: pd.DataFrame, seed: int = SEED) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Training (50%), holdout (25%) and fresh (25%) rows, from one seeded permutation."""
    order = np.random.default_rng(seed).permutation(len(frame))
    n_train, n_holdout = len(frame) // 2, len(frame) // 4
    parts = order[:n_train], order[n_train : n_train + n_holdout], order[n_train + n_holdout :]
    return tuple(frame.iloc[np.sort(p)].reset_index(drop=True) for p in parts)


def measured_columns(frame: pd.DataFrame) -> list[str]:
    """Numeric columns with more than two values (not booleans or 0/1 flags)."""
    return [
        c
        for c in frame.columns
        if pd.api.types.is_numeric_dtype(frame[c])
        and not pd.api.types.is_bool_dtype(frame[c])
        and frame[c].nunique() > 2
    ]


def most_isolated(train: pd.DataFrame, share: float = 0.01, k: int = 5) -> np.ndarray:
    """The generator's own outliers (not sdq's): the training rows farthest from their k-th
    nearest neighbour, numbers as ranks, other columns one-hot."""
    from sklearn.neighbors import NearestNeighbors

    numeric = set(measured_columns(train))
    parts = []
    for c in train.columns:
        if c in numeric:
            parts.append(train[c].rank(pct=True).to_numpy()[:, None])
        else:
            parts.append(pd.get_dummies(train[c].astype(str)).to_numpy(dtype=float) / np.sqrt(2))
    x = np.hstack(parts)
    d, _ = NearestNeighbors(n_neighbors=k + 1).fit(x).kneighbors(x)
    return np.argsort(-d[:, k], kind="stable")[: max(1, round(share * len(train)))]


def make_variants(train: pd.DataFrame, fresh: pd.DataFrame) -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(SEED)
    noisy = train.copy()
    for c in measured_columns(train):
        noisy[c] = train[c] + rng.normal(0, 0.02 * float(train[c].std()), len(train))
    half = pd.concat([train.iloc[: len(train) // 2], fresh.iloc[len(fresh) // 2 :]]).reset_index(drop=True)
    picked = rng.choice(len(train), REPEATED_ROWS, replace=False)
    repeated = pd.concat([train.iloc[np.repeat(picked, REPEATS)], fresh]).reset_index(drop=True)
    outliers = most_isolated(train)
    memorised = pd.concat([train.iloc[outliers], fresh.iloc[len(outliers) :]]).reset_index(drop=True)
    return {
        "fresh": fresh,
        "copy": train,
        "half copy": half,
        "2% noisy copy": noisy,
        f"{REPEATED_ROWS} rows x {REPEATS}": repeated,
        "memorised outliers": memorised,
    }


def sdq_risk(result) -> dict | None:
    """An attack's risk as sdq reports it: the weakest part's (singling out: univariate or
    multivariate; attribute inference: the weakest secret)."""
    if result.status != "ok":
        return None
    d = result.details
    if result.name == "attribute_inference":
        entry = next(e for e in d["columns"] if e["column"] == d["weakest"])
        return {"risk": entry["risk"], "interval": entry["risk_interval"], "part": entry["column"]}
    part = min(d["risks"], key=lambda k: d["risks"][k]["score"])
    return {"risk": d["risks"][part]["risk"], "interval": d["risks"][part]["risk_interval"], "part": part}


def anonymeter_job(table: str, variant: str, train, data, holdout, report) -> dict:
    """The files and columns anonymeter's attacks of this variant read (the columns sdq used)."""
    folder = FILES / table
    folder.mkdir(parents=True, exist_ok=True)
    stem = variant.replace(" ", "_").replace("%", "pct")
    paths = {}
    for kind, frame in (("train", train), ("synthetic", data), ("holdout", holdout)):
        paths[kind] = str(folder / f"{stem}_{kind}.parquet")
        frame.to_parquet(paths[kind])
    ai, lk = report["attribute_inference"].details, report["linkability"].details
    return {
        "name": f"{table}/{variant}",
        **paths,
        "quasi_identifiers": ai["quasi_identifiers"]["columns"],
        "secrets": ai["secrets"],
        "link_a": lk["columns"]["a"],
        "link_b": lk["columns"]["b"],
        "n_attacks": 500,
        "max_attempts": 100_000,
    }


def run_table(name: str, frame: pd.DataFrame, jobs: list | None = None) -> dict:
    train, holdout, fresh = split(frame)
    sensitive = train.sample(n=max(1, len(train) // 100), random_state=SEED).reset_index(drop=True)
    rows = []
    baseline = None
    for variant, data in make_variants(train, fresh).items():
        t0 = time.perf_counter()
        report = sdq.evaluate(
            train,
            data,
            holdout=holdout,
            sensitive=sensitive,
            metrics=PRIVACY,
            seed=SEED,
            config=sdq.Config(n_bootstrap=N_BOOTSTRAP),
        )
        if variant == "fresh":
            baseline = {r.name: r.baseline for r in report.metrics}
            baseline["privacy"] = report.summary_baseline["privacy"]
        nb, mi, op = report["neighbours_privacy"], report["membership_inference"], report["outlier_privacy"]
        rows.append(
            {
                "variant": variant,
                "rows": len(data),
                "seconds": time.perf_counter() - t0,
                "scores": {r.name: (r.score if r.status == "ok" else None) for r in report.metrics},
                "privacy": report.summary["privacy"],
                "verdict": report.verdicts["privacy"],
                "findings": list(dict.fromkeys(f.metric for f in report.findings if f.family == "privacy")),
                "dcr_share": nb.details["dcr_share"] if nb.status == "ok" else None,
                "too_close": nb.details["parts"]["too_close"] if nb.status == "ok" else None,
                "auc": mi.details["attacks"][mi.details["strongest"]]["auc"] if mi.status == "ok" else None,
                "epsilon": mi.details["epsilon_lower_bound"] if mi.status == "ok" else None,
                "outlier_share": (op.details["synthetic"], op.details["rows"]["outliers"])
                if op.status == "ok"
                else None,
                "attacks": {m: sdq_risk(report[m]) for m in ATTACKS},
            }
        )
        if jobs is not None:
            jobs.append(anonymeter_job(name, variant, train, data, holdout, report))
    return {"name": name, "sizes": (len(train), len(holdout), len(fresh)), "rows": rows, "baseline": baseline}


def _f(value) -> str:
    return "" if value is None else f"{value:.3f}"


def _share(details: dict | None) -> str:
    if details is None:
        return ""
    low, high = details["interval"]
    return f"{details['share']:.2f} [{low:.2f}, {high:.2f}]"


def render(results: list[dict], about: dict[str, str], command: str) -> str:
    lines = [
        "# Privacy validity table: sdq's privacy scores on data of known risk",
        "",
        "How the privacy metrics and the privacy verdict score variants of real data whose risk is known by",
        "construction. A record of current behaviour, failures included; it is regenerated, not edited:",
        "",
        "```",
        command,
        "```",
        "",
        "Each real table is split, seeded, into training rows (50%), a holdout (25%) and fresh rows (25%).",
        "Every variant is scored against the training rows with the holdout as baseline",
        f"(`sdq.evaluate(..., seed={SEED})`, `n_bootstrap={N_BOOTSTRAP}`); `sensitive_match` gets a seeded 1% of",
        "the training rows as the sensitive records.",
        "",
        "Variants:",
        "",
        "- **fresh**: the fresh real rows, what a perfect generator would give (no risk).",
        "- **copy**: the training rows themselves.",
        "- **half copy**: half the training rows and half the fresh rows.",
        "- **2% noisy copy**: the training rows with Gaussian noise of 2% of each column's standard deviation",
        "  on every numeric column with more than two values (codes and ratings included).",
        f"- **{REPEATED_ROWS} rows x {REPEATS}**: {REPEATED_ROWS} training rows, each {REPEATS} times, and the fresh rows.",
        "- **memorised outliers**: the fresh rows with the training data's most isolated 1% copied in (in the",
        "  generator's own space: ranks and one-hot columns, 5th nearest neighbour), replacing as many fresh rows.",
        "",
        "Columns: each metric's score; `privacy`, the family score (the minimum); `verdict`, the privacy verdict",
        'from the findings (`report.verdicts["privacy"]`) with the metrics that have a finding; then the',
        "evidence behind the parts: the DCR share with its 95% interval (1/2 for fresh data) and",
        "`neighbours_privacy`'s \"too close\" part, the membership attack's best AUC and the epsilon lower bound",
        "it proves, and the outlier share (nearest synthetic row closer than the nearest holdout row; the",
        "expected share for fresh data in brackets) over the number of outliers.",
        "",
        "The third table of each data set: the risk of each of the three attacks as sdq reports it (the",
        "weakest part: singling out's univariate or multivariate predicates, attribute inference's weakest",
        "secret; `(main - control) / (1 - control)` with its 95% interval; the score is 1 minus the interval's",
        "lower end), beside anonymeter's risk and its confidence interval on the same rows",
        "(`bench/bench_anonymeter.py`, anonymeter 1.1.0 in its own environment: singling out multivariate with",
        "500 attacks found in at most 100,000 attempts; linkability on the two column sets sdq used; inference",
        "of every secret sdq scored from",
        "sdq's quasi-identifiers, the highest risk shown; at most 500 targets, fewer where the holdout is",
        "smaller). The last section counts where the two tools agree.",
        "",
    ]
    names = PRIVACY
    header = ["variant", "rows", *[f"`{m}`" for m in names], "privacy", "verdict"]
    evidence = ["variant", "DCR share [95%]", "too close", "MI AUC", "MI epsilon", "outlier share (expected) / n"]
    for res in results:
        n_train, n_holdout, n_fresh = res["sizes"]
        lines += [f"## {res['name']}", "", about[res["name"]], ""]
        lines.append(f"Split: {n_train:,} training, {n_holdout:,} holdout, {n_fresh:,} fresh rows.")
        lines.append("")
        lines.append("| " + " | ".join(header) + " |")
        lines.append("| " + " | ".join(["---", "---:"] + ["---:"] * (len(names) + 1) + ["---"]) + " |")
        base = res["baseline"]
        lines.append("| *baseline (holdout)* | | " + " | ".join(_f(base.get(m)) for m in [*names, "privacy"]) + " | |")
        for row in res["rows"]:
            verdict = row["verdict"] + (f" ({', '.join(row['findings'])})" if row["findings"] else "")
            cells = [row["variant"], f"{row['rows']:,}", *[_f(row["scores"].get(m)) for m in names], _f(row["privacy"])]
            lines.append("| " + " | ".join([*cells, verdict]) + " |")
        lines += ["", "| " + " | ".join(evidence) + " |", "| " + " | ".join(["---"] + ["---:"] * 5) + " |"]
        for row in res["rows"]:
            out = row["outlier_share"]
            outlier = "" if out is None else f"{out[0]['share']:.2f} ({out[0]['expected']:.2f}) / {out[1]}"
            cells = [row["variant"], _share(row["dcr_share"]), _f(row["too_close"]), _f(row["auc"])]
            cells += [_f(row["epsilon"]), outlier]
            lines.append("| " + " | ".join(cells) + " |")
        lines.append("")
        lines += _attack_table(res)
    lines += _agreement(results)
    return "\n".join(lines) + "\n"


def _risk_cell(r: dict | None, key: str = "interval") -> str:
    if r is None:
        return ""
    low, high = r[key]
    return f"{r['risk']:.2f} [{low:.2f}, {high:.2f}]"


def _attack_table(res: dict) -> list[str]:
    """sdq's risks of the three attacks beside anonymeter's on the same rows."""
    with_peer = any(row.get("anonymeter") for row in res["rows"])
    header = ["variant"]
    for m in ATTACKS:
        header += [f"`{m}` risk (sdq)"] + ([f"{m.replace('_', ' ')} (anonymeter)"] if with_peer else [])
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(["---"] + ["---:"] * (len(header) - 1)) + " |"]
    for row in res["rows"]:
        cells = [row["variant"]]
        peer = (row.get("anonymeter") or {}).get("risks", {})
        for m in ATTACKS:
            cells.append(_risk_cell(row["attacks"].get(m)))
            if with_peer:
                cells.append(_risk_cell(peer.get(m), "ci"))
        lines.append("| " + " | ".join(cells) + " |")
    return lines + [""]


def _flagged(r: dict | None, key: str) -> bool | None:
    """A risk whose interval lies above 0 (the tool finds a leak), None where there is none."""
    return None if r is None else r[key][0] > 0


def _agreement(results: list[dict]) -> list[str]:
    """Per attack: on how many rows the two tools agree whether there is a risk (interval above 0),
    and whether each ranks the copy above fresh rows."""
    if not any(row.get("anonymeter") for res in results for row in res["rows"]):
        return []
    lines = [
        "## sdq and anonymeter: do they agree?",
        "",
        "A tool *finds a risk* where its risk's interval lies above 0 (sdq: the interval of the weakest part;",
        "anonymeter: its confidence interval of the highest risk). Per attack, the rows (table x variant) on",
        "which both tools find a risk or both find none, and the variants on which they disagree:",
        "",
        "| attack | agree | both find a risk | neither does | only sdq | only anonymeter |",
        "| --- | ---: | ---: | ---: | --- | --- |",
    ]
    for m in ATTACKS:
        both = none = 0
        only_sdq, only_peer = [], []
        for res in results:
            for row in res["rows"]:
                a = _flagged(row["attacks"].get(m), "interval")
                b = _flagged(((row.get("anonymeter") or {}).get("risks") or {}).get(m), "ci")
                if a is None or b is None:
                    continue
                where = f"{res['name']} {row['variant']}"
                if a and b:
                    both += 1
                elif not a and not b:
                    none += 1
                elif a:
                    only_sdq.append(where)
                else:
                    only_peer.append(where)
        total = both + none + len(only_sdq) + len(only_peer)
        lines.append(
            f"| `{m}` | {both + none} of {total} | {both} | {none} | {', '.join(only_sdq) or '-'} | "
            f"{', '.join(only_peer) or '-'} |"
        )
    lines.append("")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", nargs="+", default=None, help="tables to run (default: all)")
    parser.add_argument("--out", default="docs/privacy_validity.md")
    parser.add_argument(
        "--venv",
        default=None,
        help="anonymeter's virtual environment (default: bench/.venv-anonymeter, created by bench_anonymeter.py)",
    )
    parser.add_argument("--no-anonymeter", action="store_true", help="leave anonymeter's risks out")
    args = parser.parse_args(argv)
    tables = load_tables()
    chosen = args.tables or list(tables)
    unknown = [t for t in chosen if t not in tables]
    if unknown:
        parser.error(f"unknown tables {unknown}; known: {list(tables)}")
    t0 = time.perf_counter()
    results = []
    jobs = None if args.no_anonymeter else []
    for name in chosen:
        res = run_table(name, tables[name][0], jobs)
        results.append(res)
        print(f"{name}: {sum(r['seconds'] for r in res['rows']):.1f} s", file=sys.stderr)
    if jobs:
        import bench_anonymeter

        venv = Path(args.venv) if args.venv else bench_anonymeter.VENV
        bench_anonymeter.ensure_venv(venv)
        found = bench_anonymeter.run_anonymeter(jobs, venv)
        for res in results:
            for row in res["rows"]:
                row["anonymeter"] = found.get(f"{res['name']}/{row['variant']}")
    command = "PYTHONPATH=. python bench/privacy_validity.py" + (
        " " + " ".join(argv if argv is not None else sys.argv[1:]) if (argv or sys.argv[1:]) else ""
    )
    text = render(results, {name: tables[name][1] for name in chosen}, command)
    Path(args.out).write_text(text, encoding="utf-8")
    print(f"wrote {args.out} in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

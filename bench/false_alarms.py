"""False alarms: how often do sdq's verdicts and gates flag fresh real data?

A perfect generator produces fresh rows of the real distribution. On real tables that ship with
installed packages, each table is split once (seeded) into training rows (40%), a holdout (20%) and
a pool (40%); ``--draws`` + 1 fresh samples of the holdout's size are drawn from the pool (each
seeded). Every draw is scored like a synthetic candidate against the training rows with the
holdout as baseline (the default metrics, with the table's target). Then:

* the **init gate**: ``sdq init --from-report`` written from the report of draw 0 (family and
  metric thresholds below the baselines, ``metric:*`` per-column gates and ``findings = "major"``),
  checked on the other draws;
* the **starter gate**: the config ``sdq init`` writes without a report;
* the **verdict**: the overall verdict, and the number of findings.

Draws overlap (each takes half of the pool), as successive samples of one generator would; the
training rows and holdout are fixed, as in a pipeline that gates each new batch.

Run from the repository root (a few minutes)::

    PYTHONPATH=. python bench/false_alarms.py
    PYTHONPATH=. python bench/false_alarms.py --tables fair --draws 5 --out /tmp/fa.md
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

import sdq
from sdq.gates import load_config, starter_config

SEED = 0


def load_tables() -> dict[str, tuple[pd.DataFrame, str]]:
    import statsmodels.datasets.randhie as randhie
    from sklearn.datasets import load_breast_cancer

    from sdq.demo import load_fair

    return {
        "fair": (load_fair(), "had_affair"),
        "randhie": (randhie.load_pandas().data, "hlthg"),
        "breast_cancer": (load_breast_cancer(as_frame=True).frame, "target"),
    }


def parts(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    rows = np.random.default_rng(SEED).permutation(len(frame))
    n_train, n_holdout = int(0.4 * len(frame)), int(0.2 * len(frame))
    take = lambda r: frame.iloc[np.sort(r)].reset_index(drop=True)  # noqa: E731
    return take(rows[:n_train]), take(rows[n_train : n_train + n_holdout]), take(rows[n_train + n_holdout :])


def gate(text: str):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "sdq.toml"
        path.write_text(text, encoding="utf-8")
        return load_config(path)


def run_table(name: str, frame: pd.DataFrame, target: str, draws: int) -> dict:
    train, holdout, pool = parts(frame)
    starter = gate(starter_config(metric_names=sdq.metrics.names()))
    rows, init = [], None
    for k in range(draws + 1):
        rng = np.random.default_rng([SEED, k])
        fresh = pool.iloc[np.sort(rng.choice(len(pool), len(holdout), replace=False))].reset_index(drop=True)
        started = time.perf_counter()
        report = sdq.evaluate(train, fresh, holdout=holdout, target=target, seed=SEED)
        if k == 0:
            init = gate(starter_config(report))
            continue
        init_check, starter_check = report.check(init), report.check(starter)
        rows.append(
            {
                "draw": k,
                "verdict": report.verdicts["overall"],
                "findings": [f"{f.metric}{':' + f.column if f.column else ''}" for f in report.findings],
                "init": init_check.passed,
                "init_failures": [o.target for o in init_check.failures],
                "starter": starter_check.passed,
                "starter_failures": [o.target for o in starter_check.failures],
                "seconds": time.perf_counter() - started,
            }
        )
        print(
            f"{name} draw {k}: verdict {rows[-1]['verdict']}, findings {rows[-1]['findings']}, "
            f"init {'pass' if rows[-1]['init'] else 'FAIL ' + str(rows[-1]['init_failures'])}, "
            f"starter {'pass' if rows[-1]['starter'] else 'FAIL ' + str(rows[-1]['starter_failures'])}",
            file=sys.stderr,
        )
    return {"name": name, "sizes": (len(train), len(holdout), len(pool)), "target": target, "rows": rows}


def render(results: list[dict], command: str) -> str:
    lines = [
        "# False alarms on fresh real data",
        "",
        "Produced by:",
        "",
        "```bash",
        command,
        "```",
        "",
        "Each table is split once into training rows (40%), a holdout (20%) and a pool (40%); every draw "
        "is a seeded sample of the pool of the holdout's size, scored with the default metrics against "
        "the training rows with the holdout as baseline. The init gate is `sdq init --from-report` on "
        "the report of draw 0 (margin 0.05); the starter gate is what `sdq init` writes without a "
        "report. Every draw is fresh real data: each failure is a false alarm.",
        "",
        "| table | rows (train / holdout / pool) | draws | init gate passes | starter gate passes "
        "| verdict on par | draws with any finding |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    total = {"draws": 0, "init": 0, "starter": 0, "on_par": 0, "findings": 0}
    for res in results:
        rows = res["rows"]
        counts = {
            "draws": len(rows),
            "init": sum(r["init"] for r in rows),
            "starter": sum(r["starter"] for r in rows),
            "on_par": sum(r["verdict"] == "on_par" for r in rows),
            "findings": sum(bool(r["findings"]) for r in rows),
        }
        for key in total:
            total[key] += counts[key]
        n = counts["draws"]
        lines.append(
            f"| {res['name']} (target `{res['target']}`) | {' / '.join(f'{v:,}' for v in res['sizes'])} | {n} "
            f"| {counts['init']} ({counts['init'] / n:.0%}) | {counts['starter']} ({counts['starter'] / n:.0%}) "
            f"| {counts['on_par']} ({counts['on_par'] / n:.0%}) | {counts['findings']} |"
        )
    n = total["draws"]
    lines.append(
        f"| **all** | | {n} | {total['init']} ({total['init'] / n:.0%}) | {total['starter']} "
        f"({total['starter'] / n:.0%}) | {total['on_par']} ({total['on_par'] / n:.0%}) | {total['findings']} |"
    )
    lines += ["", "What failed, per draw (empty: nothing):", ""]
    for res in results:
        for r in res["rows"]:
            if r["init_failures"] or r["starter_failures"] or r["findings"]:
                lines.append(
                    f"- {res['name']} draw {r['draw']}: findings {', '.join(r['findings']) or '—'}; "
                    f"init gate failed on {', '.join(r['init_failures']) or '—'}; "
                    f"starter gate failed on {', '.join(r['starter_failures']) or '—'}"
                )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tables", nargs="+", default=["fair", "randhie", "breast_cancer"])
    parser.add_argument("--draws", type=int, default=20)
    parser.add_argument("--out", default="docs/false_alarms.md")
    args = parser.parse_args(argv)
    tables = load_tables()
    results = [run_table(name, *tables[name], args.draws) for name in args.tables]
    command = "PYTHONPATH=. python bench/false_alarms.py" + (
        f" --tables {' '.join(args.tables)}" if args.tables != ["fair", "randhie", "breast_cancer"] else ""
    )
    command += f" --draws {args.draws}" if args.draws != 20 else ""
    text = render(results, command)
    Path(args.out).write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())

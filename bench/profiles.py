"""Profiles on real data: how each use-case profile ranks candidates of known character, and how
often its verdict and gates flag fresh real data.

1. **Rankings.** statsmodels' RAND health insurance experiment (`randhie`, 20,190 rows) is split,
   seeded, into training rows (50%), a holdout (25%) and fresh rows (25%). Candidates made from
   the fresh and training rows:

   - **fresh**: the fresh rows (a perfect generator);
   - **memorised outliers**: the fresh rows with the training data's 1% most isolated rows put in
     their place, each kept near its real row (continuous columns moved by 1% of their standard
     deviation, within the real range): the real outliers kept, and leaked;
   - **clipped tails**: the fresh rows with every numeric column clipped to the training rows' 5th
     and 95th percentiles: no tails, no outliers;
   - **2% noisy copy**: the training rows with 2% of each continuous column's standard deviation
     added: near copies of everyone;
   - **shuffled columns**: the fresh rows with each column shuffled on its own: marginals kept,
     every relation lost.

   All are scored with every default metric (target `hlthg`) in one comparison; the comparison is
   then read neutrally and with each built-in profile (a profile changes no score).

2. **False alarms.** As `bench/false_alarms.py`: each table (fair, randhie, breast_cancer) is split
   into training rows (40%), a holdout (20%) and a pool (40%); every draw is a seeded sample of the
   pool of the holdout's size, scored against the training rows. For each profile: how often its
   verdict is on par, and how often its gates (``sdq init --profile``, the metrics this build lacks
   left out) pass. Every draw is fresh real data: each failure is a false alarm.

Run from the repository root (about five minutes)::

    PYTHONPATH=. python bench/profiles.py
    PYTHONPATH=. python bench/profiles.py --draws 2 --out /tmp/profiles.md
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

import sdq
from sdq.gates import profile_gates
from sdq.result.findings import tested
from sdq.result.profiles import BUILTIN
from sdq.result.verdict import SHORT

SEED = 0
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from known_quality import clipped_tails, memorised_outliers, shuffled  # noqa: E402


def split(frame: pd.DataFrame, train: float, holdout: float) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Training rows, holdout and the rest, from one seeded permutation."""
    order = np.random.default_rng(SEED).permutation(len(frame))
    ends = [int(train * len(frame)), int(train * len(frame)) + int(holdout * len(frame))]
    return tuple(frame.iloc[np.sort(p)].reset_index(drop=True) for p in np.split(order, ends))


def candidates(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, pd.DataFrame]]:
    train, holdout, fresh = split(frame, 0.5, 0.25)
    rng = np.random.default_rng(SEED)
    noisy = train.copy()
    for c in train.columns:
        if pd.api.types.is_float_dtype(train[c]) and train[c].nunique() > 50:
            noisy[c] = train[c] + rng.normal(0, 0.02 * float(train[c].std()), len(train))
    return (
        train,
        holdout,
        {
            "fresh": fresh,
            "memorised outliers": memorised_outliers(train, fresh),
            "clipped tails": clipped_tails(fresh, train),
            "2% noisy copy": noisy,
            "shuffled columns": shuffled(fresh, SEED),
        },
    )


def rankings() -> tuple[list[str], float]:
    import statsmodels.datasets.randhie as randhie

    started = time.perf_counter()
    train, holdout, cands = candidates(randhie.load_pandas().data)
    comparison = sdq.compare(cands, train, holdout=holdout, target="hlthg", seed=SEED)
    seconds = time.perf_counter() - started
    names = list(cands)
    lines = [
        f"randhie: {len(train):,} training rows, {len(holdout):,} holdout rows, candidates of "
        f"{', '.join(f'{len(f):,}' for f in cands.values())} rows; every default metric, target `hlthg`.",
        "",
        "Neutral scores (no profile), with each candidate's place on the trade-off fronts:",
        "",
        "| candidate | fidelity | utility | privacy | overall | verdict | on the fidelity/privacy front "
        "| on the utility/privacy front |",
        "| --- | ---: | ---: | ---: | ---: | --- | --- | --- |",
    ]
    fronts = comparison.tradeoffs()

    def front(chart: str, name: str) -> str:
        entry = next(e for e in fronts[chart] if e["candidate"] == name)
        if not entry["measured"]:
            return "not placed"
        if entry["on_front"]:
            return "yes"
        clearly = entry["clearly_dominated_by"]
        return "no: " + ", ".join(entry["dominated_by"]) + (" (clearly)" if clearly else " (within the ranges)")

    for name in names:
        s = comparison[name].summary
        lines.append(
            f"| {name} | {_f(s['fidelity'])} | {_f(s['utility'])} | {_f(s['privacy'])} | {_f(s['overall'])} "
            f"| {SHORT[comparison[name].verdicts['overall']]} | {front('fidelity_privacy', name)} "
            f"| {front('utility_privacy', name)} |"
        )
    memorised = comparison["memorised outliers"]
    outliers = memorised["outlier_privacy"]
    neutral = [f for f in memorised.findings if f.metric == "outlier_privacy"]
    health = [
        p for p in memorised.with_profile("health").profile_reading.findings if p.finding.metric == "outlier_privacy"
    ]
    lines += [
        "",
        f"The memorised outliers' `outlier_privacy`: {_f(outliers.score)} against the holdout's "
        f"{_f(outliers.baseline)} (interval {_f(outliers.ci[0])}-{_f(outliers.ci[1])}). Neutral: "
        + (
            f"a {neutral[0].severity} finding ({neutral[0].evidence})"
            if neutral
            else f"no finding among {len(tested(memorised.metrics))} tests"
        )
        + "; for `health`: "
        + (
            f"a {'decisive' if health[0].decisive else health[0].severity} finding ({health[0].finding.evidence})"
            if health
            else "no finding"
        )
        + ".",
    ]
    lines += [
        "",
        "Each reading's order (rank, verdict, score), best first; the first is the reading's choice:",
        "",
        "| reading | order (rank. candidate: verdict, score) | why the choice (first reasons) |",
        "| --- | --- | --- |",
    ]
    for profile in [None, *BUILTIN]:
        read = comparison.with_profile(profile)
        board = read.leaderboard
        verdict, score = ("profile_verdict", "profile_score") if profile else ("verdict", "overall")
        order = "; ".join(
            f"{int(row['rank'])}. {name}: {SHORT[row[verdict]] or 'not measured'}, {_f(row[score])}"
            for name, row in board.iterrows()
        )
        why = read.choice["why"][1 if profile else 0 :]
        lines.append(f"| {profile or 'neutral'} | {order} | {' / '.join(w.strip() for w in why[:3])} |")
    return lines, seconds


def _f(value) -> str:
    return "—" if value is None or value != value else f"{value:.3f}"


def false_alarms(draws: int) -> tuple[list[str], float]:
    import statsmodels.datasets.randhie as randhie
    from sklearn.datasets import load_breast_cancer

    from sdq.demo import load_fair

    tables = {
        "fair": (load_fair(), "had_affair"),
        "randhie": (randhie.load_pandas().data, "hlthg"),
        "breast_cancer": (load_breast_cancer(as_frame=True).frame, "target"),
    }
    gates = {name: profile_gates(p, sdq.metric_names())[0] for name, p in BUILTIN.items()}
    counts = {name: {"draws": 0, "on_par": 0, "passed": 0, "failures": {}} for name in BUILTIN}
    neutral = {"draws": 0, "on_par": 0}
    started = time.perf_counter()
    for table, (frame, target) in tables.items():
        train, holdout, pool = split(frame, 0.4, 0.2)
        for k in range(1, draws + 1):
            rng = np.random.default_rng([SEED, k])
            fresh = pool.iloc[np.sort(rng.choice(len(pool), len(holdout), replace=False))].reset_index(drop=True)
            report = sdq.evaluate(train, fresh, holdout=holdout, target=target, seed=SEED)
            neutral["draws"] += 1
            neutral["on_par"] += report.verdicts["overall"] == "on_par"
            for name in BUILTIN:
                read = report.with_profile(name)
                check = read.check(gates[name])
                c = counts[name]
                c["draws"] += 1
                c["on_par"] += read.profile_reading.verdict == "on_par"
                c["passed"] += check.passed
                for o in check.failures:
                    c["failures"][o.target] = c["failures"].get(o.target, 0) + 1
            print(f"{table} draw {k}: neutral {report.verdicts['overall']}", file=sys.stderr)
    seconds = time.perf_counter() - started
    n = neutral["draws"]
    lines = [
        f"{n} fresh draws ({draws} per table: fair, randhie, breast_cancer); the neutral verdict is on par in "
        f"{neutral['on_par']} ({neutral['on_par'] / n:.0%}).",
        "",
        "| profile | verdict on par | gates pass | gates that failed (draws) |",
        "| --- | ---: | ---: | --- |",
    ]
    for name, c in counts.items():
        failed = ", ".join(f"{t} ({k})" for t, k in c["failures"].items()) or "—"
        lines.append(
            f"| {name} | {c['on_par']} ({c['on_par'] / c['draws']:.0%}) | {c['passed']} ({c['passed'] / c['draws']:.0%}) "
            f"| {failed} |"
        )
    return lines, seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--draws", type=int, default=5, help="fresh draws per table (default 5)")
    parser.add_argument("--out", default="docs/profiles_validity.md")
    args = parser.parse_args(argv)
    ranked, ranking_seconds = rankings()
    alarms, alarm_seconds = false_alarms(args.draws)
    command = "PYTHONPATH=. python bench/profiles.py" + (f" --draws {args.draws}" if args.draws != 5 else "")
    text = "\n".join(
        [
            "# Profiles on real data",
            "",
            "Produced by:",
            "",
            "```bash",
            command,
            "```",
            "",
            "(`bench/profiles.py`; what the profiles are: [profiles.md](profiles.md).) A profile changes no "
            "score: every reading below reads the same metric results.",
            "",
            "## The same candidates, six readings",
            "",
            *ranked,
            "",
            "## Fresh real data: each profile's verdict and gates",
            "",
            *alarms,
            "",
            f"Run time: rankings {ranking_seconds:.0f} s, fresh draws {alarm_seconds:.0f} s.",
            "",
        ]
    )
    Path(args.out).write_text(text, encoding="utf-8")
    print(f"wrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

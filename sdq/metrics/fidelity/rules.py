"""``rules``: does the synthetic data keep the domain's rules as often as the real data does?

The rules are the user's (``rules=`` / ``--rules`` / ``[rules]`` in ``sdq.toml``; see
:mod:`sdq.rules`), mined from the real rows on the fly (``mine_rules=True`` / ``--mine-rules``;
parameter ``mine``), or both. Per rule and data set: the share of the rows it applies to that keep
it (a rule does not apply where its ``when`` is false or a value it reads is missing). Per rule::

    score = min(1, synthetic share / real share)       baseline = min(1, holdout share / real share)

1.0: the synthetic rows keep every rule at least as often as the real rows do (extra care is not
rewarded: the real data is the reference, as everywhere in sdq). 0.0: every synthetic row breaks
every rule. The metric is the severity-weighted mean over the scored rules (``error`` 1,
``warning`` 1/2: a warning is a rule the user accepts to see broken now and then, such as an
observed range); the baseline is the same for the holdout, at the synthetic data's size. A ratio,
not a difference: a rule the real rows keep 90% of the time and the synthetic rows 45% has lost
half its hold, whatever the starting point.

**Rules the real data breaks** in more than ``tolerance`` (default 1%) of the rows they apply to
are flagged in the details and not scored: such a rule is wrong or the real data is dirty, and a
generator should not be judged on reproducing either. A rule the real data never reaches (its
``when`` holds on no real row) is flagged too. A rule that applies to no synthetic row is kept
vacuously (score 1, no standard error).

**Why fidelity and not a family of its own.** Rules are domain-specific fidelity: like the other
fidelity metrics they compare what the synthetic rows look like with what the real rows look
like, against the holdout. A "validity" family would add a fourth family score to every summary,
verdict, gate, comparison and page; as a fidelity metric the rules weigh in the fidelity score
and verdict, a profile can weigh the metric by its name (``rules``), and a gate can name it
(``rules = 0.99``) or each rule (``"rules:married_after_born" = "0.95*baseline"``).

Interval: a bootstrap of rows (each data set's rows resampled through the patterns of kept /
broken / not applying they show across the rules, so rules broken by the same rows move
together); each rule's ``se`` comes from the 95% Wilson interval of its synthetic share, scaled
by the real share, so findings test every rule against its holdout baseline like a column. Rules
on the whole data set (``unique``, ``depends``) are judged on the data set as it is; the bootstrap
holds their verdict on each row fixed.

Details (shape ``rule_checks``): per rule its text, kind, severity, source (``given`` or
``mined``), shares, rows and violations per data set (``synthetic_full``: every synthetic row,
where the score is taken at the holdout's size), the Wilson interval, and up to five violating
**synthetic** rows (their position in the synthetic data and the values the rule reads); no real
or holdout row is ever shown.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from sdq.metrics import Outcome, Param, Skip, metric
from sdq.metrics._common import clip01, rounded, shifted_ci
from sdq.prepare import AggregateFrame, Prepared, PreparedFrame
from sdq.rules import Rule, RuleCheck, Table
from sdq.rules.evaluate import rule_kinds
from sdq.rules.mine import with_mined
from sdq.shapes import RuleChecks

__all__ = ["rules", "wilson", "WEIGHTS"]

#: Weight of a rule in the mean, by severity.
WEIGHTS = {"error": 1.0, "warning": 0.5}
#: Violating synthetic rows shown per rule.
EXAMPLES = 5
_Z = 1.959963984540054


def wilson(kept: int, n: int, z: float = _Z) -> tuple[float, float]:
    """The Wilson score interval of a share ``kept / n`` (``n`` > 0).

    >>> [round(v, 4) for v in wilson(100, 100)]
    [0.963, 1.0]
    """
    p = kept / n
    denominator = 1.0 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def _table(frame: PreparedFrame, kinds: dict[str, str]) -> Table:
    data = frame.frame
    return Table(data.set_axis([str(c) for c in data.columns], axis=1), kinds)


def _shown_value(value: Any, kind: str) -> Any:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if kind == "datetime":
        stamp = pd.Timestamp(float(value), unit="s", tz="UTC")
        return stamp.strftime("%Y-%m-%d %H:%M:%S") if stamp.value % 86_400_000_000_000 else stamp.strftime("%Y-%m-%d")
    if kind == "boolean":
        return bool(value == 1.0)
    if kind == "numeric":
        return rounded(float(value), 12)
    return str(value)


def _examples(rule: Rule, check: RuleCheck, frame: PreparedFrame, kinds: dict[str, str]) -> list[dict[str, Any]]:
    broken = np.flatnonzero(check.broken)
    if not len(broken):
        return []
    positions = frame.positions[broken] if frame.positions is not None else broken
    first = broken[np.argsort(positions, kind="stable")[:EXAMPLES]]
    columns = {str(c): c for c in frame.frame.columns}
    out = []
    for i in first:
        values = {c: _shown_value(frame.frame[columns[c]].iloc[i], kinds[c]) for c in rule.columns if c in columns}
        row = int(frame.positions[i]) if frame.positions is not None else int(i)
        out.append({"row": row, "values": values})
    return out


def _patterns(checks: list[RuleCheck]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The distinct patterns of not applying / broken / kept across the rules, as (applies, kept)
    per pattern and rule, and how many rows show each pattern."""
    states = np.column_stack([c.applies.astype(np.uint8) + c.kept.astype(np.uint8) for c in checks])
    n_rules = states.shape[1]
    rows = np.ascontiguousarray(states).view(np.dtype((np.void, n_rules))).ravel()
    unique, counts = np.unique(rows, return_counts=True)
    patterns = np.frombuffer(unique.tobytes(), dtype=np.uint8).reshape(-1, n_rules)
    return patterns > 0, patterns == 2, counts


def _tally_patterns(patterns: dict[bytes, int], columns: list[int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`_patterns` from tallied patterns (the state of every tallied rule per pattern, and
    its rows), of the rules at ``columns``: the same patterns, in the same order."""
    states = np.frombuffer(b"".join(patterns), dtype=np.uint8).reshape(len(patterns), -1)[:, columns]
    rows = np.ascontiguousarray(states).view(np.dtype((np.void, len(columns)))).ravel()
    unique, inverse = np.unique(rows, return_inverse=True)
    counts = np.bincount(inverse.ravel(), weights=np.array(list(patterns.values()), dtype=float)).astype(np.int64)
    found = np.frombuffer(unique.tobytes(), dtype=np.uint8).reshape(-1, len(columns))
    return found > 0, found == 2, counts


def _resampled_shares(
    patterns: tuple[np.ndarray, np.ndarray, np.ndarray], n_boot: int, rng: np.random.Generator
) -> np.ndarray:
    """Bootstrap replicates (n_boot x rules) of each rule's share (1.0 where it applies to no row),
    from the patterns of the rules' verdicts across rows (:func:`_patterns`)."""
    applies, kept, counts = patterns
    n = int(counts.sum())
    draws = rng.multinomial(n, counts / n, size=n_boot).astype(float)
    n_applies, n_kept = draws @ applies, draws @ kept
    with np.errstate(invalid="ignore", divide="ignore"):
        shares = n_kept / n_applies
    shares[n_applies == 0] = 1.0
    return shares


def _weighted(scores: np.ndarray, weights: np.ndarray) -> Any:
    return (scores * weights).sum(axis=-1) / weights.sum()


def _entry(rule: Rule, source: str, per: dict[str, RuleCheck], tolerance: float) -> tuple[dict[str, Any], Any]:
    """A rule's entry in the details (without examples), and its (score, baseline) where it is
    scored (None where the real data breaks it beyond the tolerance or never reaches it)."""
    entry: dict[str, Any] = {
        "column": rule.name,
        "rule": rule.text,
        "kind": rule.kind,
        "severity": rule.severity,
        "source": source,
        "score": None,
    }
    shares = {name: per[name].share for name in ("real", "holdout", "synthetic") if name in per}
    entry["shares"] = {k: rounded(v) for k, v in shares.items()}
    entry["rows"] = {name: c.n_applies for name, c in per.items()}
    entry["violations"] = {name: c.n_applies - c.n_kept for name, c in per.items()}
    real_share, n_syn = shares["real"], per["synthetic"].n_applies
    if real_share is None:
        entry["note"] = "it applies to no real row: not scored"
        return entry, None
    if 1.0 - real_share > tolerance + 1e-12:
        entry["note"] = (
            f"the real data breaks it in {1 - real_share:.2%} of the {per['real'].n_applies:,} rows it applies "
            f"to (more than the tolerance, {tolerance:.2%}): not scored; the rule is wrong or the data dirty"
        )
        return entry, None
    score = min(1.0, (1.0 if n_syn == 0 else shares["synthetic"]) / real_share)
    entry["score"] = rounded(score)
    baseline = None
    if "holdout" in per:
        held = 1.0 if per["holdout"].n_applies == 0 else shares["holdout"]
        baseline = min(1.0, held / real_share)
        entry["baseline"] = rounded(baseline)
    if n_syn:
        low, high = wilson(per["synthetic"].n_kept, n_syn)
        entry["ci"] = [rounded(low), rounded(high)]
        entry["se"] = rounded((high - low) / (2 * _Z) / real_share)
    else:
        entry["note"] = "it applies to no synthetic row: kept vacuously"
    return entry, (score, baseline)


@metric(
    "rules",
    "fidelity",
    shape=RuleChecks(),
    needs=("rules",),
    chunked=True,
    params={
        "mine": Param(doc="also check the rules mined from the real rows (sdq.rules.mine)"),
        "tolerance": Param(
            low=0.0,
            high=0.5,
            doc="rules the real data breaks in more than this share of the rows they apply to are not scored",
        ),
        "mine_tolerance": Param(
            low=0.0, high=0.49, doc="with mine: the share of real rows a mined rule may break (0: none)"
        ),
    },
    summary="The synthetic rows keep the domain's rules (given, or mined from the real rows) as often as the real rows do.",
    one="every rule holds on the synthetic rows at least as often as on the real rows",
    zero="every synthetic row breaks every rule",
)
def rules(prepared: Prepared, *, mine: bool = False, tolerance: float = 0.01, mine_tolerance: float = 0.0) -> Outcome:
    given = list(prepared.config.rules)
    if not given and not mine:
        raise Skip(
            "no rules were given (rules=, --rules or [rules] in sdq.toml) and mining is off "
            "(mine_rules=True or --mine-rules)"
        )
    real, syn, base, full = prepared.real, prepared.synthetic, prepared.baseline, prepared.synthetic_full
    frames = {"real": real, "synthetic": syn, "holdout": base, "synthetic_full": full}
    frames = {name: frame for name, frame in frames.items() if frame is not None}
    if isinstance(real, AggregateFrame):
        # counted over every row where the data are (sdq.engine.scaled): rules that read one row at
        # a time; the rules on a whole data set (unique, depends) are listed, not scored
        info = real.rule_checks
        if not info:
            raise Skip("no rule was given and none was found in the real rows")
        found, source, kinds = list(info["rules"]), dict(info["source"]), dict(info["kinds"])
        column = {name: k for k, name in enumerate(info["tallied"])}
        checks = {
            name: [f.rule_checks["tallies"][column[r.name]] if r.name in column else None for r in found]
            for name, f in frames.items()
        }
        rows = {name: f.n_rows for name, f in frames.items()}

        def examples_of(i: int, rule: Rule) -> list:
            shown = checks["synthetic_full" if full is not None else "synthetic"][i]
            return [
                {"row": row, "values": {c: _shown_value(v, kinds[c]) for c, v in values.items()}}
                for row, values in shown.examples
            ]

        def patterns_of(name: str, which: list[int]) -> tuple:
            return _tally_patterns(frames[name].rule_checks["patterns"], [column[found[i].name] for i in which])

    else:
        specs = {spec.label: spec for spec in prepared.schema.columns if spec.role != "excluded"}
        named = real.frame.set_axis([str(c) for c in real.frame.columns], axis=1)
        kinds = rule_kinds(named, {label: spec.kind for label, spec in specs.items()})
        tables = {name: _table(frame, kinds) for name, frame in frames.items()}
        if mine:
            found, source = with_mined(given, tables["real"].frame, kinds, tolerance=mine_tolerance)
        else:
            found, source = list(given), {r.name: "given" for r in given}
        checks = {name: [rule.check(table) for rule in found] for name, table in tables.items()}
        rows = {name: table.n for name, table in tables.items()}

        def examples_of(i: int, rule: Rule) -> list:
            shown = (checks["synthetic_full"][i], full) if full is not None else (checks["synthetic"][i], syn)
            return _examples(rule, *shown, kinds)

        def patterns_of(name: str, which: list[int]) -> tuple:
            return _patterns([checks[name][i] for i in which])

    if not found:
        raise Skip("no rule was given and none was found in the real rows")
    entries, scored, scores, baselines = [], [], [], []
    for i, rule in enumerate(found):
        if checks["real"][i] is None:
            # a rule on a whole data set (unique, depends) cannot be added up piece by piece: shown
            # on the seeded samples of the rows, not scored
            sampled = {
                name: rule.check(_table(f.sample, kinds))
                for name, f in frames.items()
                if name in ("real", "synthetic", "holdout") and f.sample is not None
            }
            entries.append(
                {
                    "column": rule.name,
                    "rule": rule.text,
                    "kind": rule.kind,
                    "severity": rule.severity,
                    "source": source[rule.name],
                    "score": None,
                    "shares": {name: rounded(c.share) for name, c in sampled.items()},
                    "rows": {name: c.n_applies for name, c in sampled.items()},
                    "note": "a rule on a whole data set, checked on seeded samples of the rows (the data are "
                    "held in pieces): not scored",
                }
            )
            continue
        per = {name: checks[name][i] for name in checks}
        entry, score_baseline = _entry(rule, source[rule.name], per, tolerance)
        examples = examples_of(i, rule)
        if examples:
            entry["examples"] = examples
        entries.append(entry)
        if score_baseline is not None:
            scored.append(i)
            scores.append(score_baseline[0])
            baselines.append(score_baseline[1])
    n_given = sum(1 for s in source.values() if s == "given")
    counts = {"given": n_given, "mined": len(found) - n_given, "scored": len(scored)}
    if not scored:
        raise Skip(
            f"no rule could be scored: the real data breaks all {len(found)} beyond the tolerance "
            f"({tolerance:.2%}) or they apply to no real row"
        )
    weights = np.array([WEIGHTS[found[i].severity] for i in scored])
    exact_real = np.array([checks["real"][i].share for i in scored])
    score = float(_weighted(np.array(scores), weights))
    baseline = float(_weighted(np.array(baselines), weights)) if base is not None else None
    details: dict[str, Any] = {
        "columns": entries,
        "rows": rows,
        "rules": counts,
        "tolerance": tolerance,
        "weights": dict(WEIGHTS),
    }
    if full is not None:
        full_shares = [checks["synthetic_full"][i].share for i in scored]
        full_scores = [min(1.0, (1.0 if s is None else s) / r) for s, r in zip(full_shares, exact_real)]
        details["score_full_size"] = rounded(float(_weighted(np.array(full_scores), weights)))
    ci = None
    n_boot = prepared.config.n_bootstrap
    if n_boot:
        rng = prepared.rng("rules")
        syn_b = _resampled_shares(patterns_of("synthetic", scored), n_boot, rng)
        real_b = _resampled_shares(patterns_of("real", scored), n_boot, rng)
        replicates = _weighted(np.minimum(1.0, syn_b / real_b), weights)
        ci = shifted_ci(score, replicates, 1.0)
        details["n_bootstrap"] = n_boot
    return Outcome(score=clip01(score), baseline=None if baseline is None else clip01(baseline), ci=ci, details=details)

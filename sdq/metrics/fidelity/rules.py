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
from sdq.prepare import Prepared, PreparedFrame
from sdq.rules import Rule, RuleCheck, Table
from sdq.rules import mine as mine_rules
from sdq.rules.evaluate import rule_kinds
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


def _resampled_shares(checks: list[RuleCheck], n_boot: int, rng: np.random.Generator) -> np.ndarray:
    """Bootstrap replicates (n_boot x rules) of each rule's share (1.0 where it applies to no row)."""
    applies, kept, counts = _patterns(checks)
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
    chunked="rules are checked row by row on whole data sets, not on counts of bins",
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
    specs = {spec.label: spec for spec in prepared.schema.columns if spec.role != "excluded"}
    real, syn, base, full = prepared.real, prepared.synthetic, prepared.baseline, prepared.synthetic_full
    named = real.frame.set_axis([str(c) for c in real.frame.columns], axis=1)
    kinds = rule_kinds(named, {label: spec.kind for label, spec in specs.items()})
    tables = {"real": _table(real, kinds), "synthetic": _table(syn, kinds)}
    if base is not None:
        tables["holdout"] = _table(base, kinds)
    if full is not None:
        tables["synthetic_full"] = _table(full, kinds)
    source = {r.name: "given" for r in given}
    found: list[Rule] = list(given)
    if mine:
        # mined on the columns in the canonical order, so that no rule depends on the order of the given columns
        canonical = sorted(kinds)
        mined = mine_rules(tables["real"].frame[canonical], {c: kinds[c] for c in canonical}, tolerance=mine_tolerance)
        same = {(r.kind, repr(r.to_value()), r.severity) for r in given}
        for rule in mined.rules:
            if (rule.kind, repr(rule.to_value()), rule.severity) in same:
                continue  # given already, perhaps under another name
            name, k = rule.name, 2
            while name in source:
                name, k = f"{rule.name}_{k}", k + 1
            rule = rule if name == rule.name else Rule.from_value(name, rule.to_value())
            source[name] = "mined"
            found.append(rule)
    if not found:
        raise Skip("no rule was given and none was found in the real rows")
    checks = {name: [rule.check(table) for rule in found] for name, table in tables.items()}
    entries, scored, scores, baselines = [], [], [], []
    for i, rule in enumerate(found):
        per = {name: checks[name][i] for name in checks}
        entry, score_baseline = _entry(rule, source[rule.name], per, tolerance)
        shown = (per["synthetic_full"], full) if full is not None else (per["synthetic"], syn)
        examples = _examples(rule, *shown, kinds)
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
        "rows": {name: table.n for name, table in tables.items()},
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
        syn_b = _resampled_shares([checks["synthetic"][i] for i in scored], n_boot, rng)
        real_b = _resampled_shares([checks["real"][i] for i in scored], n_boot, rng)
        replicates = _weighted(np.minimum(1.0, syn_b / real_b), weights)
        ci = shifted_ci(score, replicates, 1.0)
        details["n_bootstrap"] = n_boot
    return Outcome(score=clip01(score), baseline=None if baseline is None else clip01(baseline), ci=ci, details=details)

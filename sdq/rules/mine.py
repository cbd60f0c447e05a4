"""Mining rules from real rows: the constraints that hold on every row (or on all but a stated share).

:func:`mine` looks for, in this order:

``not null``   columns with no missing value;
``values``     the value set of a column with few distinct values (text, or numbers);
``format``     for text with more distinct values: at most three character-class patterns that
               cover the values (each value generalised to runs of ``[A-Z]``, ``[a-z]``,
               ``[0-9]`` and literal characters, first with exact run lengths, then with runs of
               any length, then with letters of either case);
``range``      the observed range of a numeric or date column (a ``warning``: fresh data may go
               a little beyond it), and ``x >= 0`` for a column never below 0 (an ``error``);
``order``      ``a <= b`` (or ``a < b``, ``a == b``) for pairs of numeric (or of date) columns,
               leaving out pairs whose ranges do not overlap (the ranges already say it) and
               those implied by two others (``a <= b`` and ``b <= c`` say ``a <= c``);
``sum``        ``a + b == c`` (so also ``c - a == b``) for numeric columns, exact within float
               rounding (written ``abs(a + b - c) <= E`` where rounding shows);
``depends``    functional dependencies between columns with few values: each value of ``a``
               goes with one value of ``b`` (``zip -> state``), leaving out those implied by two
               others and writing a one-to-one pair both ways;
``unique``     id columns whose values never repeat.

Every rule found is then checked on every row with the same code that scores rules
(:meth:`~sdq.rules.model.Rule.check`), and kept only where it holds on all but ``tolerance`` of
the rows it applies to; its support (that share) and rows are recorded.

Cost: column by column work is a few vectorised passes; pairwise and three-way searches (order,
sums, dependencies) run on a seeded sample of rows first (a candidate broken on the sample is
broken on the data, with no tolerance; with a tolerance the sample keeps a margin of three
standard errors) and confirm the few survivors on every row. Pairs and triples are bounded by the
number of columns (20 numeric columns: 190 pairs, 3,420 sums).
"""

from __future__ import annotations

import itertools
import math
import re
from dataclasses import dataclass
from typing import Any, Iterator, Mapping

import numpy as np
import pandas as pd

from sdq.errors import ConfigError
from sdq.rules.evaluate import TEXT_KINDS, Table
from sdq.rules.grammar import quote_column, quote_string
from sdq.rules.model import Rule, value_codes
from sdq.rules.writing import rules_to_toml

__all__ = ["MinedRule", "MinedRules", "mine", "with_mined", "GROUPS"]

#: The groups of mined rules, in the order they are written, with the comment that opens each.
GROUPS = {
    "not null": "columns that are never missing",
    "values": "the values of columns with few distinct values",
    "format": "the formats of text columns (patterns of character classes)",
    "range": "observed ranges (warnings: fresh data may go a little beyond them)",
    "sign": "columns never below zero",
    "order": "columns ordered row by row",
    "sum": "columns that are sums of two others",
    "depends": "functional dependencies: each value of one column goes with one value of another",
    "unique": "columns whose values never repeat",
}
#: Fewest rows a pairwise or three-way rule must apply to.
MIN_ROWS = 20
#: Relative float error allowed in a sum: |a + b - c| <= SUM_EPSILON * max(1, |a|, |b|, |c|).
SUM_EPSILON = 1e-9


@dataclass(frozen=True)
class MinedRule:
    """A mined rule, its group (:data:`GROUPS`), and its support: the share of the real rows it
    applies to that keep it, and how many rows it applies to."""

    rule: Rule
    group: str
    support: float
    rows: int

    def comment(self) -> str:
        """Where it holds, in words."""
        if self.support >= 1.0:
            return f"holds on all {self.rows:,} rows"
        broken = round((1.0 - self.support) * self.rows)
        return f"holds on {self.support:.2%} of {self.rows:,} rows ({broken:,} break it)"


@dataclass(frozen=True)
class MinedRules:
    """The rules mined from one table (see :func:`mine`); iterating gives the :class:`Rule` objects,
    :meth:`to_toml` the commented rules file."""

    mined: tuple[MinedRule, ...]
    rows: int
    columns: int
    tolerance: float

    @property
    def rules(self) -> tuple[Rule, ...]:
        return tuple(m.rule for m in self.mined)

    def __iter__(self) -> Iterator[Rule]:
        return iter(self.rules)

    def __len__(self) -> int:
        return len(self.mined)

    def __getitem__(self, name: str) -> MinedRule:
        for m in self.mined:
            if m.rule.name == name:
                return m
        raise KeyError(name)

    def to_toml(self, source: str | None = None) -> str:
        """A commented ``[rules]`` table of these rules, which ``--rules`` reads back as the same rules."""
        held = "every row" if self.tolerance == 0 else f"all but {self.tolerance:.2%} of the rows"
        header = [
            f"Rules mined by `sdq rules suggest` from {source or 'the real data'} "
            f"({self.rows:,} rows, {self.columns} columns): {len(self.mined)} rules, each held on {held} it applies to.",
            "Edit freely: delete what is not a rule of your domain, tighten what is, add your own. Then:",
            "  sdq report REAL SYNTHETIC --holdout HOLDOUT --rules THIS_FILE",
            'A rule is `name = "expression"` or a table { expr, when, severity, column, in, matches, unique,',
            'depends_on }; severity "warning" weighs half in the score. A rule does not apply to a row where a',
            "value it reads is missing (write `x is not null` where a value must be present).",
            "Each rule's comment says on how many real rows it applies and holds.",
        ]
        above: dict[str, list[str]] = {}
        for m in self.mined:
            if not any(other.group == m.group for other in self.mined[: self.mined.index(m)]):
                above[m.rule.name] = [f"-- {GROUPS[m.group]}"]
        after = {m.rule.name: m.comment() for m in self.mined}
        return rules_to_toml(self.rules, header=header, above=above, after=after)


# -- helpers --------------------------------------------------------------------------------------
def _number(value: float) -> str:
    """A number as rule text, exactly (whole numbers without a decimal point)."""
    value = float(value)
    if value.is_integer() and abs(value) < 2**53:
        return str(int(value))
    return repr(value)


def _date(seconds: float) -> str:
    stamp = pd.Timestamp(int(seconds), unit="s", tz="UTC")
    return stamp.strftime("%Y-%m-%d") if int(seconds) % 86_400 == 0 else stamp.strftime("%Y-%m-%d %H:%M:%S")


def _slug(name: str) -> str:
    return re.sub(r"_+", "_", re.sub(r"\W+", "_", name)).strip("_") or "column"


def _allowed(broken: Any, rows: Any, tolerance: float, *, sample: bool = False) -> Any:
    """Whether ``broken`` of ``rows`` is within the tolerance (on a sample: with a margin of three
    standard errors, so that a rule within it on every row is not lost to the sample's noise)."""
    rows = np.asarray(rows, dtype=float)
    limit = tolerance * rows
    if sample and tolerance > 0:
        limit = limit + 3.0 * np.sqrt(tolerance * (1 - tolerance) * rows) + 1.0
    return np.asarray(broken) <= limit + 1e-9


class _Miner:
    def __init__(self, frame: pd.DataFrame, kinds: Mapping[str, str], tolerance: float, seed: int) -> None:
        self.frame = frame
        self.kinds = {str(k): v for k, v in kinds.items()}
        self.names = [str(c) for c in frame.columns if str(c) in self.kinds]
        self.table = Table(frame.set_axis([str(c) for c in frame.columns], axis=1), self.kinds)
        self.n = len(frame)
        self.tolerance = tolerance
        self.rng = np.random.default_rng(seed)
        self.found: list[tuple[str, Rule]] = []
        self.taken: set[str] = set()
        self.numbers = {c: self.table.column(c).data for c in self.names if self.kinds[c] in ("numeric", "datetime")}
        self.ranges: dict[str, tuple[float, float]] = {}
        self.aliases: set[str] = set()

    def add(self, group: str, name: str, **rule: Any) -> None:
        base, k = _slug(name), 2
        unique = base
        while unique in self.taken:
            unique, k = f"{base}_{k}", k + 1
        self.taken.add(unique)
        self.found.append((group, Rule(unique, **rule)))

    def sample_rows(self, size: int) -> np.ndarray:
        if self.n <= size:
            return np.arange(self.n)
        return np.sort(self.rng.choice(self.n, size=size, replace=False))

    # -- column by column ----------------------------------------------------------------------
    def not_null(self) -> None:
        for c in self.names:
            if self.kinds[c] == "empty":
                continue
            missing = int((~np.asarray(self.table.column(c).known, dtype=bool)).sum())
            if self.n and _allowed(missing, self.n, self.tolerance):
                self.add("not null", f"{c}_not_null", expr=f"{quote_column(c)} is not null")

    def values(self, max_values: int) -> set[str]:
        """Value sets; returns the columns that got one."""
        done = set()
        for c in self.names:
            kind = self.kinds[c]
            value = self.table.column(c)
            if kind in ("categorical", "constant"):
                strings = value.data
                counts = np.bincount(strings.codes[strings.codes >= 0], minlength=len(strings.cats))
                present = np.flatnonzero(counts)
                labels, weights = strings.cats[present], counts[present]
            elif kind == "numeric":
                x = value.data[~np.isnan(value.data)]
                labels, weights = np.unique(x, return_counts=True)
                if len(labels) > max_values:
                    continue
            else:
                continue
            total = int(weights.sum())
            if total == 0:
                continue
            order = np.argsort(-weights, kind="stable")
            covered = np.cumsum(weights[order])
            needed = int(np.searchsorted(covered, (1.0 - self.tolerance) * total - 1e-9) + 1)
            needed = min(needed, len(order))
            if needed > max_values:
                continue
            chosen = labels[order[:needed]]
            if kind == "numeric":
                kept = tuple(float(v) for v in np.sort(chosen.astype(float)))
                if len(kept) < 2:
                    continue  # a single number is a range of one value
                kept = tuple(int(v) if v.is_integer() and abs(v) < 2**53 else v for v in kept)
            else:
                kept = tuple(sorted(str(v) for v in chosen))
            self.add("values", f"{c}_values", column=c, values=kept)
            done.add(c)
        return done

    def formats(self, skip: set[str], max_patterns: int, sample_values: int) -> None:
        for c in self.names:
            if c in skip or self.kinds[c] not in ("categorical", "id", "text"):
                continue
            strings = self.table.column(c).data
            counts = np.bincount(strings.codes[strings.codes >= 0], minlength=len(strings.cats))
            present = np.flatnonzero(counts)
            if len(present) < 2:
                continue
            regex = _format(
                strings.cats[present], counts[present], self.tolerance, max_patterns, sample_values, self.rng
            )
            if regex is not None:
                self.add("format", f"{c}_format", column=c, matches=regex)

    def ranges_and_signs(self, skip: set[str]) -> None:
        """Ranges (not for columns with a value set, which says more) and signs."""
        signs = []
        for c, x in self.numbers.items():
            present = x[~np.isnan(x)]
            if len(present) == 0:
                continue
            low, high = float(present.min()), float(present.max())
            self.ranges[c] = (low, high)
            if low == high:
                continue
            q = quote_column(c)
            if self.kinds[c] == "datetime":
                expr = f"{quote_string(_date(math.floor(low)))} <= {q} <= {quote_string(_date(math.ceil(high)))}"
            else:
                expr = f"{_number(low)} <= {q} <= {_number(high)}"
                if low >= 0:
                    signs.append(c)
            if c not in skip:
                self.add("range", f"{c}_range", expr=expr, severity="warning")
        for c in signs:
            self.add("sign", f"{c}_non_negative", expr=f"{quote_column(c)} >= 0")

    def unique(self) -> None:
        for c in self.names:
            if self.kinds[c] != "id":
                continue
            codes = value_codes(self.table, c)
            present = codes[codes >= 0]
            repeats = len(present) - len(np.unique(present))
            if len(present) >= MIN_ROWS and _allowed(repeats, len(present), self.tolerance):
                self.add("unique", f"{c}_unique", unique=[c])

    # -- pairs and triples ---------------------------------------------------------------------
    def order(self, sample_rows: int) -> None:
        for kind in ("numeric", "datetime"):
            columns = [c for c in self.numbers if self.kinds[c] == kind and c in self.ranges]
            if len(columns) < 2:
                continue
            rows = self.sample_rows(sample_rows)
            xs = np.column_stack([self.numbers[c][rows] for c in columns])
            known = ~np.isnan(xs)
            both = known[:, :, None] & known[:, None, :]
            with np.errstate(invalid="ignore"):
                greater = ((xs[:, :, None] > xs[:, None, :]) & both).sum(axis=0)
            m = both.sum(axis=0)
            edges: dict[tuple[str, str], bool] = {}  # (a, b) -> strict: a <= b (or a < b) holds
            equal: list[tuple[str, str]] = []
            for i, j in itertools.combinations(range(len(columns)), 2):
                a, b = columns[i], columns[j]
                if a in self.aliases or b in self.aliases:
                    continue
                le = _allowed(greater[i, j], m[i, j], self.tolerance, sample=True)  # a > b rarely
                ge = _allowed(greater[j, i], m[i, j], self.tolerance, sample=True)
                if not (le or ge):
                    continue
                xa, xb = self.numbers[a], self.numbers[b]
                on = ~np.isnan(xa) & ~np.isnan(xb)
                rows_ab = int(on.sum())
                if rows_ab < MIN_ROWS:
                    continue
                ya, yb = xa[on], xb[on]
                n_gt, n_lt = int((ya > yb).sum()), int((ya < yb).sum())
                n_eq = rows_ab - n_gt - n_lt
                le = _allowed(n_gt, rows_ab, self.tolerance)
                ge = _allowed(n_lt, rows_ab, self.tolerance)
                if le and ge:
                    equal.append((a, b))
                    self.aliases.add(b)
                    continue
                if ge:
                    a, b, n_gt, n_lt = b, a, n_lt, n_gt
                elif not le:
                    continue
                high_a, low_b = self.ranges[a][1], self.ranges[b][0]
                strict = _allowed(n_gt + n_eq, rows_ab, self.tolerance)
                if high_a < low_b or (high_a <= low_b and not strict):
                    continue  # the ranges already say it
                edges[(a, b)] = strict
            for a, b in equal:
                self.add("order", f"{a}_eq_{b}", expr=f"{quote_column(a)} == {quote_column(b)}")
            for (a, b), strict in edges.items():
                implied = any(
                    (a, mid) in edges and (mid, b) in edges and (not strict or edges[(a, mid)] or edges[(mid, b)])
                    for mid in columns
                    if mid not in (a, b)
                )
                if not implied:
                    op = "<" if strict else "<="
                    self.add(
                        "order", f"{a}_{'lt' if strict else 'le'}_{b}", expr=f"{quote_column(a)} {op} {quote_column(b)}"
                    )

    def sums(self, sample_rows: int) -> None:
        columns = [c for c in self.numbers if self.kinds[c] == "numeric" and c in self.ranges and c not in self.aliases]
        columns = [c for c in columns if self.ranges[c][0] != self.ranges[c][1]]
        k = len(columns)
        if k < 3:
            return
        size = int(min(sample_rows, max(200, 2e7 // (k * k))))
        rows = self.sample_rows(size)
        xs = np.column_stack([self.numbers[c][rows] for c in columns])
        with np.errstate(invalid="ignore", over="ignore"):
            pair_sum = xs[:, :, None] + xs[:, None, :]
            pair_scale = np.maximum(np.abs(xs[:, :, None]), np.abs(xs[:, None, :]))
            nonzero = ((xs[:, :, None] != 0) & (xs[:, None, :] != 0)).sum(axis=0)
        upper = np.triu(np.ones((k, k), dtype=bool), 1)
        found = []
        for t in range(k):
            target = xs[:, t][:, None, None]
            with np.errstate(invalid="ignore", over="ignore"):
                residual = np.abs(pair_sum - target)
                scale = np.maximum(np.maximum(pair_scale, np.abs(target)), 1.0)
                known = ~np.isnan(residual)
                broken = (known & (residual > SUM_EPSILON * scale)).sum(axis=0)
            m = known.sum(axis=0)
            ok = upper & (m >= min(MIN_ROWS, size)) & (nonzero >= 1) & _allowed(broken, m, self.tolerance, sample=True)
            ok[t, :] = ok[:, t] = False
            found.extend((i, j, t) for i, j in zip(*np.nonzero(ok)))
        for i, j, t in found:
            a, b, c = columns[i], columns[j], columns[t]
            xa, xb, xc = self.numbers[a], self.numbers[b], self.numbers[c]
            on = ~np.isnan(xa) & ~np.isnan(xb) & ~np.isnan(xc)
            if on.sum() < MIN_ROWS or int(((xa[on] != 0) & (xb[on] != 0)).sum()) < min(10, on.sum()):
                continue
            with np.errstate(over="ignore"):
                residual = np.abs(xa[on] + xb[on] - xc[on])
                scale = np.maximum.reduce([np.abs(xa[on]), np.abs(xb[on]), np.abs(xc[on]), np.ones(int(on.sum()))])
            within = residual <= SUM_EPSILON * scale
            if not _allowed(int((~within).sum()), int(on.sum()), self.tolerance):
                continue
            worst = float(residual[within].max()) if within.any() else 0.0
            qa, qb, qc = quote_column(a), quote_column(b), quote_column(c)
            if worst == 0.0:
                expr = f"{qa} + {qb} == {qc}"
            else:
                bound = 10.0 ** math.ceil(math.log10(worst))
                expr = f"abs({qa} + {qb} - {qc}) <= {_number(bound if bound >= worst else worst)}"
            self.add("sum", f"{a}_plus_{b}_is_{c}", expr=expr)

    def dependencies(self, sample_rows: int, max_levels: int) -> None:
        codes, levels = {}, {}
        for c in self.names:
            kind = self.kinds[c]
            if kind not in ("categorical", "boolean", "numeric") or c in self.aliases:
                continue
            if kind == "numeric" and len(np.unique(self.numbers[c][~np.isnan(self.numbers[c])])) > max_levels:
                continue
            col = value_codes(self.table, c)
            present = col[col >= 0]
            k = int(present.max()) + 1 if len(present) else 0
            if k < 2 or len(np.unique(present)) < 2:
                continue
            codes[c], levels[c] = col, k
        names = list(codes)
        if len(names) < 2:
            return
        rows = self.sample_rows(sample_rows)
        holds: set[tuple[str, str]] = set()
        for a, b in itertools.permutations(names, 2):
            ca, cb = codes[a], codes[b]
            present_a = int((ca >= 0).sum())
            if levels[a] > present_a / 5:  # too few rows per value of a for its dependents to mean anything
                continue
            broken, m = _fd_broken(ca[rows], cb[rows], levels[a], levels[b])
            if m < min(MIN_ROWS, len(rows)) or not _allowed(broken, m, self.tolerance, sample=True):
                continue
            broken, m = _fd_broken(ca, cb, levels[a], levels[b])
            if m >= MIN_ROWS and _allowed(broken, m, self.tolerance):
                holds.add((a, b))
        # one-to-one pairs form groups; between groups, leave out what two others imply
        group = {c: c for c in names}
        for a, b in sorted(holds, key=lambda e: (names.index(e[0]), names.index(e[1]))):
            if (b, a) in holds:
                ra, rb = group[a], group[b]
                if ra != rb:
                    keep, drop = sorted((ra, rb), key=names.index)
                    for c in names:
                        if group[c] == drop:
                            group[c] = keep
        members: dict[str, list[str]] = {}
        for c in names:
            members.setdefault(group[c], []).append(c)
        between = {(group[a], group[b]) for a, b in holds if group[a] != group[b]}
        for rep, group_members in members.items():
            for other in group_members:
                if other != rep:
                    self.add("depends", f"{other}_depends_on_{rep}", column=other, depends_on=[rep])
                    self.add("depends", f"{rep}_depends_on_{other}", column=rep, depends_on=[other])
        for x, y in sorted(between, key=lambda e: (names.index(e[0]), names.index(e[1]))):
            if any((x, mid) in between and (mid, y) in between for mid in members if mid not in (x, y)):
                continue
            self.add("depends", f"{y}_depends_on_{x}", column=y, depends_on=[x])


def _fd_broken(a: np.ndarray, b: np.ndarray, ka: int, kb: int) -> tuple[int, int]:
    """Rows that break "each value of a goes with one value of b" (those not with the most
    frequent b of their a), and the rows where both are known."""
    on = (a >= 0) & (b >= 0)
    m = int(on.sum())
    if m == 0:
        return 0, 0
    pair = a[on].astype(np.int64) * kb + b[on]
    if ka * kb <= 4_000_000:
        table = np.bincount(pair, minlength=ka * kb).reshape(ka, kb)
        return m - int(table.max(axis=1).sum()), m
    uniq, counts = np.unique(pair, return_counts=True)
    best = pd.Series(counts).groupby(uniq // kb).max().to_numpy()
    return m - int(best.sum()), m


_CLASSES = str.maketrans(
    {
        **{ch: "A" for ch in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"},
        **{ch: "a" for ch in "abcdefghijklmnopqrstuvwxyz"},
        **{ch: "9" for ch in "0123456789"},
    }
)
_CLASS_REGEX = {"A": "[A-Z]", "a": "[a-z]", "9": "[0-9]", "L": "[A-Za-z]"}


def _shape_regex(shape: str, exact: bool) -> str:
    """A regular expression from a shape: runs of a class ``A``, ``a``, ``9`` or ``L`` (a letter)
    and literal characters (other characters are escaped)."""
    parts = []
    for ch, run in itertools.groupby(shape):
        n = len(list(run))
        token = _CLASS_REGEX.get(ch, re.escape(ch)) if ch in "Aa9L" else re.escape(ch)
        if not exact:
            parts.append(token + "+")
        else:
            parts.append(token if n == 1 else f"{token}{{{n}}}")
    return "".join(parts)


def _format(
    values: np.ndarray,
    counts: np.ndarray,
    tolerance: float,
    max_patterns: int,
    sample_values: int,
    rng: np.random.Generator,
) -> str | None:
    """A regular expression of at most ``max_patterns`` alternatives of character-class patterns
    that matches all but ``tolerance`` of the values (weighted by ``counts``), or None."""
    texts = pd.Series(values, dtype=object)
    if len(texts) > sample_values:
        picked = np.sort(rng.choice(len(texts), size=sample_values, replace=False))
        texts, weights = texts.iloc[picked].reset_index(drop=True), counts[picked]
    else:
        weights = counts
    if (texts.str.len() == 0).any() or texts.str.contains(r"[\x00-\x1f]", regex=True).any():
        return None
    exact = texts.str.translate(_CLASSES)
    runs = exact.str.replace(r"(.)\1+", r"\1", regex=True)
    letters = runs.str.replace(r"[Aa]", "L", regex=True).str.replace(r"(.)\1+", r"\1", regex=True)
    total = float(weights.sum())
    for shapes, is_exact in ((exact, True), (runs, False), (letters, False)):
        grouped = pd.Series(weights).groupby(shapes.to_numpy()).sum().sort_values(ascending=False, kind="stable")
        covered = np.cumsum(grouped.to_numpy())
        needed = int(np.searchsorted(covered, (1.0 - tolerance) * total - 1e-9) + 1)
        if needed > max_patterns:
            continue
        patterns = sorted(_shape_regex(s, is_exact) for s in grouped.index[:needed])
        body = patterns[0] if len(patterns) == 1 else "(?:" + "|".join(patterns) + ")"
        regex = f"^{body}$"
        matched = pd.Series(values, dtype="string[pyarrow]").str.contains(regex, regex=True).to_numpy(dtype=bool)
        if _allowed(float(counts[~matched].sum()), float(counts.sum()), tolerance):
            return regex
    return None


def mine(
    frame: pd.DataFrame,
    kinds: Mapping[Any, str],
    *,
    tolerance: float = 0.0,
    max_values: int = 20,
    max_patterns: int = 3,
    sample_rows: int = 5_000,
    seed: int = 0,
) -> MinedRules:
    """The rules that hold on the rows of ``frame`` (see the module for what is looked for).

    Parameters
    ----------
    frame : DataFrame
        Real rows, coerced as sdq coerces them (``sdq.data``: numbers and dates as floats,
        booleans as 0/1, other kinds as text); columns are named by their text.
    kinds : mapping
        Column name -> sdq kind (``numeric``, ``datetime``, ``boolean``, ``categorical``, ``id``,
        ``text``, ``constant``, ``empty``); columns without a kind are left out.
    tolerance : float
        The share of the rows a rule applies to that may break it (0: every row keeps it).
    max_values : int
        Largest value set written (columns with more values get a format instead, if any).
    max_patterns : int
        Most alternatives in a format.
    sample_rows, seed
        The sample on which pairwise and three-way candidates are screened.
    """
    if isinstance(tolerance, bool) or not isinstance(tolerance, (int, float)) or not 0 <= tolerance < 0.5:
        raise ConfigError(f"The rule mining tolerance must be a share in [0, 0.5). Got {tolerance!r} instead.")
    unknown = sorted(set(map(str, kinds.values())) - set(TEXT_KINDS) - {"numeric", "datetime", "boolean"})
    if unknown:
        raise ConfigError(f"Unknown column kind(s) {unknown}.")
    miner = _Miner(frame, kinds, float(tolerance), seed)
    miner.not_null()
    with_values = miner.values(max_values)
    miner.formats(with_values, max_patterns, sample_values=20_000)
    miner.ranges_and_signs(with_values)
    miner.order(sample_rows)
    miner.sums(sample_rows)
    miner.dependencies(max(sample_rows, 20_000), max_levels=1_000)
    miner.unique()
    mined = []
    order = list(GROUPS)
    for group, rule in sorted(miner.found, key=lambda item: order.index(item[0])):
        check = rule.check(miner.table)
        if check.n_applies == 0:
            continue
        support = check.n_kept / check.n_applies
        if _allowed(check.n_applies - check.n_kept, check.n_applies, miner.tolerance):
            mined.append(MinedRule(rule, group, round(support, 6), check.n_applies))
    return MinedRules(tuple(mined), rows=miner.n, columns=len(miner.names), tolerance=float(tolerance))


def with_mined(
    given: list[Rule], frame: pd.DataFrame, kinds: Mapping[str, str], tolerance: float = 0.0
) -> tuple[list[Rule], dict[str, str]]:
    """The ``given`` rules and those mined from ``frame`` (:func:`mine` on its columns in the order
    of their names, so that no rule depends on the order of the given columns) that are not given
    already (perhaps under another name), a mined rule renamed where its name is taken; and each
    rule's source, ``given`` or ``mined``."""
    source = {r.name: "given" for r in given}
    found: list[Rule] = list(given)
    canonical = sorted(kinds)
    mined = mine(frame[canonical], {c: kinds[c] for c in canonical}, tolerance=tolerance)
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
    return found, source

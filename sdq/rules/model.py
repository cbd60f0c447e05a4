"""A rule: a named constraint on the rows of a table, with a severity, and what it says about each row.

Five kinds, each read from a rules table (TOML ``[rules]``, a mapping, or made in Python):

=========  =========================================================  ==============================
kind       TOML (short form, or the long form's keys)                 a row keeps it where
=========  =========================================================  ==============================
row        ``name = "start <= end"``; ``{ expr = "..." }``             the expression is true
set        ``{ column = "x", in = ["a", "b"] }`` (or an expression     the value is one of them
           ``x in {"a", "b"}``)
format     ``{ column = "zip", matches = "^[0-9]{5}$" }`` (or          the regular expression finds
           ``zip matches "^[0-9]{5}$"``)                               a match (``re.search``)
unique     ``{ unique = "id" }`` or ``{ unique = ["a", "b"] }``        no earlier row of the same
                                                                      data set has its key
depends    ``{ column = "state", depends_on = ["zip"] }``              its ``state`` is the most
                                                                      frequent one of its ``zip``
                                                                      in the same data set
=========  =========================================================  ==============================

Every kind takes ``when`` (a condition: the rule applies only to the rows where it is true) and
``severity`` (``error``, the default, or ``warning``). A rule does not apply to a row where a value
it reads is missing (see :mod:`sdq.rules.evaluate`): write ``x is not null`` for values that must
be present. ``unique`` and ``depends`` are properties of a whole data set; a row breaks them when
it repeats a key (every repeat after the first) or goes against the mapping the rest of its group
follows (the fewest rows that would have to change for the rule to hold).

A rule is parsed when it is made: a syntax error, an unknown function, a bad regular expression,
a key that is not one of :data:`KEYS` or a severity that is not one of :data:`SEVERITIES` is a
:class:`~sdq.errors.ConfigError` that names the rule. Columns are checked against the data by
:func:`check_rules` (or when the rule is first evaluated).
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

import numpy as np
import pandas as pd

from sdq.errors import ConfigError
from sdq.rules.evaluate import Table, condition
from sdq.rules.grammar import Column, InSet, Literal, Matches, Node, columns_of, parse, quote_column

__all__ = [
    "Rule",
    "RuleCheck",
    "as_rules",
    "check_rules",
    "rules_to_mapping",
    "value_codes",
    "KEYS",
    "SEVERITIES",
    "RULE_KINDS",
]

SEVERITIES = ("error", "warning")
#: The keys of a rule's long form.
KEYS = ("expr", "when", "severity", "column", "in", "matches", "unique", "depends_on")
RULE_KINDS = ("row", "set", "format", "unique", "depends")
_KIND_KEYS = {"expr": "row", "in": "set", "matches": "format", "unique": "unique", "depends_on": "depends"}


def _names(value: Any, key: str, rule: str) -> tuple[str, ...]:
    items = [value] if isinstance(value, str) else value
    if (
        not isinstance(items, (list, tuple))
        or not items
        or not all(isinstance(c, str) and c for c in items)
        or len(set(items)) != len(items)
    ):
        raise ConfigError(
            f"Rule {rule!r}: {key!r} must be a column name or a list of distinct column names. Got {value!r} instead."
        )
    return tuple(items)


def _set_values(value: Any, rule: str) -> tuple:
    expected = "a non-empty list of strings, numbers, true or false"
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise ConfigError(f"Rule {rule!r}: 'in' must be {expected}. Got {value!r} instead.")
    items = list(value)
    good = items and all(
        isinstance(v, (str, bool, int, float, np.integer, np.floating)) and not (isinstance(v, float) and math.isnan(v))
        for v in items
    )
    if not good:
        raise ConfigError(f"Rule {rule!r}: 'in' must be {expected}. Got {value!r} instead.")
    return tuple(v.item() if isinstance(v, np.generic) else v for v in items)


def _literal(value: Any) -> Literal:
    if isinstance(value, bool):
        return Literal(value, "bool")
    if isinstance(value, str):
        return Literal(value, "string")
    return Literal(float(value), "number")


@dataclass(frozen=True)
class RuleCheck:
    """What one rule says about every row of one data set: where it ``applies`` (its condition
    and every value it reads are known) and where it is ``kept``; ``broken`` = applies and not kept."""

    applies: np.ndarray
    kept: np.ndarray

    @property
    def broken(self) -> np.ndarray:
        return self.applies & ~self.kept

    @functools.cached_property
    def n_applies(self) -> int:
        return int(np.count_nonzero(self.applies))

    @functools.cached_property
    def n_kept(self) -> int:
        return int(np.count_nonzero(self.kept))

    @property
    def share(self) -> float | None:
        """The share of the rows it applies to that keep it (None where it applies to none)."""
        n = self.n_applies
        return self.n_kept / n if n else None


@dataclass(frozen=True)
class Rule:
    """A named rule (see the module for the kinds). Give exactly one of ``expr``, ``values`` (with
    ``column``), ``matches`` (with ``column``), ``unique`` or ``depends_on`` (with ``column``).

    Examples
    --------
    >>> Rule("married_after_born", "yrs_married <= age").kind
    'row'
    >>> Rule("zip_format", column="zip", matches="^[0-9]{5}$", when='country == "US"').columns
    ('zip', 'country')
    """

    name: str
    expr: str | None = None
    when: str | None = None
    severity: str = "error"
    column: str | None = None
    values: tuple | None = None
    matches: str | None = None
    unique: tuple[str, ...] | None = None
    depends_on: tuple[str, ...] | None = None
    _tree: Node | None = field(default=None, init=False, repr=False, compare=False)
    _when: Node | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        name = self.name
        if not isinstance(name, str) or not name.strip():
            raise ConfigError(f"A rule's name must be a non-empty string. Got {name!r} instead.")
        given = {
            key: getattr(self, attr)
            for key, attr in (
                ("expr", "expr"),
                ("in", "values"),
                ("matches", "matches"),
                ("unique", "unique"),
                ("depends_on", "depends_on"),
            )
            if getattr(self, attr) is not None
        }
        if len(given) != 1:
            what = f"got {sorted(given)}" if given else "got none"
            raise ConfigError(
                f"Rule {name!r}: give exactly one of 'expr', 'in', 'matches', 'unique' or 'depends_on' ({what})."
            )
        kind = _KIND_KEYS[next(iter(given))]
        if self.severity not in SEVERITIES:
            raise ConfigError(
                f"Rule {name!r}: 'severity' must be one of {list(SEVERITIES)}. Got {self.severity!r} instead."
            )
        needs_column = kind in ("set", "format", "depends")
        if needs_column and (not isinstance(self.column, str) or not self.column):
            key = {"set": "in", "format": "matches", "depends": "depends_on"}[kind]
            raise ConfigError(f"Rule {name!r}: {key!r} needs 'column' (the column it is about).")
        if not needs_column and self.column is not None:
            raise ConfigError(f"Rule {name!r}: 'column' goes with 'in', 'matches' or 'depends_on', not with {kind!r}.")
        for key in ("expr", "when", "matches"):
            value = getattr(self, key)
            if value is not None and not isinstance(value, str):
                raise ConfigError(f"Rule {name!r}: {key!r} must be a string. Got {value!r} instead.")
        tree = None
        try:
            if kind == "row":
                tree = parse(self.expr)
            elif kind == "set":
                object.__setattr__(self, "values", _set_values(self.values, name))
                tree = InSet(Column(self.column), tuple(_literal(v) for v in self.values))
            elif kind == "format":
                try:
                    re.compile(self.matches)
                except re.error as exc:
                    raise ConfigError(f"invalid regular expression {self.matches!r}: {exc}") from None
                tree = Matches(Column(self.column), self.matches)
            elif kind == "unique":
                object.__setattr__(self, "unique", _names(self.unique, "unique", name))
            else:
                object.__setattr__(self, "depends_on", _names(self.depends_on, "depends_on", name))
                if self.column in self.depends_on:
                    raise ConfigError(f"'depends_on' cannot hold the column {self.column!r} itself")
            when = None if self.when is None else parse(self.when)
        except ConfigError as exc:
            raise ConfigError(f"Rule {name!r}: {exc}") from None
        object.__setattr__(self, "_tree", tree)
        object.__setattr__(self, "_when", when)

    # -- reading and writing -------------------------------------------------------------------
    @classmethod
    def from_value(cls, name: Any, value: Any) -> "Rule":
        """A rule from its TOML form: a string (an expression) or a table of :data:`KEYS`."""
        if not isinstance(name, str):
            raise ConfigError(f"A rule's name must be a string. Got {name!r} instead.")
        if isinstance(value, str):
            return cls(name, expr=value)
        if isinstance(value, Rule):
            return value if value.name == name else _renamed(value, name)
        if not isinstance(value, Mapping):
            raise ConfigError(
                f"Rule {name!r} must be an expression (a string) or a table with keys {list(KEYS)}. "
                f"Got {value!r} instead."
            )
        unknown = [k for k in value if k not in KEYS]
        if unknown:
            raise ConfigError(f"Rule {name!r}: unknown key(s) {unknown}; allowed: {list(KEYS)}.")
        args = {("values" if k == "in" else k): v for k, v in value.items()}
        return cls(name, **args)

    def to_value(self) -> str | dict[str, Any]:
        """The rule's TOML form: the expression itself where the short form says everything, else
        the long form's keys (what :meth:`from_value` reads back)."""
        if self.kind == "row" and self.when is None and self.severity == "error":
            return self.expr
        out: dict[str, Any] = {}
        for key, attr in (
            ("expr", "expr"),
            ("column", "column"),
            ("in", "values"),
            ("matches", "matches"),
            ("unique", "unique"),
            ("depends_on", "depends_on"),
            ("when", "when"),
        ):
            value = getattr(self, attr)
            if value is not None:
                out[key] = list(value) if isinstance(value, tuple) else value
        if self.severity != "error":
            out["severity"] = self.severity
        return out

    # -- what it is about ------------------------------------------------------------------------
    @property
    def kind(self) -> str:
        if self.expr is not None:
            return "row"
        if self.values is not None:
            return "set"
        if self.matches is not None:
            return "format"
        return "unique" if self.unique is not None else "depends"

    @property
    def columns(self) -> tuple[str, ...]:
        """The columns the rule reads (its own first, then its condition's)."""
        if self.kind == "unique":
            own = list(self.unique)
        elif self.kind == "depends":
            own = [*self.depends_on, self.column]
        else:
            own = columns_of(self._tree)
        when = columns_of(self._when) if self._when is not None else []
        return tuple(dict.fromkeys(own + when))

    @property
    def text(self) -> str:
        """The rule in words, as reports show it."""
        if self.kind == "row":
            body = self.expr
        elif self.kind == "set":
            body = f"{quote_column(self.column)} in {{{', '.join(_shown(v) for v in self.values)}}}"
        elif self.kind == "format":
            body = f"{quote_column(self.column)} matches {_shown(self.matches)}"
        elif self.kind == "unique":
            body = f"unique({', '.join(quote_column(c) for c in self.unique)})"
        else:
            body = f"{', '.join(quote_column(c) for c in self.depends_on)} -> {quote_column(self.column)}"
        return body if self.when is None else f"when {self.when}: {body}"

    # -- checking ----------------------------------------------------------------------------------
    def check(self, table: Table) -> RuleCheck:
        """Where the rule applies and where it is kept, on every row of ``table``; a
        :class:`~sdq.errors.ConfigError` naming the rule when it cannot be evaluated there (an
        unknown column, values that do not go together)."""
        try:
            return self._check(table)
        except ConfigError as exc:
            raise ConfigError(f"Rule {self.name!r}: {exc}") from None

    def _check(self, table: Table) -> RuleCheck:
        applies = np.ones(table.n, dtype=bool)
        if self._when is not None:
            value, _known = condition(self._when, table)
            applies &= value
        if self.kind in ("row", "set", "format"):
            value, known = condition(self._tree, table)
            applies &= known
            return RuleCheck(applies, value & applies)
        keys = [value_codes(table, c) for c in (self.unique if self.kind == "unique" else self.depends_on)]
        for codes in keys:
            applies &= codes >= 0
        if self.kind == "unique":
            kept = np.zeros(table.n, dtype=bool)
            rows = np.flatnonzero(applies)
            if len(rows):
                repeated = pd.DataFrame({i: k[rows] for i, k in enumerate(keys)}).duplicated(keep="first").to_numpy()
                kept[rows] = ~repeated
            return RuleCheck(applies, kept)
        target = value_codes(table, self.column)
        applies &= target >= 0
        kept = np.zeros(table.n, dtype=bool)
        rows = np.flatnonzero(applies)
        if len(rows):
            kept[rows] = _follows_majority([k[rows] for k in keys], target[rows])
        return RuleCheck(applies, kept)


def _renamed(rule: Rule, name: str) -> Rule:
    value = rule.to_value()
    return Rule.from_value(name, value)


def _shown(value: Any) -> str:
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value)


def value_codes(table: Table, name: str) -> np.ndarray:
    """A column's values as integer codes in the order of the sorted values (-1 = missing), so
    that ties are broken the same way whatever the order of the rows."""
    value = table.column(name)
    if value.type == "string":
        strings = value.data
        order = np.argsort(strings.cats.astype(str), kind="stable")
        rank = np.empty(len(order), dtype=np.int64)
        rank[order] = np.arange(len(order))
        return np.append(rank, -1)[strings.codes]
    if value.type == "bool":
        return np.where(value.known_mask, np.asarray(value.data, dtype=np.int64), -1)
    codes, _ = pd.factorize(value.data, sort=True, use_na_sentinel=True)
    return codes.astype(np.int64)


def _follows_majority(keys: list[np.ndarray], target: np.ndarray) -> np.ndarray:
    """For each row, whether its ``target`` is the most frequent target among the rows with the
    same key (ties to the smallest code)."""
    group = pd.MultiIndex.from_arrays(keys).factorize()[0].astype(np.int64) if len(keys) > 1 else keys[0]
    n_groups, k = int(group.max()) + 1, int(target.max()) + 1
    if n_groups * k <= 4_000_000:  # a table of counts; argmax takes the first (smallest) of tied targets
        table = np.bincount(group * k + target, minlength=n_groups * k).reshape(n_groups, k)
        return target == table.argmax(axis=1)[group]
    group = pd.factorize(group)[0].astype(np.int64)
    pair = group * k + target
    uniq, inverse, counts = np.unique(pair, return_inverse=True, return_counts=True)
    pair_group, pair_target = uniq // k, uniq % k
    order = np.lexsort((pair_target, -counts, pair_group))  # per group: most rows first, then the smallest code
    first = order[np.r_[True, pair_group[order][1:] != pair_group[order][:-1]]]
    best = np.empty(int(pair_group.max()) + 1, dtype=np.int64)
    best[pair_group[first]] = pair_target[first]
    return target == best[group]


# -- sets of rules --------------------------------------------------------------------------------
def as_rules(value: Any) -> tuple[Rule, ...]:
    """Rules from what a user gives: None (none), a mapping shaped like the TOML ``[rules]`` table
    (name -> expression or long form), or an iterable of :class:`Rule` (or of objects with a
    ``rule``, such as mined rules). Names must be distinct. Files are read by
    :func:`sdq.rules.read_rules`."""
    if value is None:
        return ()
    if hasattr(value, "rules") and not isinstance(value, Mapping):
        value = value.rules
    if isinstance(value, Mapping):
        rules = [Rule.from_value(name, item) for name, item in value.items()]
    elif isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise ConfigError(
            "Rules must be a mapping of name -> rule (the [rules] table of a TOML file), a list of sdq.rules.Rule, "
            f"or a path to a rules file. Got {value!r} instead."
        )
    else:
        rules = []
        for item in value:
            item = getattr(item, "rule", item)
            if not isinstance(item, Rule):
                raise ConfigError(f"Expected an sdq.rules.Rule. Got {item!r} instead.")
            rules.append(item)
    names = [r.name for r in rules]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise ConfigError(f"Rule names must be distinct; repeated: {repeated}.")
    return tuple(rules)


def rules_to_mapping(rules: Iterable[Rule]) -> dict[str, Any]:
    """The rules as a mapping shaped like the TOML ``[rules]`` table (what :func:`as_rules` reads back)."""
    return {rule.name: rule.to_value() for rule in rules}


def _empty(kind: str) -> pd.Series:
    if kind in ("numeric", "datetime", "boolean"):
        return pd.Series(np.zeros(0), dtype=float)
    return pd.Series(pd.Categorical([], categories=pd.Index([], dtype=object)))


def check_rules(rules: Iterable[Rule], kinds: Mapping[str, str], excluded: Iterable[str] = ()) -> None:
    """A :class:`~sdq.errors.ConfigError` naming the first rule that names a column not in
    ``kinds`` (an excluded one is said to be excluded) or combines values that do not go together
    for these column kinds (checked on an empty table: nothing is computed)."""
    excluded = set(excluded)
    table = Table(pd.DataFrame({name: _empty(kind) for name, kind in kinds.items()}), kinds)
    for rule in rules:
        for column in rule.columns:
            if column in excluded:
                raise ConfigError(f"Rule {rule.name!r} reads the column {column!r}, which is excluded.")
        rule.check(table)

"""Settings of one evaluation: a frozen, validated dataclass.

Every setting that changes a number is here and is written into the report's JSON, so a report
can be reproduced from its own ``config`` block.
"""

from __future__ import annotations

import dataclasses
import zlib
from dataclasses import dataclass, field
from typing import Any, Mapping

import numpy as np

from sdq.errors import ConfigError
from sdq.rules.model import as_rules, rules_to_mapping

__all__ = ["Config", "MODEL_KINDS"]

MODEL_KINDS = ("xgboost", "random_forest", "linear")


def _metric_params(value: Any) -> dict[str, dict[str, Any]]:
    """A copy of the ``metric_params`` setting, checked for its form (metric name -> parameter
    name -> a bool, number or string); the values are checked against the metrics when they run."""
    expected = "a mapping of metric names to mappings of parameter names to values"
    if not isinstance(value, Mapping):
        raise ConfigError(f"The 'metric_params' setting must be {expected}. Got {value!r} instead.")
    out = {}
    for name, params in value.items():
        if not isinstance(name, str) or not isinstance(params, Mapping) or not all(isinstance(k, str) for k in params):
            raise ConfigError(f"The 'metric_params' setting must be {expected}. Got {name!r}: {params!r} instead.")
        for key, item in params.items():
            if not isinstance(item, (bool, int, float, str, np.integer, np.floating)):
                raise ConfigError(
                    f"The 'metric_params' value of {name}.{key} must be a bool, number or string. Got {item!r} instead."
                )
        out[name] = dict(params)
    return out


def _names(setting: str, value: Any) -> tuple:
    """A setting that lists column names, as a tuple of distinct names (a string is one name)."""
    if isinstance(value, str):
        value = (value,)
    if not isinstance(value, (list, tuple)):
        raise ConfigError(f"The '{setting}' setting must be a list of column names. Got {value!r} instead.")
    names = tuple(value)
    for name in names:
        if not isinstance(name, (str, int)) or isinstance(name, bool):
            raise ConfigError(f"The '{setting}' setting must list column names. Got {name!r} in it.")
    if len(set(names)) != len(names):
        raise ConfigError(f"The '{setting}' setting names a column twice: {list(names)}.")
    return names


def _link_columns(value: Any) -> tuple:
    """The ``link_columns`` setting: empty, or two non-empty disjoint lists of column names."""
    if isinstance(value, (list, tuple)) and len(value) == 0:
        return ()
    expected = "two lists of column names (the columns of each of the attacker's two data sets)"
    if not isinstance(value, (list, tuple)) or len(value) != 2 or isinstance(value[0], str):
        raise ConfigError(f"The 'link_columns' setting must be {expected}. Got {value!r} instead.")
    sides = tuple(_names("link_columns", side) for side in value)
    if not sides[0] or not sides[1]:
        raise ConfigError(f"The 'link_columns' setting must be {expected}, neither empty. Got {value!r} instead.")
    both = sorted(set(sides[0]) & set(sides[1]), key=str)
    if both:
        raise ConfigError(f"The two sets of 'link_columns' must not share columns; both have {both}.")
    return sides


def _check_int(name: str, value: Any, low: int, high: int | None) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ConfigError(
            f"The '{name}' setting must be an int in [{low}, {high if high is not None else 'inf'}]."
            f" Got {value!r} instead."
        )
    if value < low or (high is not None and value > high):
        raise ConfigError(
            f"The '{name}' setting must be an int in [{low}, {high if high is not None else 'inf'}]."
            f" Got {value} instead."
        )


@dataclass(frozen=True)
class Config:
    """What to compute and how.

    Parameters
    ----------
    seed : int
        Seed of every random step. Each metric draws from its own generator derived from this seed
        and the metric's name, so results do not depend on which other metrics run.
    n_bins : int
        Number of quantile bins for numeric and datetime columns (fewer where the real column has
        fewer distinct values). Shared by histograms, mutual information and contingency tables.
    max_categories : int
        Most frequent real categories kept per categorical column; the rest share an ``(other)`` bin.
    n_bootstrap : int
        Resamples behind each 95% interval (0 switches intervals off).
    bootstrap_rows : int
        Largest sample drawn per resample where a metric bootstraps rows (an m-out-of-n bootstrap
        whose spread is rescaled to the full sample size; recorded in ``details``).
    max_pairs : int
        Largest number of column pairs scored by the pairwise metrics (a seeded sample of pairs
        above it; recorded in ``details``).
    max_lag : int
        Most lags compared by the time-series metrics (fewer where sequences are short).
    models : tuple of str
        Model kinds of the utility metrics: ``xgboost``, ``random_forest``, ``linear``.
    model_rows : int
        Largest number of training rows per model (a seeded sample above it; recorded).
    test_rows : int
        Largest number of holdout rows the model metrics (``prediction``, ``feature_importance``,
        ``augmentation``) use, to test on and to train their baselines on (a seeded sample above
        it; recorded in ``details``): 100,000 rows pin an AUC or R^2 to about 0.003, and the
        baseline models train on at most ``model_rows`` of them.
    model_categories : int
        Most frequent levels one-hot encoded per categorical feature for the linear model.
    importance_rows : int
        Largest number of test rows over which ``feature_importance`` measures how far the linear
        model's output moves with each feature.
    importance_models : int
        Most models ``feature_importance`` averages per side (synthetic, holdout) and model kind on
        small data; it stops earlier once the agreement is precise (see
        :func:`sdq.metrics.utility.feature_importance.averaged`). More: steadier across seeds on
        tables of a few hundred rows, and slower.
    importance_repeats : int
        Not read any more: ``feature_importance`` compares the models' own importances (gain,
        impurity, contribution) instead of shuffling features; kept so that configurations and
        reports that set it still load.
    n_queries : int
        Random aggregation queries of ``qscore``.
    query_rows : int
        Largest number of rows per data set on which queries run (a seeded sample above it).
    privacy_rows : int
        Largest number of synthetic (and holdout) rows whose distance to the training rows is
        measured (a seeded sample above it; the training rows are never subsampled as the side
        distances are measured to), and of training rows among which ``outlier_privacy`` looks
        for outliers.
    privacy_categories : int
        Most frequent real levels one-hot encoded per categorical column in the distance space.
    attack_rows : int
        Largest number of members (and of non-members) a membership inference attack scores.
    memory_budget_mb : int
        Most memory, in MB, the work of one model kind of the utility metrics may be estimated to
        hold (:func:`sdq.metrics.utility.models.memory_estimate`: from training rows, features and
        classes). A model kind above it is left out with the reason, and a metric whose every kind
        is above it is ``skipped``: never a ``MemoryError`` after minutes of work.
    metric_params : mapping
        Parameters of individual metrics: metric name -> {parameter: value}, e.g.
        ``{"mean_match": {"tolerance": 0.5}}``. A metric's parameters are the keyword-only arguments
        of its function (see :func:`sdq.metric`); the evaluation checks names and values against
        them before anything runs, and the report's ``config.metric_params`` holds the values each
        metric ran with (defaults included).
    quasi_identifiers : tuple of column names
        The columns an attacker is assumed to know about a person (``attribute_inference``): the
        secrets are guessed from these. Empty (the default): sdq suggests a set, the fewest columns
        that make most real training rows unique (listed in the metric's details).
    secrets : tuple of column names
        The columns ``attribute_inference`` tries to guess. Empty (the default): every column
        measured in distances that is not a quasi-identifier.
    link_columns : tuple of two tuples of column names
        The two sets of columns the ``linkability`` attacker holds in two separate data sets
        (disjoint). Empty (the default): the measured columns, split alternately in the order of
        their names (listed in the metric's details).
    rules : mapping or iterable of sdq.rules.Rule
        The domain rules the ``rules`` metric checks (:mod:`sdq.rules`): a mapping shaped like the
        ``[rules]`` table of a TOML file (name -> expression, or name -> long form), or rule
        objects; held as a tuple of :class:`sdq.rules.Rule` and written into the report as the
        mapping (so ``Config.from_dict`` reads them back). ``sdq.evaluate(rules=...)`` also takes
        a path to a rules file.
    """

    seed: int = 0
    n_bins: int = 20
    max_categories: int = 50
    n_bootstrap: int = 200
    bootstrap_rows: int = 2_000
    max_pairs: int = 2_000
    max_lag: int = 40
    models: tuple = ("xgboost", "random_forest", "linear")
    model_rows: int = 20_000
    test_rows: int = 100_000
    model_categories: int = 20
    importance_rows: int = 2_000
    importance_models: int = 192
    importance_repeats: int = 3
    n_queries: int = 1_000
    query_rows: int = 200_000
    privacy_rows: int = 10_000
    privacy_categories: int = 20
    attack_rows: int = 5_000
    memory_budget_mb: int = 4_096
    metric_params: Mapping[str, Mapping[str, Any]] = field(default_factory=dict, hash=False)
    quasi_identifiers: tuple = ()
    secrets: tuple = ()
    link_columns: tuple = ()
    rules: tuple = ()

    def __post_init__(self) -> None:
        _check_int("seed", self.seed, 0, 2**32 - 1)
        _check_int("n_bins", self.n_bins, 2, 512)
        _check_int("max_categories", self.max_categories, 1, 10_000)
        _check_int("n_bootstrap", self.n_bootstrap, 0, 100_000)
        _check_int("bootstrap_rows", self.bootstrap_rows, 100, None)
        _check_int("max_pairs", self.max_pairs, 1, None)
        _check_int("max_lag", self.max_lag, 1, 1_000)
        _check_int("model_rows", self.model_rows, 100, None)
        _check_int("test_rows", self.test_rows, 100, None)
        _check_int("model_categories", self.model_categories, 1, 1_000)
        _check_int("importance_rows", self.importance_rows, 100, None)
        _check_int("importance_models", self.importance_models, 2, 100_000)
        _check_int("importance_repeats", self.importance_repeats, 1, 100)
        _check_int("n_queries", self.n_queries, 1, 1_000_000)
        _check_int("query_rows", self.query_rows, 100, None)
        _check_int("privacy_rows", self.privacy_rows, 100, None)
        _check_int("privacy_categories", self.privacy_categories, 1, 1_000)
        _check_int("attack_rows", self.attack_rows, 50, None)
        _check_int("memory_budget_mb", self.memory_budget_mb, 1, None)
        models = tuple(self.models) if not isinstance(self.models, str) else (self.models,)
        unknown = [m for m in models if m not in MODEL_KINDS]
        if not models or unknown:
            raise ConfigError(
                f"The 'models' setting must be a non-empty subset of {list(MODEL_KINDS)}. Got {list(models)} instead."
            )
        object.__setattr__(self, "models", models)
        object.__setattr__(self, "metric_params", _metric_params(self.metric_params))
        object.__setattr__(self, "rules", as_rules(self.rules))
        object.__setattr__(self, "quasi_identifiers", _names("quasi_identifiers", self.quasi_identifiers))
        object.__setattr__(self, "secrets", _names("secrets", self.secrets))
        object.__setattr__(self, "link_columns", _link_columns(self.link_columns))

    def replace(self, **changes: Any) -> "Config":
        """A copy with some settings changed (validated again)."""
        unknown = set(changes) - {f.name for f in dataclasses.fields(self)}
        if unknown:
            raise ConfigError(
                f"Unknown setting(s) {sorted(unknown)}; known: {sorted(f.name for f in dataclasses.fields(self))}."
            )
        return dataclasses.replace(self, **changes)

    #: The settings that cap how many rows a metric scores. ``bootstrap_rows`` is not one: it is the
    #: size of each bootstrap resample (an m-out-of-n bootstrap, its spread rescaled to the full
    #: sample), which decides the interval's cost, not the score; lifting it made a 20k-row report
    #: four times hungrier and seven times slower for intervals that differ by noise only.
    ROW_CAPS = (
        "model_rows",
        "test_rows",
        "importance_rows",
        "query_rows",
        "privacy_rows",
        "attack_rows",
        "max_pairs",
    )
    #: What :meth:`full` sets them to: larger than any data set.
    NO_CAP = 2**62

    def full(self) -> "Config":
        """A copy that samples no rows and no pairs: every row-count cap (:attr:`ROW_CAPS`) lifted.
        Slower and hungrier on large data; the scores then use every row (bootstrap intervals still
        resample ``bootstrap_rows`` rows at a time)."""
        return self.replace(**{name: self.NO_CAP for name in self.ROW_CAPS})

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if f.name == "metric_params":
                out[f.name] = {name: dict(params) for name, params in value.items()}
            elif f.name == "rules":
                out[f.name] = rules_to_mapping(value)
            elif f.name == "link_columns":
                out[f.name] = [list(side) for side in value]
            elif f.name in ("quasi_identifiers", "secrets"):
                out[f.name] = list(value)
            else:
                out[f.name] = list(value) if isinstance(value, tuple) else int(value)
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Config":
        return cls().replace(**data)

    def rng(self, name: str) -> np.random.Generator:
        """The generator of one named random step, derived from ``seed`` and ``name`` only."""
        return np.random.default_rng([self.seed, zlib.crc32(name.encode("utf-8"))])

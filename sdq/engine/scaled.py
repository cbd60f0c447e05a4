"""The report on data held in pieces: the same metrics and the same JSON as
:func:`sdq.engine.evaluate`, computed from aggregates, seeded samples and searches over every
row, on any engine that can map a function over the pieces of a data set and merge the results
(an :class:`Executor`): chunks of files read one after another (:mod:`sdq.engine.chunked`,
``--chunk-rows``) or the partitions of Dask DataFrames on a cluster (:mod:`sdq.engine.dask_engine`,
``--engine dask``). Both run the functions of :mod:`sdq.engine.aggregates`, so for the same inputs
and seed they give the same report (outside the manifest; compressed sketches and float sums
aside, which can differ in their last digits).

How each metric runs (:func:`how_it_runs`; the manifest records it per metric under
``engine.metrics``):

``aggregates``   the fidelity metrics registered with ``chunked=True`` (``statistics``,
                 ``histogram_similarity``, ``tails``, ``mutual_information``, ``correlation``,
                 ``rules``) read :class:`~sdq.prepare.AggregateFrame` objects: counts per code
                 and per pair of codes, value sketches (exact quantiles, ranks and distinct
                 counts up to ``sketch_size`` distinct values per column, a stated rank error
                 beyond), moments, pairwise sums of ranks and values, correlation-ratio sums and
                 rule tallies over **every row**. Their intervals and standard errors bootstrap
                 a seeded sample of the rows (an m-out-of-n bootstrap of ``bootstrap_rows`` rows,
                 as in memory).
``sample``       the metrics that need rows and models (``detection``, the utility metrics, and
                 metrics of other packages outside privacy) run as in memory on seeded uniform
                 samples of ``sample_rows`` rows of each data set (drawn by position, with the
                 seed; the same rows whatever the pieces), encoded with the bins of the whole
                 data; their result says so in its message.
``distributed``  the privacy metrics that measure distances (``neighbours_privacy``,
                 ``membership_inference``, ``outlier_privacy``) search **every** row of the
                 reference data sets: each piece is encoded and searched exactly for the
                 sampled query rows, and the k best of every piece are merged (exact; the query
                 rows are the metrics' own seeded samples, recorded in their details);
                 ``exact_match`` hashes every row of every data set and confirms each candidate
                 match value by value.
``skipped``      metrics that need sequences (time series) and privacy metrics of other packages.

Differences from the in-memory engine, recorded in the manifest: the schema is fitted on the
real sample (pin it with ``column_types``); seeded samples (and the holdout-size subsample of the
larger of synthetic and holdout, a Bernoulli draw at the stated rate) depend on the rows'
positions, not on their content, so shuffling the rows of an input moves them; numeric bin
edges, ranks and quantiles come from sketches that are exact up to ``sketch_size`` distinct
values; the privacy distance space is fitted on the real sample; rules on whole data sets
(``unique``, ``depends``) are not scored. Options that need every row in one process
(``sensitive``, ``show_records``, ``metric_timeout``) are errors.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import time
from typing import Any, Callable

import numpy as np
import pandas as pd

from sdq import metrics as registry
from sdq.config import Config
from sdq.data import (
    Sources,
    Tables,
    align_columns,
    check_excluded,
    check_frame,
    check_named_columns,
    index_note,
    invalid_notes,
    saved_index,
)
from sdq.engine.aggregates import (
    NUMBER_KINDS,
    Profile,
    ProfilePlan,
    RowSample,
    Tally,
    TallyPlan,
    View,
    digest,
    lengths,
    merge_lengths,
    merge_profiles,
    merge_samples,
    merge_tallies,
    profile,
    raw_sample,
    sample_limit,
    tally,
)
from sdq.engine.options import Options
from sdq.engine.runner import run_metrics
from sdq.engine.select import select_metrics
from sdq.errors import ConfigError, InputError
from sdq.prepare import (
    AggregateFrame,
    Prepared,
    canonical_order,
    category_binning,
    encode_frame,
    level_binning,
    ordered_values,
    pair_bins,
    prepare_frames,
    sketch_binning,
)
from sdq.report import Report
from sdq.result import About, MetricResult
from sdq.rules.evaluate import rule_kinds
from sdq.rules.mine import with_mined
from sdq.schema import BINNED_KINDS, DEPENDENCE_KINDS, ORDERED_KINDS, Schema, fit_schema
from sdq.sketches import SKETCH_SIZE, ValueSketch

__all__ = ["Executor", "evaluate_scaled", "how_it_runs", "options_of", "SCALED_OPTIONS", "SAMPLE_ROWS"]

#: Rows of each data set in the seeded samples (the schema's, the bootstraps', the models').
SAMPLE_ROWS = 200_000
#: The options an engine for data in pieces reads (the others need every row in one process).
SCALED_OPTIONS = (
    "target",
    "task",
    "time_column",
    "entity_column",
    "metrics",
    "column_types",
    "exclude",
    "config",
    "strict",
    "jobs",
    "profile",
)
_SALT_SAMPLE, _SALT_SYNTHETIC, _SALT_BASELINE = 1, 2, 3
#: The kinds of rules checked row by row (``unique`` and ``depends`` need a whole data set).
ROW_RULES = ("row", "set", "format")
_VALUED = ("numeric", "datetime", "ordinal")


class Executor:
    """Where the data sets are, and how a function runs over their pieces.

    ``names()``: the data sets given (``real``, ``synthetic``, ``holdout``); ``head(name)``: its
    first rows (for the columns and types); ``map_reduce(name, fn, merge, *args)``: ``fn(piece,
    part, *args)`` on every piece (a pandas DataFrame; ``part`` a :class:`Part`), the results
    merged pairwise with ``merge`` (associative), one result returned; ``set_lengths(name,
    lengths)``: the rows of each piece (by its index), once known, so that parts carry global
    positions; ``describe()``: what the manifest records; ``text_columns(columns)``: read these
    columns as text from now on (a reader that infers types per chunk)."""

    label = "engine"

    def names(self) -> list[str]:  # pragma: no cover - interface
        raise NotImplementedError

    def head(self, name: str) -> pd.DataFrame:  # pragma: no cover - interface
        raise NotImplementedError

    def map_reduce(self, name: str, fn: Callable, merge: Callable, *args: Any) -> Any:  # pragma: no cover
        raise NotImplementedError

    def set_lengths(self, name: str, lengths: dict[int, int]) -> None:  # pragma: no cover - interface
        raise NotImplementedError

    def describe(self) -> dict[str, Any]:
        return {}

    def text_columns(self, columns: list) -> None:
        """Columns to read as text (only readers that infer types per chunk need it)."""


# -- how each metric runs -------------------------------------------------------------------------
def how_it_runs(spec: registry.MetricSpec) -> tuple[str, str | None]:
    """``aggregates``, ``sample``, ``distributed`` or ``skipped`` (with the reason)."""
    if spec.chunked is True:
        return "aggregates", None
    if "sequence" in spec.needs:
        return "skipped", (
            "time-series metrics need every sequence in time order in one process; run sdq.evaluate on "
            "data that fit in memory (or on a sample of whole sequences)"
        )
    if spec.family == "privacy":
        if spec.group == "privacy-distances" or spec.name in ("exact_match", "membership_inference"):
            return "distributed", None
        return "skipped", "privacy metrics compare every row; this one has no distributed form"
    return "sample", None


def options_of(options: Options | None, kwargs: dict, caller: str) -> Options:
    """The options an entry point of an engine runs with: ``options``, or made from ``kwargs``
    (the keyword arguments of :func:`sdq.evaluate`); both at once is an error."""
    if options is None:
        return Options.make(**kwargs)
    if kwargs:
        raise InputError(f"{caller} takes options or keyword arguments, not both. Got {sorted(kwargs)} too.")
    return options


def _check_options(options: Options, label: str) -> None:
    unused = [name for name in options.given() if name not in SCALED_OPTIONS]
    if unused:
        raise InputError(
            f"the {label} engine cannot use {', '.join(unused)}: they need every row in one process "
            "(the records stay where the data are)"
        )


# -- the schema -----------------------------------------------------------------------------------
def _numbers_as_text(sample: pd.DataFrame, schema: Schema) -> dict[Any, bool]:
    return {
        spec.name: pd.api.types.is_numeric_dtype(sample[spec.name].dtype)
        and not pd.api.types.is_bool_dtype(sample[spec.name].dtype)
        for spec in schema.columns
    }


def _fit_and_align(
    sample: pd.DataFrame, heads: dict[str, pd.DataFrame], options: Options, named: Sources
) -> tuple[Schema, list[str]]:
    """The schema of the real sample, and the other inputs' columns checked against it on their
    first rows, by the rules of data that fit in memory: ``exclude`` drops a column wherever it
    is (an error only when no input has it), a saved pandas index that another input lacks is
    ignored with a note, and any other difference is an error that names the columns and the
    option that fixes it."""
    exclude = list(options.exclude or [])
    check_named_columns(sample, {**options.roles, "column_types": options.column_types}, named)
    check_excluded(exclude, {"real": sample, **heads}, named)
    real_exclude, notes = [c for c in exclude if c in sample.columns], []
    index = saved_index(sample)
    named_roles = [options.target, options.time_column, options.entity_column, *(options.column_types or {})]
    lacking = [name for name, head in heads.items() if index is not None and index not in head.columns]
    if lacking and index not in real_exclude and not any(index == n for n in named_roles):
        real_exclude.append(index)
        notes.append(index_note(named, "real", index, lacking[0]))
    schema = fit_schema(
        sample,
        column_types=options.column_types,
        exclude=real_exclude,
        target=options.target,
        time_column=options.time_column,
        entity_column=options.entity_column,
        task=options.task,
    )
    for name, head in heads.items():
        notes += align_columns(head, schema, name, list(sample.columns), set(exclude), named)[1]
    return schema, notes


# -- views ----------------------------------------------------------------------------------------
def _views(rows: dict[str, int]) -> dict[str, tuple[View, ...]]:
    """Each data set's views: every row; and, where both a synthetic and a holdout data set are
    given, the larger one subsampled to the size of the other (the frames
    ``synthetic_at_baseline_rows`` and ``baseline`` of :class:`~sdq.prepare.Prepared`)."""
    views = {name: (View(name),) for name in rows}
    if "holdout" in rows:
        n_syn, n_hold = rows["synthetic"], rows["holdout"]
        if n_hold < n_syn:
            views["synthetic"] += (View("synthetic_at_baseline_rows", n_hold / n_syn, _SALT_SYNTHETIC),)
        elif n_hold > n_syn:
            views["holdout"] += (View("baseline", n_syn / n_hold, _SALT_BASELINE),)
    return views


# -- fitting on the driver ------------------------------------------------------------------------
def _ordered_sketch(spec, binning, counts: pd.Series | None) -> ValueSketch:
    """An ordinal or boolean column's values as ordered numbers (an ordinal column by its levels'
    order), with their counts, from the count of each value."""
    if counts is None or not len(counts):
        return ValueSketch.empty()
    if spec.kind == "ordinal":
        x = ordered_values(binning, binning.encode(pd.Series(list(counts.index), dtype=object)))
    else:
        x = pd.to_numeric(pd.Series(list(counts.index)), errors="coerce").to_numpy(dtype=float)
    weights = counts.to_numpy(dtype=float)
    keep = ~np.isnan(x)
    values, inverse = np.unique(x[keep], return_inverse=True)
    return ValueSketch(values, np.bincount(inverse, weights=weights[keep], minlength=len(values)))


def _moment_exponent(sketches: list[ValueSketch]) -> int:
    """The power of two the moments of a column divide its values by: none for ordinary values;
    for values beyond 2**200 or below 2**-200 (whose fourth powers overflow or vanish), the
    largest value's, so that every value is at most 1."""
    top = max((max(abs(s.low), abs(s.high)) for s in sketches if s.n), default=0.0)
    if not np.isfinite(top) or top == 0:
        return 0
    exponent = int(np.frexp(top)[1])
    return exponent if abs(exponent) > 200 else 0


@dataclasses.dataclass
class Fitted:
    """What the driver fits on the profiles before the tallies: bins, pairs, ranks, centres, rules."""

    binnings: dict
    pair_binnings: dict
    pairs: list
    exponents: dict
    ranks: dict
    rank_columns: list
    centres: dict
    value_columns: list
    eta_groups: list
    eta_values: list
    extremes: dict
    rules: list
    rule_source: dict
    rule_kinds: dict


def _fit(
    schema: Schema, profiles: dict[str, Profile], config: Config, params: dict, real_sample: pd.DataFrame
) -> Fitted:
    real = profiles["real"]
    binned = [s for s in schema.columns if s.kind in BINNED_KINDS and s.role in ("feature", "target")]
    sample_counts = {s.name: real_sample[s.name].value_counts(sort=False, dropna=True) for s in binned}

    def fit(spec, n_bins=None, max_categories=None):
        max_categories = config.max_categories if max_categories is None else max_categories
        if spec.kind in NUMBER_KINDS:
            return sketch_binning(spec, real.sketches[spec.name], config, n_bins=n_bins)
        counts = real.value_counts.get(spec.name)
        if counts is None:  # too many values to keep: the categories are chosen on the sample
            counts = sample_counts[spec.name]
            counts = counts[counts > 0]
        if spec.kind == "ordinal":
            return level_binning(spec, counts, max_categories)
        return category_binning(spec, counts, max_categories)

    binnings = {s.name: fit(s) for s in binned}
    k_pair = pair_bins(real.n_rows, config)
    pair_binnings = {
        s.name: fit(s, n_bins=k_pair, max_categories=k_pair)
        if binnings[s.name].n_codes > k_pair + 3
        else binnings[s.name]
        for s in binned
    }
    dependence = sorted((s for s in binned if s.kind in DEPENDENCE_KINDS), key=lambda s: s.label)
    pairs = [(a.name, b.name) for a, b in itertools.combinations(dependence, 2)]

    numbers = [s for s in schema.columns if s.role != "excluded" and s.kind in (*NUMBER_KINDS, "text")]
    exponents = {
        s.name: 0 if s.kind == "text" else _moment_exponent([p.sketches[s.name] for p in profiles.values()])
        for s in numbers
    }
    rank_columns = [s.name for s in dependence if s.kind in ORDERED_KINDS]
    value_columns = [s.name for s in dependence if s.kind in NUMBER_KINDS]
    eta_groups = [s.name for s in dependence if s.kind not in ORDERED_KINDS and s.kind not in _VALUED]
    eta_values = [s.name for s in dependence if s.kind in _VALUED]
    ranks, centres = {}, {}
    for view, result in profiles.items():
        sketches = {}
        for name in dict.fromkeys(rank_columns + eta_values):
            spec = schema[name]
            sketches[name] = (
                result.sketches[name]
                if spec.kind in NUMBER_KINDS
                else _ordered_sketch(spec, binnings[name], result.value_counts.get(name))
            )
        ranks[view] = {}
        for name in rank_columns:
            s = sketches[name]
            ranks[view][name] = (s.values, s.mid_ranks(s.values) - (s.n + 1) / 2 if s.n else s.values)
        centres[view] = {}
        for name in dict.fromkeys(value_columns + eta_values):
            s = sketches[name]
            top = max(abs(s.low), abs(s.high)) if s.n else 0.0
            scale = top if np.isfinite(top) and top > 0 else 1.0
            mean = float(np.sum(s.values / scale * s.weights) / s.n) if s.n else 0.0
            centres[view][name] = (scale, mean if np.isfinite(mean) else 0.0)
    extremes = {s.name: (real.sketches[s.name].low, real.sketches[s.name].high) for s in numbers if s.kind != "text"}

    rules, source, kinds = [], {}, {}
    spec_rules = params.get("rules")
    if spec_rules is not None:
        given = list(config.rules)
        named = real_sample.set_axis([str(c) for c in real_sample.columns], axis=1)
        kinds = rule_kinds(named, {s.label: s.kind for s in schema.columns if s.role != "excluded"})
        if spec_rules.get("mine"):
            rules, source = with_mined(given, named, kinds, tolerance=spec_rules.get("mine_tolerance", 0.0))
        else:
            rules, source = given, {r.name: "given" for r in given}
    return Fitted(
        binnings,
        pair_binnings,
        pairs,
        exponents,
        ranks,
        rank_columns,
        centres,
        value_columns,
        eta_groups,
        eta_values,
        extremes,
        rules,
        source,
        kinds,
    )


# -- building the prepared data -------------------------------------------------------------------
def _aggregate_frame(
    name: str, result: Profile, counted: Tally, fitted: Fitted, sample, rules: dict | None
) -> AggregateFrame:
    frame = AggregateFrame(
        name=name,
        n_rows=result.n_rows,
        column_counts=counted.column_counts,
        pair_column_counts=counted.pair_column_counts,
        pair_tables=counted.pair_tables,
        sketches=result.sketches,
        value_counts=result.value_counts,
        distinct={k: d.estimate() for k, d in result.distinct.items()},
        missing=result.missing,
        invalid=result.invalid,
        moments={k: (fitted.exponents[k], m) for k, m in counted.moments.items()},
        outside={k: (int(v[0]), int(v[1])) for k, v in counted.outside.items()},
        sample=sample,
    )
    if counted.ranks is not None:
        frame.comoments["ranks"] = (list(fitted.rank_columns), counted.ranks)
    if counted.values is not None:
        frame.comoments["values"] = (list(fitted.value_columns), counted.values)
    for cat, (counts, sums) in counted.eta.items():
        frame.eta[cat] = (list(fitted.eta_values), counts, sums)
    if counted.eta_totals is not None:
        frame.eta_totals = {
            v: tuple(float(x) for x in counted.eta_totals[:, j]) for j, v in enumerate(fitted.eta_values)
        }
    if rules is not None:
        frame.rule_checks = {**rules, "tallies": counted.rules, "patterns": counted.patterns}
    return frame


def _sample_table(samples: dict[str, pd.DataFrame], schema: Schema, invalid: dict, hashes: dict) -> Tables:
    return Tables(schema=schema, frames=samples, invalid=invalid, hashes=hashes, notes={})


def _with_message(result: MetricResult, text: str) -> MetricResult:
    if result.status == "ok":
        result.message = text if not result.message else f"{result.message}; {text}"
    return result


# -- the evaluation -------------------------------------------------------------------------------
def evaluate_scaled(
    executor: Executor,
    *,
    options: Options,
    sample_rows: int = SAMPLE_ROWS,
    sketch_size: int = SKETCH_SIZE,
    names: Sources | None = None,
    extra_manifest: dict | None = None,
    started: float | None = None,
    progress: Callable | None = None,
) -> Report:
    """The report of the data sets ``executor`` holds (see the module's docstring)."""
    started = time.perf_counter() if started is None else started
    _check_options(options, executor.label)
    if not isinstance(sample_rows, int) or isinstance(sample_rows, bool) or sample_rows < 100:
        raise ConfigError(f"sample_rows must be an integer of at least 100. Got {sample_rows!r} instead.")
    if not isinstance(sketch_size, int) or isinstance(sketch_size, bool) or sketch_size < 100:
        raise ConfigError(f"sketch_size must be an integer of at least 100. Got {sketch_size!r} instead.")
    config = options.config
    named = names or Sources()
    specs = select_metrics(options.metrics)
    params = registry.resolve_params(specs, config)
    phases: dict[str, float] = {}

    # 0. rows per piece, so that every row has a position
    t0 = time.perf_counter()
    rows = {}
    for name in executor.names():
        found = executor.map_reduce(name, lengths, merge_lengths)
        executor.set_lengths(name, found)
        rows[name] = int(sum(found.values()))
        if rows[name] == 0:
            raise InputError(f"The {name} data has no rows.")
    # 1. the real sample, and the schema fitted on it
    first: RowSample = executor.map_reduce(
        "real",
        raw_sample,
        merge_samples,
        sample_rows,
        config.seed,
        _SALT_SAMPLE,
        sample_limit(sample_rows, rows["real"]),
    )
    if first.n < min(sample_rows, rows["real"]):  # (a chance below 1e-14) drawn again, without the limit
        first = executor.map_reduce("real", raw_sample, merge_samples, sample_rows, config.seed, _SALT_SAMPLE)
    real_sample = check_frame(first.rows, "real")
    heads = {name: executor.head(name) for name in executor.names() if name != "real"}
    schema, notes = _fit_and_align(real_sample, heads, options, named)
    as_text = _numbers_as_text(real_sample, schema)
    executor.text_columns([s.name for s in schema.columns if s.kind not in NUMBER_KINDS])
    phases["schema"] = time.perf_counter() - t0

    # 2. profiles of every view
    t0 = time.perf_counter()
    views = _views(rows)
    profiles: dict[str, Profile] = {}
    for name in executor.names():
        plan = ProfilePlan(
            schema,
            as_text,
            name,
            views[name],
            sample_rows,
            config.seed,
            _SALT_SAMPLE,
            sketch_size,
            list(real_sample.columns),
            sample_limit(sample_rows, rows[name]),
        )
        merge = functools.partial(merge_profiles, size=sketch_size)
        found = executor.map_reduce(name, profile, merge, plan)
        if found[name].sample.n < min(sample_rows, rows[name]):  # (a chance below 1e-14) again, without the limit
            found = executor.map_reduce(name, profile, merge, dataclasses.replace(plan, sample_limit=None))
        profiles.update(found)
    phases["profiles"] = time.perf_counter() - t0

    # 3. bins, ranks, centres and rules, fitted on the driver; then the tallies
    t0 = time.perf_counter()
    samples = {name: profiles[name].sample.rows for name in executor.names()}
    fitted = _fit(schema, profiles, config, params, samples["real"])
    tallied = [r for r in fitted.rules if r.kind in ROW_RULES]
    tallies: dict[str, Tally] = {}
    for name in executor.names():
        plan = TallyPlan(
            schema=schema,
            as_text=as_text,
            what=name,
            views=views[name],
            seed=config.seed,
            binnings=fitted.binnings,
            pair_binnings=fitted.pair_binnings,
            pairs=fitted.pairs,
            moment_exponents=fitted.exponents,
            ranks={v.name: fitted.ranks[v.name] for v in views[name]},
            rank_columns=fitted.rank_columns,
            centres={v.name: fitted.centres[v.name] for v in views[name]},
            value_columns=fitted.value_columns,
            eta_groups=fitted.eta_groups,
            eta_values=fitted.eta_values,
            extremes=fitted.extremes,
            rules=tallied,
            rule_kinds=fitted.rule_kinds,
            examples_view="synthetic" if name == "synthetic" else None,
        )
        tallies.update(executor.map_reduce(name, tally, merge_tallies, plan))
    phases["tallies"] = time.perf_counter() - t0

    # 4. the prepared data: aggregates, samples, and rows where they are
    t0 = time.perf_counter()
    sample_frames = {}
    for name in executor.names():
        # in canonical order, as in memory: a sample that holds every row is the frame sdq.evaluate scores
        rows_, order = canonical_order(profiles[name].sample.rows)
        positions = profiles[name].sample.positions[order]
        sample_frames[name] = encode_frame(name, rows_, positions, schema, fitted.binnings, fitted.pair_binnings)
    rule_info = None
    if fitted.rules:
        rule_info = {
            "rules": list(fitted.rules),
            "source": dict(fitted.rule_source),
            "kinds": dict(fitted.rule_kinds),
            "tallied": [r.name for r in tallied],
        }
    frames: dict[str, AggregateFrame] = {}
    for name in executor.names():
        for view in views[name]:
            frames[view.name] = _aggregate_frame(
                view.name, profiles[view.name], tallies[view.name], fitted, sample_frames[name], rule_info
            )
    if "holdout" in frames and "baseline" not in frames:
        frames["baseline"] = frames["holdout"]
    aggregated = Prepared(
        schema=schema,
        config=config,
        tables=None,
        binnings=fitted.binnings,
        pair_binnings=fitted.pair_binnings,
        frames=frames,
    )
    invalid = {name: profiles[name].invalid for name in executor.names()}
    hashes = {name: digest(profiles[name], list(real_sample.columns)) for name in executor.names()}
    sampled = prepare_frames(
        _sample_table(
            {name: sample_frames[name].frame for name in executor.names()},
            schema,
            {name: {} for name in executor.names()},
            {},
        ),
        config,
        fitted.binnings,
        fitted.pair_binnings,
    )
    phases["prepare"] = time.perf_counter() - t0

    # 5. the metrics
    inputs = {
        "holdout": frames.get("holdout"),
        "sensitive": None,
        "rules": config.rules,
        "mine_rules": bool(params.get("rules", {}).get("mine")),
        **options.roles,
    }
    available = registry.available(inputs)
    where = {spec.name: how_it_runs(spec) for spec in specs}
    results: dict[str, MetricResult] = {}
    timings: dict[str, float] = {}
    groups = {
        "aggregates": (aggregated, None),
        "sample": (sampled, _sample_note(rows, {n: len(f.frame) for n, f in sample_frames.items()})),
    }
    done = 0
    for how, (prepared, note) in groups.items():
        chosen = [s for s in specs if where[s.name][0] == how]
        if not chosen:
            continue
        found, info = run_metrics(
            chosen, prepared, available, strict=options.strict, progress=_counted(progress, done, len(specs))
        )
        done += len(chosen)
        timings.update(info.timings)
        for result in found:
            results[result.name] = _with_message(result, note) if note else result
    distributed = [s for s in specs if where[s.name][0] == "distributed"]
    if distributed:
        from sdq.engine.rows import privacy_prepared

        privacy = privacy_prepared(
            executor,
            schema,
            config,
            as_text,
            fitted,
            frames,
            sampled,
            profiles,
            exact=any(s.name == "exact_match" and _met(s, available) for s in distributed),
        )
        found, info = run_metrics(
            distributed, privacy, available, strict=options.strict, progress=_counted(progress, done, len(specs))
        )
        timings.update(info.timings)
        results.update({r.name: r for r in found})
    for spec in specs:
        how, why = where[spec.name]
        if how == "skipped":
            unmet = [registry.needs()[need].reason for need in spec.needs if not available.get(need, False)]
            results[spec.name] = MetricResult(
                spec.name,
                spec.family,
                "skipped",
                message="; ".join(unmet) if unmet else f"not available on the {executor.label} engine: {why}",
                about=About.of(spec),
            )
    ordered = [results[spec.name] for spec in specs]
    timings = {**{f"engine.{k}": round(v, 4) for k, v in phases.items()}, **timings}
    timings["total"] = round(time.perf_counter() - started, 4)
    engine = {
        **executor.describe(),
        "sample_rows": sample_rows,
        "samples": {name: int(len(f.frame)) for name, f in sample_frames.items()},
        "subsamples": {
            v.name: {"of": name, "rate": v.rate, "rows": frames[v.name].n_rows}
            for name in views
            for v in views[name]
            if v.rate
        },
        "sketch_size": sketch_size,
        "sketch_rank_error": _sketch_errors(profiles),
        "metrics": {spec.name: where[spec.name][0] if _met(spec, available) else "skipped" for spec in specs},
        "rules_not_scored": [r.name for r in fitted.rules if r.kind not in ROW_RULES],
        "privacy_queries": (
            "each distance metric's own seeded sample of query rows (privacy_rows, attack_rows; their details "
            "give the counts), drawn by position in the inputs; every row of the data sets searched"
        ),
        **(extra_manifest or {}),
    }
    return _report(ordered, schema, frames, invalid, notes, hashes, config, params, timings, engine, options)


def _counted(progress: Callable | None, before: int, total: int) -> Callable | None:
    """A progress callback of one group of metrics, counting within all of them."""
    if progress is None:
        return None
    return lambda event, name, done, _: progress(event, name, before + done, total)


def _met(spec: registry.MetricSpec, available: dict[str, bool]) -> bool:
    return all(available.get(need, False) for need in spec.needs)


def _sample_note(rows: dict[str, int], samples: dict[str, int]) -> str | None:
    if all(samples[name] >= rows[name] for name in rows):
        return None
    shown = ", ".join(f"{samples[name]:,} of {rows[name]:,} {name}" for name in rows)
    return f"scored on seeded samples of the rows ({shown})"


def _sketch_errors(profiles: dict[str, Profile]) -> dict[str, float]:
    """The largest relative rank error of any sketch, per view (0: every sketch exact)."""
    return {
        name: float(max((s.relative_error() for s in result.sketches.values()), default=0.0))
        for name, result in profiles.items()
    }


def _report(results, schema, frames, invalid, notes, hashes, config, params, timings, engine, options) -> Report:
    from sdq import __version__
    from sdq.engine.manifest import build_manifest

    n_columns = len(schema.columns)
    shape = lambda name: {"rows": int(frames[name].n_rows), "columns": n_columns} if name in frames else None  # noqa: E731
    roles = options.roles
    data = {
        "real": shape("real"),
        "synthetic": shape("synthetic"),
        "holdout": shape("holdout"),
        "sensitive": None,
        "show_records": False,
        "columns": schema.to_list(),
        "invalid": invalid,
        "warnings": list(notes) + invalid_notes(schema, invalid),
        "target": None if roles["target"] is None else str(roles["target"]),
        "task": roles["task"],
        "time_column": None if roles["time_column"] is None else str(roles["time_column"]),
        "entity_column": None if roles["entity_column"] is None else str(roles["entity_column"]),
    }
    manifest = build_manifest(
        hashes=hashes,
        run={"jobs": 1, "metric_timeout": None, "child_processes": False},
        timings=timings,
        engine=engine,
    )
    config = {**config.to_dict(), "metric_params": params}
    return Report(
        results, config=config, data=data, manifest=manifest, sdq_version=__version__, profile=options.profile
    )

"""The engine: inputs -> schema -> tables -> prepared encodings -> metrics -> Report.

Each metric runs on its own: a metric that does not apply is ``skipped`` with the reason, a metric
that fails is an ``error`` with the reason, and the rest of the report still runs
(``strict=True`` raises instead). Nothing here prints; progress goes to an optional callback.
"""

from __future__ import annotations

import dataclasses
import time
from typing import Any, Callable, Iterable, Mapping

import pandas as pd

from sdq import metrics as registry
from sdq.config import Config
from sdq.data import (
    Sources,
    build_tables,
    check_excluded,
    check_frame,
    check_named_columns,
    index_note,
    saved_index,
)
from sdq.engine.manifest import build_manifest
from sdq.engine.options import Options
from sdq.engine.runner import run_metrics
from sdq.engine.select import select_metrics
from sdq.errors import ConfigError, InputError
from sdq.metrics.privacy.distance import GROUPS, encode_once
from sdq.prepare import Prepared, prepare
from sdq.report import Report
from sdq.rules import check_rules
from sdq.schema import Schema, fit_schema

__all__ = ["evaluate", "Evaluation", "Progress"]

#: ``progress(event, name, done, total)``: event is "start" or "end" of metric ``name``.
Progress = Callable[[str, str, int, int], None]


def evaluate(
    real: pd.DataFrame,
    synthetic: pd.DataFrame,
    holdout: pd.DataFrame | None = None,
    *,
    target: Any = None,
    task: str | None = None,
    time_column: Any = None,
    entity_column: Any = None,
    metrics: Iterable[str] | None = None,
    column_types: Mapping[Any, str] | None = None,
    exclude: Iterable[Any] | None = None,
    config: Config | None = None,
    seed: int | None = None,
    sensitive: pd.DataFrame | None = None,
    show_records: bool = False,
    strict: bool = False,
    jobs: int = 1,
    metric_timeout: float | None = None,
    progress: Progress | None = None,
    rules: Any = None,
    mine_rules: bool = False,
    profile: Any = None,
    quasi_identifiers: Iterable[Any] | None = None,
    secrets: Iterable[Any] | None = None,
    link_columns: tuple[Iterable[Any], Iterable[Any]] | None = None,
    engine: str = "memory",
    scheduler: Any = None,
) -> Report:
    """Score synthetic data against the real data it was made from, beside a holdout baseline.

    Parameters
    ----------
    real : DataFrame
        The rows the generator was trained on (with ``engine="dask"``: also a Dask DataFrame, or a
        path, glob or directory of Parquet files; so for ``synthetic`` and ``holdout``).
    synthetic : DataFrame
        The generated rows; same columns as ``real`` (any order).
    holdout : DataFrame, optional
        Real rows the generator never saw. Every metric's ``baseline`` is the metric computed with
        the holdout in place of the synthetic data: what a perfect generator would score.
    target, task, time_column, entity_column : optional
        Column roles. ``task`` is ``classification`` or ``regression`` (inferred when omitted).
    metrics : iterable of str, optional
        Names of the metrics to run (default: all; see :func:`sdq.metric_names`).
    column_types : mapping, optional
        Column -> kind, overriding inference (kinds in :data:`sdq.schema.KINDS`).
    exclude : iterable, optional
        Columns to leave out entirely, wherever they are: a column only the synthetic, holdout or
        sensitive data has is dropped from it (a name no input has is an error).
    config : Config, optional
        Settings; ``seed`` overrides ``config.seed`` when given.
    sensitive : DataFrame, optional
        Records the generator must never reproduce (e.g. from another source); scored by
        ``sensitive_match``.
    show_records : bool
        Allow real records in the report (matched rows of the privacy metrics). Off by default:
        reports hold counts, shares and distances only.
    strict : bool
        Raise the first metric error (or time-out) instead of recording it.
    jobs : int
        Metrics run in this many processes at once (default 1). Results do not depend on it.
    metric_timeout : float, optional
        Seconds after which a metric is stopped and recorded as an ``error`` (runs metrics in
        child processes, see :mod:`sdq.engine.runner`; on Linux only: elsewhere metrics run in this
        process and ``manifest["run"]["child_processes"]`` is false).
    progress : callable, optional
        ``progress(event, metric_name, done, total)``, called around each metric.
    rules : path, mapping or iterable of sdq.rules.Rule, optional
        Domain rules checked by the ``rules`` metric: a TOML file (its ``[rules]`` table), a
        mapping shaped like that table (``{"married_after_born": "yrs_married <= age"}``, long
        forms as mappings), or rule objects (``sdq.rules.Rule``, or what :func:`sdq.suggest_rules`
        returns). They replace ``config.rules``. A rule that names an unknown column or combines
        values that do not go together is a :class:`~sdq.ConfigError` before anything runs.
    mine_rules : bool
        Also check the rules mined from the real rows (:func:`sdq.suggest_rules`'s rules, found on
        the fly); without rules and mining the ``rules`` metric is skipped.
    profile : str, Profile or mapping, optional
        A use-case profile (``"ml-training"``, ``"fraud"``, ``"health"`` / ``"release"``,
        ``"test-data"``, ``"analytics"``, or your own: :mod:`sdq.result.profiles`). It changes no
        score: the report adds the profile's weighted score, range and verdicts beside the neutral
        ones (``report.profile_reading``, the JSON's ``profile``). Same as
        ``evaluate(...).with_profile(profile)``.
    quasi_identifiers : iterable of column names, optional
        The columns an attacker is assumed to know about a person (``attribute_inference`` guesses
        the other columns from them). Default: the fewest columns that make most real training
        rows unique, which sdq suggests and lists in the metric's details.
    secrets : iterable of column names, optional
        The columns ``attribute_inference`` tries to guess (default: every other measured column).
    link_columns : two iterables of column names, optional
        The columns of the two data sets the ``linkability`` attacker holds (default: the measured
        columns split in two, listed in the metric's details).
    engine : str
        ``"memory"`` (default): every row in this process. ``"dask"``: the data stay in the
        partitions of a Dask cluster (``pip install 'sdq[dask]'``); fidelity from aggregates over
        every row, privacy searches over every row, models on seeded samples (see
        :mod:`sdq.engine.scaled`). ``sensitive``, ``show_records`` and ``metric_timeout`` need every
        row in one process and are errors there; ``jobs`` is not used.
    scheduler : str or distributed.Client, optional
        With ``engine="dask"``: the scheduler's address or a client; None starts a local cluster on
        this machine's cores for the call.

    Returns
    -------
    Report
        Its ``data["warnings"]`` lists, one line each, what was forgiven or coerced in the inputs:
        an ignored saved index (a leading column ``""`` or ``"Unnamed: 0"`` of unique integers
        that another input lacks) and values that could not be read as their column's kind.

    Examples
    --------
    >>> import pandas as pd, sdq
    >>> real = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0] * 25, "c": list("abab") * 25})
    >>> report = sdq.evaluate(real, real.copy(), metrics=["histogram_similarity"])
    >>> report.scores["histogram_similarity"]
    1.0
    """
    options = Options.make(
        target=target,
        task=task,
        time_column=time_column,
        entity_column=entity_column,
        metrics=metrics,
        column_types=column_types,
        exclude=exclude,
        config=config,
        seed=seed,
        sensitive=sensitive,
        show_records=show_records,
        strict=strict,
        jobs=jobs,
        metric_timeout=metric_timeout,
        rules=rules,
        mine_rules=mine_rules,
        profile=profile,
        quasi_identifiers=None if quasi_identifiers is None else list(quasi_identifiers),
        secrets=None if secrets is None else list(secrets),
        link_columns=None if link_columns is None else [list(side) for side in link_columns],
    )
    if engine == "dask":
        from sdq.engine.dask_engine import evaluate_dask

        return evaluate_dask(real, synthetic, holdout, scheduler=scheduler, options=options, progress=progress)
    if engine != "memory":
        raise InputError(f"The 'engine' argument must be 'memory' or 'dask'. Got {engine!r} instead.")
    if scheduler is not None:
        raise InputError("The 'scheduler' argument goes with engine='dask'.")
    return Evaluation(real, holdout, options).run(synthetic, progress=progress)


class Evaluation:
    """The real side of an evaluation, checked and encoded once, against which any number of
    synthetic candidates are scored with :meth:`run`. Takes :class:`~sdq.engine.options.Options`,
    or the keyword arguments of :func:`evaluate` that make them.

    The schema is fitted on the real frame; the real, holdout and sensitive frames are coerced
    and encoded (bins, codes, canonical row order) at the first :meth:`run` and reused by the next.
    ``sources`` says how messages name the inputs (the command line passes their files).

    The real frame's first column is ignored when it is a saved pandas index (see
    :func:`sdq.data.saved_index`) that no option names and that the holdout or sensitive data, or
    the first synthetic data scored, does not have.
    """

    def __init__(
        self,
        real: pd.DataFrame,
        holdout: pd.DataFrame | None = None,
        options: Options | None = None,
        *,
        sources: Sources | None = None,
        **kwargs: Any,
    ) -> None:
        started = time.perf_counter()
        if options is None:
            options = Options.make(**kwargs)
        elif kwargs:
            raise InputError(f"Evaluation takes options or keyword arguments, not both. Got {sorted(kwargs)} too.")
        self.options = options
        self.sources = sources or Sources()
        self.real = check_frame(real, "real")
        self.holdout = None if holdout is None else check_frame(holdout, "holdout")
        self.sensitive = None if options.sensitive is None else check_frame(options.sensitive, "sensitive")
        self.specs = select_metrics(options.metrics)
        self.config = options.config
        # every metric's parameters, checked before anything runs (and written into the report)
        self.params = registry.resolve_params(self.specs, self.config)
        self.roles = options.roles
        check_named_columns(self.real, {**options.roles, "column_types": options.column_types}, self.sources)
        exclude = list(options.exclude or [])
        # columns only the other inputs have are dropped from them (build_tables); the real
        # frame's excluded columns are in the schema
        self._exclude_elsewhere = [c for c in exclude if c not in self.real.columns]
        self._excluded_seen: set = set()
        self.schema = fit_schema(
            self.real,
            column_types=options.column_types,
            exclude=[c for c in exclude if c in self.real.columns],
            target=options.target,
            time_column=options.time_column,
            entity_column=options.entity_column,
            task=options.task,
        )
        # every rule reads columns of the real data, in ways their kinds allow (checked before anything runs)
        check_rules(
            self.config.rules,
            {spec.label: spec.kind for spec in self.schema.columns if spec.role != "excluded"},
            excluded=[spec.label for spec in self.schema.columns if spec.role == "excluded"],
        )
        check_attack_columns(self.config, self.schema)
        # need name -> whether these inputs provide it (the needs are declared with the metrics)
        inputs = {
            "holdout": self.holdout,
            "sensitive": self.sensitive,
            "rules": self.config.rules,
            "mine_rules": bool(self.params.get("rules", {}).get("mine")),
            **self.roles,
        }
        self.available = registry.available(inputs)
        self._shared: Prepared | None = None
        self._notes: list[str] = []
        self._index = self._saved_index(exclude)
        for what, frame in (("holdout", self.holdout), ("sensitive", self.sensitive)):
            if self._index is not None and frame is not None and self._index not in frame.columns:
                self._ignore_index(what)
        self._setup_seconds = time.perf_counter() - started

    def _saved_index(self, exclude: list) -> Any:
        """The real frame's first column if it is a saved pandas index that no option names."""
        name = saved_index(self.real)
        options = self.options
        named = [options.target, options.time_column, options.entity_column, *(options.column_types or {}), *exclude]
        return None if name is None or any(name == n for n in named) else name

    def _ignore_index(self, lacking: str) -> None:
        """Leave the real frame's saved index out (as an excluded column): ``lacking`` has none."""
        name, schema = self._index, self.schema
        self._index = None
        spec = dataclasses.replace(
            schema[name], role="excluded", reason=f"{schema[name].reason}; ignored: a pandas index saved with the file"
        )
        self.schema = Schema(
            columns=tuple(spec if c.name == name else c for c in schema.columns),
            target=schema.target,
            time_column=schema.time_column,
            entity_column=schema.entity_column,
            task=schema.task,
        )
        self._notes.append(index_note(self.sources, "real", name, lacking))

    def run(self, synthetic: pd.DataFrame, *, progress: Progress | None = None, source: Any = None) -> Report:
        """Score one synthetic data set -> :class:`Report` (``source``: its file, named in messages)."""
        started = time.perf_counter()
        synthetic = check_frame(synthetic, "synthetic")
        shared = self._shared
        sources = self.sources.with_path("synthetic", source)
        if shared is None and self._index is not None and self._index not in synthetic.columns:
            self._ignore_index("synthetic")  # before the real side is encoded (and reused)
        unseen = [c for c in self._exclude_elsewhere if c not in self._excluded_seen]
        frames = {"real": self.real, "synthetic": synthetic, "holdout": self.holdout, "sensitive": self.sensitive}
        check_excluded(unseen, frames, sources)
        self._excluded_seen.update(c for c in unseen if c in synthetic.columns)
        tables = build_tables(
            self.schema,
            self.real,
            synthetic,
            self.holdout,
            self.sensitive,
            reuse=None if shared is None else shared.tables,
            exclude=self._exclude_elsewhere,
            sources=sources,
        )
        prepared = prepare(tables, self.config, show_records=self.options.show_records, reuse=shared)
        if shared is None:
            self._shared = _real_side(prepared)
        if self.options.jobs > 1 and {f"privacy-{g}" for g in GROUPS} <= {s.group for s in self.specs}:
            encode_once(prepared)  # one copy for the two groups' processes
        prepared_at = time.perf_counter()
        results, info = run_metrics(
            self.specs,
            prepared,
            self.available,
            strict=self.options.strict,
            jobs=self.options.jobs,
            timeout=self.options.metric_timeout,
            progress=progress,
        )
        timings = {
            "prepare": round(prepared_at - started + (self._setup_seconds if shared is None else 0.0), 4),
            **info.timings,
        }
        timings["total"] = round(time.perf_counter() - started + (self._setup_seconds if shared is None else 0.0), 4)
        return self._report(results, tables, synthetic, timings, info.to_dict())

    def _report(self, results, tables, synthetic, timings, run) -> Report:
        from sdq import __version__

        def shape(frame: pd.DataFrame | None) -> dict | None:
            return None if frame is None else {"rows": int(len(frame)), "columns": int(len(frame.columns))}

        roles = self.roles
        data = {
            "real": shape(self.real),
            "synthetic": shape(synthetic),
            "holdout": shape(self.holdout),
            "sensitive": shape(self.sensitive),
            "show_records": self.options.show_records,
            "columns": self.schema.to_list(),
            "invalid": tables.invalid,
            "warnings": self._notes + tables.warnings,
            "target": None if roles["target"] is None else str(roles["target"]),
            "task": roles["task"],
            "time_column": None if roles["time_column"] is None else str(roles["time_column"]),
            "entity_column": None if roles["entity_column"] is None else str(roles["entity_column"]),
        }
        manifest = build_manifest(hashes=tables.hashes, run=run, timings=timings)
        config = {**self.config.to_dict(), "metric_params": self.params}
        return Report(
            results, config=config, data=data, manifest=manifest, sdq_version=__version__, profile=self.options.profile
        )


def check_attack_columns(config: Config, schema: Schema) -> None:
    """The columns the privacy attacks are told about (``quasi_identifiers``, ``secrets``,
    ``link_columns``) must be columns of the real data that are not excluded: a
    :class:`~sdq.errors.ConfigError` naming the others, before anything runs."""
    known = {spec.name: spec for spec in schema.columns}
    named = [
        ("quasi_identifiers", config.quasi_identifiers),
        ("secrets", config.secrets),
        *[("link_columns", side) for side in config.link_columns],
    ]
    for setting, names in named:
        unknown = [n for n in names if n not in known]
        if unknown:
            raise ConfigError(
                f"The '{setting}' setting names column(s) {unknown} that the real data does not have; "
                f"its columns: {[spec.label for spec in schema.columns]}."
            )
        excluded = [known[n].label for n in names if known[n].role == "excluded"]
        if excluded:
            raise ConfigError(f"The '{setting}' setting names excluded column(s) {excluded}.")


def _real_side(prepared: Prepared) -> Prepared:
    """What the next candidates reuse: the schema, bins and the encoded real, holdout and sensitive
    frames, without the first candidate's synthetic frame or any metric's cached work."""
    keep = ("real", "holdout", "sensitive")
    tables = dataclasses.replace(
        prepared.tables,
        frames={k: v for k, v in prepared.tables.frames.items() if k in keep},
        invalid={k: v for k, v in prepared.tables.invalid.items() if k in keep},
        hashes={k: v for k, v in prepared.tables.hashes.items() if k in keep},
        notes={k: v for k, v in prepared.tables.notes.items() if k in keep},
    )
    return dataclasses.replace(prepared, tables=tables, frames={k: v for k, v in prepared.frames.items() if k in keep})

"""The engine: inputs -> schema -> tables -> prepared encodings -> metrics -> Report.

Each metric runs on its own: a metric that does not apply is ``skipped`` with the reason, a metric
that fails is an ``error`` with the reason, and the rest of the report still runs
(``strict=True`` raises instead). Nothing here prints; progress goes to an optional callback.
"""

from __future__ import annotations

import datetime as _dt
import platform
import time
from importlib import metadata
from typing import Any, Callable, Iterable, Mapping

import numpy as np
import pandas as pd

from sdq import metrics as registry
from sdq.config import Config
from sdq.data import build_tables, check_frame
from sdq.errors import ConfigError, InputError, MetricError
from sdq.metrics import Outcome, Skip
from sdq.prepare import prepare
from sdq.report import MetricResult, Report, json_safe
from sdq.schema import fit_schema

__all__ = ["evaluate", "Progress"]

#: ``progress(event, name, done, total)``: event is "start" or "end" of metric ``name``.
Progress = Callable[[str, str, int, int], None]

_PACKAGES = ("numpy", "pandas", "scipy", "scikit-learn", "statsmodels", "xgboost", "faiss-cpu", "jinja2", "plotly")


def _version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def _check_result(name: str, out: Outcome) -> None:
    values = [("score", out.score), ("baseline", out.baseline)]
    if out.ci is not None:
        values += [("ci", v) for v in out.ci]
    for what, v in values:
        if v is None and what != "score":
            continue
        if v is None or not np.isfinite(v) or v < -1e-9 or v > 1 + 1e-9:
            raise MetricError(f"metric {name!r} produced an invalid {what} {v!r} (must be in [0, 1])")


def _run_one(spec: registry.MetricSpec, prepared, available: dict[str, bool], strict: bool) -> MetricResult:
    missing = [need for need in spec.needs if not available[need]]
    if missing:
        reasons = {"holdout": "no holdout was given", "target": "no target column was given",
                   "sequence": "no time column and no entity column were given: the rows form no sequence",
                   "sensitive": "no sensitive data set was given"}
        return MetricResult(spec.name, spec.family, "skipped",
                            message="; ".join(reasons[m] for m in missing))
    try:
        out = spec.fn(prepared)
        _check_result(spec.name, out)
    except Skip as exc:
        return MetricResult(spec.name, spec.family, "skipped", message=str(exc))
    except Exception as exc:  # noqa: BLE001 - fault isolation: one metric never stops the others
        if strict:
            raise
        return MetricResult(spec.name, spec.family, "error", message=f"{type(exc).__name__}: {exc}")
    clip = lambda v: None if v is None else float(min(1.0, max(0.0, v)))  # noqa: E731
    return MetricResult(
        spec.name, spec.family, "ok", score=clip(out.score), baseline=clip(out.baseline),
        ci=[clip(out.ci[0]), clip(out.ci[1])] if out.ci is not None else None,
        details=json_safe(out.details), message=out.message,
    )


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
    progress: Progress | None = None,
) -> Report:
    """Score synthetic data against the real data it was made from, beside a holdout baseline.

    Parameters
    ----------
    real : DataFrame
        The rows the generator was trained on.
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
        Columns to leave out entirely.
    config : Config, optional
        Settings; ``seed`` overrides ``config.seed`` when given.
    sensitive : DataFrame, optional
        Records the generator must never reproduce (e.g. from another source); scored by
        ``sensitive_match``.
    show_records : bool
        Allow real records in the report (matched rows of the privacy metrics). Off by default:
        reports hold counts, shares and distances only.
    strict : bool
        Raise the first metric error instead of recording it.
    progress : callable, optional
        ``progress(event, metric_name, done, total)``, called around each metric.

    Returns
    -------
    Report

    Examples
    --------
    >>> import pandas as pd, sdq
    >>> real = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0] * 25, "c": list("abab") * 25})
    >>> report = sdq.evaluate(real, real.copy(), metrics=["histogram_similarity"])
    >>> report.scores["histogram_similarity"]
    1.0
    """
    started = time.perf_counter()
    if config is None:
        config = Config()
    elif not isinstance(config, Config):
        raise ConfigError(f"The 'config' argument must be an sdq.Config. Got {type(config).__name__} instead.")
    if seed is not None:
        config = config.replace(seed=seed)
    if task is not None and task not in ("classification", "regression"):
        raise InputError(f"The 'task' argument must be 'classification' or 'regression'. Got {task!r} instead.")
    real = check_frame(real, "real")
    synthetic = check_frame(synthetic, "synthetic")
    if holdout is not None:
        holdout = check_frame(holdout, "holdout")
    if sensitive is not None:
        sensitive = check_frame(sensitive, "sensitive")
    reg = registry.registry()
    if metrics is None:
        selected = list(reg)
    else:
        if isinstance(metrics, str):
            metrics = [metrics]
        selected = list(dict.fromkeys(metrics))
        unknown = [m for m in selected if m not in reg]
        if unknown:
            raise InputError(f"Unknown metric(s) {unknown}; known metrics: {list(reg)}.")
    schema = fit_schema(real, column_types=column_types, exclude=exclude, target=target,
                        time_column=time_column, entity_column=entity_column, task=task)
    tables = build_tables(schema, real, synthetic, holdout, sensitive)
    prepared = prepare(tables, config, show_records=bool(show_records))
    prepared_at = time.perf_counter()
    available = {"holdout": holdout is not None, "target": target is not None,
                 "sequence": time_column is not None or entity_column is not None,
                 "sensitive": sensitive is not None}

    results, timings = [], {"prepare": round(prepared_at - started, 4)}
    for done, name in enumerate(selected):
        if progress is not None:
            progress("start", name, done, len(selected))
        t0 = time.perf_counter()
        results.append(_run_one(reg[name], prepared, available, strict))
        timings[name] = round(time.perf_counter() - t0, 4)
        if progress is not None:
            progress("end", name, done + 1, len(selected))
    timings["total"] = round(time.perf_counter() - started, 4)

    from sdq import __version__

    def shape(frame: pd.DataFrame | None) -> dict | None:
        return None if frame is None else {"rows": int(len(frame)), "columns": int(len(frame.columns))}

    data = {
        "real": shape(real), "synthetic": shape(synthetic), "holdout": shape(holdout),
        "sensitive": shape(sensitive), "show_records": bool(show_records),
        "columns": schema.to_list(),
        "invalid": tables.invalid,
        "target": None if target is None else str(target),
        "task": task,
        "time_column": None if time_column is None else str(time_column),
        "entity_column": None if entity_column is None else str(entity_column),
    }
    manifest = {
        "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "packages": {name: _version(name) for name in _PACKAGES},
        "data_hashes": tables.hashes,
        "timings": timings,
    }
    return Report(results, config=config.to_dict(), data=data, manifest=manifest, sdq_version=__version__)

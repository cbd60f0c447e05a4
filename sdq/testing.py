"""Assertion helpers for pipeline tests.

Each helper takes either data frames (``real, synthetic, holdout``; it then runs
:func:`sdq.engine.evaluate` with only the metrics it needs, passing any other keyword argument through,
e.g. ``target=``, ``config=``, ``seed=``) or a :class:`sdq.Report` in place of ``real``.
A failure raises ``AssertionError`` whose message is built by one formatter
(:func:`sdq.gates.format_failure`): a summary line, the aligned ``[score]``, ``[threshold]``,
``[baseline]`` and ``[interval]``, the worst columns, pairs or metrics with their numbers, and a
hint. The report is attached to the error as ``.report`` (the pytest plugin writes it to
``--sdq-report-dir``). On success a helper returns the report.

>>> import sdq.testing                                                          # doctest: +SKIP
>>> sdq.testing.assert_privacy(real, synthetic, holdout, min_score=0.9)         # doctest: +SKIP
>>> sdq.testing.assert_fidelity(report, relative=0.95)   # >= 95% of the holdout's score  # doctest: +SKIP
"""

from __future__ import annotations

from typing import Any

from sdq.engine.select import needed_metrics
from sdq.errors import InputError
from sdq.gates import DEFAULT_HINT, Threshold, as_thresholds, format_failure
from sdq.report import Report

__all__ = [
    "assert_fidelity",
    "assert_utility",
    "assert_privacy",
    "assert_quality",
    "assert_no_exact_copies",
    "assert_column_similar",
    "assert_timeseries_similar",
]

_HINT = DEFAULT_HINT


def _report(real: Any, synthetic: Any, holdout: Any, metrics: list[str], kwargs: dict) -> Report:
    if isinstance(real, Report):
        if synthetic is not None or holdout is not None or kwargs:
            raise InputError("Given a Report, an sdq assertion takes no data frames and no evaluate() arguments.")
        return real
    if synthetic is None:
        raise InputError("An sdq assertion needs (real, synthetic[, holdout]) data frames or a Report.")
    from sdq.engine.evaluate import evaluate

    kwargs = dict(kwargs)
    kwargs.setdefault("metrics", metrics)
    return evaluate(real, synthetic, holdout, **kwargs)


def _raise(error_message: str, report: Report) -> None:
    __tracebackhide__ = True
    error = AssertionError(error_message)
    error.report = report  # type: ignore[attr-defined]
    raise error


def _assert_thresholds(
    real: Any, synthetic: Any, holdout: Any, thresholds: list[Threshold], kwargs: dict, metrics: list[str] | None = None
) -> Report:
    __tracebackhide__ = True
    report = _report(real, synthetic, holdout, metrics or needed_metrics(thresholds), kwargs)
    result = report.check(thresholds)
    if not result.passed:
        _raise(format_failure(result.failures, total=len(result), hint=_HINT), report)
    return report


def _family_thresholds(family: str, min_score: float | None, relative: float | None) -> list[Threshold]:
    if min_score is None and relative is None:
        raise InputError(
            f"assert_{family} needs min_score= (an absolute minimum) and/or relative= "
            f"(a factor of the holdout baseline)."
        )
    out = []
    if min_score is not None:
        out.append(Threshold(family, min_score))
    if relative is not None:
        out.append(Threshold(family, relative, "relative"))
    return out


def assert_fidelity(
    real: Any,
    synthetic: Any = None,
    holdout: Any = None,
    *,
    min_score: float | None = None,
    relative: float | None = None,
    **kwargs: Any,
) -> Report:
    """Assert the fidelity score is at least ``min_score`` and/or ``relative`` times its holdout baseline."""
    __tracebackhide__ = True
    return _assert_thresholds(real, synthetic, holdout, _family_thresholds("fidelity", min_score, relative), kwargs)


def assert_utility(
    real: Any,
    synthetic: Any = None,
    holdout: Any = None,
    *,
    min_score: float | None = None,
    relative: float | None = None,
    **kwargs: Any,
) -> Report:
    """Assert the utility score (needs ``target=`` and a holdout) reaches ``min_score`` / ``relative``."""
    __tracebackhide__ = True
    return _assert_thresholds(real, synthetic, holdout, _family_thresholds("utility", min_score, relative), kwargs)


def assert_privacy(
    real: Any,
    synthetic: Any = None,
    holdout: Any = None,
    *,
    min_score: float | None = None,
    relative: float | None = None,
    **kwargs: Any,
) -> Report:
    """Assert the privacy score (the minimum of the privacy metrics) reaches ``min_score`` / ``relative``."""
    __tracebackhide__ = True
    return _assert_thresholds(real, synthetic, holdout, _family_thresholds("privacy", min_score, relative), kwargs)


def assert_quality(real: Any, synthetic: Any = None, holdout: Any = None, *, thresholds: Any, **kwargs: Any) -> Report:
    """Assert every threshold passes (anything :meth:`sdq.Report.check` takes, e.g.
    ``"fidelity=0.8,correlation=0.9*baseline"`` or ``{"exact_match:ci_low": 0.95}``)."""
    __tracebackhide__ = True
    return _assert_thresholds(real, synthetic, holdout, as_thresholds(thresholds), kwargs)


def assert_no_exact_copies(
    real: Any, synthetic: Any = None, holdout: Any = None, max_share: float = 0.0, **kwargs: Any
) -> Report:
    """Assert at most ``max_share`` of the synthetic rows are exact copies of real (training) rows."""
    __tracebackhide__ = True
    if not 0.0 <= max_share <= 1.0:
        raise InputError(f"The 'max_share' argument must be in [0, 1]. Got {max_share!r} instead.")
    report = _report(real, synthetic, holdout, ["exact_match"], kwargs)
    try:
        result = report["exact_match"]
    except KeyError:
        result = None
    if result is None or result.status == "error" or "copied_share" not in (result.details or {}):
        why = "was not run" if result is None else f"{result.status}: {result.message}"
        _raise(
            format_failure(
                title=f"exact copies could not be counted: exact_match {why}",
                fields=[("max share", f"{max_share:.3f}")],
                hint=_HINT,
            ),
            report,
        )
    details = result.details
    share = float(details["copied_share"])
    if share > max_share:
        holdout_share = details.get("holdout_share")
        _raise(
            format_failure(
                title=f"synthetic rows copy real rows: {details.get('copied_rows')} of "
                f"{details.get('synthetic_rows')} rows ({share:.1%}) are exact copies",
                fields=[
                    ("copied share", f"{share:.3f}"),
                    ("max share", f"{max_share:.3f}"),
                    ("holdout share", "—" if holdout_share is None else f"{holdout_share:.3f}"),
                    ("score", "—" if result.score is None else f"{result.score:.3f}"),
                ],
                worst=[
                    f"distinct training rows copied: {details.get('distinct_training_rows_copied')}",
                    (
                        "holdout share: real rows of the holdout that also occur in the training rows "
                        "(the natural duplicate rate)"
                    ),
                ],
                hint=_HINT,
            ),
            report,
        )
    return report


def assert_column_similar(
    real: Any, synthetic: Any = None, column: Any = None, *, min_score: float, holdout: Any = None, **kwargs: Any
) -> Report:
    """Assert one column's marginal distribution overlaps the real one (``histogram_similarity``)."""
    __tracebackhide__ = True
    if column is None:
        raise InputError("assert_column_similar needs a column.")
    threshold = Threshold(f"histogram_similarity:{column}", min_score)
    return _assert_thresholds(real, synthetic, holdout, [threshold], kwargs)


def assert_timeseries_similar(
    real: Any,
    synthetic: Any = None,
    holdout: Any = None,
    *,
    time_column: Any = None,
    entity_column: Any = None,
    min_score: float,
    **kwargs: Any,
) -> Report:
    """Assert the sequence metrics (autocorrelation, partial autocorrelation, sequence lengths, first
    differences, values by position) score at least ``min_score`` on average."""
    __tracebackhide__ = True
    from sdq.metrics import registry

    sequence_metrics = [name for name, spec in registry().items() if "sequence" in spec.needs]
    if not isinstance(real, Report):
        if time_column is None and entity_column is None:
            raise InputError("assert_timeseries_similar needs time_column= (and entity_column= for many sequences).")
        kwargs.update(time_column=time_column, entity_column=entity_column)
    thresholds = [Threshold("fidelity", min_score)]
    report = _report(real, synthetic, holdout, sequence_metrics, kwargs)
    ran = [r for r in report.metrics if r.name in sequence_metrics and r.status == "ok"]
    if not ran:
        reasons = "; ".join(f"{r.name}: {r.message}" for r in report.metrics if r.name in sequence_metrics)
        _raise(
            format_failure(
                title="no time-series metric could be computed",
                fields=[("threshold", f"{min_score:.2f}")],
                worst=[reasons] if reasons else [],
                hint=_HINT,
            ),
            report,
        )
    # the mean of the sequence metrics only, whatever else the report holds
    from sdq.report import Report as _Report

    sub = _Report(ran, config=report.config, data=report.data, manifest=report.manifest, sdq_version=report.sdq_version)
    result = sub.check(thresholds)
    if not result.passed:
        message = format_failure(result.failures, hint=_HINT).replace(
            "fidelity >= ", "time-series similarity (mean of " + ", ".join(r.name for r in ran) + ") >= ", 1
        )
        _raise(message, report)
    return report

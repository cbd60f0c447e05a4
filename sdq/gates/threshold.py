"""Thresholds on a report's scores: the gates of a pipeline (``sdq check``, ``Report.check``,
``sdq.testing``).

A :class:`Threshold` names a **target** and a minimum:

- a family: ``fidelity``, ``utility``, ``privacy`` or ``overall`` (the report's ``summary``);
- a metric: any metric of the report, e.g. ``correlation`` (checked against the report, so a
  plugin's metric or one of a newer sdq can be gated on);
- a column of a metric with per-column scores (``details["columns"]``), written ``metric:column``,
  e.g. ``histogram_similarity:age`` or ``statistics:income``; ``metric:*`` is every column the
  metric scores (each against its own baseline for ``relative``): it fails when any column does;
- the report's findings (:mod:`sdq.result.findings`), written ``findings`` (or ``findings:FAMILY``
  for one family) with the value ``"major"`` (fail on any major finding) or ``"any"`` (fail on any
  finding at all). Findings need a holdout: without one the gate fails (or is skipped with
  ``allow_skipped``), since nothing says the data is as good as fresh real data.

and one of three **kinds**:

=============  ==============================  =====================================================
kind           written                         passes when
=============  ==============================  =====================================================
``absolute``   ``fidelity=0.8``                ``score >= 0.8``
``relative``   ``correlation=0.9*baseline``    ``score >= 0.9 * baseline`` (the holdout's score)
``ci_low``     ``exact_match:ci_low=0.95``     the lower end of the score's 95% interval ``>= 0.95``
               (or ``ci_low(exact_match)=0.95``)
=============  ==============================  =====================================================

``>=`` may stand for ``=`` in every written form (``fidelity>=0.8``); several thresholds are
separated by commas (``fidelity=0.8,privacy=0.9``: the ``--fail-under`` syntax). Every value is in
[0, 1] (for ``relative``: the factor). A target whose metric was skipped or failed, was not run,
has no baseline (``relative`` without a holdout) or no interval (``ci_low``) **fails** with that
reason, unless the threshold has ``allow_skipped=True``; then it is reported as ``skipped``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sdq.errors import ConfigError

__all__ = [
    "Threshold",
    "FAMILY_TARGETS",
    "KINDS",
    "FINDINGS",
    "FAIL_ON",
    "EVERY_COLUMN",
    "number_text",
    "score_text",
]

FAMILY_TARGETS = ("fidelity", "utility", "privacy", "overall")


KINDS = ("absolute", "relative", "ci_low", "findings")
#: The target of a findings gate, and what it fails on.
FINDINGS = "findings"
FAIL_ON = ("major", "any")
#: The column part of a target that means every column of the metric.
EVERY_COLUMN = "*"


def number_text(value: float) -> str:
    """A threshold as written: two decimals, more where they matter (0.80, 0.95, 0.999)."""
    return f"{value:.2f}" if round(value, 2) == value else f"{value:g}"


def score_text(value: float | None, digits: int = 3) -> str:
    """A score in a message or table: three decimals, or a dash where there is none."""
    return "—" if value is None else f"{value:.{digits}f}"


@dataclass(frozen=True)
class Threshold:
    """A minimum on one score of a report.

    Parameters
    ----------
    target : str
        ``fidelity`` / ``utility`` / ``privacy`` / ``overall``, a metric name, or ``metric:column``.
    min : float
        In [0, 1]: the minimum score (``absolute``), the factor of the baseline (``relative``) or
        the minimum lower end of the interval (``ci_low``).
    kind : str
        ``absolute``, ``relative`` or ``ci_low``.
    allow_skipped : bool
        A skipped, failed or missing target is ``skipped`` instead of failing.
    fail_on : str, optional
        For a ``findings`` gate: ``major`` or ``any`` (``min`` is then unused, 0).
    """

    target: str
    min: float
    kind: str = "absolute"
    allow_skipped: bool = False
    fail_on: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.target, str) or not self.target.strip():
            raise ConfigError(f"A threshold's target must be a non-empty string. Got {self.target!r} instead.")
        object.__setattr__(self, "target", self.target.strip())
        if self.kind not in KINDS:
            raise ConfigError(
                f"The 'kind' of threshold {self.target!r} must be one of {list(KINDS)}. Got {self.kind!r} instead."
            )
        value = self.min
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float))
            or not math.isfinite(value)
            or not 0.0 <= float(value) <= 1.0
        ):
            what = "factor of the baseline" if self.kind == "relative" else "minimum"
            raise ConfigError(
                f"The {what} of threshold {self.target!r} must be a number in [0, 1]. Got {value!r} instead."
            )
        object.__setattr__(self, "min", float(value))
        metric, column = self.metric, self.column
        if (metric == FINDINGS) != (self.kind == "findings"):
            raise ConfigError(
                f'Threshold {self.target!r}: the findings gate is written findings = "major" or "any" '
                "(or findings:FAMILY = ...), and only the findings target takes it."
            )
        if self.kind == "findings":
            if self.fail_on not in FAIL_ON:
                raise ConfigError(
                    f"The findings gate {self.target!r} fails on one of {list(FAIL_ON)}. Got {self.fail_on!r} instead."
                )
            if column is not None and column not in FAMILY_TARGETS[:3]:
                raise ConfigError(
                    f"Threshold {self.target!r}: the findings gate takes a family (findings:fidelity, "
                    f"findings:utility or findings:privacy). Got {column!r} instead."
                )
            return
        if metric in FAMILY_TARGETS:
            if column is not None:
                raise ConfigError(
                    f"Threshold {self.target!r}: a family score has no columns; use 'metric:column' with a metric name."
                )
            if self.kind == "ci_low":
                raise ConfigError(
                    f"Threshold {self.target!r}: family scores have no interval; put 'ci_low' thresholds on metrics."
                )
        if column is not None and (not column or self.kind == "ci_low"):
            raise ConfigError(
                f"Threshold {self.target!r}: "
                + ("the column name is empty." if not column else "per-column scores have no interval.")
            )

    @property
    def metric(self) -> str:
        """The family or metric part of the target."""
        return self.target.split(":", 1)[0]

    @property
    def column(self) -> str | None:
        """The column part of a ``metric:column`` target, else None."""
        return self.target.split(":", 1)[1] if ":" in self.target else None

    def describe(self) -> str:
        """The threshold as written in a report: ``correlation >= 0.90 * baseline``."""
        if self.kind == "findings":
            scope = f" in {self.column}" if self.column else ""
            return f"no {'major ' if self.fail_on == 'major' else ''}finding{scope}"
        if self.kind == "relative":
            return f"{self.target} >= {number_text(self.min)} * baseline"
        if self.kind == "ci_low":
            return f"ci_low({self.target}) >= {number_text(self.min)}"
        return f"{self.target} >= {number_text(self.min)}"

    __str__ = describe

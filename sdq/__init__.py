"""sdq: is your synthetic data any good?

Fidelity, utility and privacy of synthetic tables, each measured against a holdout of real rows the
generator never saw (what a perfect generator would score).

>>> import sdq
>>> report = sdq.evaluate(real, synthetic, holdout=holdout)      # doctest: +SKIP
>>> report.summary                                                # doctest: +SKIP

Domain rules are checked by the ``rules`` metric (``sdq.evaluate(..., rules="rules.toml")``) and
suggested from real rows by :func:`sdq.suggest_rules`; see :mod:`sdq.rules`.

Use-case profiles (``sdq.evaluate(..., profile="fraud")``, :class:`Profile`) weigh a report's
scores and findings for one use, beside the neutral reading; see :mod:`sdq.result.profiles`.

Your own metrics register with :func:`sdq.metric` (or through the entry-point group
``sdq.metrics`` of an installed package); see :mod:`sdq.metrics`.
"""

from __future__ import annotations

from sdq.config import Config
from sdq.data import load_table
from sdq.engine.compare import Comparison, compare
from sdq.engine.evaluate import evaluate
from sdq.engine.suggest import suggest_rules
from sdq.errors import ConfigError, InputError, MetricError, ProfileWarning, SdqError
from sdq.gates import CheckResult, Threshold
from sdq.metrics import metric
from sdq.metrics import names as metric_names
from sdq.report import Report
from sdq.result import MetricResult
from sdq.result.profiles import Profile
from sdq.rules import Rule

__version__ = "0.1.0"

__all__ = [
    "CheckResult",
    "Comparison",
    "Config",
    "ConfigError",
    "InputError",
    "MetricError",
    "MetricResult",
    "Profile",
    "ProfileWarning",
    "Report",
    "Rule",
    "SdqError",
    "Threshold",
    "__version__",
    "compare",
    "evaluate",
    "load_table",
    "metric",
    "metric_names",
    "suggest_rules",
]

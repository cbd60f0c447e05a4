"""The metric registry.

A metric is a plain function ``fn(prepared) -> Outcome`` registered with :func:`metric`, which
records its name, family, what it needs and what 1.0 and 0.0 mean. The engine
(:mod:`sdq.engine.evaluate`) turns the outcome into a :class:`sdq.result.MetricResult`, checks the needs
(a metric that needs a holdout is ``skipped`` without one) and isolates failures.

Modules and what they may import:

* A **metric module** registers metrics (every module in ``_MODULES``, e.g.
  ``fidelity/histogram.py``, ``privacy/exact_match.py``). A metric module never imports another
  metric module: work or code that two metric modules share lives in a helper module.
* A **helper module** registers no metric. ``sdq.metrics._common`` holds what the metrics of
  every family use; a family's helpers (``fidelity/sequences.py``, ``utility/models.py``,
  ``privacy/distance.py``, ``privacy/matching.py``) hold what the metrics of that family share, and
  only that family's metrics import them. Helpers import no metric module.
* Metrics share computed work only through :meth:`sdq.prepare.Prepared.cached`, whose keys are
  declared in :data:`sdq.prepare.CACHED_WORK`; metrics that read the same work have the same
  ``group``. No metric keeps state anywhere else.

``tests/metrics/test_common.py`` checks the import rule.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any, Callable

__all__ = ["Outcome", "MetricSpec", "metric", "names", "get", "registry", "Skip", "FAMILIES", "NEEDS"]

FAMILIES = ("fidelity", "utility", "privacy")
NEEDS = ("holdout", "target", "sequence", "sensitive")


class Skip(Exception):
    """Raised by a metric that does not apply to these data; the message says why."""


@dataclass
class Outcome:
    """What a metric computed: score for the synthetic data, baseline for the holdout.

    ``score`` and ``baseline`` are in [0, 1], higher is better (``baseline`` is None without a
    holdout); ``ci`` is a 95% interval for ``score`` or None; ``details`` is JSON-safe.
    """

    score: float
    baseline: float | None = None
    ci: tuple[float, float] | None = None
    details: dict[str, Any] = field(default_factory=dict)
    message: str | None = None


@dataclass(frozen=True)
class MetricSpec:
    """A registered metric."""

    name: str
    family: str
    fn: Callable[..., Outcome]
    needs: tuple[str, ...]
    summary: str
    one: str
    zero: str
    group: str = ""  # metrics that share cached work (the same group) run in the same process


_REGISTRY: dict[str, MetricSpec] = {}
_MODULES = (
    "sdq.metrics.fidelity.statistics",
    "sdq.metrics.fidelity.histogram",
    "sdq.metrics.fidelity.mutual_information",
    "sdq.metrics.fidelity.correlation",
    "sdq.metrics.fidelity.autocorrelation",
    "sdq.metrics.utility.prediction",
    "sdq.metrics.utility.feature_importance",
    "sdq.metrics.utility.qscore",
    "sdq.metrics.privacy.exact_match",
    "sdq.metrics.privacy.neighbours",
    "sdq.metrics.privacy.membership_inference",
    "sdq.metrics.privacy.sensitive_match",
)


def metric(
    name: str, family: str, *, needs: tuple[str, ...] = (), summary: str, one: str, zero: str, group: str | None = None
):
    """Register a metric function under a stable name.

    ``group`` names the cached work the metric shares with others (default: its module); with
    several jobs, the metrics of one group run one after another in the same process, so that work
    is done once."""
    if family not in FAMILIES:
        raise ValueError(f"family must be one of {FAMILIES}, got {family!r}")
    unknown = set(needs) - set(NEEDS)
    if unknown:
        raise ValueError(f"unknown needs {sorted(unknown)}; known: {NEEDS}")

    def register(fn: Callable[..., Outcome]) -> Callable[..., Outcome]:
        if name in _REGISTRY and _REGISTRY[name].fn is not fn:
            raise ValueError(f"metric {name!r} is registered twice")
        _REGISTRY[name] = MetricSpec(name, family, fn, tuple(needs), summary, one, zero, group or fn.__module__)
        return fn

    return register


def _load() -> None:
    for module in _MODULES:
        importlib.import_module(module)


def registry() -> dict[str, MetricSpec]:
    """Every registered metric by name, in family order."""
    _load()
    return dict(sorted(_REGISTRY.items(), key=lambda kv: (FAMILIES.index(kv[1].family), _order(kv[0]))))


def _order(name: str) -> int:
    order = [m.rsplit(".", 1)[-1] for m in _MODULES]
    module = _REGISTRY[name].fn.__module__.rsplit(".", 1)[-1]
    return order.index(module) if module in order else len(order)


def names(family: str | None = None) -> list[str]:
    """Names of the registered metrics, optionally of one family."""
    return [n for n, s in registry().items() if family is None or s.family == family]


def get(name: str) -> MetricSpec:
    reg = registry()
    if name not in reg:
        from sdq.errors import InputError

        raise InputError(f"Unknown metric {name!r}; known metrics: {list(reg)}.")
    return reg[name]

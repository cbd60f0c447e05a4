"""Which metrics an evaluation runs: names checked against the registry, and the metrics that a
set of thresholds reads (so ``sdq check`` runs only what its gates need)."""

from __future__ import annotations

from typing import Any, Iterable

from sdq import metrics as registry
from sdq.errors import ConfigError, InputError
from sdq.gates import FAMILY_TARGETS, as_thresholds

__all__ = ["select_metrics", "needed_metrics"]


def select_metrics(metrics: Iterable[str] | str | None) -> list[registry.MetricSpec]:
    """The registered metrics named (default: all, in family order); an unknown name is an
    :class:`~sdq.errors.InputError` that lists the known ones."""
    reg = registry.registry()
    if metrics is None:
        return list(reg.values())
    if isinstance(metrics, str):
        metrics = [metrics]
    selected = list(dict.fromkeys(metrics))
    unknown = [m for m in selected if m not in reg]
    if unknown:
        raise InputError(f"Unknown metric(s) {unknown}; known metrics: {list(reg)}.")
    return [reg[name] for name in selected]


def needed_metrics(thresholds: Any) -> list[str]:
    """The metrics whose results the thresholds read (a family needs all of its metrics, the
    findings gate those of its family, or all). A target that is neither a family, the findings
    gate nor a registered metric is a :class:`~sdq.errors.ConfigError`."""
    names = registry.names()
    needed: list[str] = []
    for t in as_thresholds(thresholds):
        if t.kind == "findings":
            needed.extend(registry.names(t.column) if t.column else names)
        elif t.metric == "overall":
            needed.extend(names)
        elif t.metric in FAMILY_TARGETS:
            needed.extend(registry.names(t.metric))
        elif t.metric in names:
            needed.append(t.metric)
        else:
            raise ConfigError(
                f"Threshold {t.target!r} names an unknown metric or family {t.metric!r}; "
                f"known: {list(FAMILY_TARGETS) + names}."
            )
    return list(dict.fromkeys(needed))

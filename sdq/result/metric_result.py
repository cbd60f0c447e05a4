"""One metric's result and the JSON it is written as.

``score`` and ``baseline`` are in [0, 1], higher is better (for privacy: safer); ``status`` is
``ok``, ``skipped`` (not applicable; ``message`` says why) or ``error`` (it failed; the rest of the
report still ran). ``about`` is what the metric says about itself (:class:`About`: what it
measures, what 1.0 and 0.0 mean, the shape of its details), so that a report read back from JSON
renders, gates and compares like the live one, even where the metric is not installed."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Mapping

import numpy as np

from sdq.shapes import Scalars, Shape, from_dict, infer

__all__ = ["MetricResult", "About", "json_safe", "STATUSES"]

STATUSES = ("ok", "skipped", "error")


def json_safe(obj: Any) -> Any:
    """A copy of ``obj`` that strict JSON accepts: numpy scalars to Python, NaN/inf to None."""
    if isinstance(obj, dict):
        return {str(k): json_safe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [json_safe(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return [json_safe(v) for v in obj.tolist()]
    if isinstance(obj, (bool, np.bool_)):
        return bool(obj)
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        return float(obj) if math.isfinite(obj) else None
    if obj is None or isinstance(obj, str):
        return obj
    return str(obj)


@dataclass(frozen=True)
class About:
    """What a metric says about itself, as registered: its card's text and the shape of its details.

    Written into the report's JSON as ``about``::

        {"summary": "...", "one": "...", "zero": "...",
         "shape": {"name": "pairwise", "measure": "association", "signed": true},
         "extras": ["pearson"]}

    ``summary``: what the metric measures; ``one`` / ``zero``: what a score of 1.0 / 0.0 means;
    ``shape``: the shape of ``details`` (:mod:`sdq.shapes`: its name and options), which decides
    the figures, tables, per-column scores and pairs every face reads; ``extras``: optional
    metric-specific figures or tables a renderer may add."""

    summary: str
    one: str
    zero: str
    shape: Shape = field(default_factory=Scalars)
    extras: tuple[str, ...] = ()

    @classmethod
    def of(cls, spec: Any) -> "About":
        """The description a registered metric gives (anything with ``summary``, ``one``, ``zero``,
        ``shape`` and ``extras``, such as a :class:`sdq.metrics.MetricSpec`)."""
        return cls(spec.summary, spec.one, spec.zero, shape=spec.shape, extras=tuple(spec.extras))

    def to_dict(self) -> dict[str, Any]:
        return {
            "summary": self.summary,
            "one": self.one,
            "zero": self.zero,
            "shape": self.shape.to_dict(),
            "extras": list(self.extras),
        }

    @classmethod
    def from_dict(cls, data: Any) -> "About | None":
        """An ``about`` block as written in a report; None if there is none (or it is unreadable)."""
        if not isinstance(data, Mapping) or not all(isinstance(data.get(k), str) for k in ("summary", "one", "zero")):
            return None
        extras = data.get("extras")
        return cls(
            data["summary"],
            data["one"],
            data["zero"],
            shape=from_dict(data.get("shape")) or Scalars(),
            extras=tuple(str(e) for e in extras) if isinstance(extras, list) else (),
        )


@dataclass
class MetricResult:
    """One metric's result. ``score`` and ``baseline`` are in [0, 1], higher is better; ``about``
    (:class:`About`) is what the metric says about itself (None for a result made by hand)."""

    name: str
    family: str
    status: str
    score: float | None = None
    baseline: float | None = None
    ci: list[float] | None = None
    details: dict[str, Any] = field(default_factory=dict)
    message: str | None = None
    warnings: list[str] = field(default_factory=list)
    about: About | None = None

    @property
    def shape(self) -> Shape:
        """The shape of ``details``: the one the metric declared (``about.shape``); for a result
        that declares none, or one this version of sdq does not know, what the details look like
        (:func:`sdq.shapes.infer`)."""
        if self.about is not None and self.about.shape.known:
            return self.about.shape
        return infer(self.details)

    @property
    def declared(self) -> bool:
        """True if the result describes itself with a shape this version of sdq knows."""
        return self.about is not None and self.about.shape.known

    def to_dict(self) -> dict[str, Any]:
        return json_safe(
            {
                "name": self.name,
                "family": self.family,
                "status": self.status,
                "score": self.score,
                "baseline": self.baseline,
                "ci": list(self.ci) if self.ci is not None else None,
                "details": self.details,
                "message": self.message,
                "warnings": list(self.warnings or []),
                "about": self.about.to_dict() if self.about is not None else None,
            }
        )

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "MetricResult":
        fields = {k: data.get(k) for k in ("name", "family", "status", "score", "baseline", "ci", "details", "message")}
        return cls(**fields, warnings=list(data.get("warnings") or []), about=About.from_dict(data.get("about")))

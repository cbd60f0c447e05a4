"""One metric's result and the JSON it is written as.

``score`` and ``baseline`` are in [0, 1], higher is better (for privacy: safer); ``status`` is
``ok``, ``skipped`` (not applicable; ``message`` says why) or ``error`` (it failed; the rest of the
report still ran)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["MetricResult", "json_safe", "STATUSES"]

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


@dataclass
class MetricResult:
    """One metric's result. ``score`` and ``baseline`` are in [0, 1], higher is better."""

    name: str
    family: str
    status: str
    score: float | None = None
    baseline: float | None = None
    ci: list[float] | None = None
    details: dict[str, Any] = field(default_factory=dict)
    message: str | None = None
    warnings: list[str] = field(default_factory=list)

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
            }
        )

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "MetricResult":
        fields = {k: data.get(k) for k in ("name", "family", "status", "score", "baseline", "ci", "details", "message")}
        return cls(**fields, warnings=list(data.get("warnings") or []))

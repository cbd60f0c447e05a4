"""A report's manifest: when and where it was made, the library versions, the inputs' hashes, how
the metrics ran and how long each took. The one part of a report that differs between two runs of
the same inputs and seed."""

from __future__ import annotations

import datetime as _dt
import platform
from importlib import metadata
from typing import Any

from sdq import metrics as registry

__all__ = ["build_manifest"]

_PACKAGES = ("numpy", "pandas", "scipy", "scikit-learn", "statsmodels", "xgboost", "jinja2", "plotly")


def _version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def build_manifest(*, hashes: dict, run: dict, timings: dict, **extra: Any) -> dict[str, Any]:
    """A report's manifest: when and where it was made, the library versions, ``plugins`` (the
    metric plugins loaded, with their packages' versions; only when there are any), the inputs'
    hashes, how the metrics ran, anything ``extra``, and the timings."""
    plugins = registry.plugins()
    return {
        "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "packages": {name: _version(name) for name in _PACKAGES},
        **({"plugins": plugins} if plugins else {}),
        "data_hashes": hashes,
        "run": run,
        **extra,
        "timings": timings,
    }

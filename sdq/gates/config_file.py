"""Configuration files of the gates: ``sdq.toml`` and ``[tool.sdq]`` in ``pyproject.toml``.

Besides the thresholds, the file may hold the domain rules of the ``rules`` metric in a
``[rules]`` table (``[tool.sdq.rules]``), read by :func:`sdq.rules.read_rules`.

``sdq.toml`` (a ``[thresholds]`` table) or ``pyproject.toml`` (a ``[tool.sdq.thresholds]``
table)::

    [tool.sdq.thresholds]
    fidelity = 0.8                                  # absolute
    correlation = "0.9*baseline"                    # relative to the holdout baseline
    "exact_match:ci_low" = 0.95                     # on the interval's lower end
    "histogram_similarity:age" = 0.9                # one column of a metric
    utility = { min = 0.7, allow_skipped = true }   # the long form
    membership_inference = { min = 0.9, on = "ci_low" }

The long form's keys: ``min`` (required), ``on`` (``"score"``: absolute, the default;
``"baseline"``: relative; ``"ci_low"``) and ``allow_skipped`` (default false). Any other key, an
unknown target or a bad value is a :class:`sdq.errors.ConfigError` that names it. Reading a
configuration file needs Python 3.11 or newer (the standard library's ``tomllib``); on Python 3.10
give thresholds as strings or in Python instead.
"""

from __future__ import annotations

import math
import re
import sys
from pathlib import Path
from typing import Any, Mapping

from sdq.errors import ConfigError
from sdq.gates.parse import threshold_from_value
from sdq.gates.threshold import FAMILY_TARGETS, Threshold

__all__ = ["find_config", "load_config", "starter_config", "SECTIONS"]

#: The tables of a configuration file: ``[thresholds]`` (read here) and ``[rules]`` (domain rules,
#: read by :func:`sdq.rules.read_rules`).
SECTIONS = ("thresholds", "rules")


def _read_toml(path: Path) -> dict[str, Any]:
    if sys.version_info < (3, 11):
        raise ConfigError(
            f"{path}: reading a configuration file needs Python 3.11 or newer (tomllib); "
            f"give thresholds with --fail-under instead."
        )
    import tomllib

    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such configuration file") from None
    except IsADirectoryError:
        raise ConfigError(f"{path}: is a directory, not a configuration file") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None


def find_config(directory: str | Path = ".") -> Path | None:
    """``sdq.toml`` in ``directory`` if present, else its ``pyproject.toml`` if that has ``[tool.sdq]``."""
    directory = Path(directory)
    if (directory / "sdq.toml").is_file():
        return directory / "sdq.toml"
    pyproject = directory / "pyproject.toml"
    if pyproject.is_file() and sys.version_info < (3, 11):
        # no TOML reader: a [tool.sdq] table found by its text is reported by load_config
        text = pyproject.read_text(encoding="utf-8", errors="replace")
        return pyproject if re.search(r"^\s*\[+\s*tool\.sdq\b", text, re.MULTILINE) else None
    if pyproject.is_file():
        try:
            if "sdq" in _read_toml(pyproject).get("tool", {}):
                return pyproject
        except ConfigError:
            return pyproject  # let load_config report what is wrong with it
    return None


def load_config(path: str | Path) -> list[Threshold]:
    """The thresholds of ``sdq.toml`` (``[thresholds]``) or ``pyproject.toml`` (``[tool.sdq.thresholds]``)."""
    path = Path(path)
    data = _read_toml(path)
    if path.name == "pyproject.toml" or "tool" in data:
        section = data.get("tool", {}).get("sdq")
        where = "[tool.sdq]"
        if section is None:
            raise ConfigError(f"{path}: no [tool.sdq] table")
    else:
        section, where = data, "the top level"
    unknown = sorted(set(section) - set(SECTIONS))
    if unknown:
        raise ConfigError(f"{path}: unknown key(s) {unknown} in {where}; allowed: {list(SECTIONS)}")
    table = section.get("thresholds", {})
    if not isinstance(table, Mapping):
        raise ConfigError(f"{path}: 'thresholds' must be a table of TARGET = VALUE")
    try:
        return [threshold_from_value(str(k), v) for k, v in table.items()]
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}") from None


def starter_config(report: Any = None, *, margin: float = 0.05, metric_names: list[str] | None = None) -> str:
    """The text of a commented starting ``sdq.toml``.

    Without a report: family thresholds relative to the holdout baseline (``0.9 * baseline``;
    privacy absolute, since its baseline is the holdout's own near-perfect score), and every other
    kind of threshold shown commented out. With a report made with a holdout: absolute thresholds
    ``margin`` below each family's and each metric's baseline, less the room its noise needs
    (:func:`noise_room`: three standard errors of the gap, read from the report's interval), rounded
    down to 0.01, so that data as good as fresh real rows pass and clearly worse data fail."""
    lines = [
        "# sdq thresholds: `sdq check REAL SYNTHETIC --holdout HOLDOUT` reads this file (./sdq.toml),",
        "# or the same table as [tool.sdq.thresholds] in pyproject.toml. Every score is in [0, 1], higher is",
        "# better (for privacy: safer). The baseline is the same metric computed on the holdout: what a",
        "# perfect generator would score.",
        "#",
        "#   name = 0.8                           absolute: score >= 0.8",
        '#   name = "0.9*baseline"               relative: score >= 0.9 x the holdout\'s score',
        '#   "name:ci_low" = 0.95                 the lower end of the 95% interval >= 0.95',
        '#   "metric:column" = 0.9                one column of a metric with per-column scores',
        '#   "metric:*" = "0.8*baseline"          every column of it, each against its own baseline',
        "#   name = { min = 0.7, allow_skipped = true }   pass when the metric did not run",
        '#   findings = "major"                   no major finding: no metric or column more than 0.10 below',
        '#                                        its baseline beyond noise ("any": no finding at all;',
        "#                                        findings:privacy = ... for one family)",
        "#",
        "# Names: the families fidelity, utility, privacy, overall, and the metrics",
        "#   "
        + ", ".join(metric_names if metric_names is not None else [r.name for r in getattr(report, "metrics", [])]),
        "#",
        '# Domain rules, checked by the metric `rules`, go in a [rules] table of this file (name = "expression");',
        "# `sdq rules suggest REAL --output rules.toml` writes the rules the real rows keep, to start from.",
        "",
        "[thresholds]",
    ]
    if report is None:
        lines += [
            '# no metric or column far below fresh real data (decided on evidence, see "findings" above)',
            'findings = "major"',
            'fidelity = "0.9*baseline"',
            'utility = { min = 0.8, on = "baseline", allow_skipped = true }   # skipped without a target',
            "privacy = 0.9",
            "",
            "# more, for example:",
            '# correlation = "0.9*baseline"',
            '# "exact_match:ci_low" = 0.95',
            '# "histogram_similarity:age" = 0.9',
            '# "histogram_similarity:*" = "0.8*baseline"',
        ]
        return "\n".join(lines) + "\n"
    if not 0 <= margin < 1:
        raise ConfigError(f"margin must be in [0, 1). Got {margin!r} instead.")

    # rounded before the floor: 0.96 - 0.05 is 0.9099999999999999 in floating point
    def floor(value: float, interval: Any = None, score: float | None = None) -> float:
        return math.floor(round(max(0.0, value - margin - noise_room(interval, score)) * 100, 9)) / 100

    base = report.summary_baseline
    ranges = report.summary_intervals
    summary = report.summary
    if all(base.get(f) is None for f in FAMILY_TARGETS):
        raise ConfigError(
            "the report has no holdout baselines (it was made without a holdout); "
            "run it with a holdout, or start without --from-report"
        )
    lines.append(
        f"# {margin:g} below the holdout baselines, less three standard errors of noise, of the report made on "
        f"{(getattr(report, 'manifest', None) or {}).get('created', 'an unknown date')}"
    )
    lines.append('findings = "major"   # no metric or column far below fresh real data, on evidence')
    for family in ("fidelity", "utility", "privacy", "overall"):
        if base.get(family) is not None:
            threshold = floor(base[family], ranges.get(family), summary.get(family))
            lines.append(f"{family} = {threshold:.2f}   # baseline {base[family]:.3f}")
    lines.append("")
    lines.append("# each metric (delete what you do not want to gate on)")
    for r in report.metrics:
        if r.status == "ok" and r.baseline is not None:
            score = f", this report's score {r.score:.3f}" if r.score is not None else ""
            lines.append(f"{r.name} = {floor(r.baseline, r.ci, r.score):.2f}   # baseline {r.baseline:.3f}{score}")
    columns = [(r, factor) for r in report.metrics if (factor := column_factor(r, margin)) is not None]
    if columns:
        lines.append("")
        lines.append("# every column of a metric, each against its own baseline: the factor leaves room for the")
        lines.append("# noise of the least certain column of this report (its standard error) and the margin")
        for r, factor in columns:
            if factor < MIN_COLUMN_FACTOR:
                lines.append(
                    f'# "{r.name}:*": not written: its columns are too noisy at these sizes for a gate '
                    f"(the noise alone would need a factor of {factor:.2f}); the findings gate tests them"
                )
            else:
                lines.append(f'"{r.name}:*" = "{factor:.2f}*baseline"')
    return "\n".join(lines) + "\n"


#: Standard errors of a column's gap (score against baseline) that a per-column gate allows.
COLUMN_NOISE_SE = 4.0
#: Below this factor a per-column gate would pass nearly anything: it is left out (commented).
MIN_COLUMN_FACTOR = 0.5
#: Standard errors of a metric's or family's gap that its threshold allows beyond the margin.
NOISE_SE = 3.0


def noise_room(interval: Any, score: float | None) -> float:
    """How far below its baseline noise alone takes a score with this 95% interval: ``NOISE_SE``
    standard errors of the gap between two samples (``sqrt(2) * se``, ``se`` the interval's larger
    half-width over 1.96); 0 without an interval."""
    if not interval or score is None or None in interval:
        return 0.0
    se = max(score - interval[0], interval[1] - score, 0.0) / 1.96
    return NOISE_SE * math.sqrt(2.0) * se


def column_factor(result: Any, margin: float) -> float | None:
    """The factor of a ``metric:*`` gate written from a report: the smallest over the metric's
    columns of ``(baseline - margin - 4 * sqrt(2) * se) / baseline``, rounded down to 0.01 (at most
    0.95), so that a column of data as good as fresh real rows falls below it only when noise
    takes it four standard errors of the gap away. None where the metric gives no per-column
    baseline with a standard error; below :data:`MIN_COLUMN_FACTOR` the gate is not written."""
    if getattr(result, "status", None) != "ok":
        return None
    shape = getattr(result, "shape", None)
    entries = shape.column_scores(result.details) if shape is not None else []
    factors = [
        (e.baseline - margin - COLUMN_NOISE_SE * math.sqrt(2.0) * e.se) / e.baseline
        for e in entries
        if e.baseline is not None and e.se is not None and e.baseline > 0
    ]
    if not factors:
        return None
    return min(0.95, max(0.0, math.floor(round(min(factors) * 100, 9)) / 100))

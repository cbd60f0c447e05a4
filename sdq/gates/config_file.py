"""Configuration files of the gates: ``sdq.toml`` and ``[tool.sdq]`` in ``pyproject.toml``.

Besides the thresholds, the file may hold the domain rules of the ``rules`` metric in a
``[rules]`` table (``[tool.sdq.rules]``), read by :func:`sdq.rules.read_rules`, the use-case
profile to read reports with (``profile = "fraud"`` at the top level) and the user's own profiles
(``[profiles.NAME]`` tables, :func:`load_profiles`; see :mod:`sdq.result.profiles`)::

    profile = "churn"

    [profiles.churn]
    extends = "ml-training"                        # start from a built-in (optional)
    description = "Churn models trained on synthetic customers"
    weights = { utility = 4 }                      # family weights (default 1; 0: not counted)
    metrics = { prediction = 3, qscore = 0 }       # metric weights within a family
    findings = { prediction = "decisive", fidelity = "lenient" }
    gates = { findings = "major", prediction = "0.95*baseline" }

A profile's gates are ``sdq check``'s thresholds when neither ``--fail-under`` nor a
``[thresholds]`` table gives any.

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
from sdq.result.profiles import Profile, resolve_profile
from sdq.toml_file import read_toml

__all__ = [
    "find_config",
    "load_config",
    "load_profiles",
    "profile_gates",
    "starter_config",
    "SECTIONS",
    "ProfileSettings",
]

#: The keys of a configuration file: ``[thresholds]`` (read here), ``[rules]`` (domain rules,
#: read by :func:`sdq.rules.read_rules`), ``profile`` (the profile to read reports with) and
#: ``[profiles.NAME]`` (the user's own profiles), both read by :func:`load_profiles`.
SECTIONS = ("thresholds", "rules", "profile", "profiles")


def _read_toml(path: Path) -> dict[str, Any]:
    return read_toml(path, "configuration file", "give thresholds with --fail-under instead.")


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


def _section(path: Path) -> tuple[dict[str, Any], str]:
    """The sdq part of a configuration file (the whole ``sdq.toml``, or ``[tool.sdq]``), checked
    for unknown keys, and how messages name it."""
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
    return section, where


def load_config(path: str | Path) -> list[Threshold]:
    """The thresholds of ``sdq.toml`` (``[thresholds]``) or ``pyproject.toml`` (``[tool.sdq.thresholds]``)."""
    path = Path(path)
    section, _ = _section(path)
    table = section.get("thresholds", {})
    if not isinstance(table, Mapping):
        raise ConfigError(f"{path}: 'thresholds' must be a table of TARGET = VALUE")
    try:
        return [threshold_from_value(str(k), v) for k, v in table.items()]
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}") from None


class ProfileSettings:
    """The profile settings of a configuration file: ``selected`` (the value of ``profile =``, or
    None) and ``defined`` (name -> :class:`~sdq.result.profiles.Profile` of each ``[profiles.NAME]``
    table)."""

    def __init__(self, selected: str | None = None, defined: dict[str, Profile] | None = None) -> None:
        self.selected = selected
        self.defined = dict(defined or {})

    def resolve(self, name: str | None = None) -> Profile | None:
        """The profile named (``--profile``), else the selected one, among the built-ins and the
        defined ones; None when neither names one."""
        name = name if name is not None else self.selected
        return None if name is None else resolve_profile(name, self.defined)


def check_gates(table: Any, where: str) -> None:
    """Every entry of a profile's gates reads as a threshold; else a ConfigError naming it."""
    if not isinstance(table, Mapping):
        raise ConfigError(f"{where} must be a table of TARGET = VALUE")
    for key, value in table.items():
        try:
            threshold_from_value(str(key), value)
        except ConfigError as exc:
            raise ConfigError(f"{where}.{key}: {exc}") from None


def load_profiles(path: str | Path | None) -> ProfileSettings:
    """The ``profile`` key and the ``[profiles.NAME]`` tables of a configuration file (``sdq.toml``
    or ``[tool.sdq]`` of ``pyproject.toml``); no file: nothing selected, none defined. Every
    problem is a :class:`~sdq.errors.ConfigError` that names the file and the key."""
    if path is None:
        return ProfileSettings()
    path = Path(path)
    section, where = _section(path)
    prefix = "tool.sdq." if where == "[tool.sdq]" else ""
    tables = section.get("profiles", {})
    if not isinstance(tables, Mapping):
        raise ConfigError(f"{path}: '{prefix}profiles' must hold tables: [{prefix}profiles.NAME]")
    defined = {}
    for name, table in tables.items():
        key = f"{prefix}profiles.{name}"
        try:
            if isinstance(table, Mapping) and "gates" in table:
                check_gates(table["gates"], f"{key}.gates")
            defined[name] = Profile.from_mapping(name, table, where=key)
        except ConfigError as exc:
            raise ConfigError(f"{path}: {exc}") from None
    selected = section.get("profile")
    if selected is not None:
        if not isinstance(selected, str) or not selected.strip():
            raise ConfigError(f"{path}: '{prefix}profile' must be a profile's name. Got {selected!r} instead.")
        try:
            resolve_profile(selected, defined)
        except ConfigError as exc:
            raise ConfigError(f"{path}: '{prefix}profile': {exc}") from None
    return ProfileSettings(selected.strip() if selected else None, defined)


def profile_gates(profile: Profile, known: list[str] | None = None) -> tuple[list[Threshold], list[str]]:
    """A profile's gates as thresholds, and the targets left out because they name a metric not
    among ``known`` (the installation's metrics; a built-in profile may name metrics a build lacks)."""
    table, left = profile.gate_table(known)
    try:
        return [threshold_from_value(str(k), v) for k, v in table.items()], left
    except ConfigError as exc:
        raise ConfigError(f"the gates of profile {profile.name!r}: {exc}") from None


def _toml_value(value: Any) -> str:
    """A value of a profile's table as TOML (strings, numbers, booleans, lists, inline tables)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return f"{value:g}" if isinstance(value, float) else str(value)
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, Mapping):
        return "{ " + ", ".join(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in value.items()) + " }"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise ConfigError(f"cannot write {value!r} as TOML")


def _toml_key(key: Any) -> str:
    key = str(key)
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else _toml_value(key)


def profile_table(profile: Profile) -> list[str]:
    """A user's profile as the ``[profiles.NAME]`` table that defines it."""
    lines = [f"[profiles.{_toml_key(profile.name)}]"]
    base = profile.extends
    if base:
        lines.append(f"extends = {_toml_value(base)}")
    lines.append(f"description = {_toml_value(profile.description)}")
    for key in ("weights", "metrics", "findings"):
        if getattr(profile, key):
            lines.append(f"{key} = {_toml_value(dict(getattr(profile, key)))}")
    if profile.gates:
        lines.append(f"gates = {_toml_value(dict(profile.gates))}")
    return lines


def starter_config(
    report: Any = None,
    *,
    margin: float = 0.05,
    metric_names: list[str] | None = None,
    profile: Profile | None = None,
) -> str:
    """The text of a commented starting ``sdq.toml``.

    Without a report: family thresholds relative to the holdout baseline (``0.9 * baseline``;
    privacy too: on small tables fresh real rows score 0.86-0.97 in privacy, against a holdout
    baseline of about 0.94, and an absolute 0.9 failed a quarter of them), and every other kind of
    threshold shown commented out. With a report made with a holdout: absolute thresholds
    ``margin`` below each family's and each metric's baseline, less the room its noise needs
    (:func:`noise_room`: three standard errors of the gap, read from the report's interval), rounded
    down to 0.01, so that data as good as fresh real rows pass and clearly worse data fail.

    With a ``profile``: ``profile = "NAME"`` and the profile's gates (those on metrics not among
    ``metric_names`` are written commented out), the ``[profiles.NAME]`` table of a user's profile,
    and, with a report, the thresholds measured from it on the targets the profile's gates leave
    free (the profile's gate wins where both set one)."""
    if profile is not None:
        return _profile_config(report, margin=margin, metric_names=metric_names, profile=profile)
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
            'privacy = "0.9*baseline"',
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


def _profile_config(report: Any, *, margin: float, metric_names: list[str] | None, profile: Profile) -> str:
    """:func:`starter_config` with a profile."""
    table, left = profile.gate_table(metric_names)
    for key, value in table.items():  # a profile's gates must read as thresholds
        try:
            threshold_from_value(str(key), value)
        except ConfigError as exc:
            raise ConfigError(f"the gates of profile {profile.name!r}: {exc}") from None
    measured: list[str] = []
    if report is not None:
        text = starter_config(report, margin=margin, metric_names=metric_names)
        measured = text.split("[thresholds]\n", 1)[1].splitlines()
    description = [line.strip() for line in _wrap(profile.description, 96)]
    lines = [
        f"# sdq configuration for the use-case profile {profile.name!r}: `sdq check REAL SYNTHETIC --holdout HOLDOUT`",
        "# reads this file (./sdq.toml). The profile changes no score: it weighs the families and metrics for its",
        "# own score and verdict, shown beside the neutral ones in every report, and says how findings count.",
        "#",
        *(f"# {line}" for line in description),
        "#",
        '# Thresholds: `name = 0.8` (score >= 0.8), `name = "0.9*baseline"` (score >= 0.9 x the holdout\'s),',
        '# `"name:ci_low" = 0.95`, `"metric:*" = "0.8*baseline"`, `findings = "major"` (no major finding, as the',
        "# profile counts findings: a decisive one is major). Without any threshold here, `sdq check` uses the",
        "# profile's own gates.",
        "",
        f"profile = {_toml_value(profile.name)}",
        "",
        "[thresholds]",
        f"# the gates of {profile.name}",
    ]
    for key, value in table.items():
        lines.append(f"{_toml_key(key)} = {_toml_value(value)}")
    for key in left:
        lines.append(
            f"# {_toml_key(key)} = {_toml_value(profile.gates[key])}   "
            "# not written: this installation has no such metric"
        )
    if measured:
        taken = {str(k).strip() for k in table}
        lines.append("")
        lines.append(
            "# measured from the report (see `sdq init --from-report`); where the profile gates the same target,"
        )
        lines.append("# the profile's gate is used and the measured one is left as a comment")
        for line in measured:
            key = (
                line.split("=", 1)[0].strip().strip('"') if "=" in line and not line.lstrip().startswith("#") else None
            )
            lines.append(f"# {line}   # the profile's gate is used" if key in taken else line)
    if not profile.builtin:
        lines.append("")
        lines.extend(profile_table(profile))
    return "\n".join(lines).rstrip() + "\n"


def _wrap(text: str, width: int) -> list[str]:
    import textwrap

    return textwrap.wrap(text, width) or [""]

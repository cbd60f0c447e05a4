"""Thresholds on a report's scores: the gates of a pipeline (``sdq check``, ``Report.check``,
``sdq.testing``).

A :class:`Threshold` names a **target** and a minimum:

- a family: ``fidelity``, ``utility``, ``privacy`` or ``overall`` (the report's ``summary``);
- a metric: any name of :func:`sdq.metric_names`, e.g. ``correlation``;
- a column of a metric with per-column scores (``details["columns"]``), written ``metric:column``,
  e.g. ``histogram_similarity:age`` or ``statistics:income``.

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

Configuration file
------------------
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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping

from sdq.errors import ConfigError
from sdq.result.report import column_entries, entry_scores

__all__ = [
    "Threshold",
    "ThresholdOutcome",
    "CheckResult",
    "parse_thresholds",
    "as_thresholds",
    "load_config",
    "find_config",
    "check",
    "needed_metrics",
    "format_failure",
    "worst_offenders",
    "FAMILY_TARGETS",
    "KINDS",
]

FAMILY_TARGETS = ("fidelity", "utility", "privacy", "overall")
KINDS = ("absolute", "relative", "ci_low")
_ON = {"score": "absolute", "baseline": "relative", "ci_low": "ci_low"}
_TOLERANCE = 1e-12
DEFAULT_HINT = (
    "run `sdq report REAL SYNTHETIC --holdout HOLDOUT` (or report.to_html(path)) for the full report with plots"
)


def _metric_names() -> list[str]:
    from sdq.metrics import names

    return names()


def _num(value: float) -> str:
    """A threshold as written: two decimals, more where they matter (0.80, 0.95, 0.999)."""
    return f"{value:.2f}" if round(value, 2) == value else f"{value:g}"


def _fmt(value: float | None, digits: int = 3) -> str:
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
    """

    target: str
    min: float
    kind: str = "absolute"
    allow_skipped: bool = False

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
        known = _metric_names()
        if metric in FAMILY_TARGETS:
            if column is not None:
                raise ConfigError(
                    f"Threshold {self.target!r}: a family score has no columns; use 'metric:column' with a metric name."
                )
            if self.kind == "ci_low":
                raise ConfigError(
                    f"Threshold {self.target!r}: family scores have no interval; put 'ci_low' thresholds on metrics."
                )
        elif metric not in known:
            raise ConfigError(
                f"Threshold {self.target!r} names an unknown metric or family {metric!r}; "
                f"known: {list(FAMILY_TARGETS) + known}."
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
        if self.kind == "relative":
            return f"{self.target} >= {_num(self.min)} * baseline"
        if self.kind == "ci_low":
            return f"ci_low({self.target}) >= {_num(self.min)}"
        return f"{self.target} >= {_num(self.min)}"

    __str__ = describe


@dataclass
class ThresholdOutcome:
    """What one threshold found in a report.

    ``required`` is the number the checked value had to reach (``min``, or ``min * baseline`` for
    ``relative``); ``value`` the checked value (the score, or the interval's lower end for
    ``ci_low``); ``status`` is ``passed``, ``failed`` or ``skipped`` (``allow_skipped``).
    """

    threshold: Threshold
    score: float | None
    baseline: float | None
    ci: list[float] | None
    required: float | None
    value: float | None
    status: str
    message: str | None = None
    worst: list[str] = field(default_factory=list)

    @property
    def target(self) -> str:
        return self.threshold.target

    @property
    def kind(self) -> str:
        return self.threshold.kind

    @property
    def passed(self) -> bool:
        return self.status != "failed"

    @property
    def shortfall(self) -> float | None:
        """How far the checked value fell below the required one (None if it could not be checked)."""
        if self.value is None or self.required is None:
            return None
        return max(0.0, self.required - self.value)

    def reason(self) -> str:
        if self.message:
            return self.message
        if self.status == "failed":
            return f"{_fmt(self.value)} < {_fmt(self.required)} (short by {_fmt(self.shortfall)})"
        return ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "kind": self.kind,
            "threshold": self.threshold.min,
            "required": self.required,
            "score": self.score,
            "baseline": self.baseline,
            "ci": self.ci,
            "value": self.value,
            "passed": self.passed,
            "status": self.status,
            "message": self.message,
        }


class CheckResult:
    """The outcomes of a list of thresholds on one report; true when every threshold passed."""

    def __init__(self, outcomes: list[ThresholdOutcome], report: Any = None) -> None:
        self.outcomes = list(outcomes)
        self.report = report

    @property
    def passed(self) -> bool:
        return all(o.passed for o in self.outcomes)

    @property
    def failures(self) -> list[ThresholdOutcome]:
        return [o for o in self.outcomes if not o.passed]

    def __bool__(self) -> bool:
        return self.passed

    def __iter__(self):
        return iter(self.outcomes)

    def __len__(self) -> int:
        return len(self.outcomes)

    def __getitem__(self, index: int) -> ThresholdOutcome:
        return self.outcomes[index]

    def __repr__(self) -> str:
        return f"<sdq.CheckResult {len(self.outcomes) - len(self.failures)}/{len(self.outcomes)} passed>"

    def to_dict(self) -> dict[str, Any]:
        from sdq.result.report import json_safe

        return json_safe({"passed": self.passed, "outcomes": [o.to_dict() for o in self.outcomes]})

    # -- text ------------------------------------------------------------------------------------
    def format_table(self) -> str:
        """A compact plain-text table: one line per threshold, then what failed by how much."""
        rows = [
            (
                o.status.upper() if o.status != "passed" else "ok",
                o.threshold.describe(),
                _fmt(o.value),
                _fmt(o.required),
                _fmt(o.baseline),
                o.reason() if o.status != "passed" else "",
            )
            for o in self.outcomes
        ]
        head = ("", "threshold", "value", "required", "baseline", "")
        widths = [max(len(r[i]) for r in rows + [head]) for i in range(5)]
        lines = [
            "  ".join(c.ljust(w) if i in (0, 1) else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths)))
            + ("  " + r[5] if r[5] else "")
            for r in [head] + rows
        ]
        failed = len(self.failures)
        lines.append("")
        lines.append(
            f"{len(self.outcomes) - failed} of {len(self.outcomes)} thresholds passed"
            + (f"; {failed} failed" if failed else "")
        )
        return "\n".join(line.rstrip() for line in lines) + "\n"

    def to_markdown(self) -> str:
        """A Markdown summary (for a pull-request comment or ``$GITHUB_STEP_SUMMARY``)."""
        failed = len(self.failures)
        title = "all thresholds passed" if not failed else f"{failed} of {len(self.outcomes)} thresholds failed"
        lines = [
            f"### sdq check: {title}",
            "",
            "| | threshold | score | required | baseline | interval | note |",
            "| --- | --- | ---: | ---: | ---: | --- | --- |",
        ]
        icons = {"passed": "✅", "failed": "❌", "skipped": "⚠️"}
        for o in self.outcomes:
            interval = f"{o.ci[0]:.3f}–{o.ci[1]:.3f}" if o.ci else "—"
            note = o.reason().replace("|", "\\|") if o.status != "passed" else ""
            lines.append(
                f"| {icons[o.status]} | `{o.threshold.describe()}` | {_fmt(o.value)} | "
                f"{_fmt(o.required)} | {_fmt(o.baseline)} | {interval} | {note} |"
            )
        return "\n".join(lines) + "\n"

    def to_junit(self) -> str:
        """JUnit XML: one ``<testcase>`` per threshold in one ``<testsuite name="sdq">``."""
        import xml.etree.ElementTree as ET

        failures = self.failures
        suite = ET.Element(
            "testsuite",
            name="sdq",
            tests=str(len(self.outcomes)),
            failures=str(len(failures)),
            errors="0",
            skipped=str(sum(o.status == "skipped" for o in self.outcomes)),
        )
        for o in self.outcomes:
            family = o.threshold.metric
            if family not in FAMILY_TARGETS:
                from sdq.metrics import get

                family = get(family).family
            case = ET.SubElement(suite, "testcase", classname=f"sdq.{family}", name=o.threshold.describe(), time="0")
            numbers = (
                f"score={_fmt(o.score)} threshold={o.threshold.min:.3f} required={_fmt(o.required)} "
                f"baseline={_fmt(o.baseline)} interval=" + (f"{o.ci[0]:.3f}-{o.ci[1]:.3f}" if o.ci else "—")
            )
            if o.status == "failed":
                failure = ET.SubElement(
                    case,
                    "failure",
                    type="threshold",
                    message=f"{o.threshold.describe()} failed: {o.reason()}; {numbers}",
                )
                failure.text = format_failure([o], hint=None)
            elif o.status == "skipped":
                ET.SubElement(case, "skipped", message=o.reason())
            else:
                out = ET.SubElement(case, "system-out")
                out.text = numbers
        ET.indent(suite)
        return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(suite, encoding="unicode") + "\n"

    def raise_for_failures(self, hint: str | None = DEFAULT_HINT) -> None:
        """Raise an ``AssertionError`` with :func:`format_failure`'s message if any threshold failed."""
        __tracebackhide__ = True
        if not self.passed:
            error = AssertionError(format_failure(self.failures, total=len(self.outcomes), hint=hint))
            error.report = self.report  # type: ignore[attr-defined]
            raise error


# -- parsing ---------------------------------------------------------------------------------------
_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_RELATIVE = re.compile(rf"^\s*({_NUMBER})\s*\*\s*baseline\s*$|^\s*baseline\s*\*\s*({_NUMBER})\s*$")
_CI_CALL = re.compile(r"^\s*ci_low\s*\(\s*(.+?)\s*\)\s*$")


def _number(text: str, target: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise ConfigError(
            f"The value of threshold {target!r} must be a number in [0, 1] or "
            f"'<factor>*baseline'. Got {text.strip()!r} instead."
        ) from None


def _split_target(key: str) -> tuple[str, str]:
    """``ci_low(x)`` and ``x:ci_low`` -> (``x``, ``ci_low``); anything else -> (key, ``absolute``)."""
    key = key.strip()
    call = _CI_CALL.match(key)
    if call:
        return call.group(1), "ci_low"
    if key.endswith(":ci_low"):
        return key[: -len(":ci_low")], "ci_low"
    return key, "absolute"


def _from_value(key: str, value: Any) -> Threshold:
    target, kind = _split_target(key)
    allow_skipped = False
    if isinstance(value, Mapping):
        unknown = sorted(set(value) - {"min", "on", "allow_skipped"})
        if unknown:
            raise ConfigError(
                f"Threshold {key!r} has unknown key(s) {unknown}; allowed: ['min', 'on', 'allow_skipped']."
            )
        if "min" not in value:
            raise ConfigError(f"Threshold {key!r} needs a 'min' value.")
        on = value.get("on", "score")
        if on not in _ON:
            raise ConfigError(f"The 'on' of threshold {key!r} must be one of {list(_ON)}. Got {on!r} instead.")
        if on != "score":
            kind = _ON[on]
        allow_skipped = value.get("allow_skipped", False)
        if not isinstance(allow_skipped, bool):
            raise ConfigError(
                f"The 'allow_skipped' of threshold {key!r} must be true or false. Got {allow_skipped!r} instead."
            )
        value = value["min"]
    if isinstance(value, str):
        relative = _RELATIVE.match(value)
        if relative:
            if kind == "ci_low":
                raise ConfigError(f"Threshold {key!r}: a 'ci_low' threshold cannot be relative to the baseline.")
            kind, value = "relative", float(relative.group(1) or relative.group(2))
        else:
            value = _number(value, key)
    return Threshold(target, value, kind, allow_skipped)


def parse_thresholds(spec: str) -> list[Threshold]:
    """Thresholds from text such as ``fidelity=0.8,correlation=0.9*baseline,exact_match:ci_low=0.95``.

    Examples
    --------
    >>> [t.describe() for t in parse_thresholds("fidelity=0.8, correlation>=0.9*baseline")]
    ['fidelity >= 0.80', 'correlation >= 0.90 * baseline']
    """
    thresholds = []
    for item in spec.split(","):
        if not item.strip():
            continue
        match = re.match(r"^(.+?)\s*(>=|=)\s*(.+)$", item.strip())
        if not match:
            raise ConfigError(
                f"Cannot read threshold {item.strip()!r}: expected TARGET=VALUE, e.g. "
                f"'fidelity=0.8', 'correlation=0.9*baseline' or 'exact_match:ci_low=0.95'."
            )
        thresholds.append(_from_value(match.group(1), match.group(3)))
    if not thresholds:
        raise ConfigError(f"No threshold in {spec!r}: expected e.g. 'fidelity=0.8,privacy=0.9'.")
    return thresholds


def as_thresholds(thresholds: Any) -> list[Threshold]:
    """Thresholds from a :class:`Threshold`, a string, a mapping (the TOML table's shape) or a list of those."""
    if isinstance(thresholds, Threshold):
        return [thresholds]
    if isinstance(thresholds, str):
        return parse_thresholds(thresholds)
    if isinstance(thresholds, Mapping):
        return [_from_value(str(k), v) for k, v in thresholds.items()]
    if isinstance(thresholds, Iterable):
        out: list[Threshold] = []
        for item in thresholds:
            out.extend(as_thresholds(item))
        return out
    raise ConfigError(
        f"Thresholds must be a Threshold, a string, a mapping or a list of those. "
        f"Got {type(thresholds).__name__} instead."
    )


# -- configuration files ---------------------------------------------------------------------------
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
    unknown = sorted(set(section) - {"thresholds"})
    if unknown:
        raise ConfigError(f"{path}: unknown key(s) {unknown} in {where}; allowed: ['thresholds']")
    table = section.get("thresholds", {})
    if not isinstance(table, Mapping):
        raise ConfigError(f"{path}: 'thresholds' must be a table of TARGET = VALUE")
    try:
        return [_from_value(str(k), v) for k, v in table.items()]
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}") from None


# -- checking --------------------------------------------------------------------------------------
def _column_entry(details: dict, column: str) -> tuple[dict | None, bool]:
    entries = [c for c in column_entries(details) if "score" in c]
    for entry in entries:
        if str(entry["column"]) == column:
            return entry, True
    return None, bool(entries)


def worst_offenders(result: Any, n: int = 3) -> list[str]:
    """Lines naming the lowest-scoring columns and pairs of a metric result, with their numbers."""
    details = getattr(result, "details", None) or {}
    lines = []
    scored = [(c["column"], *entry_scores(c)) for c in column_entries(details)]
    scored = [s for s in scored if isinstance(s[1], (int, float))]
    if scored:
        scored.sort(key=lambda s: s[1])
        lines.append(
            "worst columns: "
            + "; ".join(
                f"{name} {score:.3f}" + (f" (baseline {base:.3f})" if isinstance(base, (int, float)) else "")
                for name, score, base in scored[:n]
            )
        )
    pairs = [p for p in details.get("pairs") or [] if isinstance(p, dict) and "similarity" in p]
    if pairs:
        pairs = sorted(pairs, key=lambda p: p["similarity"])[:n]
        lines.append(
            "worst pairs: "
            + "; ".join(
                f"({', '.join(map(str, p.get('columns', [])))}) real={_fmt(p.get('real'))} "
                f"synthetic={_fmt(p.get('synthetic'))} similarity={_fmt(p.get('similarity'))}"
                for p in pairs
            )
        )
    return lines


def _family_worst(report: Any, family: str, n: int = 3) -> list[str]:
    ran = [
        r
        for r in report.metrics
        if r.status == "ok" and r.score is not None and (family == "overall" or r.family == family)
    ]
    if not ran:
        return []
    ran.sort(key=lambda r: r.score)
    lines = [
        "worst metrics: "
        + "; ".join(
            f"{r.name} {r.score:.3f}" + (f" (baseline {r.baseline:.3f})" if r.baseline is not None else "")
            for r in ran[:n]
        )
    ]
    return lines + [f"{ran[0].name}: {line}" for line in worst_offenders(ran[0], n)]


def _outcome(report: Any, t: Threshold) -> ThresholdOutcome:
    score = baseline = None
    ci = None
    problem = None
    worst: list[str] = []
    if t.metric in FAMILY_TARGETS:
        score, baseline = report.summary.get(t.metric), report.summary_baseline.get(t.metric)
        if score is None:
            problem = f"no {t.metric} metric ran" if t.metric != "overall" else "no metric ran"
        worst = _family_worst(report, t.metric)
    else:
        results = [r for r in report.metrics if r.name == t.metric]
        if not results:
            problem = f"metric {t.metric!r} was not run"
        elif results[0].status != "ok":
            r = results[0]
            problem = f"metric {t.metric!r} {'was skipped' if r.status == 'skipped' else 'failed'}: {r.message}"
        else:
            r = results[0]
            if t.column is None:
                score, baseline, ci = r.score, r.baseline, r.ci
                worst = worst_offenders(r)
            else:
                entry, has_columns = _column_entry(r.details, t.column)
                if not has_columns:
                    problem = f"metric {t.metric!r} has no per-column scores"
                elif entry is None:
                    problem = f"metric {t.metric!r} has no score for column {t.column!r}"
                else:
                    score, baseline = entry_scores(entry)
                    worst = worst_offenders(r)
                    if score is None:
                        problem = f"column {t.column!r} of {t.metric!r} has no score" + (
                            f": {entry['note']}" if entry.get("note") else ""
                        )
    required = value = None
    if problem is None:
        if t.kind == "absolute":
            required, value = t.min, score
        elif t.kind == "relative":
            if baseline is None:
                problem = f"{t.target} has no holdout baseline (was a holdout given?)"
            else:
                required, value = t.min * baseline, score
        else:
            if not ci:
                problem = f"{t.target} has no interval"
            else:
                required, value = t.min, ci[0]
    if problem is not None:
        status = "skipped" if t.allow_skipped else "failed"
        return ThresholdOutcome(t, score, baseline, ci, required, value, status, problem, worst)
    passed = value >= required - _TOLERANCE
    return ThresholdOutcome(t, score, baseline, ci, required, value, "passed" if passed else "failed", None, worst)


def needed_metrics(thresholds: Any) -> list[str]:
    """The metrics whose results the thresholds read (a family needs all of its metrics)."""
    from sdq.metrics import names

    needed: list[str] = []
    for t in as_thresholds(thresholds):
        if t.metric == "overall":
            needed.extend(names())
        elif t.metric in FAMILY_TARGETS:
            needed.extend(names(t.metric))
        else:
            needed.append(t.metric)
    return list(dict.fromkeys(needed))


def starter_config(report: Any = None, *, margin: float = 0.05) -> str:
    """The text of a commented starting ``sdq.toml``.

    Without a report: family thresholds relative to the holdout baseline (``0.9 * baseline``;
    privacy absolute, since its baseline is the holdout's own near-perfect score), and every other
    kind of threshold shown commented out. With a report made with a holdout: absolute thresholds
    ``margin`` below each family's and each metric's baseline (rounded down to 0.01), so that data
    as good as fresh real rows pass and clearly worse data fail."""
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
        "#   name = { min = 0.7, allow_skipped = true }   pass when the metric did not run",
        "#",
        "# Names: the families fidelity, utility, privacy, overall, and the metrics",
        "#   " + ", ".join(_metric_names()),
        "",
        "[thresholds]",
    ]
    if report is None:
        lines += [
            'fidelity = "0.9*baseline"',
            'utility = { min = 0.8, on = "baseline", allow_skipped = true }   # skipped without a target',
            "privacy = 0.9",
            "",
            "# more, for example:",
            '# correlation = "0.9*baseline"',
            '# "exact_match:ci_low" = 0.95',
            '# "histogram_similarity:age" = 0.9',
        ]
        return "\n".join(lines) + "\n"
    if not 0 <= margin < 1:
        raise ConfigError(f"margin must be in [0, 1). Got {margin!r} instead.")
    # rounded before the floor: 0.96 - 0.05 is 0.9099999999999999 in floating point
    floor = lambda v: math.floor(round(max(0.0, v - margin) * 100, 9)) / 100  # noqa: E731
    base = report.summary_baseline
    if all(base.get(f) is None for f in FAMILY_TARGETS):
        raise ConfigError(
            "the report has no holdout baselines (it was made without a holdout); "
            "run it with a holdout, or start without --from-report"
        )
    lines.append(
        f"# {margin:g} below the holdout baselines of the report made on "
        f"{(getattr(report, 'manifest', None) or {}).get('created', 'an unknown date')}"
    )
    for family in ("fidelity", "utility", "privacy", "overall"):
        if base.get(family) is not None:
            lines.append(f"{family} = {floor(base[family]):.2f}   # baseline {base[family]:.3f}")
    lines.append("")
    lines.append("# each metric (delete what you do not want to gate on)")
    for r in report.metrics:
        if r.status == "ok" and r.baseline is not None:
            score = f", this report's score {r.score:.3f}" if r.score is not None else ""
            lines.append(f"{r.name} = {floor(r.baseline):.2f}   # baseline {r.baseline:.3f}{score}")
    return "\n".join(lines) + "\n"


def check(report: Any, thresholds: Any) -> CheckResult:
    """Check thresholds (anything :func:`as_thresholds` takes) against a report."""
    items = as_thresholds(thresholds)
    return CheckResult([_outcome(report, t) for t in items], report=report)


# -- the one formatter of failure messages ----------------------------------------------------------
def format_failure(
    outcomes: list[ThresholdOutcome] | None = None,
    *,
    total: int | None = None,
    hint: str | None = DEFAULT_HINT,
    title: str | None = None,
    fields: list[tuple[str, str]] | None = None,
    worst: list[str] | None = None,
) -> str:
    """The message of every sdq assertion: a summary line, aligned ``[score] / [threshold] /
    [baseline] / [interval]`` fields, the worst columns or pairs with their numbers, and a hint.

    Either ``outcomes`` (failed thresholds) or ``title`` + ``fields`` (+ ``worst``) for checks that
    are not thresholds on a score (e.g. a maximum share of copied rows).
    """
    blocks: list[tuple[str, list[tuple[str, str]], list[str]]] = []
    for o in outcomes or []:
        line = f"{o.threshold.describe()} failed: {o.reason()}"
        if o.kind == "relative":
            threshold = f"{_num(o.threshold.min)} * baseline" + (
                f" = {_fmt(o.required)}" if o.required is not None else ""
            )
        else:
            threshold = _fmt(o.threshold.min)
        f = [("score", _fmt(o.score)), ("threshold", threshold)]
        if o.kind == "ci_low":
            f.append(("ci_low", _fmt(o.value)))
        f.append(("baseline", _fmt(o.baseline)))
        f.append(("interval", f"{o.ci[0]:.3f}-{o.ci[1]:.3f}" if o.ci else "—"))
        blocks.append((line, f, list(o.worst)))
    if title is not None:
        blocks.append((title, fields or [], list(worst or [])))
    n = len(outcomes or [])
    lines = []
    if outcomes and (n > 1 or (total or 0) > 1):
        lines.append(f"sdq: {n} of {total or n} thresholds failed")
    for line, f, w in blocks:
        lines.append(line)
        if f:
            lines.append("  " + "   ".join(f"[{label}]: {value}" for label, value in f))
        lines.extend(f"  {item}" for item in w)
    if hint:
        lines.append(f"hint: {hint}")
    return "\n".join(lines)

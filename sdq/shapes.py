"""The shapes of a metric's ``details``: the contract between the metrics and every face.

A metric declares the shape of its details when it registers (``@sdq.metric(..., shape=...)``).
The shape travels with the result (``about.shape`` in the report's JSON), and every face reads
``details`` through it, never by the metric's name: the HTML report chooses figures and tables by
shape, the gates find per-column scores and worst offenders through it, and so do
``to_frame("columns" | "pairs")``, the comparison page and the assertion messages. A new metric of
a known shape therefore gets its card, figures and tables with no renderer edit, and a metric
whose details stop matching its declared shape becomes an ``error`` in the report that says what
is wrong, instead of a figure that silently disappears.

=====================  ============================================================  ===========================
shape                  what ``details`` holds (required keys; more are allowed)      built-in metrics
=====================  ============================================================  ===========================
``scalars``            any JSON mapping: shown as a table of its numbers              (the fallback)
``per_column``         ``columns``: one entry per column with ``column``, ``score``  detection
                       (and ``baseline``)
``column_statistics``  per_column, each entry with ``stats`` per data set,           statistics
                       ``score``, ``baseline``, ``se``; ``validity``
``distributions``      per_column, each entry with ``labels`` (bins) and the share    histogram_similarity,
                       of rows per bin in ``real``, ``synthetic`` (``holdout``)        first_differences,
                                                                                      tails
``series``             per_column, each entry with ``real``, ``synthetic``            autocorrelation,
                       (``holdout``) values at lags 1..L and a ``band``;               partial_autocorrelation,
                       named positions (``labels``), a ``spread`` per data set        seasonal_profile
``rule_checks``        per_column, one entry per rule (``column``: its name) with     rules
                       ``shares`` per data set, ``violations``, ``examples``
``histogram``          ``histogram``: one distribution (``labels``, shares)           sequence_length
``pairwise``           ``columns``, ``matrices`` per data set, the worst ``pairs``    mutual_information,
                       and ``column_scores``                                          correlation
``models``             ``models``: per model kind, scores of models trained on real   prediction
                       (``trtr``) and synthetic (``tstr``) rows and their ``ratio``
``rankings``           ``features`` and, per model, each data set's ``importance``    feature_importance
                       and ``ranking``
``query_errors``       ``error_bins``, ``error_counts`` per data set, ``worst``        qscore
``distances``          ``dcr_bins``, ``dcr_counts`` per data set, ``threshold``        neighbours_privacy
``attacks``            ``attacks``: per attack its ``auc`` and ``roc`` curve           membership_inference
``shares``             one share among synthetic rows and the same among holdout       exact_match,
                       rows, under keys the shape names                               outlier_privacy,
                                                                                      sensitive_match
``risks``              ``risks``: per attack, its success rate on training rows       singling_out,
                       (main) and on holdout rows (control), the risk and its         linkability
                       interval (and a naive attacker's rate)
=====================  ============================================================  ===========================

Each shape documents its keys (:meth:`Shape.describe`), lists what is wrong with a given
``details`` (:meth:`Shape.problems`, :meth:`Shape.validate`), and gives the faces what they read
(:meth:`Shape.column_scores`, :meth:`Shape.pairs`, :meth:`Shape.matrices`). The accessors are
lenient: a malformed part is left out, never an exception, so a hand-made or damaged report
still renders.

This module sits below both the metrics (which declare shapes) and the faces (which read them),
so neither imports the other.
"""

from __future__ import annotations

import math
from typing import Any, Iterator, Mapping, NamedTuple

from sdq.errors import MetricError

__all__ = [
    "Shape",
    "ColumnScore",
    "SHAPES",
    "DATASETS",
    "get",
    "as_shape",
    "from_dict",
    "infer",
    "Scalars",
    "PerColumn",
    "ColumnStatistics",
    "Distributions",
    "Series",
    "RuleChecks",
    "Histogram",
    "Pairwise",
    "Models",
    "Rankings",
    "QueryErrors",
    "Distances",
    "Attacks",
    "Shares",
    "Risks",
]

#: The data sets a detail may be given for.
DATASETS = ("real", "holdout", "synthetic")


# -- the forms of JSON values ---------------------------------------------------------------------
def _what(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, Mapping):
        return "a mapping"
    return f"a {type(value).__name__}"


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


class Value:
    """The expected form of a JSON value: ``text`` describes one, ``plural`` several, and
    :meth:`problems` lists what is wrong with a given value."""

    text, plural = "anything", "anything"

    def problems(self, value: Any, path: str) -> Iterator[str]:
        return iter(())


class Number(Value):
    def __init__(self, nullable: bool = True) -> None:
        self.nullable = nullable
        self.text, self.plural = ("a number or null", "numbers or nulls") if nullable else ("a number", "numbers")

    def problems(self, value: Any, path: str) -> Iterator[str]:
        if value is None and self.nullable:
            return
        if _float(value) is None:
            yield f"{path}: expected {self.text}, got {_what(value)}"


class Text(Value):
    text, plural = "a string", "strings"

    def problems(self, value: Any, path: str) -> Iterator[str]:
        if not isinstance(value, str):
            yield f"{path}: expected a string, got {_what(value)}"


class Flag(Value):
    text, plural = "true or false", "booleans"

    def problems(self, value: Any, path: str) -> Iterator[str]:
        if not isinstance(value, bool):
            yield f"{path}: expected true or false, got {_what(value)}"


class ListOf(Value):
    def __init__(self, item: Value) -> None:
        self.item = item
        self.text, self.plural = f"a list of {item.plural}", f"lists of {item.plural}"

    def problems(self, value: Any, path: str) -> Iterator[str]:
        if not isinstance(value, (list, tuple)):
            yield f"{path}: expected {self.text}, got {_what(value)}"
            return
        if isinstance(self.item, Number):  # long lists of numbers (matrices, curves): a quick pass first
            nullable = self.item.nullable
            if all((v is None and nullable) or _float(v) is not None for v in value):
                return
        for i, item in enumerate(value):
            yield from self.item.problems(item, f"{path}[{i}]")


class MapOf(Value):
    """A mapping with string keys; ``keys``, when given, are the only keys allowed."""

    def __init__(self, value: Value, keys: tuple[str, ...] | None = None) -> None:
        self.value, self.keys = value, keys
        what = f"{' / '.join(keys)}" if keys else "names"
        self.text, self.plural = f"a mapping of {what} to {value.plural}", f"mappings of {what} to {value.plural}"

    def problems(self, value: Any, path: str) -> Iterator[str]:
        if not isinstance(value, Mapping):
            yield f"{path}: expected {self.text}, got {_what(value)}"
            return
        for key, item in value.items():
            if self.keys is not None and key not in self.keys:
                yield f"{path}.{key}: unexpected key (allowed: {', '.join(self.keys)})"
            yield from self.value.problems(item, f"{path}.{key}")


class Field(NamedTuple):
    """One key of a mapping: its name, the form of its value, what it means, and whether it must be there."""

    name: str
    value: Value
    doc: str
    required: bool = True


class Record(Value):
    """A mapping with known keys (more keys are allowed)."""

    def __init__(self, *fields: Field) -> None:
        self.fields = fields
        keys = ", ".join(f.name for f in fields if f.required) or "optional keys"
        self.text, self.plural = f"a mapping with {keys}", f"mappings with {keys}"

    def problems(self, value: Any, path: str) -> Iterator[str]:
        if not isinstance(value, Mapping):
            yield f"{path or 'details'}: expected {self.text}, got {_what(value)}"
            return
        for f in self.fields:
            where = f"{path}.{f.name}" if path else f.name
            if f.name not in value:
                if f.required:
                    yield f"{where}: missing ({f.doc})"
                continue
            yield from f.value.problems(value[f.name], where)


class Either(Value):
    def __init__(self, *options: Value) -> None:
        self.options = options
        self.text, self.plural = " or ".join(o.text for o in options), " or ".join(o.plural for o in options)

    def problems(self, value: Any, path: str) -> Iterator[str]:
        found = [list(o.problems(value, path)) for o in self.options]
        if all(found):
            yield f"{path}: expected {self.text}, got {_what(value)}"


SCORE = Number()
SERIES = ListOf(Number())
PER_DATASET = MapOf(Value(), DATASETS)


def _numbers(value: Any) -> list:
    return list(value) if isinstance(value, (list, tuple)) else []


def _float(value: Any) -> float | None:
    """``value`` as a finite float, else None."""
    if not _is_number(value):
        return None
    try:
        number = float(value)
    except OverflowError:  # an int beyond the float range
        return None
    return number if math.isfinite(number) else None


# -- shapes ---------------------------------------------------------------------------------------
class ColumnScore(NamedTuple):
    """One column's score in a metric: the synthetic data's, the holdout's (None where there is
    none), the note that says why a column has no score, and the standard error of the synthetic
    score where the metric gives one (findings test the gap to the baseline with it)."""

    column: str
    score: float | None
    baseline: float | None
    note: str | None = None
    se: float | None = None


class Shape:
    """The shape of a metric's details. Subclasses declare their keys (:meth:`fields`), check the
    relations between them (:meth:`_relations`) and give the faces what they read."""

    #: The shape's name, as written in the report and used by the renderers.
    name = "scalars"
    #: One line: what the details of this shape hold.
    summary = "any JSON mapping; the report shows a table of its numbers"

    def fields(self) -> tuple[Field, ...]:
        """The keys of ``details`` this shape defines."""
        return ()

    def options(self) -> dict[str, Any]:
        """The shape's options (how its figures are labelled, which keys hold what), as written in the report."""
        return {}

    # -- identity ----------------------------------------------------------------------------------
    @property
    def lineage(self) -> tuple[str, ...]:
        """This shape's name, then the names of the shapes it refines (most specific first)."""
        return tuple(
            dict.fromkeys(
                vars(c)["name"] for c in type(self).__mro__ if isinstance(c, type) and "name" in vars(c)
            ).keys()
        )

    def is_a(self, name: str) -> bool:
        """True if this shape is ``name`` or refines it."""
        return name in self.lineage

    @property
    def known(self) -> bool:
        """False for a shape this version of sdq does not know (read from a newer report)."""
        return True

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, **self.options()}

    def __eq__(self, other: Any) -> bool:
        return isinstance(other, Shape) and self.to_dict() == other.to_dict()

    def __hash__(self) -> int:
        return hash((self.name, tuple(sorted((k, repr(v)) for k, v in self.options().items()))))

    def __repr__(self) -> str:
        options = ", ".join(f"{k}={v!r}" for k, v in self.options().items())
        return f"{type(self).__name__}({options})"

    # -- checking ----------------------------------------------------------------------------------
    def problems(self, details: Any) -> list[str]:
        """What is wrong with ``details`` for this shape (an empty list when nothing is)."""
        if not isinstance(details, Mapping):
            return [f"details: expected a mapping, got {_what(details)}"]
        found = list(Record(*self.fields()).problems(details, ""))
        return found or list(self._relations(details))

    def _relations(self, details: Mapping[str, Any]) -> Iterator[str]:
        """Problems between keys (lengths that must agree), checked once every key has its form."""
        return iter(())

    def validate(self, details: Any) -> None:
        """Raise :class:`~sdq.errors.MetricError` naming every problem of ``details`` (at most 5)."""
        found = self.problems(details)
        if found:
            more = f"; and {len(found) - 5} more" if len(found) > 5 else ""
            raise MetricError(f"details do not match the shape {self.name!r}: " + "; ".join(found[:5]) + more)

    def describe(self) -> str:
        """The shape's keys, one per line, with what each holds (nested keys indented)."""
        lines = [f"{self.name}: {self.summary}"]

        def walk(fields: tuple[Field, ...], indent: str) -> None:
            for f in fields:
                optional = "" if f.required else " (optional)"
                lines.append(f"{indent}{f.name}{optional}: {f.value.text}; {f.doc}")
                inner = f.value.item if isinstance(f.value, ListOf) else f.value
                inner = inner.value if isinstance(inner, MapOf) else inner
                if isinstance(inner, Record):
                    walk(inner.fields, indent + "  ")

        walk(self.fields(), "  ")
        return "\n".join(lines)

    # -- what the faces read -----------------------------------------------------------------------
    def column_scores(self, details: Any) -> list[ColumnScore]:
        """Per-column scores, in the order of ``details`` (none for shapes without columns)."""
        return []

    def pairs(self, details: Any) -> list[Mapping[str, Any]]:
        """The scored pairs listed in ``details`` (each with ``columns``, ``real``, ``synthetic``,
        ``similarity``, ...), worst first; none for shapes without pairs."""
        return []

    def matrices(self, details: Any) -> tuple[list[str], dict[str, list]] | None:
        """Column labels and one square matrix per data set, for shapes with pairwise matrices."""
        return None


class Scalars(Shape):
    """Any JSON mapping: the report shows every number in it in a table (no figure)."""


class _Unknown(Shape):
    """A shape named in a report that this version of sdq does not know: read as :func:`infer`
    reads undeclared details, and written back as it came."""

    def __init__(self, name: str, options: Mapping[str, Any]) -> None:
        self.name, self._options = str(name), dict(options)
        self.summary = "a shape this version of sdq does not know"

    def options(self) -> dict[str, Any]:
        return dict(self._options)

    @property
    def lineage(self) -> tuple[str, ...]:
        return (self.name,)

    @property
    def known(self) -> bool:
        return False

    def problems(self, details: Any) -> list[str]:
        return [] if isinstance(details, Mapping) else [f"details: expected a mapping, got {_what(details)}"]


def _entry_scores(entry: Mapping[str, Any]) -> tuple[float | None, float | None]:
    score = entry.get("score")
    if isinstance(score, Mapping):
        return _float(score.get("synthetic")), _float(score.get("holdout"))
    return _float(score), _float(entry.get("baseline"))


class PerColumn(Shape):
    """``columns``: one entry per scored column; the figure shows each column's score beside its
    holdout baseline, and gates can name a column (``metric:column``)."""

    name = "per_column"
    summary = "one entry per column, each with its score (and the holdout's)"

    def entry_fields(self) -> tuple[Field, ...]:
        return (
            Field("column", Text(), "the column's name, as in the report's data.columns"),
            Field(
                "score",
                Either(Number(), Record(Field("synthetic", Number(), "the synthetic data's score"))),
                "the column's score in [0, 1] (null where it could not be scored: then say why in note); "
                "or a mapping {synthetic, holdout} of both scores",
            ),
            Field("baseline", Number(), "the holdout's score of the column", required=False),
            Field("se", Number(), "the standard error of the column's synthetic score", required=False),
            Field("note", Text(), "why the column has no score, or a caveat", required=False),
        )

    def fields(self) -> tuple[Field, ...]:
        return (Field("columns", ListOf(Record(*self.entry_fields())), "one entry per column"),)

    def _entries(self, details: Any) -> list[Mapping[str, Any]]:
        entries = details.get("columns") if isinstance(details, Mapping) else None
        return [e for e in _numbers(entries) if isinstance(e, Mapping) and "column" in e]

    def column_scores(self, details: Any) -> list[ColumnScore]:
        out = []
        for entry in self._entries(details):
            note = entry.get("note")
            out.append(
                ColumnScore(
                    str(entry["column"]),
                    *_entry_scores(entry),
                    note if isinstance(note, str) else None,
                    _float(entry.get("se")),
                )
            )
        return out

    def _scored(self, details: Mapping[str, Any]) -> Iterator[tuple[int, Mapping[str, Any]]]:
        """The entries that have a score (those without one need only column, score and note)."""
        for i, entry in enumerate(details["columns"]):
            if _entry_scores(entry)[0] is not None:
                yield i, entry


class ColumnStatistics(PerColumn):
    """Summary statistics per column, side by side for every data set, with the agreement of each
    statistic; ``validity`` counts missing, out-of-range and unseen values per column."""

    name = "column_statistics"
    summary = "per column: summary statistics per data set, their agreements and the column's scores"

    def entry_fields(self) -> tuple[Field, ...]:
        return (
            Field("column", Text(), "the column's name"),
            Field("kind", Text(), "the column's kind (numeric, categorical, ...)", required=False),
            Field(
                "score",
                Either(
                    Number(),
                    Record(
                        Field("synthetic", Number(), "the synthetic data's score of the column"),
                        Field("holdout", Number(), "the holdout's score of the column", required=False),
                    ),
                ),
                "the synthetic data's score of the column in [0, 1] (reports written before sdq gave "
                "baseline and se: a mapping {synthetic, holdout} of both scores)",
            ),
            Field("baseline", Number(), "the holdout's score of the column", required=False),
            Field(
                "se",
                Number(),
                "the standard error of the column's synthetic score (null where it was not estimated)",
                required=False,
            ),
            Field("stats", MapOf(MapOf(Value()), DATASETS), "statistic name -> value, per data set"),
            Field(
                "agreement",
                MapOf(MapOf(Number()), ("synthetic", "holdout")),
                "statistic name -> agreement in [0, 1] with the real value, per data set",
                required=False,
            ),
            Field(
                "aspects",
                MapOf(MapOf(Number()), ("synthetic", "holdout")),
                "aspect (location, spread, shares, ...) -> agreement in [0, 1], per data set",
                required=False,
            ),
        )

    def fields(self) -> tuple[Field, ...]:
        return super().fields() + (
            Field(
                "validity",
                MapOf(MapOf(MapOf(Value())), ("synthetic", "holdout")),
                "per data set and column: missing_rate, below_range, above_range, unseen_values, invalid",
                required=False,
            ),
        )


class Distributions(PerColumn):
    """Per column, its distribution on bins shared by every data set: the figure draws them over
    each other (intervals ``[a, b)`` as a histogram, other bins as bars)."""

    name = "distributions"
    summary = "per column: the share of rows in each shared bin, per data set, and the column's score"

    def entry_fields(self) -> tuple[Field, ...]:
        return super().entry_fields() + (
            Field("labels", ListOf(Text()), "the bins: intervals '[a, b)', categories or values", required=False),
            Field("real", SERIES, "the share of real rows in each bin (required with a score)", required=False),
            Field("synthetic", SERIES, "the share of synthetic rows in each bin", required=False),
            Field("holdout", SERIES, "the share of holdout rows in each bin", required=False),
        )

    def _relations(self, details: Mapping[str, Any]) -> Iterator[str]:
        for i, entry in self._scored(details):
            for key in ("labels", "real", "synthetic"):
                if key not in entry:
                    yield f"columns[{i}].{key}: missing (an entry with a score needs labels, real and synthetic)"
            n = len(_numbers(entry.get("labels")))
            for key in ("real", "synthetic", "holdout"):
                if key in entry and len(_numbers(entry[key])) != n:
                    yield f"columns[{i}].{key}: {len(_numbers(entry[key]))} shares for {n} labels"


class Series(PerColumn):
    """Per column, a value at each lag 1..L for every data set (e.g. an autocorrelation
    function), with the real data's band of noise around 0. The positions may have names
    (``labels``: months, weekdays, ranges of rows), and a second value per position may be given
    for each data set (``spread``), drawn below the first."""

    name = "series"
    summary = (
        "per column: values at lags 1..L (or named positions) per data set, the band of noise, and the column's score"
    )

    def __init__(self, measure: str = "value", axis: str = "lag") -> None:
        self.measure, self.axis = _option("measure", measure, str), _option("axis", axis, str)

    def options(self) -> dict[str, Any]:
        return {"measure": self.measure, "axis": self.axis}

    def entry_fields(self) -> tuple[Field, ...]:
        return super().entry_fields() + (
            Field("real", SERIES, "the real value at lags 1..L (required with a score)", required=False),
            Field("synthetic", SERIES, "the synthetic value at each lag", required=False),
            Field("holdout", SERIES, "the holdout's value at each lag", required=False),
            Field("band", Number(), "half-width of the real data's 95% band around 0", required=False),
            Field("significant", ListOf(Flag()), "lags where the real value is outside the band", required=False),
            Field("labels", ListOf(Text()), "names of the positions (default: lags 1..L)", required=False),
            Field(
                "spread",
                MapOf(SERIES, DATASETS),
                "a second value at each position per data set (e.g. the spread around the first)",
                required=False,
            ),
        )

    def _relations(self, details: Mapping[str, Any]) -> Iterator[str]:
        for i, entry in self._scored(details):
            for key in ("real", "synthetic"):
                if key not in entry:
                    yield f"columns[{i}].{key}: missing (an entry with a score needs real and synthetic)"
            n = len(_numbers(entry.get("real")))
            for key in ("synthetic", "holdout", "significant", "labels"):
                if key in entry and len(_numbers(entry[key])) != n:
                    yield f"columns[{i}].{key}: {len(_numbers(entry[key]))} values for {n} lags"
            for key, values in (entry.get("spread") or {}).items():
                if len(_numbers(values)) != n:
                    yield f"columns[{i}].spread.{key}: {len(_numbers(values))} values for {n} lags"


class RuleChecks(PerColumn):
    """Per rule (an entry of ``columns`` whose ``column`` is the rule's name), the share of the rows
    it applies to that keep it in each data set, the violations, and the rule's score beside the
    holdout's; the figure shows the shares side by side, the tables the rules and a few violating
    synthetic rows. Rules the real data itself breaks have no score (their ``note`` says why).
    Faces that do not know this shape read it as ``per_column`` (a score per rule)."""

    name = "rule_checks"
    summary = "per rule: the share of rows that keep it in each data set, violations and examples, and its score"

    def entry_fields(self) -> tuple[Field, ...]:
        per_dataset = MapOf(Number())
        return super().entry_fields() + (
            Field("rule", Text(), "the rule in words (its expression, set, format, key or dependency)", required=False),
            Field("kind", Text(), "row, set, format, unique or depends", required=False),
            Field("severity", Text(), "error or warning", required=False),
            Field("source", Text(), "given (by the user) or mined (from the real rows)", required=False),
            Field("shares", per_dataset, "per data set, the share of the rows it applies to that keep it"),
            Field("rows", per_dataset, "per data set, the rows it applies to", required=False),
            Field("violations", per_dataset, "per data set, the rows that break it", required=False),
            Field("ci", ListOf(Number()), "95% Wilson interval of the synthetic share", required=False),
            Field(
                "examples",
                ListOf(
                    Record(
                        Field("row", Number(), "the row's position in the synthetic data (from 0)"),
                        Field("values", MapOf(Value()), "the values the rule reads"),
                    )
                ),
                "a few synthetic rows that break it (never a real row)",
                required=False,
            ),
        )


class Histogram(Shape):
    """One distribution (not per column) on shared bins, per data set."""

    name = "histogram"
    summary = "one distribution: the share of rows in each shared bin, per data set"

    def __init__(self, title: str = "distribution", axis: str = "") -> None:
        self.title, self.axis = _option("title", title, str), _option("axis", axis, str)

    def options(self) -> dict[str, Any]:
        return {"title": self.title, "axis": self.axis}

    def fields(self) -> tuple[Field, ...]:
        return (
            Field(
                "histogram",
                Record(
                    Field("labels", ListOf(Text()), "the bins"),
                    Field("real", SERIES, "the share of real rows in each bin"),
                    Field("synthetic", SERIES, "the share of synthetic rows in each bin"),
                    Field("holdout", SERIES, "the share of holdout rows in each bin", required=False),
                ),
                "the distribution",
            ),
        )

    def _relations(self, details: Mapping[str, Any]) -> Iterator[str]:
        hist = details["histogram"]
        n = len(hist["labels"])
        for key in ("real", "synthetic", "holdout"):
            if key in hist and len(hist[key]) != n:
                yield f"histogram.{key}: {len(hist[key])} shares for {n} labels"


class Pairwise(Shape):
    """An association per pair of columns in each data set: the figure is a heatmap of the
    matrices (synthetic − real first), the table lists the pairs that differ most, and each
    column's score is the weighted mean similarity of its pairs (``column_scores``), with its
    standard error where the metric gives one (``se``: what a test of a column's score against
    its baseline reads)."""

    name = "pairwise"
    summary = "a matrix of associations per data set, the pairs that differ most, and per-column scores"

    def __init__(self, measure: str = "association", signed: bool = False) -> None:
        self.measure, self.signed = _option("measure", measure, str), _option("signed", signed, bool)

    def options(self) -> dict[str, Any]:
        return {"measure": self.measure, "signed": self.signed}

    def fields(self) -> tuple[Field, ...]:
        matrix = ListOf(ListOf(Number()))
        return (
            Field("columns", ListOf(Text()), "the labels of the matrices' rows and columns"),
            Field(
                "matrices",
                Record(
                    Field("real", matrix, "the real association of every pair (null: not scored)"),
                    Field("synthetic", matrix, "the synthetic association of every pair"),
                    Field("holdout", matrix, "the holdout's association of every pair", required=False),
                ),
                "one square matrix per data set, rows and columns in the order of columns",
            ),
            Field(
                "pairs",
                ListOf(
                    Record(
                        Field("columns", ListOf(Text()), "the pair's two columns"),
                        Field("real", Number(), "the real association"),
                        Field("synthetic", Number(), "the synthetic association"),
                        Field("holdout", Number(), "the holdout's association", required=False),
                        Field(
                            "similarity",
                            Number(),
                            "the pair's similarity in [0, 1] (e.g. the share of its association kept)",
                        ),
                        Field("weight", Number(), "the pair's weight in the score", required=False),
                        Field("association", Text(), "the measure used for this pair", required=False),
                    )
                ),
                "the pairs that differ most, worst first",
            ),
            Field(
                "column_scores",
                ListOf(
                    Record(
                        Field("column", Text(), "the column"),
                        Field("score", Number(), "the weighted mean similarity of its pairs (synthetic)"),
                        Field("baseline", Number(), "the same for the holdout", required=False),
                        Field("se", Number(), "the standard error of score (from the bootstrap)", required=False),
                        Field(
                            "noise_ratio",
                            Number(),
                            "the sampling noise of its pairs' differences relative to their real association",
                            required=False,
                        ),
                        Field("note", Text(), "why its score is not tested on its own", required=False),
                        Field("pairs", Number(), "how many of its pairs are scored", required=False),
                    )
                ),
                "per column, the similarity of the pairs that include it",
            ),
        )

    def _relations(self, details: Mapping[str, Any]) -> Iterator[str]:
        n = len(details["columns"])
        for name, matrix in details["matrices"].items():
            if name not in DATASETS:
                continue
            if len(matrix) != n or any(len(row) != n for row in matrix):
                yield f"matrices.{name}: not a {n} x {n} matrix (one row and column per entry of columns)"
        for i, pair in enumerate(details["pairs"]):
            if len(pair["columns"]) != 2:
                yield f"pairs[{i}].columns: {len(pair['columns'])} columns, not 2"

    def column_scores(self, details: Any) -> list[ColumnScore]:
        entries = details.get("column_scores") if isinstance(details, Mapping) else None
        return [
            ColumnScore(
                str(e["column"]),
                _float(e.get("score")),
                _float(e.get("baseline")),
                note=e["note"] if isinstance(e.get("note"), str) else None,
                se=_float(e.get("se")),
            )
            for e in _numbers(entries)
            if isinstance(e, Mapping) and "column" in e
        ]

    def pairs(self, details: Any) -> list[Mapping[str, Any]]:
        entries = details.get("pairs") if isinstance(details, Mapping) else None
        return [p for p in _numbers(entries) if isinstance(p, Mapping) and _float(p.get("similarity")) is not None]

    def matrices(self, details: Any) -> tuple[list[str], dict[str, list]] | None:
        if not isinstance(details, Mapping):
            return None
        labels, matrices = details.get("columns"), details.get("matrices")
        if not isinstance(labels, list) or not isinstance(matrices, Mapping) or "real" not in matrices:
            return None
        return [str(c) for c in labels], {k: v for k, v in matrices.items() if k in DATASETS}


class Models(Shape):
    """Per model kind, scores of models trained on real rows (TRTR), on synthetic rows (TSTR) and
    on holdout rows, all tested on the same real rows, and the chance-adjusted ratio TSTR / TRTR."""

    name = "models"
    summary = "per model kind: test scores of models trained on real, synthetic and holdout rows, and their ratio"

    def fields(self) -> tuple[Field, ...]:
        scores = MapOf(Value())
        return (
            Field("score_name", Text(), "the name of the score in trtr / tstr / baseline (e.g. auc, r2)"),
            Field(
                "labels",
                MapOf(Text(), ("real", "synthetic", "holdout", "ratio")),
                "what figures and tables call the models trained on real (trtr), synthetic (tstr) and holdout "
                "(baseline) rows, and the ratio (by default: TRTR, TSTR, holdout half, TSTR / TRTR)",
                required=False,
            ),
            Field(
                "models",
                ListOf(
                    Record(
                        Field("model", Text(), "the model kind"),
                        Field("trtr", scores, "scores of the model trained on real rows", required=False),
                        Field("tstr", scores, "scores of the model trained on synthetic rows", required=False),
                        Field("baseline", scores, "scores (and ratio) of the model trained on holdout rows", False),
                        Field(
                            "ratio",
                            Number(),
                            "TSTR / TRTR, chance-adjusted, not clipped (the metric clips the mean over models)",
                            required=False,
                        ),
                        Field("ci", ListOf(Number()), "95% interval of the ratio", required=False),
                        Field("train_rows", MapOf(Number()), "training rows per data set", required=False),
                        Field("note", Text(), "why a model was left out", required=False),
                    )
                ),
                "one entry per model kind",
            ),
        )


class Rankings(Shape):
    """Per model kind, the importance of every feature for models trained on each data set, and
    the agreement of the rankings."""

    name = "rankings"
    summary = "per model kind: each data set's feature importances and ranking, and their agreement"

    def __init__(self, measure: str = "drop of the score when shuffled", agreement: str = "top-k agreement") -> None:
        # what an importance is (the figure's axis) and what the agreement is (its caption)
        self.measure, self.agreement = _option("measure", measure, str), _option("agreement", agreement, str)

    def options(self) -> dict[str, Any]:
        return {"measure": self.measure, "agreement": self.agreement}

    def fields(self) -> tuple[Field, ...]:
        ranking = Record(
            Field("importance", ListOf(Number()), "one importance per feature, in the order of features"),
            Field("ranking", ListOf(Text()), "the features, most important first"),
        )
        return (
            Field("features", ListOf(Text()), "the features"),
            Field(
                "models",
                ListOf(
                    Record(
                        Field("model", Text(), "the model kind"),
                        Field(
                            "score",
                            Number(),
                            "agreement of the synthetic ranking with the real (may be negative)",
                            False,
                        ),
                        Field("ci", ListOf(Number()), "95% interval of that agreement", required=False),
                        Field("baseline", Number(), "agreement of the holdout ranking with the real", False),
                        Field("spearman", Number(), "rank correlation of real and synthetic importances", False),
                        Field("real", ranking, "the model trained on real rows", required=False),
                        Field("synthetic", ranking, "the model trained on synthetic rows", required=False),
                        Field("holdout", ranking, "the model trained on holdout rows", required=False),
                        Field("note", Text(), "why a model was left out", required=False),
                    )
                ),
                "one entry per model kind",
            ),
        )

    def _relations(self, details: Mapping[str, Any]) -> Iterator[str]:
        n = len(details["features"])
        for i, model in enumerate(details["models"]):
            for name in DATASETS:
                if name in model and len(model[name]["importance"]) != n:
                    yield f"models[{i}].{name}.importance: {len(model[name]['importance'])} values for {n} features"


class QueryErrors(Shape):
    """The errors of many queries (0 = the real answer, 1 = as far off as can be), binned per
    data set, and the queries answered worst."""

    name = "query_errors"
    summary = "the distribution of per-query errors per data set, and the worst queries"

    def fields(self) -> tuple[Field, ...]:
        return (
            Field("error_bins", ListOf(Number()), "the bins' edges (one more than the counts)"),
            Field("error_counts", MapOf(ListOf(Number()), DATASETS), "queries per bin, per data set"),
            Field(
                "worst",
                ListOf(
                    Record(
                        Field("query", Text(), "the query, in words"),
                        Field("error", Number(), "its error on the synthetic data"),
                        Field("holdout_error", Number(), "its error on the holdout", required=False),
                    )
                ),
                "the queries answered worst, worst first",
                required=False,
            ),
        )

    def _relations(self, details: Mapping[str, Any]) -> Iterator[str]:
        n = len(details["error_bins"]) - 1
        for name, counts in details["error_counts"].items():
            if len(counts) != n:
                yield f"error_counts.{name}: {len(counts)} counts for {n} bins"


class Distances(Shape):
    """Distances of synthetic and holdout rows to their closest training row, binned (the last
    bin open-ended), with the distance below which a row counts as too close."""

    name = "distances"
    summary = "the distribution of distances to the closest training row per data set, and a threshold"

    def fields(self) -> tuple[Field, ...]:
        return (
            Field("dcr_bins", ListOf(Number()), "the bins' left edges (the last bin is open-ended)"),
            Field("dcr_counts", MapOf(ListOf(Number()), DATASETS), "rows per bin, per data set"),
            Field("threshold", Number(), "the distance below which a row is too close", required=False),
        )

    def _relations(self, details: Mapping[str, Any]) -> Iterator[str]:
        n = len(details["dcr_bins"])
        for name, counts in details["dcr_counts"].items():
            if len(counts) != n:
                yield f"dcr_counts.{name}: {len(counts)} counts for {n} bins"


class Attacks(Shape):
    """Attacks that tell training rows from unseen rows: per attack, its AUC and ROC curve."""

    name = "attacks"
    summary = "per attack: its AUC and ROC curve"

    def fields(self) -> tuple[Field, ...]:
        return (
            Field(
                "attacks",
                MapOf(
                    Record(
                        Field("auc", Number(), "the attack's ROC AUC"),
                        Field(
                            "roc",
                            Record(
                                Field("fpr", ListOf(Number()), "false-positive rates"),
                                Field("tpr", ListOf(Number()), "true-positive rates, one per fpr"),
                            ),
                            "the ROC curve",
                            required=False,
                        ),
                    )
                ),
                "attack name -> its results",
            ),
        )

    def _relations(self, details: Mapping[str, Any]) -> Iterator[str]:
        for name, attack in details["attacks"].items():
            roc = attack.get("roc")
            if roc is not None and len(roc["fpr"]) != len(roc["tpr"]):
                yield f"attacks.{name}.roc: {len(roc['fpr'])} fpr for {len(roc['tpr'])} tpr"


class Shares(Shape):
    """One share among the synthetic rows (e.g. rows copied from the training rows) and the same
    share among holdout rows, under the keys the shape names."""

    name = "shares"
    summary = "a share of synthetic rows and the same share of holdout rows"

    def __init__(self, synthetic: str = "share", holdout: str = "holdout_share", what: str = "share of rows") -> None:
        self.synthetic, self.holdout = _option("synthetic", synthetic, str), _option("holdout", holdout, str)
        self.what = _option("what", what, str)

    def options(self) -> dict[str, Any]:
        return {"synthetic": self.synthetic, "holdout": self.holdout, "what": self.what}

    def fields(self) -> tuple[Field, ...]:
        return (
            Field(self.synthetic, Number(nullable=False), f"the share of synthetic rows: {self.what}"),
            Field(self.holdout, Number(), "the same share among holdout rows", required=False),
        )


class Risks(Shape):
    """Attacks run on training rows (main) and, as the control, on holdout rows: per attack (or
    kind of attack), both success rates, a naive attacker's rate, and the risk
    ``(main - control) / (1 - control)`` with its interval."""

    name = "risks"
    summary = "per attack: success on training rows and on holdout rows, the naive rate, the risk and its interval"

    def fields(self) -> tuple[Field, ...]:
        return (
            Field(
                "risks",
                MapOf(
                    Record(
                        Field("main_rate", Number(), "the attack's success rate on training rows"),
                        Field("control_rate", Number(), "its success rate on holdout rows (the control)"),
                        Field("risk", Number(), "(main - control) / (1 - control)"),
                        Field("risk_interval", ListOf(Number()), "the risk's interval", required=False),
                        Field("naive_rate", Number(), "a naive attacker's success rate", required=False),
                        Field("score", Number(), "the attack's score", required=False),
                    )
                ),
                "attack name -> its rates and risk",
            ),
        )


def _option(name: str, value: Any, kind: type) -> Any:
    if not isinstance(value, kind):
        raise ValueError(f"The shape option {name!r} must be a {kind.__name__}. Got {value!r} instead.")
    return value


#: Every shape by name.
SHAPES: dict[str, type[Shape]] = {
    cls.name: cls
    for cls in (
        Scalars,
        PerColumn,
        ColumnStatistics,
        Distributions,
        Series,
        RuleChecks,
        Histogram,
        Pairwise,
        Models,
        Rankings,
        QueryErrors,
        Distances,
        Attacks,
        Shares,
        Risks,
    )
}


def get(name: str, **options: Any) -> Shape:
    """The shape called ``name`` with ``options``; a ``ValueError`` naming the known shapes otherwise."""
    if name not in SHAPES:
        raise ValueError(f"Unknown details shape {name!r}; known shapes: {', '.join(SHAPES)}.")
    return SHAPES[name](**options)


def as_shape(value: Any) -> Shape:
    """A :class:`Shape` from a shape or a shape's name."""
    if isinstance(value, Shape):
        return value
    if isinstance(value, str):
        return get(value)
    raise ValueError(f"A metric's shape must be a shape or a shape's name ({', '.join(SHAPES)}). Got {value!r}.")


def from_dict(data: Any) -> Shape | None:
    """A shape as written in a report (``{"name": ..., **options}``); a shape this version does not
    know is kept as it came (and read as undeclared details are, see :func:`infer`)."""
    if not isinstance(data, Mapping) or not isinstance(data.get("name"), str):
        return None
    options = {k: v for k, v in data.items() if k != "name"}
    try:
        return get(data["name"], **options)
    except (ValueError, TypeError):
        return _Unknown(data["name"], options)


def infer(details: Any) -> Shape:
    """The shape of details that declare none (a result made by hand, or a shape this version
    does not know): ``pairwise`` if they match it, ``per_column`` if they have per-column entries,
    else ``scalars``."""
    if isinstance(details, Mapping):
        if not Pairwise().problems(details):
            values = [v for m in details["matrices"].values() for row in m for v in row if v is not None]
            return Pairwise(signed=any(v < 0 for v in values))
        if PerColumn().column_scores(details):
            return PerColumn()
    return Scalars()

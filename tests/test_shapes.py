"""Detail shapes (sdq.shapes): what each one accepts, how it names what is wrong, how it travels in
a report, and what the faces read through it; and that the faces never read the metric registry."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from sdq import shapes
from sdq.errors import MetricError
from sdq.result import About, MetricResult
from sdq.shapes import (
    SHAPES,
    Attacks,
    ColumnStatistics,
    Distances,
    Distributions,
    Histogram,
    Pairwise,
    PerColumn,
    QueryErrors,
    Rankings,
    RuleChecks,
    Scalars,
    Series,
    Shares,
)

REPO = Path(__file__).resolve().parents[1]

PAIRWISE = {
    "columns": ["a", "b"],
    "matrices": {"real": [[1, 0.5], [0.5, 1]], "synthetic": [[1, -0.2], [-0.2, 1]]},
    "pairs": [{"columns": ["a", "b"], "real": 0.5, "synthetic": -0.2, "similarity": 0.65, "weight": 0.5}],
    "column_scores": [{"column": "a", "score": 0.65, "baseline": None}, {"column": "b", "score": 0.65}],
}


@pytest.mark.parametrize("name", list(SHAPES))
def test_every_shape_travels_in_a_report_and_describes_its_keys(name):
    shape = shapes.get(name)
    assert shapes.from_dict(shape.to_dict()) == shape
    assert shape.lineage[0] == name and shape.lineage[-1] == "scalars"
    text = shape.describe()
    assert text.startswith(f"{name}: ")
    for field in shape.fields():
        assert f"  {field.name}" in text
    assert shape.problems("not a mapping") == ["details: expected a mapping, got a string"]


def test_options_are_part_of_the_shape():
    signed = Pairwise(measure="association", signed=True)
    assert signed.to_dict() == {"name": "pairwise", "measure": "association", "signed": True}
    assert signed != Pairwise() and shapes.from_dict(signed.to_dict()) == signed
    with pytest.raises(ValueError, match="'signed' must be a bool"):
        Pairwise(signed="yes")
    with pytest.raises(ValueError, match="known shapes: scalars, per_column"):
        shapes.as_shape("per-column")


@pytest.mark.parametrize(
    "shape, details, problem",
    [
        (PerColumn(), {"columns": [{"score": 0.5}]}, "columns[0].column: missing"),
        (PerColumn(), {"columns": [{"column": "a", "score": "high"}]}, "columns[0].score: expected a number or null"),
        (PerColumn(), {"columns": {"a": 1}}, "columns: expected a list of mappings with column, score, got a mapping"),
        (
            Distributions(),
            {"columns": [{"column": "a", "score": 0.9, "labels": ["x", "y"], "real": [1.0], "synthetic": [0.5, 0.5]}]},
            "columns[0].real: 1 shares for 2 labels",
        ),
        (
            Distributions(),
            {"columns": [{"column": "a", "score": 0.9}]},
            "columns[0].labels: missing (an entry with a score needs labels, real and synthetic)",
        ),
        (Series(), {"columns": [{"column": "a", "score": 0.9, "real": [0.1, 0.2], "synthetic": [0.1]}]}, "1 values"),
        (
            Series(),
            {"columns": [{"column": "a", "score": 0.9, "real": [0.1, 0.2], "synthetic": [0.1, 0.2], "labels": ["x"]}]},
            "columns[0].labels: 1 values for 2 lags",
        ),
        (
            Series(),
            {"columns": [{"column": "a", "score": 0.9, "real": [0.1], "synthetic": [0.1], "spread": {"real": [1, 2]}}]},
            "columns[0].spread.real: 2 values for 1 lags",
        ),
        (
            Series(),
            {"columns": [{"column": "a", "score": 0.9, "real": [0.1], "synthetic": [0.1], "spread": {"fake": [1]}}]},
            "columns[0].spread.fake: unexpected key",
        ),
        (
            ColumnStatistics(),
            {"columns": [{"column": "a", "score": "high", "stats": {}}]},
            "columns[0].score: expected",
        ),
        (
            ColumnStatistics(),
            {"columns": [{"column": "a", "score": 0.9, "se": "small", "stats": {}}]},
            "columns[0].se: expected a number or null",
        ),
        (
            ColumnStatistics(),
            {"columns": [{"column": "a", "score": {"synthetic": 1.0}, "stats": {"fake": {}}}]},
            "columns[0].stats.fake: unexpected key (allowed: real, holdout, synthetic)",
        ),
        (RuleChecks(), {"columns": [{"column": "r", "score": 1.0}]}, "columns[0].shares: missing"),
        (
            RuleChecks(),
            {"columns": [{"column": "r", "score": 0.5, "shares": {"real": 1.0}, "examples": [{"row": 3}]}]},
            "columns[0].examples[0].values: missing",
        ),
        (Histogram(), {"histogram": {"labels": ["1"], "real": [1.0], "synthetic": [0.5, 0.5]}}, "2 shares for 1"),
        (Pairwise(), {**PAIRWISE, "matrices": {"real": [[1]], "synthetic": [[1]]}}, "matrices.real: not a 2 x 2"),
        (Pairwise(), {**PAIRWISE, "pairs": [{**PAIRWISE["pairs"][0], "columns": ["a"]}]}, "pairs[0].columns: 1"),
        (Pairwise(), {k: v for k, v in PAIRWISE.items() if k != "column_scores"}, "column_scores: missing"),
        (
            Rankings(),
            {"features": ["a"], "models": [{"model": "m", "real": {"importance": [], "ranking": []}}]},
            "0 values",
        ),
        (QueryErrors(), {"error_bins": [0, 0.5, 1], "error_counts": {"synthetic": [1]}}, "1 counts for 2 bins"),
        (Distances(), {"dcr_bins": [0, 1], "dcr_counts": {"synthetic": [1, 2, 3]}}, "3 counts for 2 bins"),
        (Attacks(), {"attacks": {"d": {"auc": 0.5, "roc": {"fpr": [0, 1], "tpr": [1]}}}}, "attacks.d.roc: 2 fpr for 1"),
        (Shares(synthetic="copied", holdout="base"), {"base": 0.1}, "copied: missing"),
        (Shares(synthetic="copied", holdout="base"), {"copied": None}, "copied: expected a number, got null"),
    ],
)
def test_problems_name_the_key_and_what_is_wrong(shape, details, problem):
    found = shape.problems(details)
    assert any(problem in p for p in found), found


def test_validate_raises_naming_the_shape_and_at_most_five_problems():
    details = {"columns": [{"score": 0.5} for _ in range(8)]}
    with pytest.raises(MetricError, match=r"the shape 'per_column': columns\[0\].column: missing.*; and 3 more$"):
        PerColumn().validate(details)
    PerColumn().validate({"columns": [{"column": "a", "score": None, "note": "no values"}], "extra": [1, "x"]})


def test_per_column_scores_of_either_form_and_notes():
    details = {
        "columns": [
            {"column": "a", "score": 0.9, "baseline": 0.95, "se": 0.01},
            {"column": "b", "score": {"synthetic": 0.5, "holdout": 0.8}},
            {"column": "c", "score": None, "note": "no values"},
            "not an entry",
        ]
    }
    assert [tuple(c) for c in PerColumn().column_scores(details)] == [
        ("a", 0.9, 0.95, None, 0.01),
        ("b", 0.5, 0.8, None, None),
        ("c", None, None, "no values", None),
    ]
    assert Scalars().column_scores(details) == [] and PerColumn().column_scores({"columns": 3}) == []


def test_pairwise_reads_pairs_matrices_and_column_scores():
    shape = Pairwise()
    assert shape.problems(PAIRWISE) == []
    assert [c.column for c in shape.column_scores(PAIRWISE)] == ["a", "b"]
    assert shape.pairs(PAIRWISE) == PAIRWISE["pairs"]
    labels, matrices = shape.matrices(PAIRWISE)
    assert labels == ["a", "b"] and set(matrices) == {"real", "synthetic"}
    assert shape.matrices({"columns": "x"}) is None and shape.pairs({"pairs": [{"similarity": None}]}) == []


def test_undeclared_details_are_read_as_what_they_look_like():
    assert shapes.infer(PAIRWISE) == Pairwise(signed=True)
    assert shapes.infer({"columns": [{"column": "a", "score": 1.0}]}) == PerColumn()
    assert shapes.infer({"threshold": 0.2}) == Scalars() and shapes.infer(None) == Scalars()
    hand_made = MetricResult("custom", "fidelity", "ok", score=0.5, details=PAIRWISE)
    assert hand_made.about is None and not hand_made.declared and hand_made.shape.is_a("pairwise")


def test_a_shape_from_a_newer_sdq_is_kept_and_read_as_undeclared():
    data = {"summary": "s", "one": "o", "zero": "z", "shape": {"name": "tensor", "rank": 3}, "extras": ["x"]}
    about = About.from_dict(data)
    assert about.to_dict() == data and not about.shape.known
    result = MetricResult("future", "fidelity", "ok", score=0.5, details={"columns": [{"column": "a", "score": 1.0}]})
    result.about = about
    assert result.shape == PerColumn() and not result.declared
    assert About.from_dict({"summary": "s"}) is None and About.from_dict(None) is None


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


@pytest.mark.parametrize("package", ["result", "render", "gates"])
def test_results_renderers_and_gates_never_read_the_metric_registry(package):
    # they read what each result says about itself (its shape), so a report read from JSON, or
    # one holding metrics this installation does not have, is shown and gated like the live one
    for path in sorted((REPO / "sdq" / package).glob("*.py")):
        offending = {m for m in _imports(path) if m == "sdq.metrics" or m.startswith("sdq.metrics.")}
        assert not offending, f"{path.relative_to(REPO)} imports {sorted(offending)}"

"""The trade-off between two family scores over several candidates: the Pareto front.

Fidelity, utility and privacy pull against each other: a generator that keeps the real rows
closely scores high on fidelity and low on privacy. Over two families (higher is better on both),
candidate A **dominates** B when A scores at least as high as B on both and higher on one; the
**Pareto front** is the candidates no other dominates: each is a best choice for some way of
weighing the two. Equal points do not dominate each other, so both are on the front.

Scores are estimates, so each point has a range on each axis (the family's range:
:func:`sdq.result.summary.family_ranges`, the family rule applied to the ends of its metrics' 95%
intervals, a metric without an interval counting as exact; it holds the family score whenever
every metric's interval holds its own score). A dominated candidate is **clearly dominated** when
some candidate's range lies at or above its range on both axes and wholly above it on one: the
data leave no doubt. A candidate dominated only within the ranges may be on the front.

Examples
--------
>>> points = {"a": (0.9, 0.5), "b": (0.6, 0.9), "c": (0.5, 0.4), "d": (0.9, 0.5)}
>>> sorted(n for n, p in pareto(points).items() if p["on_front"])
['a', 'b', 'd']
>>> pareto(points)["c"]["dominated_by"]
['a', 'b', 'd']
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

__all__ = ["dominates", "pareto", "CHARTS", "RULE"]

#: The trade-off charts of a comparison: (x family, y family).
CHARTS = (("fidelity", "privacy"), ("utility", "privacy"))
#: How the charts' points, ranges and fronts are made (written into a comparison's JSON and page).
RULE = (
    "Points: the family scores as sdq gives them without a profile (a profile changes no score). Ranges: the "
    "family rule (mean, or minimum for privacy) applied to the lower and to the upper ends of the metrics' 95% "
    "intervals (a metric without an interval counts as exact), so a range holds the family score whenever every "
    "metric's interval holds its own. Pareto front: no other candidate scores at least as high on both families "
    "and higher on one; clearly dominated: another candidate's ranges lie at or above on both and wholly above "
    "on one."
)


def dominates(a: Sequence[float], b: Sequence[float]) -> bool:
    """``a`` is at least as high as ``b`` on every axis and higher on one.

    >>> dominates((0.9, 0.5), (0.8, 0.5)), dominates((0.9, 0.5), (0.9, 0.5)), dominates((0.9, 0.4), (0.8, 0.5))
    (True, False, False)
    """
    return all(x >= y for x, y in zip(a, b)) and any(x > y for x, y in zip(a, b))


def _clearly(a_low: Sequence[float], b_high: Sequence[float]) -> bool:
    """``a``'s range is at or above ``b``'s on every axis, and wholly above on one."""
    return all(x >= y for x, y in zip(a_low, b_high)) and any(x > y for x, y in zip(a_low, b_high))


def pareto(
    points: Mapping[str, Sequence[float]], ranges: Mapping[str, Sequence[Sequence[float] | None]] | None = None
) -> dict[str, dict[str, Any]]:
    """For each candidate: ``on_front`` (no candidate dominates its point), ``dominated_by`` (the
    candidates that do) and ``clearly_dominated_by`` (those whose ranges dominate its ranges; see
    the module). ``points``: name -> (x, y); ``ranges``: name -> ((x_low, x_high), (y_low,
    y_high)), a missing range counting as the point itself."""
    ranges = ranges or {}

    def ends(name: str) -> tuple[list[float], list[float]]:
        given = ranges.get(name) or [None] * len(points[name])
        low = [r[0] if r is not None else v for r, v in zip(given, points[name])]
        high = [r[1] if r is not None else v for r, v in zip(given, points[name])]
        return low, high

    out = {}
    for name, point in points.items():
        others = [o for o in points if o != name]
        by = [o for o in others if dominates(points[o], point)]
        clearly = [o for o in others if _clearly(ends(o)[0], ends(name)[1])]
        out[name] = {"on_front": not by, "dominated_by": by, "clearly_dominated_by": clearly}
    return out

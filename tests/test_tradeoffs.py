"""The trade-off view: the Pareto front on hand-made points (dominated points, ties, ranges), and on
a comparison of real candidates (sdq.result.tradeoff, Comparison.tradeoffs)."""

from __future__ import annotations

import pytest

from sdq.result.tradeoff import dominates, pareto

POINTS = {"a": (0.9, 0.5), "b": (0.6, 0.9), "c": (0.5, 0.4), "d": (0.9, 0.5), "e": (0.6, 0.5)}


def test_dominated_points_are_off_the_front_and_ties_stay_on_it():
    front = pareto(POINTS)
    assert {n for n, p in front.items() if p["on_front"]} == {"a", "b", "d"}
    # a and d are the same point: neither dominates the other
    assert front["a"]["dominated_by"] == [] and front["d"]["dominated_by"] == []
    # c is below everyone; e equals a on y and is lower on x, and equals b on x and is lower on y
    assert front["c"]["dominated_by"] == ["a", "b", "d", "e"]
    assert front["e"]["dominated_by"] == ["a", "b", "d"]


def test_dominance_needs_one_strict_gain():
    assert dominates((0.9, 0.5), (0.8, 0.5)) and dominates((0.9, 0.6), (0.8, 0.5))
    assert not dominates((0.9, 0.5), (0.9, 0.5))
    assert not dominates((0.9, 0.4), (0.8, 0.5)) and not dominates((0.8, 0.5), (0.9, 0.4))


def test_clearly_dominated_needs_ranges_apart():
    ranges = {
        "a": ((0.85, 0.95), (0.45, 0.55)),
        "b": ((0.50, 0.70), (0.85, 0.95)),
        "c": ((0.45, 0.55), (0.35, 0.45)),
    }
    front = pareto({k: POINTS[k] for k in "abc"}, ranges)
    # a's lower ends (0.85, 0.45) reach c's upper ends (0.55, 0.45), wholly above on fidelity
    assert front["c"]["clearly_dominated_by"] == ["a"]
    # b dominates c's point, but b's fidelity range (from 0.50) overlaps c's (up to 0.55)
    assert front["c"]["dominated_by"] == ["a", "b"]
    # wider ranges: c may be on the front
    wide = dict(ranges, c=((0.45, 0.9), (0.35, 0.6)))
    assert pareto({k: POINTS[k] for k in "abc"}, wide)["c"]["clearly_dominated_by"] == []
    # a missing range counts as the point itself
    assert pareto({"x": (0.9, 0.9), "y": (0.1, 0.1)})["y"]["clearly_dominated_by"] == ["x"]


def test_one_candidate_is_its_own_front():
    assert pareto({"only": (0.2, 0.3)}) == {"only": {"on_front": True, "dominated_by": [], "clearly_dominated_by": []}}


@pytest.mark.parametrize("n", [2, 5, 9])
def test_front_matches_a_brute_force_definition(n):
    import numpy as np

    rng = np.random.default_rng(n)
    points = {f"p{i}": tuple(np.round(rng.uniform(size=2), 1)) for i in range(n)}
    front = pareto(points)
    for name, p in points.items():
        beaten = any(q[0] >= p[0] and q[1] >= p[1] and q != p for o, q in points.items() if o != name)
        assert front[name]["on_front"] == (not beaten)

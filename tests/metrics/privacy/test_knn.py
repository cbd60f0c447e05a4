"""The exact nearest-neighbour kernel against brute force, with small blocks so that every path
(the first block, later blocks, ties across blocks, several query blocks) runs on small data."""

import numpy as np
import pytest

from sdq.metrics.privacy import knn
from sdq.metrics.privacy.knn import nearest


@pytest.fixture(autouse=True)
def small_blocks(monkeypatch):
    monkeypatch.setattr(knn, "QUERY_BLOCK", 7)
    monkeypatch.setattr(knn, "REFERENCE_BLOCK", 16)


def brute(reference, queries, k):
    """Squared distances in float64 and the k nearest by (distance, position)."""
    d2 = ((queries[:, None, :].astype(float) - reference[None, :, :].astype(float)) ** 2).sum(axis=2)
    positions = np.broadcast_to(np.arange(len(reference)), d2.shape)
    order = np.lexsort((positions, d2), axis=-1)[:, :k]
    return np.take_along_axis(d2, order, 1), order


@pytest.mark.parametrize("k", [1, 3, 16, 17, 60])
@pytest.mark.parametrize("n", [17, 60, 101])
def test_the_k_nearest_are_those_of_brute_force(n, k):
    rng = np.random.default_rng(n * 100 + k)
    reference = rng.random((n, 5)).astype(np.float32)
    queries = rng.random((23, 5)).astype(np.float32)
    k = min(k, n)
    d, i = nearest(reference, queries, k)
    bd, bi = brute(reference, queries, k)
    assert d.shape == i.shape == (23, k)
    np.testing.assert_allclose(d, bd, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(i, bi)


def test_ties_keep_the_lower_positions_across_blocks():
    # 5 distinct rows, each repeated in every block: the nearest copies are the first ones
    base = np.eye(5, dtype=np.float32)
    reference = np.tile(base, (20, 1))  # 100 rows, row j is base[j % 5]
    d, i = nearest(reference, base, 4)
    assert (d == 0).all()
    np.testing.assert_array_equal(i, np.arange(5)[:, None] + 5 * np.arange(4)[None, :])


def test_an_exact_copy_is_at_distance_zero_and_others_are_exact():
    rng = np.random.default_rng(3)
    reference = (rng.random((90, 12)) * 1000).astype(np.float32)  # large norms: products cancel badly
    d, i = nearest(reference, reference[[5, 40, 89]], 2)
    assert (d[:, 0] == 0).all()
    np.testing.assert_array_equal(i[:, 0], [5, 40, 89])
    expected = ((reference[[5, 40, 89]].astype(float) - reference[i[:, 1]].astype(float)) ** 2).sum(axis=1)
    np.testing.assert_allclose(d[:, 1], expected, rtol=1e-5)


def test_a_sorted_reference_whose_first_block_is_farthest_still_gives_the_nearest():
    x = np.linspace(100.0, 0.0, 200, dtype=np.float32)[:, None]
    d, i = nearest(x, np.array([[0.2], [50.0]], dtype=np.float32), 3)
    bd, bi = brute(x, np.array([[0.2], [50.0]], dtype=np.float32), 3)
    np.testing.assert_array_equal(i, bi)
    np.testing.assert_allclose(d, bd, rtol=1e-5, atol=1e-6)


def test_k_equal_to_the_reference_rows_orders_them_all_and_wrong_k_is_an_error():
    reference = np.array([[3.0], [1.0], [2.0]], dtype=np.float32)
    d, i = nearest(reference, np.zeros((1, 1), dtype=np.float32), 3)
    assert i.tolist() == [[1, 2, 0]] and d.tolist() == [[1.0, 4.0, 9.0]]
    with pytest.raises(ValueError, match="k must be"):
        nearest(reference, reference, 4)
    assert nearest(reference, np.zeros((0, 1), dtype=np.float32), 2)[0].shape == (0, 2)
    with pytest.raises(ValueError, match="finite"):
        nearest(np.array([[np.nan], [1.0]]), reference, 1)

"""The shared bootstrap engine: known answers, seeding, chunk independence and argument checks."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest
import scipy.sparse as sp

from core import stats
from core.stats import (
    bootstrap_sums,
    cluster_sums,
    mean_ci,
    means_ci,
    paired_difference_ci,
    percentile_ci,
    ratio_ci,
    resample_counts,
)


def test_counts_draw_every_unit_once_per_slot_and_are_seeded() -> None:
    chunks = list(resample_counts(7, 25, seed=3))
    counts = np.vstack([c for _, c in chunks])
    assert counts.shape == (25, 7)
    assert np.all(counts.sum(axis=1) == 7)  # n draws per replicate
    again = np.vstack([c.copy() for _, c in resample_counts(7, 25, seed=3)])
    assert np.array_equal(counts, again)


def test_draws_do_not_depend_on_chunking(monkeypatch: pytest.MonkeyPatch) -> None:
    values = np.random.default_rng(0).random((50, 2))
    whole = bootstrap_sums(values, 40, seed=5)
    monkeypatch.setattr(stats, "_DRAWS_PER_CHUNK", 50 * 3)  # three replicates per chunk
    assert np.allclose(bootstrap_sums(values, 40, seed=5), whole, rtol=0, atol=1e-12)


def test_draws_are_the_plain_generator_stream() -> None:
    # replicate r takes draws r*n .. r*n + n - 1 of default_rng(seed).integers(0, n)
    n, n_boot = 9, 4
    draws = np.random.default_rng(11).integers(0, n, size=(n_boot, n))
    want = np.stack([np.bincount(row, minlength=n) for row in draws]).astype(np.float64)
    assert np.array_equal(bootstrap_sums(np.eye(n), n_boot, seed=11), want)


def test_sparse_and_dense_sums_agree() -> None:
    values = np.random.default_rng(1).random((30, 4))
    assert np.allclose(bootstrap_sums(sp.csr_matrix(values), 20, 2), bootstrap_sums(values, 20, 2))


def test_mean_ci_known_answers_and_edges() -> None:
    assert mean_ci(np.full(40, 0.5), n_boot=100) == (0.5, 0.5)
    assert mean_ci([3.0], n_boot=10) == (3.0, 3.0)
    assert all(math.isnan(v) for v in mean_ci([]))
    x = np.random.default_rng(2).random(1_000)
    lo, hi = mean_ci(x, seed=1)
    assert lo < x.mean() < hi
    assert (lo, hi) == mean_ci(pl.Series(x), seed=1)
    half = 1.96 * x.std(ddof=1) / math.sqrt(len(x))
    assert hi - lo == pytest.approx(2 * half, rel=0.15)


def test_means_ci_shares_one_resampling() -> None:
    m = np.random.default_rng(3).random((80, 3))
    lo, hi = means_ci(m, n_boot=200, seed=4)
    for j in range(3):
        # the same replicates; only the matrix product's rounding differs
        assert (lo[j], hi[j]) == pytest.approx(mean_ci(m[:, j], n_boot=200, seed=4), abs=1e-12)


def test_paired_difference_is_the_mean_ci_of_differences() -> None:
    rng = np.random.default_rng(4)
    a, b = rng.random(60), rng.random(60)
    assert paired_difference_ci(a, b, seed=2) == mean_ci(a - b, seed=2)
    with pytest.raises(ValueError, match="pair up"):
        paired_difference_ci(a, b[:-1])


def test_ratio_ci_rows_and_clusters() -> None:
    # every unit has ratio 0.25, so every replicate does too
    assert ratio_ci(np.full(10, 1.0), np.full(10, 4.0), n_boot=50) == (0.25, 0.25)
    # clusters move together: two clusters with ratios 0 and 1 and two rows each
    num, den = np.array([0.0, 0.0, 1.0, 1.0]), np.ones(4)
    lo, hi = ratio_ci(num, den, clusters=np.array([7, 7, 9, 9]), n_boot=400, seed=0)
    assert (lo, hi) == (0.0, 1.0)
    assert all(math.isnan(v) for v in ratio_ci([], []))
    with pytest.raises(ValueError, match="one cluster per row"):
        ratio_ci(num, den, clusters=np.array([1, 2]))


def test_cluster_sums() -> None:
    sums, rows = cluster_sums(np.array([1.0, 2.0, 3.0]), np.array(["b", "a", "b"]))
    assert sums.tolist() == [2.0, 4.0] and rows.tolist() == [1.0, 2.0]


def test_percentile_ci_skips_undefined_replicates() -> None:
    samples = np.array([[1.0, np.nan], [2.0, np.nan], [3.0, np.nan]])
    lo, hi = percentile_ci(samples, 0.5, skip_nan=True)
    assert lo[0] == 1.5 and hi[0] == 2.5 and math.isnan(lo[1])


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"n_boot": 0}, "n_boot"),
        ({"n_boot": True}, "n_boot"),
        ({"alpha": 1.0}, "alpha"),
        ({"alpha": 0}, "alpha"),
    ],
)
def test_argument_checks(kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        mean_ci([0.1, 0.2], **kwargs)  # type: ignore[arg-type]


def test_value_checks() -> None:
    with pytest.raises(ValueError, match="finite"):
        mean_ci([0.1, float("inf")])
    with pytest.raises(ValueError, match="one-dimensional"):
        mean_ci(np.zeros((2, 2)))
    with pytest.raises(ValueError, match="two-dimensional"):
        means_ci(np.zeros(3))

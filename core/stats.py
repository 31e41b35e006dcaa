"""Percentile bootstrap over units, in plain numpy: the one resampling engine behind every interval.

Why one engine: intervals from different reports stay comparable, and a seed means the same thing
everywhere. A replicate draws ``n`` units with replacement; replicate ``r`` takes draws ``r*n .. r*n+n-1``
of ``np.random.default_rng(seed).integers(0, n)``, so the draws do not depend on how replicates are
chunked. A replicate is kept as counts (how often each unit was drawn), and any statistic that is a sum
over units is ``counts @ per_unit``: means, paired differences and ratios of sums all follow from that.

Units are rows, or clusters of rows (one citizen's applications) that must move together: sum the rows
per cluster first (:func:`cluster_sums`).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from typing import Any

import numpy as np

__all__ = [
    "bootstrap_sums",
    "check_bootstrap_args",
    "cluster_sums",
    "mean_ci",
    "means_ci",
    "paired_difference_ci",
    "percentile_ci",
    "ratio_ci",
    "resample_counts",
]

# Draws held in memory at once; counts are taken one replicate at a time, so an n-bin bincount stays in
# cache.
_DRAWS_PER_CHUNK = 4_000_000


def check_bootstrap_args(n_boot: Any, alpha: Any) -> None:
    """Refuse a replicate count that is not a positive integer and a level outside (0, 1)."""
    if isinstance(n_boot, bool) or not isinstance(n_boot, int | np.integer) or n_boot <= 0:
        raise ValueError(f"n_boot must be a positive integer, got {n_boot!r}")
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be in (0, 1), got {alpha!r}")


def resample_counts(n_units: int, n_boot: int, seed: int | None) -> Iterator[tuple[int, np.ndarray]]:
    """Yield ``(first replicate, counts)`` chunks; ``counts[b, u]`` is how often replicate ``b`` drew unit ``u``."""
    if n_units <= 0:
        raise ValueError("cannot resample from zero units")
    rng = np.random.default_rng(seed)
    chunk = max(1, min(n_boot, _DRAWS_PER_CHUNK // n_units))
    dtype = np.int32 if n_units < 2**31 else np.int64
    counts = np.empty((chunk, n_units), dtype=np.float64)
    for start in range(0, n_boot, chunk):
        b = min(chunk, n_boot - start)
        draws = rng.integers(0, n_units, size=(b, n_units), dtype=dtype)
        for r in range(b):
            counts[r] = np.bincount(draws[r], minlength=n_units)
        yield start, counts[:b]


def bootstrap_sums(per_unit: Any, n_boot: int, seed: int | None) -> np.ndarray:
    """Column sums of ``per_unit`` (units x m, dense or scipy-sparse) in each replicate: (n_boot, m)."""
    n_units, m = per_unit.shape
    out = np.empty((n_boot, m), dtype=np.float64)
    for start, counts in resample_counts(n_units, n_boot, seed):
        out[start : start + len(counts)] = counts @ per_unit
    return out


def cluster_sums(values: np.ndarray, clusters: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows summed per cluster, ``(sums per cluster, rows per cluster)``, clusters in sorted order."""
    _, unit = np.unique(np.asarray(clusters), return_inverse=True)
    unit = unit.ravel()
    n_units = int(unit.max()) + 1 if len(unit) else 0
    values = np.asarray(values, dtype=np.float64)
    sums = np.bincount(unit, weights=values, minlength=n_units)
    return sums, np.bincount(unit, minlength=n_units).astype(np.float64)


def percentile_ci(samples: np.ndarray, alpha: float, *, skip_nan: bool = False) -> tuple[Any, Any]:
    """``(lo, hi)`` percentile bounds along axis 0. ``skip_nan`` ignores replicates where the statistic is
    undefined (a ratio whose denominator was not drawn); a column that is all NaN gets NaN bounds."""
    if not skip_nan:
        lo, hi = np.quantile(samples, [alpha / 2, 1 - alpha / 2], axis=0)
        return lo, hi
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanquantile(samples, alpha / 2, axis=0), np.nanquantile(samples, 1 - alpha / 2, axis=0)


_DIMENSIONS = {1: "one-dimensional", 2: "two-dimensional (units x columns)"}


def _as_values(values: Any, ndim: int, what: str) -> np.ndarray:
    array = np.asarray(values.to_numpy() if hasattr(values, "to_numpy") else values, dtype=np.float64)
    if array.ndim != ndim:
        raise ValueError(f"{what} must be {_DIMENSIONS[ndim]}, got shape {array.shape}")
    if not np.isfinite(array).all():
        raise ValueError(f"{what} must be finite")
    return array


def means_ci(
    values: Any, *, n_boot: int = 1000, alpha: float = 0.05, seed: int | None = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Percentile CIs of the column means of ``values`` (units x metrics), one resampling for all columns,
    so each column's bounds are those of :func:`mean_ci` on that column alone (up to rounding)."""
    check_bootstrap_args(n_boot, alpha)
    matrix = _as_values(values, 2, "values")
    if len(matrix) == 0:
        nan = np.full(matrix.shape[1], np.nan)
        return nan, nan.copy()
    means = bootstrap_sums(matrix, int(n_boot), seed) / len(matrix)
    lo, hi = percentile_ci(means, alpha)
    return np.asarray(lo), np.asarray(hi)


def mean_ci(
    values: Any, *, n_boot: int = 1000, alpha: float = 0.05, seed: int | None = 0
) -> tuple[float, float]:
    """Percentile bootstrap ``(lo, hi)`` of the mean of one value per unit; ``(nan, nan)`` when empty.

    ``values``: a numpy array, a list or anything with ``to_numpy()`` (a polars Series)."""
    check_bootstrap_args(n_boot, alpha)
    column = _as_values(values, 1, "values")
    lo, hi = means_ci(column[:, None], n_boot=n_boot, alpha=alpha, seed=seed)
    return float(lo[0]), float(hi[0])


def paired_difference_ci(
    a: Any, b: Any, *, n_boot: int = 1000, alpha: float = 0.05, seed: int | None = 0
) -> tuple[float, float]:
    """Percentile bootstrap of the mean of ``a - b`` over the same units (a unit's pair moves together)."""
    left, right = _as_values(a, 1, "a"), _as_values(b, 1, "b")
    if left.shape != right.shape:
        raise ValueError(f"a and b must pair up, got {left.shape} and {right.shape}")
    return mean_ci(left - right, n_boot=n_boot, alpha=alpha, seed=seed)


def ratio_ci(
    numerator: Any,
    denominator: Any,
    *,
    clusters: np.ndarray | None = None,
    n_boot: int = 1000,
    alpha: float = 0.05,
    seed: int | None = 0,
) -> tuple[float, float]:
    """Percentile bootstrap of ``sum(numerator) / sum(denominator)`` over units (rows, or ``clusters``).

    Replicates whose denominator sums to 0 are undefined and skipped; ``(nan, nan)`` when there are no
    units or no replicate is defined."""
    check_bootstrap_args(n_boot, alpha)
    num, den = _as_values(numerator, 1, "numerator"), _as_values(denominator, 1, "denominator")
    if num.shape != den.shape:
        raise ValueError(f"numerator and denominator must pair up, got {num.shape} and {den.shape}")
    if clusters is not None:
        if len(clusters) != len(num):
            raise ValueError("clusters must give one cluster per row")
        num, _ = cluster_sums(num, clusters)
        den, _ = cluster_sums(den, clusters)
    if len(num) == 0:
        return float("nan"), float("nan")
    sums = bootstrap_sums(np.column_stack([num, den]), int(n_boot), seed)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratios = np.where(sums[:, 1] != 0, sums[:, 0] / sums[:, 1], np.nan)
    lo, hi = percentile_ci(ratios, alpha, skip_nan=True)
    return float(lo), float(hi)

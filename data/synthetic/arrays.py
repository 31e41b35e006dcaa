"""Vectorised helpers the entity generators share: sparse skill sets, list columns, places on the map."""

from __future__ import annotations

import numpy as np
import polars as pl
import scipy.sparse as sp

from data.geography import POSTCODES


def csr(rows: np.ndarray, cols: np.ndarray, shape: tuple[int, int]) -> sp.csr_matrix:
    """A 0/1 matrix with a one at each (row, col), duplicates merged and indices sorted."""
    m = sp.csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=shape)
    m.sum_duplicates()
    m.data[:] = 1
    m.sort_indices()
    return m


def sample_rows(
    rng: np.random.Generator, matrix: sp.csr_matrix, rows: np.ndarray, keep_p: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Expand the CSR rows picked by ``rows`` and keep each entry with its owner's probability.

    Returns (owner position, column) pairs; the first entry of each row is always kept.
    """
    counts = np.diff(matrix.indptr)[rows]
    owner = np.repeat(np.arange(len(rows)), counts)
    starts = np.repeat(matrix.indptr[rows], counts)
    first = np.repeat(np.cumsum(counts) - counts, counts)
    within = np.arange(counts.sum()) - first
    cols = matrix.indices[starts + within]
    # Shuffle within each row so its "first" entry is random; rows keep their places, so ``within``
    # still numbers each entry's position in its (now shuffled) row.
    order = np.lexsort((rng.random(len(cols)), owner))
    owner, cols = owner[order], cols[order]
    keep = (rng.random(len(cols)) < keep_p[owner]) | (within == 0)
    return owner[keep], cols[keep]


def list_column(n: int, owner: np.ndarray, values: np.ndarray) -> pl.Series:
    """Vectorised (owner, value) -> list column of length n, order kept, duplicates dropped."""
    frame = pl.DataFrame({"o": owner.astype(np.int64), "v": values}).unique(maintain_order=True)
    grouped = frame.group_by("o", maintain_order=True).agg(pl.col("v"))
    full = pl.DataFrame({"o": np.arange(n, dtype=np.int64)}).join(grouped, on="o", how="left")
    return full["v"].fill_null(pl.lit([], dtype=pl.List(pl.String)))


def first_k(owner: np.ndarray, cols: np.ndarray, n: int, k: int, labels: np.ndarray) -> list[np.ndarray]:
    """The first k labels per owner (repeating the last one where an owner has fewer)."""
    counts = np.bincount(owner, minlength=n)
    starts = np.cumsum(counts) - counts
    out = []
    for j in range(k):
        pos = starts + np.minimum(j, np.maximum(counts - 1, 0))
        has = counts > 0
        col = np.full(n, "", dtype=object)
        col[has] = labels[cols[pos[has]]]
        out.append(col)
    return out


def jitter(rng: np.random.Generator, postcode_idx: np.ndarray, km: float) -> tuple[np.ndarray, np.ndarray]:
    """Points scattered about ``km`` around each postcode's centre: (lat, lon)."""
    lat = POSTCODES["lat"].to_numpy()[postcode_idx] + rng.normal(0, km / 111.0, len(postcode_idx))
    lon = POSTCODES["lon"].to_numpy()[postcode_idx] + rng.normal(0, km / 63.0, len(postcode_idx))
    return lat, lon

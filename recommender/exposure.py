"""Capacity- and congestion-aware re-ranking: spread exposure so one strong vacancy is not pushed to all.

Users are served in a fixed random order; each vacancy accumulates position-discounted exposure, and later
users see its score lowered by ``strength`` x (load / positions), in units of that user's score spread.
``strength=0`` returns the plain ranking. Existing applicants can seed the load (``initial_load``).
"""

from __future__ import annotations

import numpy as np


def spread_exposure(
    scores: np.ndarray,
    k: int,
    *,
    strength: float,
    positions: np.ndarray | None = None,
    initial_load: np.ndarray | None = None,
    seed: int = 0,
) -> np.ndarray:
    """Top-k item indices per user (shape users x k) after congestion penalties."""
    n_users, n_items = scores.shape
    k = min(k, n_items)
    if strength <= 0:
        return np.argsort(-scores, axis=1, kind="stable")[:, :k]
    capacity = np.maximum(np.ones(n_items) if positions is None else positions.astype(float), 1.0)
    load = np.zeros(n_items) if initial_load is None else initial_load.astype(float).copy()
    discount = 1.0 / np.log2(np.arange(2, k + 2))
    out = np.empty((n_users, k), dtype=np.int64)
    for u in np.random.default_rng(seed).permutation(n_users):
        row = scores[u]
        spread = float(row.std()) or 1.0
        adjusted = row - strength * spread * load / capacity
        top = np.argsort(-adjusted, kind="stable")[:k]
        out[u] = top
        load[top] += discount
    return out

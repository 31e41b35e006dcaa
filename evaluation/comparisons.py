"""Paired comparisons of rankers on the same test citizens: differences and shares of the oracle, each with a
percentile bootstrap over citizens (``core.stats``), so two models' noise is not counted twice."""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl

from core.stats import paired_difference_ci, ratio_ci
from evaluation.metrics import per_user_metrics


def per_user(recs: pl.DataFrame, truth: pl.DataFrame, metric: str = "ndcg", k: int = 10) -> np.ndarray:
    """One value per truth citizen, in seeker-id order (the same order for every model)."""
    return per_user_metrics(recs, truth, k)[f"{metric}@{k}"].to_numpy()


def differences(
    values: dict[str, np.ndarray], reference: str, *, seed: int = 0, n_boot: int = 1000
) -> dict[str, dict[str, Any]]:
    """``reference`` minus each other model: mean difference and its paired 95% CI."""
    ref = values[reference]
    out = {}
    for name, v in values.items():
        if name == reference:
            continue
        lo, hi = paired_difference_ci(ref, v, n_boot=n_boot, seed=seed)
        out[name] = {"value": float(np.mean(ref - v)), "ci": [lo, hi]}
    return out


def shares_of(
    values: dict[str, np.ndarray], bound: str, *, seed: int = 0, n_boot: int = 1000
) -> dict[str, dict[str, Any]]:
    """Each model's mean over ``bound``'s mean, with a paired bootstrap CI of the ratio."""
    den = values[bound]
    total = float(den.sum())
    out = {}
    for name, v in values.items():
        lo, hi = ratio_ci(v, den, n_boot=n_boot, seed=seed)
        out[name] = {"value": float(v.sum()) / total if total else float("nan"), "ci": [lo, hi]}
    return out

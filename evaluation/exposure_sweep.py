"""Congestion re-ranking of the hybrid's lists: NDCG@10 against how concentrated exposure becomes."""

from __future__ import annotations

import numpy as np
import polars as pl

from data import columns as C
from evaluation.metrics import evaluate
from recommender.context import RecContext
from recommender.exposure import spread_exposure

K_MAX = 50


def _frame(
    ctx: RecContext, users: np.ndarray, items: np.ndarray, top: np.ndarray, scores: np.ndarray
) -> pl.DataFrame:
    kk = top.shape[1]
    return pl.DataFrame(
        {
            C.SEEKER_ID: np.repeat(ctx.seekers.external(users), kk),
            C.VACANCY_ID: ctx.vacancies.external(items[top].ravel()),
            "rank": np.tile(np.arange(1, kk + 1), len(users)),
            "score": scores.ravel().astype(np.float64),
        }
    )


def exposure_sweep(
    ctx: RecContext, scores: dict[str, np.ndarray], users: dict[str, np.ndarray], items: dict[str, np.ndarray],
    truth: pl.DataFrame, n_candidates: int, seed: int,
) -> list[dict[str, float]]:  # fmt: skip
    """NDCG@10 against concentration for several congestion strengths. Concentration is measured per
    open position (a vacancy with five positions should see five times the candidates) and as the share
    of all top-10 exposure that the most exposed 1% of vacancies receive."""
    positions = ctx.vacancy_array("positions").astype(float)
    discount = 1.0 / np.log2(np.arange(2, 12))
    out = []
    for strength in (0.0, 0.25, 0.5, 1.0, 2.0):
        frames, per_position, exposure_all = [], [], []
        for a in users:
            top = spread_exposure(
                scores[a], K_MAX, strength=strength, positions=positions[items[a]], seed=seed
            )
            frames.append(_frame(ctx, users[a], items[a], top, np.take_along_axis(scores[a], top, axis=1)))
            exposure = np.zeros(len(items[a]))
            np.add.at(exposure, top[:, :10].ravel(), np.tile(discount, len(top)))
            exposure_all.append(exposure)
            per_position.append(exposure / positions[items[a]])
        m = evaluate(pl.concat(frames), truth, (10,), catalogue_size=n_candidates, seed=seed)
        expo = np.concatenate(exposure_all)
        top_share = np.sort(expo)[::-1][: max(1, len(expo) // 100)].sum() / max(expo.sum(), 1e-12)
        out.append({"strength": strength, "ndcg@10": m["ndcg@10"]["value"], "gini@10": m["gini@10"]["value"],
                    "gini_per_position@10": _gini(np.concatenate(per_position)),
                    "top1pct_exposure_share@10": float(top_share), "coverage@10": m["coverage@10"]["value"]})  # fmt: skip
    return out


def _gini(values: np.ndarray) -> float:
    x = np.sort(np.asarray(values, dtype=float))
    n = len(x)
    return float((2 * np.arange(1, n + 1) - n - 1) @ x / (n * x.sum())) if n and x.sum() > 0 else 0.0

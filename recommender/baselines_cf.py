"""The collaborative peer: implicit-feedback ALS (the ``implicit`` package), learning from who applied where
and nothing else. Citizens and vacancies without history score zero."""

from __future__ import annotations

import numpy as np
import polars as pl

from data.interactions import interaction_matrix
from recommender.base import Recommender
from recommender.context import RecContext


class ALSRecommender(Recommender):
    """Hu, Koren and Volinsky's ALS on gains as confidences (1 + alpha x gain)."""

    name = "als"

    def __init__(
        self, factors: int = 32, regularization: float = 0.05, alpha: float = 10.0, iterations: int = 15,
        seed: int = 0,
    ) -> None:  # fmt: skip
        self.factors, self.regularization, self.alpha = factors, regularization, alpha
        self.iterations, self.seed = iterations, seed
        self.user_factors_: np.ndarray | None = None
        self.item_factors_: np.ndarray | None = None

    def fit(self, ctx: RecContext, positives: pl.DataFrame) -> ALSRecommender:
        from implicit.cpu.als import AlternatingLeastSquares
        from threadpoolctl import threadpool_limits

        matrix = interaction_matrix(positives, ctx.seekers, ctx.vacancies).tocsr()
        with threadpool_limits(1, "blas"):  # implicit runs its own threads; a BLAS pool under it thrashes
            model = AlternatingLeastSquares(
                factors=self.factors, regularization=self.regularization, alpha=self.alpha,
                iterations=self.iterations, random_state=self.seed, num_threads=1,
            )  # fmt: skip
            model.fit(matrix, show_progress=False)
        self.user_factors_ = np.asarray(model.user_factors)
        self.item_factors_ = np.asarray(model.item_factors)
        return self

    def score_matrix(self, ctx: RecContext, users: np.ndarray, items: np.ndarray) -> np.ndarray:
        self._check_fitted("user_factors_", "item_factors_")
        assert self.user_factors_ is not None and self.item_factors_ is not None
        return np.asarray(self.user_factors_[users] @ self.item_factors_[items].T, dtype=np.float32)

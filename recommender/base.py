"""What every recommender shares: fit returns self, fitted state ends in ``_``, unfitted use is an error,
and scoring is batch-first (a users x items matrix), so serving is matrix products, never pair loops."""

from __future__ import annotations

from abc import ABC, abstractmethod

import numpy as np
import polars as pl

from core.errors import NotFittedError
from data import columns as C
from recommender.context import RecContext


class Recommender(ABC):
    name: str = "recommender"

    @abstractmethod
    def fit(self, ctx: RecContext, positives: pl.DataFrame) -> Recommender:
        """Learn from (seeker_id, vacancy_id, gain) positives; returns self."""

    @abstractmethod
    def score_matrix(self, ctx: RecContext, users: np.ndarray, items: np.ndarray) -> np.ndarray:
        """Scores of shape (len(users), len(items)) for context row numbers; higher is better."""

    def _check_fitted(self, *attrs: str) -> None:
        missing = [a for a in attrs if getattr(self, a, None) is None]
        if missing:
            raise NotFittedError(f"{type(self).__name__} is not fitted (missing {missing}): call fit() first")

    def recommend(
        self, ctx: RecContext, seeker_ids: list[str], candidates: np.ndarray | None = None, k: int = 10
    ) -> pl.DataFrame:
        """Top-k vacancies per seeker among ``candidates`` (vacancy rows; default all), as a tidy frame.

        Unknown seeker ids raise KeyError; an empty seeker list gives an empty frame.
        """
        schema = {C.SEEKER_ID: pl.String, C.VACANCY_ID: pl.String, "rank": pl.Int64, "score": pl.Float64}
        if not seeker_ids or k <= 0:
            return pl.DataFrame(schema=schema)
        users = ctx.seekers.rows(seeker_ids)
        items = (
            np.arange(len(ctx.vacancies)) if candidates is None else np.asarray(candidates, dtype=np.int64)
        )
        if len(items) == 0:
            return pl.DataFrame(schema=schema)
        scores = self.score_matrix(ctx, users, items)
        top = np.argsort(-scores, axis=1, kind="stable")[:, :k]
        kk = top.shape[1]
        return pl.DataFrame(
            {
                C.SEEKER_ID: np.repeat(np.asarray(seeker_ids, dtype=object), kk),
                C.VACANCY_ID: ctx.vacancies.external(items[top].ravel()),
                "rank": np.tile(np.arange(1, kk + 1), len(seeker_ids)),
                "score": np.take_along_axis(scores, top, axis=1).ravel().astype(np.float64),
            },
            schema=schema,
        )

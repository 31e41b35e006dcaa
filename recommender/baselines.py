"""Baselines every model must beat, behind the same interface: popularity, skill overlap, embedding only."""

from __future__ import annotations

import numpy as np
import polars as pl

from data.interactions import interaction_matrix
from recommender.base import Recommender
from recommender.context import RecContext
from recommender.signals import content_signals


class PopularityRecommender(Recommender):
    """Vacancies ranked by weighted applications in the training period (new ads score zero)."""

    name = "popularity"

    def __init__(self) -> None:
        self.popularity_: np.ndarray | None = None

    def fit(self, ctx: RecContext, positives: pl.DataFrame) -> PopularityRecommender:
        matrix = interaction_matrix(positives, ctx.seekers, ctx.vacancies).tocsc()
        self.popularity_ = np.asarray(matrix.sum(axis=0)).ravel().astype(np.float32)
        return self

    def score_matrix(self, ctx: RecContext, users: np.ndarray, items: np.ndarray) -> np.ndarray:
        self._check_fitted("popularity_")
        assert self.popularity_ is not None
        # a tiny recency tie-break so cold vacancies are not ordered arbitrarily
        posted = (
            ctx.vacancy_array("posted")[items].astype("datetime64[D]").astype(np.int64).astype(np.float32)
        )
        score = self.popularity_[items] + 1e-6 * (posted - posted.min(initial=0))
        return np.repeat(score[None, :], len(users), axis=0)


class _SignalRecommender(Recommender):
    signal: str = ""

    def fit(self, ctx: RecContext, positives: pl.DataFrame) -> _SignalRecommender:
        return self

    def score_matrix(self, ctx: RecContext, users: np.ndarray, items: np.ndarray) -> np.ndarray:
        return content_signals(ctx, users, items)[self.signal]


class SkillOverlapRecommender(_SignalRecommender):
    """Share of the vacancy's essential skills the citizen has."""

    name = "skill_overlap"
    signal = "essential_coverage"


class EmbeddingRecommender(_SignalRecommender):
    """Cosine of the profile and ad text embeddings (needs vectors in the context)."""

    name = "embedding"
    signal = "similarity"

    def score_matrix(self, ctx: RecContext, users: np.ndarray, items: np.ndarray) -> np.ndarray:
        if ctx.seeker_vectors is None or ctx.vacancy_vectors is None:
            raise ValueError("the embedding baseline needs seeker and vacancy vectors in the context")
        return super().score_matrix(ctx, users, items)

"""Baselines that learn nothing from behaviour: a desired-occupation rule (also weighted by the time left to
apply) and two text matchers.

They are the bar a learning ranker must clear: the rule is what a consultant would do by hand ("a job in
one of your wished occupations, the one whose essential skills you cover best first"); char TF-IDF and BM25
match the citizen's profile text against the ad text, as a search engine would.
"""

from __future__ import annotations

import re

import numpy as np
import polars as pl
import scipy.sparse as sp
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer

from recommender.base import Recommender
from recommender.context import RecContext
from recommender.features import timing


class RuleRecommender(Recommender):
    """Desired occupation first, ties broken by the share of the vacancy's essential skills covered."""

    name = "rule"

    def fit(self, ctx: RecContext, positives: pl.DataFrame) -> RuleRecommender:
        return self

    def score_matrix(self, ctx: RecContext, users: np.ndarray, items: np.ndarray) -> np.ndarray:
        ess = ctx.vacancy_essential[items]
        coverage = (ctx.seeker_skills[users] @ ess.T).toarray() / np.maximum(
            np.asarray(ess.sum(axis=1)).ravel(), 1.0
        )[None, :]
        wanted = ctx.desired_occupations
        desired = wanted.seekers[users][:, wanted.vacancy_columns[items]].toarray()
        # coverage is in [0, 1], so halving it keeps every desired vacancy above every other one
        return np.asarray(desired + 0.5 * coverage, dtype=np.float32)


class TimedRuleRecommender(RuleRecommender):
    """The rule weighted by the share of each vacancy's posting period still ahead when first seen: a
    hand-made use of the deadline, the bar for what the ranker's timing features learn."""

    name = "rule_timed"

    def score_matrix(self, ctx: RecContext, users: np.ndarray, items: np.ndarray) -> np.ndarray:
        share = timing(ctx, items)["open_share"]
        return np.asarray(super().score_matrix(ctx, users, items) * share[None, :], dtype=np.float32)


class _TextRecommender(Recommender):
    """Scores from profile and ad texts aligned to the context's rows; ``fit`` builds the text model."""

    def __init__(self, seeker_texts: list[str], vacancy_texts: list[str]) -> None:
        self.seeker_texts, self.vacancy_texts = seeker_texts, vacancy_texts
        self.seeker_matrix_: sp.csr_matrix | None = None
        self.vacancy_matrix_: sp.csr_matrix | None = None

    def score_matrix(self, ctx: RecContext, users: np.ndarray, items: np.ndarray) -> np.ndarray:
        self._check_fitted("seeker_matrix_", "vacancy_matrix_")
        assert self.seeker_matrix_ is not None and self.vacancy_matrix_ is not None
        scores = self.seeker_matrix_[users] @ self.vacancy_matrix_[items].T
        return np.asarray(scores.toarray(), dtype=np.float32)

    def _check_aligned(self, ctx: RecContext) -> None:
        if len(self.seeker_texts) != len(ctx.seekers) or len(self.vacancy_texts) != len(ctx.vacancies):
            raise ValueError("texts must give one profile per seeker and one ad per vacancy of the context")


class TfidfRecommender(_TextRecommender):
    """Cosine of char n-gram (3-5, within words) TF-IDF vectors of profile and ad text."""

    name = "tfidf_char"

    def fit(self, ctx: RecContext, positives: pl.DataFrame) -> TfidfRecommender:
        self._check_aligned(ctx)
        vectoriser = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True, min_df=2)
        both = sp.csr_matrix(vectoriser.fit_transform(self.seeker_texts + self.vacancy_texts))  # one pass
        self.seeker_matrix_ = both[: len(self.seeker_texts)]
        self.vacancy_matrix_ = both[len(self.seeker_texts) :]
        return self


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


class BM25Recommender(_TextRecommender):
    """Okapi BM25 of the ad (document) for the profile's words (query): for each query word t,
    idf(t) * tf (k1 + 1) / (tf + k1 (1 - b + b |ad| / mean |ad|)), with idf = ln(1 + (N - n_t + .5) / (n_t + .5))."""

    name = "bm25"

    def __init__(
        self, seeker_texts: list[str], vacancy_texts: list[str], k1: float = 1.2, b: float = 0.75
    ) -> None:
        super().__init__(seeker_texts, vacancy_texts)
        self.k1, self.b = k1, b

    def fit(self, ctx: RecContext, positives: pl.DataFrame) -> BM25Recommender:
        self._check_aligned(ctx)
        counter = CountVectorizer(tokenizer=_words, lowercase=False, token_pattern=None)
        tf = sp.csr_matrix(counter.fit_transform(self.vacancy_texts), dtype=np.float64)
        n_docs = tf.shape[0]
        df = np.bincount(tf.indices, minlength=tf.shape[1])
        idf = np.log1p((n_docs - df + 0.5) / (df + 0.5))
        length = np.asarray(tf.sum(axis=1)).ravel()
        norm = self.k1 * (1 - self.b + self.b * length / max(length.mean(), 1e-9))
        rows = np.repeat(np.arange(n_docs), np.diff(tf.indptr))
        weights = tf.copy()
        weights.data = idf[tf.indices] * tf.data * (self.k1 + 1) / (tf.data + norm[rows])
        self.vacancy_matrix_ = weights
        query = sp.csr_matrix(counter.transform(self.seeker_texts), dtype=np.float64)
        query.data[:] = 1.0  # each distinct query word counts once
        self.seeker_matrix_ = query
        return self

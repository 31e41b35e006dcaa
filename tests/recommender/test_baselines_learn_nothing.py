"""The baselines the hybrid must beat: the desired-occupation rule, char TF-IDF, BM25 and implicit ALS."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest

from core.errors import NotFittedError
from recommender.baselines_cf import ALSRecommender
from recommender.baselines_text import BM25Recommender, RuleRecommender, TfidfRecommender
from tests.recommender.test_conformance import CTX, POSITIVES

SEEKER_TEXTS = [" ".join(s) for s in CTX.seekers_frame["skills"].to_list()]
VACANCY_TEXTS = [" ".join(s) for s in CTX.vacancies_frame["essential_skills"].to_list()]
TRADE_OF_VACANCY = np.array([v.split("-")[1] for v in CTX.vacancies.ids.tolist()])


def _top_trades(model: object, seeker: str, k: int = 8) -> set[str]:
    recs = model.recommend(CTX, [seeker], k=k)  # type: ignore[attr-defined]
    return {v.split("-")[1] for v in recs["vacancy_id"].to_list()}


@pytest.mark.parametrize("make", [RuleRecommender, lambda: TfidfRecommender(SEEKER_TEXTS, VACANCY_TEXTS),
                                  lambda: BM25Recommender(SEEKER_TEXTS, VACANCY_TEXTS)])  # fmt: skip
def test_learn_nothing_baselines_find_the_citizens_trade(make: object) -> None:
    model = make().fit(CTX, POSITIVES.clear())  # type: ignore[operator]  # no history needed
    for seeker in ("S-lager-7", "S-pleje-0", "S-kok-3"):
        assert _top_trades(model, seeker) == {seeker.split("-")[1]}


def test_rule_puts_desired_occupations_first_then_coverage() -> None:
    users = CTX.seekers.rows(["S-lager-0"])
    scores = RuleRecommender().score_matrix(CTX, users, np.arange(len(CTX.vacancies)))[0]
    desired = TRADE_OF_VACANCY == "lager"
    assert scores[desired].min() > scores[~desired].max()
    assert np.allclose(scores[desired], 1.5) and np.allclose(scores[~desired], 0.0)  # full coverage, none


def test_bm25_matches_the_okapi_formula_by_hand() -> None:
    model = BM25Recommender(SEEKER_TEXTS, VACANCY_TEXTS, k1=1.2, b=0.75).fit(CTX, POSITIVES)
    score = model.score_matrix(CTX, CTX.seekers.rows(["S-kok-0"]), CTX.vacancies.rows(["V-kok-0"]))[0, 0]
    n_docs, df = len(VACANCY_TEXTS), 8  # each trade's words appear in its 8 ads, once each, 2 words per ad
    idf = math.log(1 + (n_docs - df + 0.5) / (df + 0.5))
    per_word = idf * 1 * 2.2 / (1 + 1.2 * (1 - 0.75 + 0.75 * 2 / 2))
    assert score == pytest.approx(2 * per_word, rel=1e-5)


def test_als_learns_who_applies_where() -> None:
    # history pairs citizen i with vacancy j of its trade when i + j is even: six clusters (trade x parity)
    model = ALSRecommender(factors=8, iterations=20, seed=0).fit(CTX, POSITIVES)
    for seeker, applied in (("S-lager-1", {"V-lager-1", "V-lager-3", "V-lager-5"}),
                            ("S-pleje-2", {"V-pleje-0", "V-pleje-2", "V-pleje-4"})):  # fmt: skip
        assert set(model.recommend(CTX, [seeker], k=3)["vacancy_id"].to_list()) == applied
    cold = model.score_matrix(CTX, CTX.seekers.rows(["S-kok-7"]), np.arange(len(CTX.vacancies)))
    assert np.allclose(cold, 0.0)  # no history, no signal


def test_unfitted_and_misaligned_are_errors() -> None:
    with pytest.raises(NotFittedError):
        TfidfRecommender(SEEKER_TEXTS, VACANCY_TEXTS).score_matrix(CTX, np.array([0]), np.array([0]))
    with pytest.raises(NotFittedError):
        ALSRecommender().score_matrix(CTX, np.array([0]), np.array([0]))
    with pytest.raises(ValueError, match="one profile per seeker"):
        BM25Recommender(SEEKER_TEXTS[:-1], VACANCY_TEXTS).fit(CTX, pl.DataFrame())

"""The evaluation ranks through the same funnel as the service: for sampled citizens, the lists the
evaluation's code path gives equal what RecommendationService serves."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from core.settings import Settings
from data.store import Store
from evaluation.served import Funnel, served_top
from recommender.service import RecommendationService
from recommender.serving import RETRIEVAL_DEPTH, hard_filters, retrieval_scores, retrieve


@pytest.fixture(scope="module")
def service(built_home: Path) -> RecommendationService:
    settings = Settings(home=built_home)
    with Store(settings.db_path, read_only=True) as store:
        return RecommendationService.open(settings, store)


def _served_like_evaluation(service: RecommendationService, seeker: str, k: int, depth: int) -> list[str]:
    ctx = service.ctx
    users, items = ctx.seekers.rows([seeker]), np.arange(len(ctx.vacancies))
    is_open = ctx.vacancy_array("status") == "open"
    funnel = Funnel(users, items, hard_filters(ctx, users, items, is_open), retrieval_scores(ctx, users, items),
                    hard_filters(ctx, users, items, is_open, hours_tolerance=10**6))  # fmt: skip
    scores = service.model.score_matrix(ctx, users, items)
    top = served_top(scores, funnel.lists(depth), k)[0]
    return ctx.vacancies.external(items[top]).tolist()


@pytest.mark.parametrize("depth", [RETRIEVAL_DEPTH, 15])
def test_evaluation_path_equals_the_service(service: RecommendationService, depth: int) -> None:
    sample = np.random.default_rng(0).choice(service.ctx.seekers.ids, 25, replace=False)
    compared = 0
    for seeker in sample.tolist():
        served = service.for_seeker(seeker, k=10, candidates_k=depth)["vacancy_id"].to_list()
        assert _served_like_evaluation(service, seeker, 10, depth) == served, seeker
        compared += bool(served)
    assert compared >= 15  # most sampled citizens get suggestions, so the comparison is not vacuous


def test_retrieve_keeps_filtered_best_first_up_to_depth() -> None:
    retrieval = np.array([[0.9, 0.1, 0.8, 0.8, 0.2]])
    allowed = np.array([[False, True, True, True, True]])
    assert retrieve(retrieval, allowed, None)[0].tolist() == [2, 3, 4, 1]  # ties keep column order
    assert retrieve(retrieval, allowed, 2)[0].tolist() == [2, 3]


def _timing(frame: pl.DataFrame, vacancy_id: str) -> float:
    row = frame.filter(pl.col("vacancy_id") == vacancy_id)
    return float(json.loads(row["why_contributions"][0]).get("timing", 0.0))


def test_the_service_ranks_as_of_the_matchers_today(built_home: Path) -> None:
    """Timing features read the day a list is made: a process that outlives a calendar day (a store with no
    recorded date of its own) ranks by the new day's days to each deadline."""
    settings = Settings(home=built_home)
    with Store(settings.db_path, read_only=True) as store:
        service = RecommendationService.open(settings, store)
    seeker = service.ctx.seekers.ids[0]
    first = service.for_seeker(seeker, k=5)
    today = service.matcher.today()
    assert service.ctx.as_of is not None and service.ctx.as_of.day == today
    later = today + timedelta(days=20)
    service.matcher._recorded_today = later.isoformat()  # the calendar moved on
    second = service.for_seeker(seeker, k=5)
    assert service.ctx.as_of.day == later
    # a vacancy shown both days is twenty days nearer its deadline: its timing contribution changed
    same = sorted(set(first["vacancy_id"].to_list()) & set(second["vacancy_id"].to_list()))
    assert same
    assert _timing(first, same[0]) != _timing(second, same[0])

"""How a citizen's suggestions are chosen when served, as functions both the service and the evaluation call,
so a change to serving moves the evaluation too.

Serving is a funnel: hard filters (an open vacancy, within the citizen's own commuting limit, hours within
a tolerance), then retrieval (the ``depth`` vacancies whose ad text is closest to the profile), then the
model's re-ranking of what was retrieved (ties keep the retrieval order), top ``k`` shown. A vacancy the
funnel drops can never be suggested, however well the model would score it: the evaluation reports that
share separately (``reachable``).
"""

from __future__ import annotations

import numpy as np

from data.geography import haversine_km
from matching.retrieval import HOURS_TOLERANCE
from recommender.context import RecContext

# How many filtered vacancies retrieval passes to the ranker. The depth sweep of `jobmatch evaluate`
# (evaluation/results/recommender/report.md) on the default world: served NDCG@10 is flat from 100 on
# (0.2311 at 100, 0.2316 at 200, 0.2318 unlimited) while the reachable share of test positives keeps
# rising (53.6%, 55.3%, 57.0% at 400, 61.2% unlimited), so the sweep's rule picks "unlimited". Kept at 200
# until the matcher's per-row explanation cost at larger depths is measured (`jobmatch bench dashboard`).
RETRIEVAL_DEPTH = 200


def hard_filters(
    ctx: RecContext, users: np.ndarray, items: np.ndarray, is_open: np.ndarray,
    *, hours_tolerance: int = HOURS_TOLERANCE, max_distance_km: float | None = None,
) -> np.ndarray:  # fmt: skip
    """(len(users), len(items)) booleans: the vacancy is open (``is_open``, per item), within the citizen's
    commuting limit (or ``max_distance_km``) and its hours within ``hours_tolerance`` of those wanted; the
    same rule as ``matching.retrieval.Matcher.vacancies_for_seeker``."""
    dist = haversine_km(
        ctx.seeker_array("lat")[users][:, None].astype(np.float64),
        ctx.seeker_array("lon")[users][:, None].astype(np.float64),
        ctx.vacancy_array("lat")[items][None, :], ctx.vacancy_array("lon")[items][None, :],
    )  # fmt: skip
    if max_distance_km is None:
        limit = ctx.seeker_array("max_commute_km")[users].astype(np.float64)[:, None]
    else:
        limit = np.full((len(users), 1), float(max_distance_km))
    hours_gap = np.abs(
        ctx.vacancy_array("hours")[items].astype(np.int64)[None, :]
        - ctx.seeker_array("hours_wanted")[users].astype(np.int64)[:, None]
    )
    allowed: np.ndarray = (dist <= limit) & (hours_gap <= hours_tolerance) & np.asarray(is_open)[None, :]
    return allowed


def retrieval_scores(ctx: RecContext, users: np.ndarray, items: np.ndarray) -> np.ndarray:
    """Cosine of profile and ad vectors (the matching index's score), (len(users), len(items))."""
    if ctx.seeker_vectors is None or ctx.vacancy_vectors is None:
        raise ValueError("serving needs seeker and vacancy vectors in the context")
    scores: np.ndarray = ctx.seeker_vectors[users] @ ctx.vacancy_vectors[items].T
    return scores


def retrieve(retrieval: np.ndarray, allowed: np.ndarray, depth: int | None) -> list[np.ndarray]:
    """Per user (row), the column indices that pass the filters, best retrieval score first (stable), at most
    ``depth`` of them (``None``: all)."""
    out = []
    for row, ok in zip(retrieval, allowed, strict=True):
        candidates = np.flatnonzero(ok)
        order = candidates[np.argsort(-row[candidates], kind="stable")]
        out.append(order if depth is None else order[:depth])
    return out


def rerank(scores: np.ndarray, k: int) -> np.ndarray:
    """Positions of the top ``k`` of retrieved candidates (given in retrieval order) by the model's score;
    ties keep the retrieval order."""
    order: np.ndarray = np.argsort(-np.asarray(scores), kind="stable")[:k]
    return order

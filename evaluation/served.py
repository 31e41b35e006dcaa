"""The serving funnel applied to the test period: every model re-ranks what serving would retrieve.

Per area, the candidates are the vacancies open at some point in the test window (what a consultant could
have been shown then). ``recommender.serving`` filters them (commute, hours) and retrieves the ``depth`` best
by text similarity, and each model re-ranks those; no other path leads to a suggestion. The share of test
positives the funnel keeps (``reachable``) bounds every served model's recall.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from data import columns as C
from recommender.context import RecContext
from recommender.serving import hard_filters, rerank, retrieval_scores, retrieve


@dataclass
class Funnel:
    """One area's test citizens (rows), candidates (columns), filter mask and retrieval scores."""

    users: np.ndarray
    items: np.ndarray
    allowed: np.ndarray
    retrieval: np.ndarray
    within_commute: np.ndarray  # the commute filter alone, to say which filter drops a positive

    @classmethod
    def build(cls, ctx: RecContext, users: np.ndarray, items: np.ndarray) -> Funnel:
        is_open = np.ones(len(items), dtype=bool)  # candidates are the vacancies open in the window
        return cls(
            users, items, hard_filters(ctx, users, items, is_open), retrieval_scores(ctx, users, items),
            hard_filters(ctx, users, items, is_open, hours_tolerance=10**6),
        )  # fmt: skip

    def lists(self, depth: int | None) -> list[np.ndarray]:
        return retrieve(self.retrieval, self.allowed, depth)


def served_top(scores: np.ndarray, lists: list[np.ndarray], k: int) -> list[np.ndarray]:
    """Per user, the column indices shown: the retrieved list re-ranked by the model's ``scores`` row."""
    return [cand[rerank(row[cand], k)] for row, cand in zip(scores, lists, strict=True)]


def recs_frame(ctx: RecContext, funnel: Funnel, top: list[np.ndarray], scores: np.ndarray) -> pl.DataFrame:
    """Tidy (seeker, vacancy, rank, score) rows of the lists shown."""
    counts = np.array([len(t) for t in top], dtype=np.int64)
    cols = np.concatenate(top) if len(top) else np.zeros(0, dtype=np.int64)
    rows = np.repeat(np.arange(len(top)), counts)
    return pl.DataFrame(
        {
            C.SEEKER_ID: ctx.seekers.external(funnel.users[rows]) if len(rows) else [],
            C.VACANCY_ID: ctx.vacancies.external(funnel.items[cols]) if len(cols) else [],
            "rank": np.concatenate([np.arange(1, n + 1) for n in counts]) if len(rows) else [],
            "score": scores[rows, cols].astype(np.float64),
        },
        schema={C.SEEKER_ID: pl.String, C.VACANCY_ID: pl.String, "rank": pl.Int64, "score": pl.Float64},
    )


def reachability(
    ctx: RecContext, funnels: list[Funnel], truth: pl.DataFrame, depth: int | None
) -> dict[str, float]:
    """Shares of test positives: outside the citizen's area or not open in the window (so beyond any commute
    or closed), dropped by the commute filter, by the hours filter, beyond the retrieval depth, and
    reachable (the rest)."""
    counts = {"outside_area_or_window": 0, "filtered_commute": 0, "filtered_hours": 0, "beyond_depth": 0,
              "reachable": 0}  # fmt: skip
    users = ctx.seekers.rows(truth[C.SEEKER_ID].to_list(), missing=-1)
    items = ctx.vacancies.rows(truth[C.VACANCY_ID].to_list(), missing=-1)
    by_user: dict[int, list[int]] = {}
    for u, v in zip(users.tolist(), items.tolist(), strict=True):
        by_user.setdefault(u, []).append(v)
    for funnel in funnels:
        col_of = {int(v): j for j, v in enumerate(funnel.items)}
        for r, (u, retrieved) in enumerate(zip(funnel.users.tolist(), funnel.lists(depth), strict=True)):
            kept = set(retrieved.tolist())
            for v in by_user.pop(u, []):
                j = col_of.get(v)
                key = ("outside_area_or_window" if j is None
                       else "filtered_commute" if not funnel.within_commute[r, j]
                       else "filtered_hours" if not funnel.allowed[r, j]
                       else "reachable" if j in kept else "beyond_depth")  # fmt: skip
                counts[key] += 1
    counts["outside_area_or_window"] += sum(len(v) for v in by_user.values())  # citizens outside both areas
    total = max(sum(counts.values()), 1)
    return {k: v / total for k, v in counts.items()}

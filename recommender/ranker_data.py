"""What the ranker learns from: labels read from events, and training examples grouped per citizen.

- Citizen side: a pair is a positive when the citizen applied (any application step, an employer's
  'rejected', which follows an application, or a consultant's accepted suggestion); negatives are sampled
  from the citizen's candidates, plus the suggestions a consultant vetoed (``vetoed`` events only) and,
  optionally, what the citizen was shown and did not apply to.
- Employer side: one row per application; positive when it reached an interview. An application the
  employer rejected is a negative here, never a veto.

History is cut into consecutive windows as long as the serving horizon (:func:`windows`); each window is
ranked as of its first day, as a consultant would have seen it then: which vacancies were open, for how
long, and which of them serving would have retrieved (:func:`served_pools`), whose non-applications are the
negatives.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import polars as pl

from data import columns as C
from data.interactions import POSITIVE_EVENTS, pair_outcomes
from recommender.context import AsOf, RecContext
from recommender.serving import RETRIEVAL_DEPTH, hard_filters, retrieve

# Events that prove the citizen applied (a rejection follows an application).
APPLIED_EVENTS = (*POSITIVE_EVENTS, C.REJECTED)
SEEN_EVENTS = ("shown", "viewed")


def apply_labels(events: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """``(positives, vetoes)``: distinct (seeker, vacancy) pairs, sorted; a vetoed pair the citizen applied
    to anyway stays a positive."""
    event = pl.col(C.EVENT)
    pairs = [C.SEEKER_ID, C.VACANCY_ID]
    positives = events.filter(event.is_in(list(APPLIED_EVENTS))).select(pairs).unique().sort(pairs)
    vetoes = events.filter(event == C.VETOED).select(pairs).unique().join(positives, on=pairs, how="anti")
    return positives, vetoes.sort(pairs)


def seen_not_applied(events: pl.DataFrame) -> pl.DataFrame:
    """Pairs the citizen was shown or viewed and did not apply to: negatives the citizen chose."""
    pairs = [C.SEEKER_ID, C.VACANCY_ID]
    seen = events.filter(pl.col(C.EVENT).is_in(list(SEEN_EVENTS))).select(pairs).unique()
    return seen.join(apply_labels(events)[0], on=pairs, how="anti").sort(pairs)


def callback_labels(events: pl.DataFrame) -> pl.DataFrame:
    """One row per application with its ``interview`` flag (see :func:`data.interactions.pair_outcomes`);
    rows whose only trace is the employer's rejection count as applications without an interview."""
    rejected_only = (
        events.filter(pl.col(C.EVENT) == C.REJECTED).select(C.SEEKER_ID, C.VACANCY_ID).unique()
        .with_columns(pl.lit(C.APPLIED).alias(C.EVENT))
    )  # fmt: skip
    steps = events.select(C.SEEKER_ID, C.VACANCY_ID, C.EVENT)
    return pair_outcomes(pl.concat([steps, rejected_only.select(steps.columns)]))


@dataclass(frozen=True)
class Examples:
    """Feature rows, labels and (for ranking) the size of each citizen's group, in row order."""

    x: np.ndarray
    y: np.ndarray
    groups: np.ndarray

    @classmethod
    def concat(cls, parts: list[Examples]) -> Examples:
        return cls(np.vstack([p.x for p in parts]), np.concatenate([p.y for p in parts]),
                   np.concatenate([p.groups for p in parts]))  # fmt: skip


def windows(events: pl.DataFrame, count: int, days: int) -> list[tuple[AsOf, pl.DataFrame]]:
    """Up to ``count`` consecutive windows of ``days`` ending with the last event, newest first, each with
    the day it is ranked as of; windows without an application are left out."""
    last = events["ts"].max()
    if not isinstance(last, datetime):
        return []
    end = last + timedelta(microseconds=1)
    out = []
    for _ in range(count):
        start = end - timedelta(days=days)
        frame = events.filter((pl.col("ts") >= start) & (pl.col("ts") < end))
        if frame.filter(pl.col(C.EVENT).is_in(list(APPLIED_EVENTS))).height:
            out.append((AsOf.window(start, end), frame))
        end = start
    return out


def served_pools(
    ctx: RecContext, seeker_ids: list[str], depth: int | None = RETRIEVAL_DEPTH
) -> dict[str, np.ndarray]:
    """Per citizen, the vacancy rows serving would have retrieved on ``ctx``'s day: open at some point in the
    horizon, within the commute and hours tolerance, the ``depth`` closest by text (all filtered ones
    without text vectors)."""
    as_of = ctx.today()
    posted = ctx.vacancy_array("posted").astype("datetime64[D]")
    deadline = ctx.vacancy_array("deadline").astype("datetime64[D]")
    items = np.flatnonzero(
        (posted < np.datetime64(as_of.end, "D")) & (deadline >= np.datetime64(as_of.day, "D"))
    )
    users = ctx.seekers.rows(seeker_ids, missing=-1)
    known = users >= 0
    pools: dict[str, np.ndarray] = {}
    ids = np.asarray(seeker_ids, dtype=object)[known]
    users = users[known]
    step = max(1, 2_000_000 // max(len(items), 1))
    for start in range(0, len(users), step):
        chunk = users[start : start + step]
        allowed = hard_filters(ctx, chunk, items, np.ones(len(items), dtype=bool))
        if ctx.seeker_vectors is not None and ctx.vacancy_vectors is not None:
            lists = retrieve(ctx.seeker_vectors[chunk] @ ctx.vacancy_vectors[items].T, allowed, depth)
        else:
            lists = [np.flatnonzero(row) for row in allowed]
        for sid, cols in zip(ids[start : start + step].tolist(), lists, strict=True):
            pools[sid] = items[cols]
    return pools


FeatureFn = Callable[[np.ndarray, np.ndarray], np.ndarray]  # aligned (users, items) -> (pairs, features)


def apply_examples(
    ctx: RecContext, events: pl.DataFrame, features: FeatureFn, *, negatives: int, seed: int,
    candidates: dict[str, np.ndarray] | None = None, seen_negatives: bool = False,
    max_citizens: int | None = None,
) -> Examples:  # fmt: skip
    """One group per citizen with at least one application: positives, sampled negatives, vetoes; the
    features of every group's pairs are computed in one call. ``max_citizens``: above this many citizens,
    a seeded sample of them (a group per citizen either way; fewer are all kept, drawing nothing)."""
    rng = np.random.default_rng(seed)
    positives, vetoes = apply_labels(events)
    if seen_negatives:
        vetoes = pl.concat([vetoes, seen_not_applied(events)])
    vetoed = dict(vetoes.group_by(C.SEEKER_ID).agg(pl.col(C.VACANCY_ID)).iter_rows())
    users, items, ys, sizes = [], [], [], []
    groups = positives.group_by(C.SEEKER_ID).agg(pl.col(C.VACANCY_ID)).sort(C.SEEKER_ID)
    if max_citizens is not None and groups.height > max_citizens:
        keep = np.random.default_rng([seed, max_citizens]).choice(groups.height, max_citizens, replace=False)
        groups = groups[np.sort(keep)]
    for sid, vids in groups.iter_rows():
        pos = _known(ctx, vids)
        if sid not in ctx.seekers or len(pos) == 0:
            continue
        pool = candidates.get(sid) if candidates else None
        pool = np.arange(len(ctx.vacancies)) if pool is None else pool
        neg = rng.choice(pool, min(negatives, len(pool)), replace=False)
        neg = np.setdiff1d(np.union1d(neg, _known(ctx, vetoed.get(sid, []))), pos)
        group = np.concatenate([pos, neg])
        users.append(np.full(len(group), ctx.seekers.rows([sid])[0]))
        items.append(group)
        ys.append(np.concatenate([np.ones(len(pos)), np.zeros(len(neg))]))
        sizes.append(len(group))
    if not users:
        raise ValueError("no applications to learn the ranker from")
    x = features(np.concatenate(users), np.concatenate(items))
    return Examples(x, np.concatenate(ys), np.asarray(sizes))


def _known(ctx: RecContext, vacancy_ids: list[str]) -> np.ndarray:
    rows = ctx.vacancies.rows(list(vacancy_ids), missing=-1)
    return np.unique(rows[rows >= 0])

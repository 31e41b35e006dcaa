"""Training data for recommenders from the store: time splits, weighted interaction matrices, and the
side features LightFM uses. Protected attributes are never read here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import polars as pl
import scipy.sparse as sp

from data import columns as C
from data.decisions import PAIR_ACTIONS, TRAINING_EVENT, final_states
from data.idmap import IdMap
from data.store import Store

# How much an event says about fit. Consultant accepts are strong positives; rejections by the citizen
# ("not for me") are negatives handled by the rankers that can use them.
EVENT_WEIGHTS = {C.APPLIED: 1.0, C.INTERVIEW: 2.0, C.HIRED: 3.0, C.ACCEPTED: 2.0}
POSITIVE_EVENTS = tuple(EVENT_WEIGHTS)


@dataclass(frozen=True)
class Split:
    """Train on events before ``train_end``; learn the ranker on [train_end, valid_end); test after."""

    train_end: datetime
    valid_end: datetime


def default_split(interactions: pl.DataFrame, test_weeks: int = 8, valid_weeks: int = 8) -> Split:
    """The last ``test_weeks`` are the test period, the ``valid_weeks`` before it train the ranker."""
    last = interactions["ts"].max()
    if not isinstance(last, datetime):
        raise ValueError("no interactions to split")
    valid_end = last - timedelta(weeks=test_weeks)
    return Split(train_end=valid_end - timedelta(weeks=valid_weeks), valid_end=valid_end)


@dataclass(frozen=True)
class TimeSplitFrames:
    """What a time split gives the trainers and evaluators, cut the same way for all of them."""

    split: Split
    train: pl.DataFrame  # positives before train_end: what LightFM learns from
    ranker_events: (
        pl.DataFrame
    )  # raw events before the test (all, for service): what the ranker may learn from
    history: pl.DataFrame  # positives before valid_end: what single-stage baselines learn from
    truth: pl.DataFrame  # positives from valid_end (empty without a test period)


def time_split(
    events: pl.DataFrame, split: Split | None = None, *, test_period: bool = True, carry_over: bool = True
) -> TimeSplitFrames:
    """Cut ``events`` at :func:`default_split` (or ``split``) into training, ranker and test frames.

    With ``test_period`` the weeks after valid_end are the test and the ranker may learn from every event
    before valid_end; without one (training for service: ``default_split(events, test_weeks=0)``) it may
    learn from every event, and ``truth`` is empty. (The hybrid cuts its own windows from that history,
    only [train_end, valid_end) when LightFM, trained before train_end, is one of its features.) ``carry_over=False`` leaves out of ``truth`` the
    pairs with a positive before the window (applied then, hired inside it): the recommender evaluation's
    truth. (The fairness audit still keeps them: its small-world cuts need every group it compares.)
    """
    split = split or default_split(events, test_weeks=8 if test_period else 0)
    ts = pl.col("ts")
    if test_period:
        ranker = events.filter(ts < split.valid_end)
        truth = positives(events, start=split.valid_end)
        if not carry_over:
            earlier = positives(events, end=split.valid_end).select(C.SEEKER_ID, C.VACANCY_ID)
            truth = truth.join(earlier, on=[C.SEEKER_ID, C.VACANCY_ID], how="anti")
    else:
        ranker = events
        truth = positives(events.clear())
    return TimeSplitFrames(
        split=split,
        train=positives(events, end=split.train_end),
        ranker_events=ranker,
        history=positives(events, end=split.valid_end) if test_period else positives(events),
        truth=truth,
    )


def pair_outcomes(events: pl.DataFrame) -> pl.DataFrame:
    """One row per application (seeker, vacancy): how far it got, as ``applied`` (always true),
    ``interview`` and ``hired`` flags, sorted by seeker and vacancy. A later step implies the earlier ones
    (:data:`data.columns.APPLICATION_STEPS`), so an interview without an 'applied' row still counts."""
    event = pl.col(C.EVENT)
    return (
        events.group_by(C.SEEKER_ID, C.VACANCY_ID)
        .agg(
            event.is_in(list(C.APPLICATION_STEPS)).any().alias(C.APPLIED),
            event.is_in(list(C.APPLICATION_STEPS[1:])).any().alias(C.INTERVIEW),
            (event == C.HIRED).any().alias(C.HIRED),
        )
        .filter(pl.col(C.APPLIED))
        .sort(C.SEEKER_ID, C.VACANCY_ID)
    )


def training_events(store: Store) -> pl.DataFrame:
    """Interaction history plus consultants' decisions, so the oversight log flows back as training signal:
    only the final state of each (citizen, vacancy) pair counts (``data.decisions``): accepted, contacted
    or chosen instead (override) becomes an 'accepted' event, rejected a 'vetoed' event from the
    consultant (an explicit negative, kept apart from the funnel's 'rejected': an employer turning down an
    application), and an undone decision nothing."""
    events = store.table("interactions")
    history = store.query(
        "SELECT seeker_id, vacancy_id, programme, action, ts FROM decisions "
        f"WHERE action IN ({', '.join(repr(a) for a in PAIR_ACTIONS)}) "
        "AND seeker_id IS NOT NULL AND vacancy_id IS NOT NULL ORDER BY ts, rowid"
    )
    final = final_states(history)
    if final.height == 0:
        return events
    decided = final.select(
        C.SEEKER_ID,
        C.VACANCY_ID,
        pl.col("action").replace_strict(TRAINING_EVENT).alias(C.EVENT),
        "ts",
        pl.lit("consultant").alias("source"),
    )
    return pl.concat([events, decided.select(events.columns).cast(events.schema)]).sort("ts")


def positives(
    interactions: pl.DataFrame, start: datetime | None = None, end: datetime | None = None
) -> pl.DataFrame:
    """(seeker, vacancy, gain) with the strongest positive event per pair inside [start, end)."""
    frame = interactions.filter(pl.col("event").is_in(list(POSITIVE_EVENTS)))
    if start is not None:
        frame = frame.filter(pl.col("ts") >= start)
    if end is not None:
        frame = frame.filter(pl.col("ts") < end)
    weights = pl.col("event").replace_strict(EVENT_WEIGHTS, return_dtype=pl.Float64)
    return (
        frame.group_by(C.SEEKER_ID, C.VACANCY_ID)
        .agg(weights.max().alias("gain"))
        .sort(C.SEEKER_ID, C.VACANCY_ID)
    )


def interaction_matrix(pos: pl.DataFrame, users: IdMap, items: IdMap) -> sp.coo_matrix:
    """Users x items weights; pairs with unknown ids are dropped."""
    u = users.rows(pos[C.SEEKER_ID].to_list(), missing=-1)
    i = items.rows(pos[C.VACANCY_ID].to_list(), missing=-1)
    keep = (u >= 0) & (i >= 0)
    return sp.coo_matrix(
        (pos["gain"].to_numpy()[keep].astype(np.float32), (u[keep], i[keep])), shape=(len(users), len(items))
    )


def _one_hot(groups: list[list[str]], vocabulary: IdMap, identity_rows: int | None) -> sp.csr_matrix:
    rows, cols = [], []
    for r, feats in enumerate(groups):
        for f in feats:
            if f in vocabulary:
                rows.append(r)
                cols.append(vocabulary.rows([f])[0])
    n = len(groups)
    m = sp.csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=(n, len(vocabulary)))
    if identity_rows is not None:
        m = sp.hstack([sp.identity(n, dtype=np.float32, format="csr"), m], format="csr")
    # Normalise rows so users with many skills do not get larger representations.
    sums = np.asarray(m.sum(axis=1)).ravel()
    return sp.csr_matrix(sp.diags(1.0 / np.maximum(sums, 1e-9)) @ m)


def seeker_feature_lists(seekers: pl.DataFrame) -> list[list[str]]:
    """skills, desired occupations, education, municipality (job centre), target group."""
    out = []
    for skills, desired, isced, jc, target in seekers.select(
        "skills", "desired_occupations", "isced_level", C.JOBCENTER_ID, "target_group"
    ).iter_rows():
        out.append([*(f"skill:{s}" for s in skills), *(f"desired:{o}" for o in desired), f"isced:{isced}",
                    f"jc:{jc}", f"target:{target}"])  # fmt: skip
    return out


def vacancy_feature_lists(vacancies: pl.DataFrame, employers: pl.DataFrame) -> list[list[str]]:
    """occupation (also as a 'desired' twin so it meets the seeker's desire), essential skills, industry,
    municipality, hours."""
    joined = vacancies.join(
        employers.select(C.EMPLOYER_ID, "industry", "municipality"), on=C.EMPLOYER_ID, how="left"
    )
    out = []
    for occ, skills, industry, municipality, hours in joined.select(
        C.OCCUPATION_ID, "essential_skills", "industry", "municipality", "hours"
    ).iter_rows():
        bucket = "full" if hours >= 37 else ("part-high" if hours >= 25 else "part-low")
        out.append([f"occ:{occ}", *(f"skill:{s}" for s in skills), f"industry:{industry}",
                    f"municipality:{municipality}", f"hours:{bucket}"])  # fmt: skip
    return out


@dataclass
class FeatureSpace:
    """Vocabularies of user and item features, fitted on training entities, reused for cold start."""

    user_vocab: IdMap
    item_vocab: IdMap

    @classmethod
    def fit(cls, user_lists: list[list[str]], item_lists: list[list[str]]) -> FeatureSpace:
        return cls(
            IdMap(sorted({f for lst in user_lists for f in lst})),
            IdMap(sorted({f for lst in item_lists for f in lst})),
        )

    def users(self, lists: list[list[str]], identity: bool = False) -> sp.csr_matrix:
        return _one_hot(lists, self.user_vocab, len(lists) if identity else None)

    def items(self, lists: list[list[str]], identity: bool = False) -> sp.csr_matrix:
        return _one_hot(lists, self.item_vocab, len(lists) if identity else None)

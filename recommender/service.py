"""Serving recommendations from saved models: both directions, both sides of the score, with reasons.

Candidates come from matching's hard filters (open, within commute, hours, consent for employers); the
hybrid ranks them; an optional congestion step spreads exposure; each row carries the match explanation
and the signed contribution of each reason to the score (only positive ones are stated as reasons).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from core.settings import Settings
from data import columns as C
from data.interactions import time_split, training_events
from data.store import Store
from matching.retrieval import Matcher, MatchFilters
from recommender.context import AsOf, RecContext
from recommender.explain import reasons_text
from recommender.fair_rerank import RERANK_COLUMN, RerankMethod, protected_groups, rerank_frame
from recommender.hybrid import HybridConfig, HybridRecommender, load_hybrid, save_hybrid
from recommender.lightfm_model import LightFMConfig
from recommender.serving import RETRIEVAL_DEPTH, rerank


def model_root(settings: Settings) -> Any:
    return settings.models_dir / "hybrid"


def context_with_vectors(store: Store, matcher: Matcher) -> RecContext:
    """The recommender context, reusing the matching index's vectors (no re-encoding) and the matcher's
    copies of the seekers and vacancies tables (the same ``SELECT *`` of the same store, not read twice)."""
    ctx = RecContext.from_frames(matcher.seekers.frame, matcher.vacancies.frame, store.table("employers"),
                                 AsOf(store.reference_date()))  # fmt: skip
    for side, ids in ((matcher.seekers, ctx.seekers.ids), (matcher.vacancies, ctx.vacancies.ids)):
        index = side.index
        positions = np.array([index.position(i) if i in index else -1 for i in ids.tolist()])
        vectors = np.zeros((len(ids), index.index.d), dtype=np.float32)
        ok = positions >= 0
        vectors[ok] = index.vectors_at(positions[ok])
        if side is matcher.seekers:
            ctx.seeker_vectors = vectors
        else:
            ctx.vacancy_vectors = vectors
    return ctx


def train_and_save(settings: Settings, seed: int = 0) -> dict[str, Any]:
    """Train the hybrid on all history (LightFM on the older part, the ranker on the latest weeks), save it."""
    started = time.perf_counter()
    with Store(settings.db_path) as store:
        matcher = Matcher.open(settings, store)
        ctx = context_with_vectors(store, matcher)
        events = training_events(store)
        cut = time_split(events, test_period=False)
        split, train, ranker_events = cut.split, cut.train, cut.ranker_events
        config = HybridConfig(seed=seed, lightfm=LightFMConfig(seed=seed))
        model = HybridRecommender(config=config).fit(ctx, train, ranker_events)
        meta = {"data_version": store.data_version, "encoder": matcher.encoder.model_id, "seed": seed,
                "metrics": model.fit_stats_,
                "accepted_decisions": events.filter(pl.col(C.EVENT) == C.ACCEPTED).height,
                "train_positives": train.height, "ranker_events": ranker_events.height,
                "split": {"train_end": str(split.train_end)}}  # fmt: skip
        folder = save_hybrid(model, model_root(settings), meta)
    return {"folder": str(folder), **meta, "seconds": round(time.perf_counter() - started, 1),
            "weights": model.weights()}  # fmt: skip


class RecommendationService:
    """Loaded once per process: matcher, context and model; answers both directions."""

    def __init__(
        self, matcher: Matcher, ctx: RecContext, model: HybridRecommender, meta: dict[str, Any],
        protected_source: Store | Path | None = None,
    ) -> None:  # fmt: skip
        self.matcher, self.ctx, self.model, self.meta = matcher, ctx, model, meta
        self.model_version = str(meta.get("data_version", "")) + "/" + str(meta.get("encoder", ""))
        # Where fairness re-ranking reads group labels (only then, only through protected_groups).
        self.protected_source = protected_source

    @classmethod
    def open(cls, settings: Settings, store: Store) -> RecommendationService:
        matcher = Matcher.open(settings, store)
        # Trained on an earlier data version is fine: new citizens and vacancies are scored from their
        # features (cold start) until the scheduled build retrains; the release says how stale it is.
        model, meta = load_hybrid(model_root(settings))
        return cls(
            matcher, context_with_vectors(store, matcher), model, meta, protected_source=settings.db_path
        )

    def for_seeker(self, seeker_id: str, k: int = 10, filters: MatchFilters | None = None,
                   candidates_k: int = RETRIEVAL_DEPTH) -> pl.DataFrame:  # fmt: skip
        """Vacancies for a citizen: hybrid-ranked among matching's filtered candidates, with both parts.

        The funnel (filters, retrieval depth, re-ranking) is ``recommender.serving``'s, which the evaluation
        runs too."""
        # Candidates unexplained: only the k shown are explained, after ranking (``explain``), not all 200.
        found = self.matcher.vacancies_for_seeker(seeker_id, candidates_k, filters, explain=False)
        if found.height == 0:
            return self.matcher.explain_located(seeker_id, found).with_columns(
                *(pl.lit(None, pl.Float64).alias(c) for c in _PARTS),
                pl.lit(None, pl.String).alias("why_score"),
            )
        user = self.ctx.seekers.rows([seeker_id])
        items = self.ctx.vacancies.rows(found[C.VACANCY_ID].to_list())
        explain = partial(self.matcher.explain_located, seeker_id)
        return self._rank(found, user, items, k, by_item=True, explain=explain)

    def for_vacancy(self, vacancy_id: str, k: int = 10, filters: MatchFilters | None = None,
                    candidates_k: int = 500, *, rerank: RerankMethod = "off",
                    rerank_options: dict[str, Any] | None = None) -> pl.DataFrame:  # fmt: skip
        """Candidates for a vacancy, ranked by the reciprocal score.

        ``rerank``: ``"off"`` (default, unchanged ranking), ``"detconstsort"`` or ``"fair"``: fairness-aware
        re-ranking of the candidates (``recommender.fair_rerank``, target: this candidate pool) with
        ``rerank_options`` overriding its defaults. Group labels are read then, and only then, through
        ``protected_groups``; the result names the re-ranking applied in the ``fair_rerank`` column.
        """
        found = self.matcher.seekers_for_vacancy(vacancy_id, candidates_k, filters)
        if found.height == 0:
            out = found.with_columns(
                *(pl.lit(None, pl.Float64).alias(c) for c in _PARTS),
                pl.lit(None, pl.String).alias("why_score"),
            )
            return out if rerank == "off" else out.with_columns(pl.lit(rerank).alias(RERANK_COLUMN))
        ctx = self._ctx_today()
        users = ctx.seekers.rows(found[C.SEEKER_ID].to_list())
        item = ctx.vacancies.rows([vacancy_id])
        if rerank == "off":
            return self._rank(found, users, item, k, by_item=False)
        if self.protected_source is None:
            raise ValueError(
                "fairness re-ranking needs the store's group labels: open the service with a store"
            )
        scores = self.model.parts(ctx, users, item)["reciprocal"][:, 0]
        scored = found.select(C.SEEKER_ID).with_columns(pl.Series("reciprocal", scores))
        groups = protected_groups(self.protected_source, scored[C.SEEKER_ID].to_list())
        chosen = rerank_frame(scored, groups, rerank, score="reciprocal", k=k, key=vacancy_id,
                              **(rerank_options or {}))[C.SEEKER_ID].to_list()  # fmt: skip
        position = {sid: i for i, sid in enumerate(found[C.SEEKER_ID].to_list())}
        top = found[[position[sid] for sid in chosen]]
        ranked = self._rank(
            top, users[[position[sid] for sid in chosen]], item, k, by_item=False, keep_order=True
        )
        return ranked.with_columns(pl.lit(rerank).alias(RERANK_COLUMN))

    def _ctx_today(self) -> RecContext:
        """The context as of the matcher's "today": where the store records no date of its own, a process
        that outlives a calendar day ranks by the new day's timing (days to each deadline)."""
        today = self.matcher.today()
        if self.ctx.as_of is None or self.ctx.as_of.day != today:
            self.ctx = self.ctx.at(AsOf(today))
        return self.ctx

    def _rank(
        self, found: pl.DataFrame, users: np.ndarray, items: np.ndarray, k: int, by_item: bool,
        keep_order: bool = False, explain: Callable[[pl.DataFrame], pl.DataFrame] | None = None,
    ) -> pl.DataFrame:  # fmt: skip
        """The top ``k`` of ``found`` with score parts and reasons; ``explain`` adds matching's explanation
        to those rows when ``found`` came without it."""
        ctx = self._ctx_today()
        parts = self.model.parts(ctx, users, items)
        flat = {name: (m[0] if by_item else m[:, 0]) for name, m in parts.items()}
        # explanations only for what is shown: the costly part, per row
        top = np.arange(found.height)[:k] if keep_order else rerank(flat["reciprocal"], k)
        if by_item:
            rows, base = self.model.explain_with_base(ctx, int(users[0]), items[top])
            bases = [base] * len(rows)
        else:
            explained = [self.model.explain_with_base(ctx, int(u), items) for u in users[top]]
            rows, bases = [r[0][0] for r in explained], [r[1] for r in explained]
        shown = found[top] if explain is None else explain(found[top])
        ranked = shown.with_columns(
            pl.Series("p_apply", flat["p_apply"][top]), pl.Series("p_employer", flat["p_employer"][top]),
            pl.Series("reciprocal", flat["reciprocal"][top]), pl.Series("why_score", [reasons_text(x) for x in rows]),
            # The explanation's figures: ranking_score (ln reciprocal) = why_base + sum(why_contributions).
            pl.Series("ranking_score", flat["score"][top]), pl.Series("why_base", bases, dtype=pl.Float64),
            pl.Series("why_contributions", [json.dumps(r) for r in rows], dtype=pl.String),  # flat: CSV-safe
        )  # fmt: skip
        return ranked.with_columns(pl.int_range(1, ranked.height + 1).alias("rank"))


_PARTS = ("p_apply", "p_employer", "reciprocal")

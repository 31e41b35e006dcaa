"""Honest offline evaluation of the recommenders on a time-based split, through the funnel that serves them.

- LightFM learns from events before ``train_end``; the hybrid's ranker from horizon-long windows of the
  history before ``valid_end``; every model ranks as of ``valid_end`` and is tested on applications after it
  (carry-over pairs, applied before, left out).
  Single-stage models (popularity, ALS, LightFM) learn from train + valid.
- Every model ranks **what is served**: the vacancies open in the test window in the citizen's area, through
  ``recommender.serving``'s hard filters and retrieval depth, re-ranked by the model (``evaluation.served``).
  ``hybrid_unrestricted`` ranks all open vacancies in the area, to show what the funnel costs; the share
  of test positives the funnel can reach at all is reported apart, with a sweep over retrieval depths.
- The oracle ranks all open vacancies in the area by the generator's expected gain in the test window (its
  form, its latent tastes, when each vacancy is open): a true upper bound. Each model's share of it and the
  hybrid's difference to each model carry paired bootstrap CIs over citizens.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from data import columns as C
from data.interactions import Split, time_split
from data.store import Store
from embeddings.base import Encoder
from embeddings.cache import encode_cached
from embeddings.texts import seeker_texts, vacancy_texts
from evaluation.comparisons import differences, per_user, shares_of
from evaluation.exposure_sweep import K_MAX, exposure_sweep
from evaluation.ground_truth import GroundTruth
from evaluation.metrics import evaluate
from evaluation.recommender_report import write_report
from evaluation.served import Funnel, reachability, recs_frame, served_top
from recommender.base import Recommender
from recommender.baselines import EmbeddingRecommender, PopularityRecommender, SkillOverlapRecommender
from recommender.baselines_cf import ALSRecommender
from recommender.baselines_text import (
    BM25Recommender,
    RuleRecommender,
    TfidfRecommender,
    TimedRuleRecommender,
)
from recommender.context import AsOf, RecContext
from recommender.hybrid import HybridRecommender
from recommender.lightfm_model import LightFMRecommender
from recommender.serving import RETRIEVAL_DEPTH

__all__ = [
    "DEPTHS",
    "K_MAX",
    "attach_vectors",
    "live_candidates",
    "run_recommender_evaluation",
    "test_context",
]

KOBENHAVN_POSTCODES = 5000  # postcodes below this are the Copenhagen area
DEPTHS: tuple[int | None, ...] = (25, 50, 100, 200, 400, None)  # None: every filtered vacancy
AREAS = ("kbh", "odense")


def _area(postcodes: np.ndarray) -> np.ndarray:
    return np.where(postcodes < KOBENHAVN_POSTCODES, "kbh", "odense")


def live_candidates(ctx: RecContext, start: Any, end: Any) -> dict[str, np.ndarray]:
    """Vacancy rows live at some point in [start, end), per area."""
    posted, deadline = ctx.vacancy_array("posted"), ctx.vacancy_array("deadline")
    live = (posted < np.datetime64(end.date())) & (deadline >= np.datetime64(start.date()))
    area = _area(ctx.vacancy_array("postcode"))
    return {a: np.flatnonzero(live & (area == a)) for a in AREAS}


def test_context(ctx: RecContext, start: datetime, last_event: datetime) -> RecContext:
    """``ctx`` as of the test window's first day: models rank then for what happens up to the last event."""
    return ctx.at(AsOf.window(start, last_event + timedelta(days=1)))


def attach_vectors(ctx: RecContext, store: Store, encoder: Encoder) -> None:
    """Text vectors for every seeker and vacancy (from the embedding cache where present)."""
    taxonomy = store.load_taxonomy(store.meta("taxonomy") or "builtin")
    ctx.seeker_vectors, _ = encode_cached(store, encoder, seeker_texts(ctx.seekers_frame, taxonomy))
    ctx.vacancy_vectors, _ = encode_cached(store, encoder, vacancy_texts(ctx.vacancies_frame, taxonomy))


def _fit_models(ctx: RecContext, store: Store, cut: Any, seed: int) -> dict[str, Recommender]:
    taxonomy = store.load_taxonomy(store.meta("taxonomy") or "builtin")
    texts = (seeker_texts(ctx.seekers_frame, taxonomy), vacancy_texts(ctx.vacancies_frame, taxonomy))
    history = cut.history
    hybrid = HybridRecommender(LightFMRecommender(seed=seed).fit(ctx, cut.train), seed=seed)
    return {
        "popularity": PopularityRecommender().fit(ctx, history),
        "rule": RuleRecommender().fit(ctx, history),
        "rule_timed": TimedRuleRecommender().fit(ctx, history),
        "skill_overlap": SkillOverlapRecommender().fit(ctx, history),
        "embedding": EmbeddingRecommender().fit(ctx, history),
        "tfidf_char": TfidfRecommender(*texts).fit(ctx, history),
        "bm25": BM25Recommender(*texts).fit(ctx, history),
        "als": ALSRecommender(seed=seed).fit(ctx, history),
        "lightfm": LightFMRecommender(seed=seed).fit(ctx, history),
        "hybrid": hybrid.fit(ctx, cut.train, cut.ranker_events),
    }


def _served_recs(
    ctx: RecContext, funnels: list[Funnel], scores: list[np.ndarray], depth: int | None
) -> pl.DataFrame:
    return pl.concat(
        [
            recs_frame(ctx, f, served_top(s, f.lists(depth), K_MAX), s)
            for f, s in zip(funnels, scores, strict=True)
        ]
    )


def _unrestricted_recs(ctx: RecContext, funnels: list[Funnel], scores: list[np.ndarray]) -> pl.DataFrame:
    frames = []
    for f, s in zip(funnels, scores, strict=True):
        top = np.argsort(-s, axis=1, kind="stable")[:, :K_MAX]
        frames.append(recs_frame(ctx, f, list(top), s))
    return pl.concat(frames)


def _depth_sweep(
    ctx: RecContext, funnels: list[Funnel], scores: dict[str, list[np.ndarray]], truth: pl.DataFrame,
    n_candidates: int, seed: int,
) -> list[dict[str, Any]]:  # fmt: skip
    """Per retrieval depth: the funnel's reachable share and the served hybrid's and rule's NDCG@10."""
    rows = []
    for depth in DEPTHS:
        row: dict[str, Any] = {"depth": depth, **reachability(ctx, funnels, truth, depth)}
        for name in ("hybrid", "rule"):
            m = evaluate(_served_recs(ctx, funnels, scores[name], depth), truth, (10,),
                         catalogue_size=n_candidates, seed=seed)  # fmt: skip
            row[f"{name}_ndcg@10"] = m["ndcg@10"]
        rows.append(row)
    return rows


def choose_depth(sweep: list[dict[str, Any]], tolerance: float = 0.002) -> int | None:
    """The smallest depth whose served hybrid NDCG@10 is within ``tolerance`` of the sweep's best and whose
    reachable share is within one point of the unlimited funnel's."""
    best = max(r["hybrid_ndcg@10"]["value"] for r in sweep)
    full = max(r["reachable"] for r in sweep)
    for r in sweep:
        if r["hybrid_ndcg@10"]["value"] >= best - tolerance and r["reachable"] >= full - 0.01:
            depth: int | None = r["depth"]
            return depth
    return None


def _world(store: Store, gt: GroundTruth) -> dict[str, str]:
    return {
        "form": gt.form,
        "seed": store.meta("seed") or "?",
        "label": f"{gt.form}/seed{store.meta('seed')}",
    }


def run_recommender_evaluation(
    store: Store, encoder: Encoder, out_dir: Path | None = None, *, seed: int = 0, split: Split | None = None,
    progress: bool = True, depths: bool = True, home: bool = True,
) -> dict[str, Any]:  # fmt: skip
    """Train every model, evaluate what is served on the test period, write metrics.json + report.md + plots.

    ``depths=False`` skips the retrieval-depth sweep (tests); ``home=False`` (another world than the
    installation's) only adds that world's section to metrics.json."""
    t0 = time.perf_counter()
    say = print if progress else (lambda *_a, **_k: None)
    ctx = RecContext.from_store(store)
    say("encoding texts (cached)")
    attach_vectors(ctx, store, encoder)
    events = store.table("interactions")
    cut = time_split(events, split, carry_over=False)  # carry-over pairs are history, not test positives
    last_event = events["ts"].max()
    assert isinstance(last_event, datetime)
    cands = live_candidates(ctx, cut.split.valid_end, last_event + timedelta(days=1))
    say("fitting models")
    models = _fit_models(ctx, store, cut, seed)
    ctx = test_context(ctx, cut.split.valid_end, last_event)
    truth = cut.truth.filter(pl.col(C.SEEKER_ID).is_in(ctx.seekers.ids.tolist()))
    test_users = ctx.seekers.rows(truth[C.SEEKER_ID].unique().sort().to_list())
    area = _area(ctx.seeker_array("postcode"))
    funnels = [Funnel.build(ctx, test_users[area[test_users] == a], cands[a]) for a in AREAS]
    gt = GroundTruth(store, ctx)
    window = (np.datetime64(cut.split.valid_end, "us"), np.datetime64(last_event, "us"))
    n_candidates = int(sum(len(v) for v in cands.values()))
    scores: dict[str, list[np.ndarray]] = {}
    for name, model in models.items():
        say(f"scoring {name}")
        scores[name] = [model.score_matrix(ctx, f.users, f.items) for f in funnels]
    scores["oracle"] = [gt.expected_gain(f.users, f.items, window) for f in funnels]
    recs = {name: _served_recs(ctx, funnels, s, RETRIEVAL_DEPTH) for name, s in scores.items()}
    recs["oracle_served"] = recs.pop("oracle")
    recs["hybrid_unrestricted"] = _unrestricted_recs(ctx, funnels, scores["hybrid"])
    recs["oracle"] = _unrestricted_recs(ctx, funnels, scores["oracle"])
    results = {
        name: evaluate(r, truth, (10, 50), catalogue_size=n_candidates, seed=seed) for name, r in recs.items()
    }
    ndcg = {name: per_user(r, truth) for name, r in recs.items()}
    for name, cell in shares_of(ndcg, "oracle", seed=seed).items():
        results[name]["share_of_oracle_ndcg@10"] = cell
    for name, cell in differences(ndcg, "hybrid", seed=seed).items():
        results[name]["hybrid_minus_model_ndcg@10"] = cell
    say("retrieval depth sweep")
    sweep = _depth_sweep(ctx, funnels, scores, truth, n_candidates, seed) if depths else []
    say("exposure re-ranking sweep")
    users = {a: f.users for a, f in zip(AREAS, funnels, strict=True)}
    items = {a: f.items for a, f in zip(AREAS, funnels, strict=True)}
    hybrid_scores = dict(zip(AREAS, scores["hybrid"], strict=True))
    hybrid = models["hybrid"]
    weights = hybrid.weights() if isinstance(hybrid, HybridRecommender) else {}
    report = {
        "world": _world(store, gt),
        "split": {"train_end": str(cut.split.train_end), "valid_end": str(cut.split.valid_end),
                  "test_end": str(last_event), "test_seekers": len(test_users), "candidates": n_candidates,
                  "train_positives": cut.train.height, "test_positives": truth.height},
        "pipeline": {"served": True, "retrieval_depth": RETRIEVAL_DEPTH, "oracle": "time-aware expected gain"},
        "metrics": results,
        "reachable": reachability(ctx, funnels, truth, RETRIEVAL_DEPTH),
        "depth_sweep": sweep,
        "chosen_depth": choose_depth(sweep) if sweep else None,
        "exposure": exposure_sweep(ctx, hybrid_scores, users, items, truth, n_candidates, seed),
        "hybrid_weights": weights,
        "seconds": round(time.perf_counter() - t0, 1),
        "encoder": encoder.model_id,
    }  # fmt: skip
    if out_dir is not None:
        write_report(report, out_dir, home=home)
    return report
